"""One rank of `ember launch`: run the script as `ember run` does and report its outcome to the launcher
(NOTE [ Launched ranks ] in launch.py). Started by mpiexec as `python -m ember.cli.launched script args`."""
import json
import os
import sys
import traceback

from .. import distributed
from ..distributed.launcher import launched_rank
from . import run
from .launch import STATUS_ENV

LOCAL_RANK_VARIABLES = ("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID")


def _first(names: tuple[str, ...], default: str) -> str:
    return next((os.environ[n] for n in names if n in os.environ), default)


def _write_status(rank: int, exit_code: int, error: str | None) -> None:
    path = os.path.join(os.environ[STATUS_ENV], f"rank-{rank}.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"rank": rank, "pid": os.getpid(), "exit_code": exit_code, "error": error}, f)
    os.replace(path + ".tmp", path)


def _exit_code(error: SystemExit) -> int:
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def main(argv: list[str]) -> None:
    """Run the script at argv[0] with arguments argv[1:] as this rank; return (exit 0) once the outcome is written."""
    import mpi4py  # optional: ember launch needs the distributed extra
    mpi4py.rc.finalize = False  # NOTE [ Launched ranks ]: no rank waits in MPI's finalize for one that is gone
    rank = launched_rank() or 0
    os.environ.update(RANK=str(rank), LOCAL_RANK=_first(LOCAL_RANK_VARIABLES, str(rank)), ROLE_RANK=str(rank))
    script, args = argv[0], argv[1:]
    try:
        run.run_script(script, args)
        exit_code, error = 0, None
    except SystemExit as stop:
        exit_code, error = _exit_code(stop), None
    except BaseException as failure:  # noqa: BLE001  (reported as Python reports an uncaught exception)
        distributed.report_failure(failure)
        run.name_missing_api(failure)
        error = "".join(traceback.format_exception(type(failure), failure, failure.__traceback__))
        print(f"[rank {rank}] " + error, file=sys.stderr, end="")
        exit_code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    _write_status(rank, exit_code, error)


if __name__ == "__main__":
    main(sys.argv[1:])
