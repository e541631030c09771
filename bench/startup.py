"""Whole-process benchmarks of the `ember` command: a fresh interpreter importing each library, and
examples/quickstart.py run by `ember run` against the same file under PyTorch (`python quickstart.py`)."""
import os
import pathlib
import subprocess
import sys
import time

QUICKSTART = pathlib.Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def seconds(command: list[str], threads: int) -> float:
    """Wall-clock seconds of one run of `command` in a fresh process limited to `threads` threads."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def workloads():
    """(name, ember's command, PyTorch's command) for each whole-process benchmark."""
    python = sys.executable
    return [("import (fresh interpreter)", [python, "-c", "import ember"], [python, "-c", "import torch"]),
            ("examples/quickstart.py, whole process", [python, "-m", "ember", "run", str(QUICKSTART)],
             [python, str(QUICKSTART)])]


def rows(threads: int, repeats: int = 5) -> list[dict]:
    """Medians of `repeats` alternating runs of each workload, in the shape runner.print_table expects."""
    out = []
    for name, mine, theirs in workloads():
        seconds(mine, threads), seconds(theirs, threads)  # page cache and .pyc files warm for both
        ember_times, torch_times = [], []
        for _ in range(repeats):
            ember_times.append(seconds(mine, threads))
            torch_times.append(seconds(theirs, threads))
        e, t = sorted(ember_times)[repeats // 2], sorted(torch_times)[repeats // 2]
        out.append({"name": name, "ember_us": e * 1e6, "torch_us": t * 1e6, "ratio": t / e})
    return out
