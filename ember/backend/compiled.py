"""numba, where it is installed (the `fast` extra): the one place that imports it for ember's compiled loops.

Kernels built on it (backend/lstm_kernels.py, backend/adam_kernel.py) keep an array-call version of every loop,
which runs where numba is absent, on CuPy and for other dtypes, and give the same bits in both.

NOTE [ When to compile ]
Loading numba and a kernel's loops from numba's disk cache costs a process about half a second (compiling them,
the first time on a machine, a second more): more than a short script spends in those kernels (the quickstart
example's 320 Adam steps update 1.4 million elements, about 15 ms of array calls). So the kernels run their array
calls until the process has put WORK_BEFORE_COMPILING elements through them, 50-70 ms of array calls, and only then
load the compiled loops: a short script never pays for numba, and a long run pays the load once, at most 15%
later than it could have.
"""
import functools

WORK_BEFORE_COMPILING = 30_000_000
_work_done = [0]


@functools.cache
def jit():
    """numba's njit with ember's options (compiled once and cached on disk, releasing the GIL, no bounds checks), or
    None where numba is not installed."""
    try:
        import numba  # optional: ember[fast]
    except Exception:  # ImportError, or a numba that refuses this NumPy
        return None
    return numba.njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")


def loops_after(elements: int, load):
    """`load()` (a kernel's compiled loops, or None) once the process's kernels have done WORK_BEFORE_COMPILING
    elements of work, counting these `elements`; None before (NOTE [ When to compile ])."""
    if _work_done[0] < WORK_BEFORE_COMPILING:
        _work_done[0] += elements
        return None
    return load()
