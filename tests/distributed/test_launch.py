"""`ember launch`: a script written for torchrun runs unchanged on N ranks; the exit status and the errors."""
import os
import shutil
import subprocess
import sys
import time

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


def _ranks_running(script: str) -> list[str]:
    ps = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if line.split()[0].endswith("python") and "ember.cli.launched" in line
            and script in line]


def test_killing_the_launcher_ends_every_rank():
    script = f"{WORKERS}/sleeper.py"
    shm_before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    launcher = subprocess.Popen([sys.executable, "-m", "ember", "launch", "--nproc-per-node", "2", script],
                                stdout=subprocess.PIPE, text=True)
    try:
        assert "ready" in launcher.stdout.readline() and "ready" in launcher.stdout.readline()
        assert len(_ranks_running(script)) == 2
        launcher.kill()  # SIGKILL: the launcher cannot clean up after itself
        launcher.wait()
        deadline = time.monotonic() + 20
        while _ranks_running(script) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ranks_running(script) == []
    finally:
        launcher.kill()
        if os.path.isdir("/dev/shm"):  # a launcher killed by SIGKILL cannot remove its job directory
            for name in set(os.listdir("/dev/shm")) - shm_before:
                shutil.rmtree(os.path.join("/dev/shm", name), ignore_errors=True)
