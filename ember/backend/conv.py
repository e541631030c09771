"""Convolution kernels NumPy lacks, written once against the array module (NumPy or CuPy).

`windows` is im2col without a copy: a strided view of the sliding windows. `add_windows` is its
adjoint (col2im): a scatter-add done as one strided slice add per kernel offset, vectorized over
batch, channels and pixels. The three products of a convolution (the forward, the gradient of its
input, the gradient of its weight) are batched BLAS matrix products, one per group. The im2col copy
is laid out (groups, C/groups * prod(kernel), N * prod(out)), whose inner runs are output rows;
the columns that col2im scatters are laid out by kernel offset, so each offset adds one block.
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


def _columns(x, kernel, stride, padding, dilation, groups, out_size):
    """im2col of `x` (N, C, *spatial): one copy into (groups, C/groups * prod(kernel), N * prod(out_size))."""
    n, c = x.shape[:2]
    nd = len(kernel)
    v = windows(x, kernel, stride, padding, dilation, out_size)
    v = v.transpose(1, *range(2, 2 + nd), 0, *range(2 + nd, 2 + 2 * nd))  # (C, *kernel, N, *out_size)
    return v.reshape(groups, c // groups * math.prod(kernel), n * math.prod(out_size))


def _by_group(g, groups):
    """(N, O, *out) -> (groups, O/groups, N * prod(out)): the output channels as rows of one matrix per group."""
    n, o = g.shape[:2]
    return array_module(g).moveaxis(g, 1, 0).reshape(groups, o // groups, n * math.prod(g.shape[2:]))


def conv_forward(x, w, shape, stride, padding, dilation, groups, bias=None):
    """Convolution (cross-correlation) of `x` (N, C, *spatial) with `w` (O, C/groups, *kernel) into `shape`
    (N, O, *out), plus `bias` (O,): one im2col copy and one matrix product per group."""
    xp = array_module(x)
    n, o = shape[:2]
    cols = _columns(x, w.shape[2:], stride, padding, dilation, groups, shape[2:])
    wg = w.reshape(groups, o // groups, math.prod(w.shape[1:]))
    # (N * P, C * K) @ (C * K, O): OpenBLAS is faster with the long dimension as the rows of the result
    y = (cols.transpose(0, 2, 1) @ wg.transpose(0, 2, 1)).reshape(groups, n, math.prod(shape[2:]), o // groups)
    y = y.transpose(1, 0, 3, 2)  # (N, groups, O/groups, P)
    out = xp.empty(shape, y.dtype)
    if bias is None:
        out.reshape(y.shape)[...] = y
    else:  # the bias add rides on the copy that puts the channels before the pixels
        xp.add(y, bias.reshape(groups, o // groups, 1), out=out.reshape(y.shape))
    return out


def conv_input_grad(g, w, shape, stride, padding, dilation, groups, bias=None):
    """Gradient of a convolution with respect to its input of `shape`, given the output gradient `g`;
    also the transposed convolution of `g` with `w` (plus `bias`). One matrix product per group, then col2im."""
    xp = array_module(g)
    n, c = shape[:2]
    o, cg, *kernel = w.shape
    k = math.prod(kernel)
    # rows ordered (kernel offset, channel), so that each offset's columns are one contiguous block
    wk = w.reshape(groups, o // groups, cg, k).transpose(0, 3, 2, 1).reshape(groups, k * cg, o // groups)
    cols = (wk @ _by_group(g, groups)).reshape(groups, *kernel, cg, n, *g.shape[2:])
    nd = len(kernel)
    # (G, C/G, N, *kernel, *out)
    cols = cols.transpose(0, 1 + nd, 2 + nd, *range(1, 1 + nd), *range(3 + nd, 3 + 2 * nd))
    summed = xp.zeros((groups, cg, n, *shape[2:]), cols.dtype)
    add_windows(summed, cols, stride, padding, dilation)
    summed = xp.moveaxis(summed.reshape(c, n, *shape[2:]), 0, 1)
    out = xp.empty(shape, summed.dtype)
    if bias is None:
        out[...] = summed
    else:
        xp.add(summed, bias.reshape(c, *(1,) * nd), out=out)
    return out


def conv_weight_grad(x, g, shape, stride, padding, dilation, groups):
    """Gradient of a convolution with respect to its weight of `shape`, given its input `x` and output
    gradient `g`: one matrix product per group over the im2col of `x`."""
    cols = _columns(x, shape[2:], stride, padding, dilation, groups, g.shape[2:])
    # (C * K, N * P) @ (N * P, O), then transpose the small result: faster than (O, N * P) @ (N * P, C * K)
    return (cols @ _by_group(g, groups).transpose(0, 2, 1)).transpose(0, 2, 1).reshape(shape)
