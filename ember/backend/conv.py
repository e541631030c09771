"""Convolution kernels NumPy lacks, written once against the array module (NumPy or CuPy).

`windows` is im2col without a copy: a strided view of the sliding windows. `add_windows` is its
adjoint (col2im): a scatter-add done as one strided slice add per kernel offset, vectorized over
batch, channels and pixels. The three products of a convolution (the forward, the gradient of its
input, the gradient of its weight) are BLAS matrix products over an im2col copy with one of two layouts.
When output rows are long, the columns are batch first, (N, groups, C/groups * prod(kernel), prod(out)):
one matrix per sample, whose products land in (N, C, *spatial) order without a copy; they are built and
consumed in chunks of samples that stay in cache (NOTE [ Column chunks ]). When output rows are short,
the columns are batch last, (groups, C/groups * prod(kernel), prod(out) * N): each inner run is a row
times the batch, and one product per group covers the whole batch. The columns that col2im scatters are
laid out by kernel offset, so each offset adds one block.
"""
import itertools
import math

import numpy

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
    """Batch-last im2col of `x` (N, C, *spatial): one copy into (groups, C/groups * prod(kernel), M), the columns
    M running over (*out_size, N)."""
    n, c = x.shape[:2]
    nd = len(kernel)
    v = windows(_padded_batch_last(x, padding), kernel, stride, (0,) * nd, dilation, out_size)
    order = (1, *range(2, 2 + 2 * nd), 0)  # (C, *kernel, *out_size, N)
    return v.transpose(order).reshape(groups, c // groups * math.prod(kernel), n * math.prod(out_size))


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


# NOTE [ Column chunks ]
# With batch-first columns, the batch goes through a convolution on the CPU in chunks of samples whose
# columns take about CHUNK_BYTES: a chunk's columns are still in cache when its matrix products read them
# (or, for the input gradient, when col2im reads the products), where the whole batch's columns (5 MB
# for LeNet's first layer at batch 64) would go to memory and back. Batch-last columns are not chunked:
# short chunks shorten their contiguous runs, which measured slower. col2im makes prod(kernel) array calls
# a chunk, so the input gradient takes chunks four times as large. A GPU takes the whole batch at once.
CHUNK_BYTES = 1 << 20


def _chunks(x, n, column_bytes, scale=1):
    """Slices of the batch of `n` samples, each with about `scale` * CHUNK_BYTES of columns (`column_bytes` a
    sample); one empty slice for an empty batch."""
    step = max(1, n if array_module(x) is not numpy else scale * CHUNK_BYTES // max(1, column_bytes))
    return [slice(i, min(i + step, n)) for i in range(0, max(n, 1), step)]


def _column_bytes(x, c, kernel, out_size):
    """Bytes of one sample's columns."""
    return c * math.prod(kernel) * math.prod(out_size) * x.itemsize


def _sample_column_chunks(x, kernel, stride, padding, dilation, groups, out_size):
    """Batch-first im2col of `x` (N, C, *spatial), a chunk of samples at a time (NOTE [ Column chunks ]):
    pairs of the chunk's slice of the batch and its columns (samples, groups, C/groups * prod(kernel),
    prod(out_size)), a copy of the windows with one matrix per sample and group."""
    n, c = x.shape[:2]
    v = windows(x, kernel, stride, padding, dilation, out_size)
    rows, p = c // groups * math.prod(kernel), math.prod(out_size)
    for part in _chunks(x, n, _column_bytes(x, c, kernel, out_size)):
        chunk = v[part]
        yield part, chunk.reshape(chunk.shape[0], groups, rows, p)


def conv_forward(x, w, shape, stride, padding, dilation, groups, bias=None):
    """Convolution (cross-correlation) of `x` (N, C, *spatial) with `w` (O, C/groups, *kernel) into `shape`
    (N, O, *out), plus `bias` (O,): im2col copies and matrix products."""
    xp = array_module(x)
    n, o, *out_size = shape
    kernel = w.shape[2:]
    wg = w.reshape(groups, o // groups, math.prod(w.shape[1:]))
    out = xp.empty(shape, x.dtype)
    if _batch_last(out_size):  # one product per group, then a transposing copy into (N, O, *out)
        cols = _columns(x, kernel, stride, padding, dilation, groups, out_size)
        return _add_bias(out, bias, _batch_first((wg @ cols).reshape(o, cols.shape[2]), n, out_size))
    per_sample = (groups, o // groups, math.prod(out_size))
    for part, cols in _sample_column_chunks(x, kernel, stride, padding, dilation, groups, out_size):
        xp.matmul(wg, cols, out=out[part].reshape(cols.shape[0], *per_sample))
        if bias is not None:
            _add_bias(out[part], bias)
    return out


def conv_input_grad(g, w, shape, stride, padding, dilation, groups, bias=None):
    """Gradient of a convolution with respect to its input of `shape`, given the output gradient `g`;
    also the transposed convolution of `g` with `w` (plus `bias`). Matrix products, then col2im."""
    xp = array_module(g)
    n, c, *size = shape
    o, cg, *kernel = w.shape
    out_size = g.shape[2:]
    flipped_padding = tuple(d * (k - 1) - p for k, p, d in zip(kernel, padding, dilation))
    if groups == c == o and all(s == 1 for s in stride) and min(flipped_padding) >= 0:
        # depthwise with stride 1: the gradient is the convolution of g with each kernel flipped (no col2im)
        flipped = xp.ascontiguousarray(w[(Ellipsis, *(slice(None, None, -1),) * len(kernel))])
        return conv_forward(g, flipped, shape, stride, flipped_padding, dilation, groups, bias)
    # rows ordered (kernel offset, channel), so that each offset's columns are one contiguous block
    wk = w.reshape(groups, o // groups, cg, -1).transpose(0, 3, 2, 1).reshape(groups, -1, o // groups)
    if _batch_last(out_size):
        cols = (wk @ _channel_major(g, groups)).reshape(c * math.prod(kernel), n * math.prod(out_size))
        summed = _batch_first(xp.zeros((c, math.prod(size) * n), g.dtype), n, size)  # laid out as the columns
        cols = _batch_first(cols, n, out_size)
        _add_window_columns(summed, cols, groups, kernel, out_size, stride, padding, dilation)
        return _add_bias(xp.empty(shape, g.dtype), bias, summed)
    out = xp.zeros(shape, g.dtype)
    for part in _chunks(g, n, _column_bytes(g, c, kernel, out_size), 4):  # NOTE [ Column chunks ]
        cols = _grouped_product(wk, g[part].reshape(-1, groups, o // groups, math.prod(out_size)))
        _add_window_columns(out[part], cols, groups, kernel, out_size, stride, padding, dilation)
    return out if bias is None else _add_bias(out, bias)


def _grouped_product(w, g):
    """w (groups, R, O/groups) @ g (N, groups, O/groups, M); with one output channel a group (depthwise), a
    broadcast multiply, 4-5x faster than NumPy's matmul over so many products of inner size 1."""
    return w * g if w.shape[-1] == 1 else w @ g


def _add_window_columns(out, cols, groups, kernel, out_size, stride, padding, dilation):
    """col2im: add `cols` (N, groups * prod(kernel) * C/groups, *out_size) in any layout, rows ordered
    (group, offset, channel), into `out` (N, C, *spatial)."""
    n, c, *size = out.shape
    nd = len(kernel)
    cols = array_module(cols).moveaxis(cols.reshape(n, groups, *kernel, c // groups, *out_size), 2 + nd, 2)
    add_windows(out.reshape(n, groups, c // groups, *size), cols, stride, padding, dilation)


def conv_weight_grad(x, g, shape, stride, padding, dilation, groups):
    """Gradient of a convolution with respect to its weight of `shape`, given its input `x` and output
    gradient `g`: matrix products over the im2col of `x`."""
    _, o, *out_size = g.shape
    kernel = shape[2:]
    # (C * K, M) @ (M, O), then transpose the small result: faster than (O, M) @ (M, C * K)
    if _batch_last(out_size):
        cols = _columns(x, kernel, stride, padding, dilation, groups, out_size)
        return (cols @ _channel_major(g, groups).transpose(0, 2, 1)).transpose(0, 2, 1).reshape(shape)
    per_sample = (groups, o // groups, math.prod(out_size))
    total = 0
    for part, cols in _sample_column_chunks(x, kernel, stride, padding, dilation, groups, out_size):
        total = total + (cols @ g[part].reshape(cols.shape[0], *per_sample).transpose(0, 1, 3, 2)).sum(0)
    return total.transpose(0, 2, 1).reshape(shape)
