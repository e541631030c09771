"""Pooling ops: max, average, adaptive and LP pooling over strided views, and max_unpool.

Every pooling op is linear in its input once the max ops have chosen their elements, so each one is
recorded as a `Linear` map whose adjoint is its backward; the adjoint's adjoint is the map again, so
gradients of any order follow by composition. 1-d pooling is 2-d pooling over an unsqueezed input,
as PyTorch computes (and records) it.
"""
import math
from collections.abc import Sequence

import numpy as np

from .._dtype import scalar_type_name
from ..autograd.graph import node_classes
from ..backend import array_module, asarray_like
from ..backend import pooling as kernels
from . import elementwise as _ew
from .arguments import int_tuple
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, check_tensor, needs_grad, record, wrap

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d"]


Ints = int | Sequence[int]  # an int, or one per spatial dim


class Linear:
    """A linear map of arrays and its adjoint, recorded in the graph under PyTorch's node classes:
    a result of the map gets a `node` whose backward applies the adjoint, itself a Linear."""
    __slots__ = ("fn", "adjoint_fn", "node", "adjoint_node")

    def __init__(self, fn, adjoint_fn, node, adjoint_node):
        self.fn, self.adjoint_fn, self.node, self.adjoint_node = fn, adjoint_fn, node, adjoint_node

    def adjoint(self) -> "Linear":
        """The transposed map (the backward of this one)."""
        return Linear(self.adjoint_fn, self.fn, self.adjoint_node, self.node)

    def __call__(self, t: Tensor) -> Tensor:
        return self.record(wrap(self.fn(t._data)), t)

    def record(self, r: Tensor, t: Tensor) -> Tensor:
        """Record `r` as this map of `t` (or as an op of `t` whose derivative is this map)."""
        if needs_grad(t):
            record(r, self.node(), (t,), (self.adjoint(),))
        return r


_LINEAR_NODES = [f"{op}{n}D{suffix}" for n in (2, 3) for op, suffix in [
    ("MaxPool", "WithIndicesBackward0"), ("MaxPool", "WithIndicesBackwardBackward0"), ("AvgPool", "Backward0"),
    ("AvgPool", "BackwardBackward0"), ("AdaptiveAvgPool", "Backward0"), ("AdaptiveAvgPool", "BackwardBackward0"),
    ("AdaptiveMaxPool", "Backward0"), ("AdaptiveMaxPool", "BackwardBackward0"), ("MaxUnpool", "Backward0")]]
GRADIENTS = dict.fromkeys(_LINEAR_NODES + ["GatherBackward0"], lambda g, adjoint: (adjoint(g),))
_POOLS = [f"{op}{n}D{suffix}" for n in (2, 3) for op, suffix in [
    ("MaxPool", "WithIndicesBackward0"), ("AvgPool", "Backward0"), ("AdaptiveAvgPool", "Backward0"),
    ("AdaptiveMaxPool", "Backward0")]]
NODES = node_classes(GRADIENTS, reads_inputs=dict.fromkeys(_POOLS, "zeros"))


def _nodes(op, n, suffix="Backward0"):
    """The node classes of an op and of its backward, e.g. AvgPool2DBackward0 and AvgPool2DBackwardBackward0."""
    return NODES[f"{op}{n}D{suffix}"], NODES[f"{op}{n}D{suffix[:-1]}Backward0"]


def _check_input(input, n, fname, spatial_only=False):
    """PyTorch's checks of a pooling input: a Tensor of n+1 or n+2 dims, non-empty except the batch (or,
    with `spatial_only`, non-empty in its n spatial dims)."""
    check_tensor(fname, "input", input)
    shape = input._data.shape
    if input._data.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{fname}: Expected {n + 1}D or {n + 2}D (batch mode) tensor for input, but got "
                           f"{input._data.ndim}D input of size {list(shape)}")
    inner = shape[-n:] if spatial_only else shape[1:] if len(shape) == n + 2 else shape
    if 0 in inner:
        raise RuntimeError(f"{fname}: Expected input to have non-zero size for non-batch dimensions, but got "
                           f"input of size {list(shape)}")


def _check_dtype(input, fname, floating):
    kind = input._data.dtype.kind
    if kind == "b" or (floating and kind not in "fV"):
        raise NotImplementedError(f"\"{fname}\" not implemented for '{scalar_type_name(input._data.dtype)}'")


def _geometry(input, n, kernel_size, stride, padding, dilation, ceil_mode, fname):
    """Validated kernel, stride, padding, dilation and output size of an n-d pooling window."""
    kernel = int_tuple(kernel_size, n, "kernel_size", fname)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        int_tuple(stride, n, "stride", fname)
    padding = int_tuple(padding, n, "padding", fname)
    dilation = int_tuple(dilation, n, "dilation", fname)
    _check_input(input, n, fname)
    if min(stride) == 0:
        raise RuntimeError(f"{fname}: stride should not be zero, but got stride={stride}")
    if min(kernel) <= 0 or min(stride) < 0:
        raise RuntimeError(f"{fname}: kernel size and stride should be greater than zero, but got "
                           f"kernel_size={kernel}, stride={stride}")
    if min(dilation) <= 0:
        raise RuntimeError(f"{fname}: dilation should be greater than zero, but got dilation={dilation}")
    if min(padding) < 0:
        raise RuntimeError(f"{fname}: pad must be non-negative, but got pad={padding}")
    if any(p > (d * (k - 1) + 1) // 2 for p, k, d in zip(padding, kernel, dilation)):
        raise RuntimeError(f"{fname}: pad should be at most half of effective kernel size, but got pad={padding}, "
                           f"kernel_size={kernel} and dilation={dilation}")
    spatial = input._data.shape[-n:]
    out = tuple(_out_size(L, k, s, p, d, ceil_mode) for L, k, s, p, d in zip(spatial, kernel, stride, padding,
                                                                              dilation))
    if min(out) < 1:
        raise RuntimeError(f"{fname}: Given input size {list(input._data.shape)}, the calculated output size "
                           f"{list(out)} is too small: the kernel {kernel} (with padding {padding}, dilation "
                           f"{dilation}) must fit in the input")
    return kernel, stride, padding, dilation, out


def _out_size(L, k, s, p, d, ceil_mode):
    span = L + 2 * p - d * (k - 1) - 1
    if span < 0:
        return 0
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= L + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


def _padding_after(spatial, kernel, stride, padding, dilation, out):
    """Padding after each dim so that every window fits (ceil_mode windows may reach past the padding)."""
    return tuple(max((o - 1) * s + d * (k - 1) + 1 - p - L, 0)
                 for L, k, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out))


def _flat_positions(offsets, tables, spatial):
    """Flat indices into each input plane from per-window offsets (row-major over the window) and, per
    dim, tables[d][o, j] = the input position of offset j of window o."""
    xp = array_module(offsets)
    rest = offsets.astype(np.int64)
    flat = 0
    step = 1
    n = len(tables)
    for d in range(n - 1, -1, -1):
        table = tables[d]
        taps = table.shape[1]
        j = rest % taps
        rest //= taps
        windows = xp.arange(table.shape[0]).reshape((-1,) + (1,) * (n - 1 - d))
        flat = flat + table[windows, j] * step
        step *= spatial[d]
    return flat


# ---- max pooling -----------------------------------------------------------------------------------
def _max_pool(input, n, kernel_size, stride, padding, dilation, ceil_mode, return_indices, fname):
    kernel, stride, padding, dilation, out_shape = _geometry(input, n, kernel_size, stride, padding, dilation,
                                                             ceil_mode, fname)
    _check_dtype(input, fname, floating=False)
    return _window_max(input, kernel, stride, padding, dilation, out_shape, return_indices,
                       _nodes("MaxPool", n, "WithIndicesBackward0"))


def _window_max(input, kernel, stride, padding, dilation, out_shape, return_indices, nodes):
    """Max pooling over regular windows, recorded with `nodes` (the op's node class and its backward's)."""
    a = input._data
    spatial = a.shape[-len(kernel):]
    after = _padding_after(spatial, kernel, stride, padding, dilation, out_shape)
    low = -np.inf if a.dtype.kind in "fV" else np.iinfo(a.dtype).min
    padded = kernels.pad_trailing(a, padding, after, low)
    windows = kernels.window_slices(out_shape, kernel, stride, dilation)
    grad = needs_grad(input)
    values, which = kernels.window_max([padded[w] for w in windows], grad or return_indices)
    r = wrap(values)
    if grad:
        overlapping = not kernels.disjoint(kernel, stride, dilation)
        padded_shape = padded.shape

        def select(x):
            return kernels.gather_windows(kernels.pad_trailing(x, padding, after, 0), windows, which)

        def route(g):
            grad_padded = kernels.spread_windows(g, windows, padded_shape, overlapping, which)
            return kernels.crop_trailing(grad_padded, padding, spatial)

        Linear(select, route, *nodes).record(r, input)
    if not return_indices:
        return r
    xp = array_module(a)
    tables = [xp.arange(o)[:, None] * s - p + xp.arange(k) * d
              for o, k, s, p, d in zip(out_shape, kernel, stride, padding, dilation)]
    return r, wrap(_flat_positions(which, tables, spatial))


def _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, fname):
    _check_1d(input, fname)
    kernel = (1,) + int_tuple(kernel_size, 1, "kernel_size", fname)
    if stride is not None and not (isinstance(stride, (tuple, list)) and not stride):
        stride = (1,) + int_tuple(stride, 1, "stride", fname)
    padding = (0,) + int_tuple(padding, 1, "padding", fname)
    dilation = (1,) + int_tuple(dilation, 1, "dilation", fname)
    r = _max_pool(input.unsqueeze(-2), 2, kernel, stride, padding, dilation, ceil_mode, return_indices, fname)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def _check_1d(input, fname):
    check_tensor(fname, "input", input)
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"{fname}: Expected 2D or 3D (batch mode) tensor for input, but got "
                           f"{input._data.ndim}D input of size {list(input._data.shape)}")


def max_pool1d(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0, dilation: Ints = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """1-d max pooling over the last dim of a (N, C, L) or (C, L) input; with indices if asked."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0, dilation: Ints = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """2-d max pooling of a (N, C, H, W) or (C, H, W) input; with indices (flat, per plane) if asked."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0, dilation: Ints = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """3-d max pooling of a (N, C, D, H, W) or (C, D, H, W) input; with indices if asked."""
    if "max_pool3d" in AUTOCAST_OPS[0]:
        return autocast_call("max_pool3d", max_pool3d, input, kernel_size, stride, padding, dilation, ceil_mode,
                             return_indices)
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def max_pool1d_with_indices(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0,
                            dilation: Ints = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """max_pool1d, always returning (values, indices)."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True, "max_pool1d")


def max_pool2d_with_indices(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0,
                            dilation: Ints = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """max_pool2d, always returning (values, indices)."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, True, "max_pool2d")


def max_pool3d_with_indices(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0,
                            dilation: Ints = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """max_pool3d, always returning (values, indices)."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, True, "max_pool3d")


# ---- average pooling -------------------------------------------------------------------------------
def _divisor(xp, spatial, kernel, stride, padding, out_shape, count_include_pad):
    """Each window's divisor: its size within input and padding, or within the input only (an array of `xp`)."""
    div = xp.ones((), np.int64)
    n = len(spatial)
    for d, (L, k, s, p, o) in enumerate(zip(spatial, kernel, stride, padding, out_shape)):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, L + p)
        size = end - start if count_include_pad else xp.minimum(end, L) - xp.maximum(start, 0)
        div = div * size.reshape((-1,) + (1,) * (n - 1 - d))
    return div


def _divide(total, divisor, dtype):
    """total / divisor in `dtype`: truncating toward zero for integers, as PyTorch does."""
    xp = array_module(total)
    if dtype.kind not in "fV":
        divisor = xp.asarray(divisor, dtype=np.int64)
        return ((total - xp.fmod(total, divisor)) // divisor).astype(dtype, copy=False)
    return (total / xp.asarray(divisor, dtype=total.dtype)).astype(dtype, copy=False)


def _avg_pool(input, n, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, fname):
    kernel, stride, padding, _, out_shape = _geometry(input, n, kernel_size, stride, padding, 1, ceil_mode, fname)
    _check_dtype(input, fname, floating=False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{fname}: divisor must be not zero")
    a = input._data
    spatial = a.shape[-n:]
    after = _padding_after(spatial, kernel, stride, padding, (1,) * n, out_shape)
    windows = kernels.window_slices(out_shape, kernel, stride, (1,) * n)
    divisor = divisor_override if divisor_override is not None else \
        _divisor(array_module(a), spatial, kernel, stride, padding, out_shape, count_include_pad)
    acc = np.dtype(np.float32) if a.dtype == np.float16 else a.dtype if a.dtype.kind in "fV" else np.dtype(np.int64)
    overlapping = not kernels.disjoint(kernel, stride, (1,) * n)

    def pool(x):
        padded = kernels.pad_trailing(x, padding, after, 0)
        return _divide(kernels.window_sum([padded[w] for w in windows], acc), divisor, x.dtype)

    def spread(g):
        padded_shape = g.shape[:g.ndim - n] + tuple(L + p + e for L, p, e in zip(spatial, padding, after))
        grad = kernels.spread_windows(_divide(g, divisor, g.dtype), windows, padded_shape, overlapping)
        return kernels.crop_trailing(grad, padding, spatial)

    return Linear(pool, spread, *_nodes("AvgPool", n))(input)


def avg_pool1d(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-d average pooling over the last dim of a (N, C, L) or (C, L) input."""
    _check_1d(input, "avg_pool1d")
    kernel = (1,) + int_tuple(kernel_size, 1, "kernel_size", "avg_pool1d")
    if stride is not None and not (isinstance(stride, (tuple, list)) and not stride):
        stride = (1,) + int_tuple(stride, 1, "stride", "avg_pool1d")
    padding = (0,) + int_tuple(padding, 1, "padding", "avg_pool1d")
    return _avg_pool(input.unsqueeze(-2), 2, kernel, stride, padding, ceil_mode, count_include_pad, None,
                     "avg_pool1d").squeeze(-2)


def avg_pool2d(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-d average pooling of a (N, C, H, W) or (C, H, W) input (integers divide truncating, as in PyTorch)."""
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-d average pooling of a (N, C, D, H, W) or (C, D, H, W) input."""
    if "avg_pool3d" in AUTOCAST_OPS[0]:
        return autocast_call("avg_pool3d", avg_pool3d, input, kernel_size, stride, padding, ceil_mode,
                             count_include_pad, divisor_override)
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool3d")


# ---- adaptive pooling ------------------------------------------------------------------------------
def _adaptive_size(input, n, output_size, fname):
    """The validated output size of an adaptive pool (None entries keep the input's size)."""
    _check_input(input, n, fname, spatial_only=True)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != n:
            raise RuntimeError(f"{fname}: output_size must be {n}, but got {tuple(output_size)}")
        output_size = [L if o is None else o for o, L in zip(output_size, input._data.shape[-n:])]
    size = int_tuple(output_size, n, "output_size", fname)
    if min(size) < 0:
        raise RuntimeError(f"{fname}: elements of output_size must be greater than or equal to 0 but received "
                           f"{size}")
    return size


def _adaptive_windows(L, out):  # host: a map from Python sizes (backend.pooling's ELL form)
    """For each of `out` windows over `L` elements, the input positions of its taps (the last one repeated to
    fill `taps` columns) and how many of them are its own: (positions (out, taps), counts)."""
    i = np.arange(out)
    start = i * L // out
    end = ((i + 1) * L + out - 1) // out
    counts = end - start
    taps = int(counts.max(initial=1))
    return np.minimum(start[:, None] + np.arange(taps), end[:, None] - 1), counts


def _adaptive_average_map(L, out):  # host: a map from Python sizes (backend.pooling's ELL form)
    """The (out, L) averaging matrix of adaptive average pooling, in ELL form."""
    idx, counts = _adaptive_windows(L, out)
    w = np.where(np.arange(idx.shape[1]) < counts[:, None], 1.0 / np.maximum(counts, 1)[:, None], 0.0)
    return idx, w


def _adaptive_avg(input, n, output_size, fname):
    size = _adaptive_size(input, n, output_size, fname)
    _check_dtype(input, fname, floating=True)
    if all(o == 1 for o in size):  # global average pooling: a mean, as PyTorch computes it
        return input.mean(tuple(range(-n, 0)), keepdim=True)
    spatial = input._data.shape[-n:]
    maps = [_adaptive_average_map(L, o) for L, o in zip(spatial, size)]
    transposed = [kernels.transpose_ell(idx, w, L) for (idx, w), L in zip(maps, spatial)]
    return Linear(lambda x: kernels.apply_separable(x, maps), lambda g: kernels.apply_separable(g, transposed),
                  *_nodes("AdaptiveAvgPool", n))(input)


def adaptive_avg_pool1d(input: Tensor, output_size: Ints) -> Tensor:
    """Average pooling of a (N, C, L) or (C, L) input to `output_size` windows (PyTorch's window bounds)."""
    _check_1d(input, "adaptive_avg_pool1d")
    size = (1,) + int_tuple(output_size, 1, "output_size", "adaptive_avg_pool1d")
    return _adaptive_avg(input.unsqueeze(-2), 2, size, "adaptive_avg_pool1d").squeeze(-2)


def adaptive_avg_pool2d(input: Tensor, output_size: Ints) -> Tensor:
    """Average pooling of a (N, C, H, W) or (C, H, W) input to `output_size` (an int, or a pair with None
    for 'keep this size')."""
    return _adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Ints) -> Tensor:
    """Average pooling of a (N, C, D, H, W) or (C, D, H, W) input to `output_size`."""
    if "adaptive_avg_pool3d" in AUTOCAST_OPS[0]:
        return autocast_call("adaptive_avg_pool3d", adaptive_avg_pool3d, input, output_size)
    return _adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d")


def _adaptive_max(input, n, output_size, return_indices, fname):
    size = _adaptive_size(input, n, output_size, fname)
    _check_dtype(input, fname, floating=True)
    a = input._data
    spatial = a.shape[-n:]
    if all(o == 1 for o in size):  # global pooling: one argmax per plane
        values, indices = kernels.plane_max(a, n)
    elif min(size) > 0 and all(L % o == 0 for L, o in zip(spatial, size)):  # regular windows: strided slices
        kernel = tuple(L // o for L, o in zip(spatial, size))
        r, indices = _window_max(input, kernel, kernel, (0,) * n, (1,) * n, size, True, _nodes("AdaptiveMaxPool", n))
        return (r, indices) if return_indices else r
    else:  # windows of varying size: gathered per tap
        xp = array_module(a)
        tables, parts = [], [a]
        for d, (L, o) in enumerate(zip(spatial, size)):
            positions, _ = _adaptive_windows(L, o)
            taps = asarray_like(positions, a)
            tables.append(taps)
            parts = [xp.take(p, taps[:, t], axis=a.ndim - n + d) for p in parts for t in range(positions.shape[1])]
        values, which = kernels.window_max(parts, True)
        indices = _flat_positions(which, tables, spatial)
    r = Linear(lambda x: kernels.gather_planes(x, indices, n),
               lambda g: kernels.scatter_planes(g, indices, spatial, accumulate=True),
               *_nodes("AdaptiveMaxPool", n)).record(wrap(values), input)
    return (r, wrap(indices)) if return_indices else r


def _adaptive_max1d(input, output_size, fname):
    _check_1d(input, fname)
    size = (1,) + int_tuple(output_size, 1, "output_size", fname)
    r, indices = _adaptive_max(input.unsqueeze(-2), 2, size, True, fname)
    return r.squeeze(-2), indices.squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size: Ints,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling of a (N, C, L) or (C, L) input to `output_size` windows; with indices if asked."""
    r = _adaptive_max1d(input, output_size, "adaptive_max_pool1d")
    return r if return_indices else r[0]


def adaptive_max_pool2d(input: Tensor, output_size: Ints,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling of a (N, C, H, W) or (C, H, W) input to `output_size`; with indices if asked."""
    return _adaptive_max(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Ints,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling of a (N, C, D, H, W) or (C, D, H, W) input to `output_size`; with indices if asked."""
    if "adaptive_max_pool3d" in AUTOCAST_OPS[0]:
        return autocast_call("adaptive_max_pool3d", adaptive_max_pool3d, input, output_size, return_indices)
    return _adaptive_max(input, 3, output_size, return_indices, "adaptive_max_pool3d")


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Ints,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """adaptive_max_pool1d, always returning (values, indices)."""
    return _adaptive_max1d(input, output_size, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Ints,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """adaptive_max_pool2d, always returning (values, indices)."""
    return _adaptive_max(input, 2, output_size, True, "adaptive_max_pool2d")


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Ints,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """adaptive_max_pool3d, always returning (values, indices)."""
    return _adaptive_max(input, 3, output_size, True, "adaptive_max_pool3d")


# ---- max_unpool ------------------------------------------------------------------------------------
def _unpool_size(input, n, kernel_size, stride, padding, output_size, fname):
    """PyTorch's output size of max_unpool: the size max pooling came from, or `output_size` within a stride of it."""
    kernel = int_tuple(kernel_size, n, "kernel_size", fname)
    stride = kernel if stride is None else int_tuple(stride, n, "stride", fname)
    padding = int_tuple(padding, n, "padding", fname)
    check_tensor(fname, "input", input)
    spatial = input._data.shape[-n:]
    default = [(L - 1) * s + k - 2 * p for L, k, s, p in zip(spatial, kernel, stride, padding)]
    if output_size is None:
        return tuple(default)
    size = list(output_size)
    if len(size) == n + 2:
        size = size[2:]
    if len(size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a "
                         f"length of '{len(size)}'")
    for d, (o, s) in enumerate(zip(size, stride)):
        if not default[d] - s < o < default[d] + s:
            raise ValueError(f'invalid output_size "{tuple(size)}" (dim {d} must be between {default[d] - s} and '
                             f'{default[d] + s})')
    return tuple(int(o) for o in size)


def _unpool(input, indices, n, size, fname):
    """Planes of `size` with each input value at its flat index (from max pooling), zeros elsewhere."""
    if not isinstance(indices, Tensor) or indices._data.dtype != np.int64:
        raise RuntimeError(f"{fname}: elements in indices should be type int64, but got "
                           f"{getattr(indices, 'dtype', type(indices).__name__)}")
    a, idx = input._data, indices._data
    if a.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{fname}: Expected {n + 1}D or {n + 2}D tensor for input, but got {list(a.shape)}")
    if idx.shape != a.shape:
        raise RuntimeError(f"{fname}: Expected shape of indices to be same as that of the input tensor "
                           f"({list(a.shape)}) but got indices tensor with shape: {list(idx.shape)}")
    plane = math.prod(size)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= plane):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise RuntimeError(f"{fname}: Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    return Linear(lambda x: kernels.scatter_planes(x, idx, size, accumulate=False),
                  lambda g: kernels.gather_planes(g, idx, n),
                  NODES[f"MaxUnpool{n}DBackward0"], NODES["GatherBackward0"])(input)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of max_pool1d: each value put back at its index, zeros elsewhere."""
    size = _unpool_size(input, 1, kernel_size, stride, padding, output_size, "max_unpool1d")
    return _unpool(input.unsqueeze(-1), indices.unsqueeze(-1), 2, size + (1,), "max_unpool1d").squeeze(-1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of max_pool2d: each value put back at its index, zeros elsewhere."""
    if "max_unpool2d" in AUTOCAST_OPS[0]:
        return autocast_call("max_unpool2d", max_unpool2d, input, indices, kernel_size, stride, padding, output_size)
    size = _unpool_size(input, 2, kernel_size, stride, padding, output_size, "max_unpool2d")
    return _unpool(input, indices, 2, size, "max_unpool2d")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Ints, stride: Ints | None = None, padding: Ints = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of max_pool3d: each value put back at its index, zeros elsewhere."""
    if "max_unpool3d" in AUTOCAST_OPS[0]:
        return autocast_call("max_unpool3d", max_unpool3d, input, indices, kernel_size, stride, padding, output_size)
    size = _unpool_size(input, 3, kernel_size, stride, padding, output_size, "max_unpool3d")
    return _unpool(input, indices, 3, size, "max_unpool3d")


# ---- power-average pooling ---------------------------------------------------------------------------
def _lp_pool(input, n, norm_type, kernel_size, stride, ceil_mode, fname):
    """(sum of x**p over each window) ** (1/p), composed from avg pooling as PyTorch composes it (max pooling
    of |x| for p = inf)."""
    check_tensor(fname, "input", input, 1)
    max_pool, avg_pool = [(max_pool1d, avg_pool1d), (max_pool2d, avg_pool2d), (max_pool3d, avg_pool3d)][n - 1]
    if norm_type == float("inf"):
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    window = math.prod(int_tuple(kernel_size, n, "kernel_size", fname))
    return (_ew.sign(out) * _ew.relu(_ew.abs(out))).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Ints, stride: Ints | None = None,
              ceil_mode: bool = False) -> Tensor:
    """1-d power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Ints, stride: Ints | None = None,
              ceil_mode: bool = False) -> Tensor:
    """2-d power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Ints, stride: Ints | None = None,
              ceil_mode: bool = False) -> Tensor:
    """3-d power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode, "lp_pool3d")
