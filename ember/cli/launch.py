"""Start a script on several processes that form one ember.distributed job, as PyTorch's torchrun does:
`ember launch --nproc-per-node N script.py args`. The processes are started by the MPI launcher (mpiexec),
each with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set, and each runs the
script as `ember run` does, so a script written for torchrun runs unchanged. The exit status is the first
failing rank's; what each failed rank raised is summarised at the end (NOTE [ Launched ranks ])."""
import argparse
import json
import os
import shutil
import signal
import sys
import uuid

from ..distributed.launcher import job_directory, job_environment, mpiexec_command, start_job

STATUS_ENV = "EMBER_LAUNCH_STATUS_DIR"

# NOTE [ Launched ranks ]
# mpiexec ends the whole job as soon as one process exits with a non-zero status, before the other ranks can
# report anything, and it ends it silently when a process is killed unless told to carry on
# (--enable-recovery). So each rank runs under ember.cli.launched: whatever the script does, the rank writes
# its outcome (exit code, and the traceback of what it raised) to a status file of its own and exits with 0,
# without MPI's finalize (which waits for every rank, the killed ones too), after telling the other ranks that
# it failed (NOTE [ Waiting with a deadline ] in ember/distributed/_waiting.py); those raise an error naming
# it, within their group's timeout at worst, and report in turn. This launcher then reads the status files:
# the exit status is the first failure's, and a rank with no status file was killed.


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `ember launch` (torchrun's names, with dashes or underscores)."""
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1, dest="nproc_per_node",
                        help="how many processes (ranks) to start")
    parser.add_argument("--nnodes", type=str, default="1", help="only 1: for several machines see docs/distributed.md")
    parser.add_argument("--node-rank", "--node_rank", type=int, default=0, dest="node_rank",
                        help="accepted for torchrun's scripts; always 0")
    parser.add_argument("--master-addr", "--master_addr", default="127.0.0.1", dest="master_addr",
                        help="set as MASTER_ADDR for the script (MPI connects the ranks)")
    parser.add_argument("--master-port", "--master_port", type=int, default=29500, dest="master_port",
                        help="set as MASTER_PORT for the script")
    parser.add_argument("--standalone", action="store_true", help="accepted for torchrun's scripts; always so")
    parser.add_argument("--run-id", "--run_id", default=None, dest="run_id",
                        help="set as TORCHELASTIC_RUN_ID (default: a random id)")
    parser.add_argument("script", help="the Python script each rank runs, written for PyTorch or ember")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed on to the script")


def _environment(args: argparse.Namespace, status_dir: str) -> dict:
    # MPI's shared-memory files go in the job's directory: a rank that exits without MPI's finalize (NOTE
    # [ Launched ranks ]) or is killed leaves its file there, and the directory goes when the job ends
    env = job_environment(status_dir)
    env.update({
        "WORLD_SIZE": str(args.nproc_per_node), "LOCAL_WORLD_SIZE": str(args.nproc_per_node),
        "MASTER_ADDR": args.master_addr, "MASTER_PORT": str(args.master_port), "GROUP_RANK": "0",
        "TORCHELASTIC_RUN_ID": args.run_id or uuid.uuid4().hex, STATUS_ENV: status_dir,
    })
    if args.nproc_per_node > 1 and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = "1"  # as torchrun: N ranks of N BLAS threads each would fight for the cores
    return env


def _command(args: argparse.Namespace) -> list[str]:
    return mpiexec_command(args.nproc_per_node, sys.executable, "-m", "ember.cli.launched", args.script, *args.args,
                           recovery=True)


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
    status_dir = job_directory("ember-launch-")
    try:
        process = start_job(_command(args), _environment(args, status_dir))
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
    finally:
        shutil.rmtree(status_dir, ignore_errors=True)
