"""One process of a `spawn` started as an MPI job (NOTE [ Spawned ranks ] in mpi_spawn.py): prepare as a spawned
child, then run fn(rank, *args). Started by mpiexec as `python -m ember.multiprocessing.spawned_rank FOLDER`."""
import multiprocessing.spawn
import os
import pickle
import sys
from multiprocessing.reduction import ForkingPickler

from ..distributed.launcher import launched_rank
from .mpi_spawn import PAYLOAD, PREPARATION
from .spawn import _wrap


def main(folder: str) -> None:
    """Run this rank's call of the spawned function; exit 1 (its traceback in RANK.err) if it raises."""
    rank = launched_rank() or 0
    with open(os.path.join(folder, f"{rank}.pid"), "w") as f:
        f.write(str(os.getpid()))
    with open(os.path.join(folder, PREPARATION), "rb") as f:
        multiprocessing.spawn.prepare(pickle.load(f))
    with open(os.path.join(folder, PAYLOAD), "rb") as f:
        fn, args = ForkingPickler.loads(f.read())
    _wrap(fn, rank, args, os.path.join(folder, f"{rank}.err"), on_error=_leave_the_job)
    open(os.path.join(folder, f"{rank}.done"), "w").close()


def _leave_the_job(error: BaseException) -> None:
    """Tell the other ranks that this one failed, and exit 1 without MPI's finalize, which would wait for them
    while they wait for this rank; mpiexec then ends the job."""
    from .. import distributed  # layer: the ranks report through the distributed edge
    distributed.report_failure(error)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
