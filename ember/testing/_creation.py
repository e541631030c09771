"""make_tensor: a tensor of random values in [low, high), as PyTorch's test helper makes them."""
import numpy as np

from .._creation import tensor
from .._random import rng


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False, memory_format=None):
    """Random values of `dtype`: floats uniform in [low, high) (default [-9, 9)), complex numbers so in each part,
    integers in [low, high) (default [-9, 10); bool True or False); differs from PyTorch: drawn from ember's
    generator."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    np_dtype = dtype.np
    lo = -9 if low is None else low
    if np_dtype == np.bool_:
        values = rng(None).integers(0, 2, shape).astype(bool)
    elif np_dtype.kind in "iu":
        lo = max(lo, 0) if np_dtype.kind == "u" else lo
        values = rng(None).integers(int(np.ceil(lo)), int(np.ceil(10 if high is None else high)), shape)
    elif np_dtype.kind == "c":
        parts = rng(None).uniform(lo, 9 if high is None else high, (2, *shape))
        values = parts[0] + 1j * parts[1]
    else:
        values = rng(None).uniform(lo, 9 if high is None else high, shape)
    if exclude_zero:
        tiny = np.finfo(np_dtype).tiny if np_dtype.kind in "fcV" else 1
        values = np.where(values == 0, tiny, values)
    t = tensor(values.astype(np_dtype), device=device)
    if noncontiguous and t.numel() > 1:
        t = t.repeat_interleave(2, -1)[..., ::2]
    return t.requires_grad_(requires_grad) if requires_grad else t
