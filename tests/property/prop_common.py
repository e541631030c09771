"""Hypothesis strategies shared by the property tests: dtypes, shapes and arrays of small values."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DTYPES = [np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64]
FLOATS = [np.float32, np.float64]
GRAD_TOL = {"grad_atol": 1e-4, "grad_rtol": 1e-4}


def elements(dtype):
    """Small values of `dtype` (small so integer ops do not overflow and float grads stay finite)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind == "u":
        return st.integers(0, 6)
    if dtype.kind == "i":
        return st.integers(-5, 5)
    return floats(width=8 * dtype.itemsize)


def _tiny_to_zero(v):
    return 0.0 if abs(v) < 1e-3 else v


def floats(bound=4.0, width=64):
    """Floats in [-bound, bound] without tiny magnitudes (so products and squares of values stay normal)."""
    return st.floats(-bound, bound, width=width).map(_tiny_to_zero)


def arrays(dtype, shape):
    """A NumPy array of `dtype` and `shape` holding small values."""
    return hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype))


def shapes(min_dims=0, max_dims=4, min_side=1, max_side=4):
    """Tensor shapes (tuples)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


@st.composite
def distinct_arrays(draw, shape, dtype=np.float64):
    """Float values without ties (so argmax and friends are unambiguous)."""
    n = int(np.prod(shape))
    perm = draw(st.permutations(range(n)))
    return ((np.array(perm, dtype=np.float64) - n / 2) * 0.5).reshape(shape).astype(dtype)
