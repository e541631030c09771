"""Run a worker script on N ranks through `ember launch` (the tests of ember.distributed run real processes)."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("mpi4py")

WORKERS = os.path.join(os.path.dirname(__file__), "workers")


def run_ranks(script: str, nproc: int, args=(), timeout: float = 120, env: dict | None = None):
    """`ember launch --nproc-per-node nproc script args`, its completed process (stdout and stderr as text)."""
    path = script if os.path.isabs(script) else os.path.join(WORKERS, script)
    command = [sys.executable, "-m", "ember", "launch", "--nproc-per-node", str(nproc), path, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
