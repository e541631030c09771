"""Fractional max pooling (Graham, 2014): max pooling with pseudo-random window starts that give any output size.

For each plane and spatial dim, a sample u in [0, 1) places the windows: with alpha = (in - k) / (out - 1),
window i starts at int((i + u) alpha) - int(u alpha), and the last one at in - k. The arithmetic is done in the
input's dtype, as PyTorch does it, so that the same samples pick the same windows. The samples of a 2-D pooling
are (width, height), of a 3-D one (time, height, width). The gradient reaches the chosen elements through a gather.
"""
import math

import numpy as np

from .._random import rng
from ..backend import array_module, asarray_like
from .arguments import int_tuple, ntuple
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, tensor_type_error, wrap

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]


def _starts(u, size: int, out: int, k: int, dtype):
    """Window starts (..., out) for samples u (...,) along one dim of `size`."""
    xp = array_module(u)
    u = u.astype(dtype)
    starts = xp.empty(u.shape + (out,), np.int64)
    if out > 1:
        alpha = dtype.type(size - k) / dtype.type(out - 1)
        steps = xp.arange(out - 1, dtype=dtype)
        starts[..., :-1] = ((steps + u[..., None]) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)[..., None]
    if out > 0:
        starts[..., -1] = size - k
    return starts


def _fractional(input: Tensor, dims: int, kernel_size, output_size, output_ratio, samples, name: str):
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name}() requires specifying either an output_size or an output_ratio")
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if a.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got {a.ndim}D")
    batched = a.ndim == dims + 2
    x = input if batched else input.unsqueeze(0)
    spatial = tuple(x.shape[2:])
    kernel = int_tuple(kernel_size, dims, "kernel_size", name, single=False)
    if output_size is None:
        output_size = [int(s * r) for s, r in zip(spatial, ntuple(output_ratio, dims))]
    out = int_tuple(output_size, dims, "output_size", name, single=False)
    for s, k, o in zip(spatial, kernel, out):
        if o + k - 1 > s:
            raise RuntimeError(f"{name}(): pool size {k} too large relative to input size {s} for output size {o}")
    n, c = x.shape[:2]
    xp = array_module(a)
    if samples is None:
        u = asarray_like(rng(None).random((n, c, dims)).astype(a.dtype), a)
    else:
        if isinstance(samples, Tensor) and samples.requires_grad:
            raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument "
                               f"'random_samples'. This input cannot have requires_grad True.")
        u = xp.asarray(samples._data if isinstance(samples, Tensor) else samples)
    order = (1, 0) if dims == 2 else (0, 1, 2)  # which sample places the windows of each spatial dim
    starts = [_starts(u[..., order[d]], spatial[d], out[d], kernel[d], np.dtype(a.dtype)) for d in range(dims)]
    # the flat index (within a plane) of every element of every window: (n, c, *out, *kernel)
    strides = [math.prod(spatial[d + 1:]) for d in range(dims)]
    flat = xp.zeros((n, c) + out + kernel, np.int64)
    for d in range(dims):
        position = starts[d].reshape((n, c) + tuple(out[d] if j == d else 1 for j in range(dims)) + (1,) * dims)
        offset = xp.arange(kernel[d]).reshape(tuple(kernel[d] if j == d else 1 for j in range(dims)))
        flat = flat + (position + offset) * strides[d]
    planes = x._data.reshape(n, c, -1)
    window_values = xp.take_along_axis(planes, flat.reshape(n, c, -1), axis=2)
    window_values = window_values.reshape((n, c) + out + (math.prod(kernel),))
    chosen = xp.take_along_axis(flat.reshape((n, c) + out + (-1,)),
                                window_values.argmax(axis=-1)[..., None], axis=-1)[..., 0]
    indices = wrap(chosen.astype(np.int64))
    values = x.flatten(2).gather(2, indices.flatten(2)).view(n, c, *out)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return values, indices


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None) -> tuple:
    """(values, indices) of 2-D fractional max pooling."""
    return _fractional(input, 2, kernel_size, output_size, output_ratio, _random_samples, "fractional_max_pool2d")


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """2-D fractional max pooling to output_size (or output_ratio of the input's size); with return_indices, also
    the flat index of each chosen element in its plane."""
    if "fractional_max_pool2d" in AUTOCAST_OPS[0]:
        return autocast_call("fractional_max_pool2d", fractional_max_pool2d, input, kernel_size, output_size,
                             output_ratio, return_indices, _random_samples)
    values, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio,
                                                         _random_samples=_random_samples)
    return (values, indices) if return_indices else values


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None) -> tuple:
    """(values, indices) of 3-D fractional max pooling."""
    return _fractional(input, 3, kernel_size, output_size, output_ratio, _random_samples, "fractional_max_pool3d")


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """3-D fractional max pooling (see fractional_max_pool2d)."""
    if "fractional_max_pool3d" in AUTOCAST_OPS[0]:
        return autocast_call("fractional_max_pool3d", fractional_max_pool3d, input, kernel_size, output_size,
                             output_ratio, return_indices, _random_samples)
    values, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio,
                                                         _random_samples=_random_samples)
    return (values, indices) if return_indices else values
