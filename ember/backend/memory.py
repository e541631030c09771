"""How the CPU allocator treats freed arrays.

NOTE [ Page faults ]
A training step allocates and frees arrays of a few MB (im2col columns, activations, gradients).
By default glibc's malloc serves blocks above a moving threshold with a fresh mmap and gives a
heap top of more than twice that threshold back to the OS, so the next step touches new pages:
a LeNet step at batch 64 took 1500-1800 page faults (about 3-4 ms of a 13 ms step) in some runs
and none in others, depending on the order of earlier allocations. At import, ember asks glibc
to keep freed memory in the process instead: mmap only above 32 MiB (glibc's largest threshold)
and trim the heap only when more than 1 GiB of it is free. Freed memory is then reused by the
next step, and the process keeps its peak heap. This is process-wide, as an LD_PRELOADed
allocator would be. It is skipped where glibc is absent, where MALLOC_MMAP_THRESHOLD_ or
MALLOC_TRIM_THRESHOLD_ is set, and when EMBER_KEEP_FREED_MEMORY=0.
"""
import ctypes
import os
import platform

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h


def keep_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 1 << 30) -> bool:
    """Ask glibc's malloc to reuse freed blocks below `mmap_threshold` bytes and to return heap memory
    to the OS only above `trim_threshold` free bytes; whether it applied (see NOTE [ Page faults ])."""
    if platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt(_M_MMAP_THRESHOLD, mmap_threshold) == 1 and mallopt(_M_TRIM_THRESHOLD, trim_threshold) == 1


def keep_freed_memory_by_default() -> bool:
    """keep_freed_memory() unless EMBER_KEEP_FREED_MEMORY=0 or glibc's own MALLOC_*_THRESHOLD_ variables are set."""
    if os.environ.get("EMBER_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    return keep_freed_memory()
