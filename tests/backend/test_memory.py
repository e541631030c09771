"""NOTE [ Page faults ]: after `import ember`, freed arrays are reused instead of being returned to the OS."""
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")

# Sixteen 1 MiB arrays made and freed, five times; prints the page faults of the last four rounds.
# glibc's default returns the freed heap top to the OS each round, so each round faults its 16 MiB again.
ROUNDS = """
import resource, numpy as np
import ember
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
counts = []
for _ in range(5):
    before = faults()
    blocks = [np.ones(1 << 18, np.float32) for _ in range(16)]
    del blocks
    counts.append(faults() - before)
print(sum(counts[1:]))
"""
REFAULTED = 4 * 16 * 256 / 2  # half of four rounds of 16 MiB, a fault per 4 KiB page


def _faults(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "EMBER_KEEP"))}
    run = subprocess.run([sys.executable, "-c", ROUNDS], env={**clean, **env}, capture_output=True, text=True,
                         timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert run.returncode == 0, run.stderr
    return int(run.stdout)


def test_freed_arrays_are_reused_without_page_faults():
    assert _faults() < 100


def test_opting_out_keeps_glibc_default():
    assert _faults(EMBER_KEEP_FREED_MEMORY="0") > REFAULTED


def test_glibc_variables_set_by_the_user_win():
    assert _faults(MALLOC_TRIM_THRESHOLD_="131072", MALLOC_MMAP_THRESHOLD_="131072") > REFAULTED


def test_keep_freed_memory_reports_success():
    from ember.backend.memory import keep_freed_memory
    assert keep_freed_memory() is True
