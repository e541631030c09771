"""`ember launch`: a script written for torchrun runs unchanged on N ranks; the exit status and the errors."""
import subprocess
import sys

from mpi_run import WORKERS, run_ranks


def test_a_torchrun_script_runs_on_every_rank():
    done = run_ranks("torchrun_style.py", 3)
    assert done.returncode == 0, done.stderr
    for rank in range(3):
        assert f"rank {rank} of 3: sum 6, lib ember, threads 1" in done.stdout


def test_the_exit_status_is_the_failing_ranks():
    done = run_ranks("torchrun_style.py", 2, ["3"])
    assert done.returncode == 3
    assert "rank 1: exit code 3" in done.stderr


def _launch(*args):
    return subprocess.run([sys.executable, "-m", "ember", "launch", *args], capture_output=True, text=True,
                          timeout=60)


def test_bad_command_lines_say_what_is_wrong():
    missing = _launch("--nproc-per-node", "2", "no_such_script.py")
    assert missing.returncode == 2 and "can't open file 'no_such_script.py'" in missing.stderr
    nodes = _launch("--nnodes", "2", f"{WORKERS}/torchrun_style.py")
    assert nodes.returncode == 2 and "this machine only" in nodes.stderr
    zero = _launch("--nproc_per_node", "0", f"{WORKERS}/torchrun_style.py")
    assert zero.returncode == 2 and "at least 1" in zero.stderr
