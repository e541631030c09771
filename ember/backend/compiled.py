"""numba, where it is installed (the `fast` extra): the one place that imports it for ember's compiled loops.

Kernels built on it (backend/lstm_kernels.py, backend/adam_kernel.py) keep an array-call version of every loop,
which runs where numba is absent, on CuPy and for other dtypes, and give the same bits in both.
"""
import functools


@functools.cache
def jit():
    """numba's njit with ember's options (compiled once and cached on disk, releasing the GIL, no bounds checks), or
    None where numba is not installed."""
    try:
        import numba  # optional: ember[fast]
    except Exception:  # ImportError, or a numba that refuses this NumPy
        return None
    return numba.njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
