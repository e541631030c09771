"""`spawn` of the ranks of a distributed program: the processes start as one MPI job (NOTE [ Spawned ranks ])."""
import glob
import multiprocessing.spawn
import os
import pickle
import shutil
import subprocess
import sys
import types
from multiprocessing.reduction import ForkingPickler

from .spawn import failure

# NOTE [ Spawned ranks ]
# PyTorch's DDP tutorial starts its ranks with mp.spawn(fn, args, nprocs=N), and each calls
# init_process_group(rank=i, world_size=N). ember's ranks are the processes of one MPI job, and MPI cannot
# join processes that its launcher did not start (ember.distributed's processes find each other through the
# launcher). So when the program's main script has imported ember.distributed (torch.distributed under
# `ember run`) or names from it, and MPI is installed, spawn with the 'spawn' start method starts its N
# processes with mpiexec, as one MPI job: process i is MPI rank i, and init_process_group(rank=i,
# world_size=N) finds itself in it. Each process runs ember.multiprocessing.spawned_rank, which prepares
# itself as multiprocessing prepares a spawned child (the parent's sys.path, working directory, __main__
# imported as __mp_main__, and the authentication key with which it can receive the parent's shared tensors),
# then unpickles `fn` and `args` and runs fn(i, *args) under spawn's wrapper, whose traceback goes to the
# process's error file. A failing process ends the job (mpiexec stops the others), and the parent raises
# ProcessRaisedException or ProcessExitedException naming it, as spawn does.

PAYLOAD, PREPARATION = "payload.pickle", "preparation.pickle"


def main_imports_distributed() -> bool:
    """True if the main script has bound ember.distributed, or something defined in it, to a name."""
    main = sys.modules.get("__main__")
    for value in vars(main).values() if main is not None else ():
        name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(name, str) and (name == "ember.distributed" or name.startswith("ember.distributed.")):
            return True
    return False


def wanted(nprocs: int, start_method: str) -> bool:
    """Whether spawn should start its processes as one MPI job (NOTE [ Spawned ranks ])."""
    if nprocs < 2 or start_method != "spawn" or not main_imports_distributed():
        return False
    from ..distributed import is_mpi_available, launcher  # layer: asked only by programs that use the distributed edge
    return is_mpi_available() and launcher.launched_rank() is None


def start(fn, args: tuple, nprocs: int, join: bool):
    """Start `fn(i, *args)` for each i as rank i of one MPI job; with join, wait and raise the first failure."""
    from ..distributed import launcher  # layer: asked only by programs that use the distributed edge
    folder = launcher.job_directory("ember-spawn-")
    preparation = multiprocessing.spawn.get_preparation_data("spawned rank")
    preparation["authkey"] = bytes(preparation["authkey"])  # multiprocessing pickles it only while it spawns
    with open(os.path.join(folder, PREPARATION), "wb") as f:
        pickle.dump(preparation, f)
    with open(os.path.join(folder, PAYLOAD), "wb") as f:
        f.write(ForkingPickler.dumps((fn, args)))
    command = launcher.mpiexec_command(nprocs, sys.executable, "-m", "ember.multiprocessing.spawned_rank", folder)
    process = launcher.start_job(command, launcher.job_environment(folder))
    context = MPIProcessContext(process, folder, nprocs)
    if not join:
        return context
    while not context.join():
        pass
    return None


class MPIProcessContext:
    """The processes of `spawn` started as one MPI job; `join()` waits and raises a process's failure."""

    def __init__(self, launcher: subprocess.Popen, folder: str, nprocs: int):
        self.launcher, self.folder, self.nprocs = launcher, folder, nprocs

    def pids(self) -> list:
        """The pids of the processes that have started so far, in rank order."""
        return [pid for pid in map(self._pid, range(self.nprocs)) if pid != -1]

    def _pid(self, rank: int) -> int:
        """Process `rank`'s pid, or -1 before it has started."""
        try:
            with open(os.path.join(self.folder, f"{rank}.pid")) as f:
                return int(f.read())
        except (FileNotFoundError, ValueError):
            return -1

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait up to `timeout` for the processes; True when all exited cleanly, else raise the first failure."""
        try:
            code = self.launcher.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        error = None if code == 0 else self._failure(code)
        shutil.rmtree(self.folder, ignore_errors=True)
        if error is not None:
            raise error
        return True

    def _failure(self, code: int):
        # the first failure is the earliest error file: a failed rank writes it before it tells the others
        errors = sorted(glob.glob(os.path.join(self.folder, "*.err")), key=lambda p: os.stat(p).st_mtime_ns)
        for path in errors:
            with open(path) as f:
                trace = f.read()
            if trace:
                rank = _rank_of(path)
                return failure(rank, self._pid(rank), trace, code)
        done = {_rank_of(path) for path in glob.glob(os.path.join(self.folder, "*.done"))}
        rank = next((r for r in range(self.nprocs) if r not in done), 0)
        return failure(rank, self._pid(rank), None, code)


def _rank_of(path: str) -> int:
    """The rank that wrote the file `path` (RANK.err, RANK.done)."""
    return int(os.path.basename(path).split(".")[0])
