"""Convolution kernels NumPy lacks, written once against the array module (NumPy or CuPy).

`windows` is im2col without a copy: a strided view of the sliding windows. `add_windows` is its
adjoint (col2im): a scatter-add done as one strided slice add per kernel offset, vectorized over
batch, channels and pixels. The three products of a convolution (the forward, the gradient of its
input, the gradient of its weight) are BLAS matrix products. The im2col copy is laid out
(groups, C/groups * prod(kernel), M), its columns M running over (N, *out) when output rows are long
(the products are then batched per sample and land in (N, C, *spatial) order without a copy), or over
(*out, N) when they are short (its inner runs are then rows times the batch; one product per group).
The columns that col2im scatters are laid out by kernel offset, so each offset adds one block.
"""
import itertools
import math

from . import array_module


def _strided(a, shape, strides):
    return array_module(a).lib.stride_tricks.as_strided(a, shape, strides)


def pad_spatial(a, padding):
    """`a` (N, C, *spatial) with `padding[i]` zeros on both sides of spatial dim i (`a` itself if none)."""
    if not any(padding):
        return a
    xp = array_module(a)
    n, c, *size = a.shape
    out = xp.zeros((n, c, *(s + 2 * p for s, p in zip(size, padding))), a.dtype)
    out[(Ellipsis, *(slice(p, p + s) for s, p in zip(size, padding)))] = a
    return out


def windows(a, kernel, stride, padding, dilation, out_size):
    """The sliding windows of `a` (N, C, *spatial) as a strided view (N, C, *kernel, *out_size) of the
    zero-padded input (no copy unless padding is needed)."""
    a = pad_spatial(a, padding)
    sn, sc, *ss = a.strides
    strides = (sn, sc, *(s * d for s, d in zip(ss, dilation)), *(s * st for s, st in zip(ss, stride)))
    return _strided(a, (*a.shape[:2], *kernel, *out_size), strides)


def add_windows(out, cols, stride, padding, dilation):
    """Adjoint of `windows`: add `cols` (..., *kernel, *out_size) into `out` (..., *spatial) at the positions
    the windows read, skipping the zero padding; one strided slice add per kernel offset."""
    nd = len(stride)
    kernel, out_size = cols.shape[-2 * nd:-nd], cols.shape[-nd:]
    for offset in itertools.product(*map(range, kernel)):
        dst, src = [], []
        for size, n, k, s, p, d in zip(out.shape[-nd:], out_size, offset, stride, padding, dilation):
            start = k * d - p  # input position of window 0 at this kernel offset
            lo = max(0, -(start // s))  # first window inside the input
            hi = min(n, (size - 1 - start) // s + 1)  # one past the last window inside the input
            if hi <= lo:
                break
            dst.append(slice(start + lo * s, start + (hi - 1) * s + 1, s))
            src.append(slice(lo, hi))
        else:
            out[(Ellipsis, *dst)] += cols[(Ellipsis, *offset, *src)]


def _batch_last(out_size) -> bool:
    """Whether the columns put the batch innermost. Output rows under 16 elements make copies and adds over
    rows slow; with the batch last, each run is a whole row times the batch long."""
    return out_size[-1] < 16


def _padded_batch_last(x, padding):
    """`x` (N, C, *spatial) copied into a zero-padded (C, *padded, N) array, returned as an (N, C, *padded) view."""
    xp = array_module(x)
    n, c, *size = x.shape
    make = xp.zeros if any(padding) else xp.empty
    out = make((c, *(s + 2 * p for s, p in zip(size, padding)), n), x.dtype)
    out[(slice(None), *(slice(p, p + s) for s, p in zip(size, padding)), slice(None))] = xp.moveaxis(x, 0, -1)
    return xp.moveaxis(out, -1, 0)


def _columns(x, kernel, stride, padding, dilation, groups, out_size):
    """im2col of `x` (N, C, *spatial): one copy into (groups, C/groups * prod(kernel), M), where the columns M
    run over (N, *out_size), or over (*out_size, N) when `_batch_last(out_size)`."""
    n, c = x.shape[:2]
    nd = len(kernel)
    last = _batch_last(out_size)
    if last:
        x, padding = _padded_batch_last(x, padding), (0,) * nd
    v = windows(x, kernel, stride, padding, dilation, out_size)  # (N, C, *kernel, *out_size)
    kernel_axes, out_axes = range(2, 2 + nd), range(2 + nd, 2 + 2 * nd)
    order = (1, *kernel_axes, *out_axes, 0) if last else (1, *kernel_axes, 0, *out_axes)
    return v.transpose(order).reshape(groups, c // groups * math.prod(kernel), n * math.prod(out_size))


# Batch-first columns: one matrix product per sample and group (a batched matmul over strided views),
# whose results are already in (N, C, *spatial) order.
def _per_sample(a, n, p):
    """(G, R, N * P) -> a view (N, G, R, P)."""
    return a.reshape(*a.shape[:2], n, p).transpose(2, 0, 1, 3)


# Batch-last columns: one matrix product per group over all samples, and a transposing copy of the
# channel-major result into (N, C, *spatial) order.
def _channel_major(g, groups):
    """(N, O, *out) -> (groups, O/groups, prod(out) * N): a copy with the batch innermost."""
    n, o, *out_size = g.shape
    return g.transpose(*range(1, g.ndim), 0).reshape(groups, o // groups, math.prod(out_size) * n)


def _batch_first(a, n, size):
    """(C, prod(size) * N) -> a view (N, C, *size)."""
    return array_module(a).moveaxis(a.reshape(a.shape[0], *size, n), -1, 0)


def _add_bias(out, bias, y=None):
    """out = y + bias (C,) over the channels of (N, C, *spatial) `out` (y = out if not given)."""
    xp = array_module(out)
    y = out if y is None else y
    if bias is None:
        out[...] = y
    else:
        xp.add(y, bias.reshape(-1, *(1,) * (out.ndim - 2)), out=out)
    return out


def conv_forward(x, w, shape, stride, padding, dilation, groups, bias=None):
    """Convolution (cross-correlation) of `x` (N, C, *spatial) with `w` (O, C/groups, *kernel) into `shape`
    (N, O, *out), plus `bias` (O,): one im2col copy and matrix products."""
    xp = array_module(x)
    n, o, *out_size = shape
    cols = _columns(x, w.shape[2:], stride, padding, dilation, groups, out_size)
    wg = w.reshape(groups, o // groups, math.prod(w.shape[1:]))
    out = xp.empty(shape, cols.dtype)
    if _batch_last(out_size):
        return _add_bias(out, bias, _batch_first((wg @ cols).reshape(o, cols.shape[2]), n, out_size))
    p = math.prod(out_size)
    xp.matmul(wg, _per_sample(cols, n, p), out=out.reshape(n, groups, o // groups, p))
    return out if bias is None else _add_bias(out, bias)


def conv_input_grad(g, w, shape, stride, padding, dilation, groups, bias=None):
    """Gradient of a convolution with respect to its input of `shape`, given the output gradient `g`;
    also the transposed convolution of `g` with `w` (plus `bias`). Matrix products, then col2im."""
    xp = array_module(g)
    n, c, *size = shape
    o, cg, *kernel = w.shape
    out_size = g.shape[2:]
    nd = len(kernel)
    # rows ordered (kernel offset, channel), so that each offset's columns are one contiguous block
    wk = w.reshape(groups, o // groups, cg, -1).transpose(0, 3, 2, 1).reshape(groups, -1, o // groups)
    if _batch_last(out_size):
        cols = (wk @ _channel_major(g, groups)).reshape(c * math.prod(kernel), n * math.prod(out_size))
        cols = _batch_first(cols, n, out_size)
        summed = _batch_first(xp.zeros((c, math.prod(size) * n), g.dtype), n, size)  # laid out as the columns
    else:
        cols = wk @ g.reshape(n, groups, o // groups, math.prod(out_size))
        summed = xp.zeros(shape, g.dtype)
    cols = xp.moveaxis(cols.reshape(n, groups, *kernel, cg, *out_size), 2 + nd, 2)  # (N, G, C/G, *kernel, *out)
    add_windows(summed.reshape(n, groups, cg, *size), cols, stride, padding, dilation)
    if summed.flags.c_contiguous:
        return summed if bias is None else _add_bias(summed, bias)
    return _add_bias(xp.empty(shape, g.dtype), bias, summed)


def conv_weight_grad(x, g, shape, stride, padding, dilation, groups):
    """Gradient of a convolution with respect to its weight of `shape`, given its input `x` and output
    gradient `g`: matrix products over the im2col of `x`."""
    n, o, *out_size = g.shape
    cols = _columns(x, shape[2:], stride, padding, dilation, groups, out_size)
    # (C * K, M) @ (M, O), then transpose the small result: faster than (O, M) @ (M, C * K)
    if _batch_last(out_size):
        return (cols @ _channel_major(g, groups).transpose(0, 2, 1)).transpose(0, 2, 1).reshape(shape)
    p = math.prod(out_size)
    per_sample = _per_sample(cols, n, p) @ g.reshape(n, groups, o // groups, p).transpose(0, 1, 3, 2)
    return per_sample.sum(0).transpose(0, 2, 1).reshape(shape)
