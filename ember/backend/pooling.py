"""Array kernels for pooling and resampling that NumPy lacks, written once against the array module.

Pooling windows are strided slices of the (padded) input, one per kernel offset in row-major
window order: a pooling op is a running maximum or sum over kernel_size slices, never a loop over
pixels. Resampling along one axis is a sparse matrix in ELL form (for each output position, a fixed
number of taps: source indices and weights), applied as one BLAS product on a short last axis and as
a few gathers otherwise.
"""
import numpy as np

from . import UINT_OF_SIZE, array_module, asarray_like


# ---- windows --------------------------------------------------------------------------------------
def window_slices(out_shape, kernel, stride, dilation):
    """For each kernel offset, in row-major window order, the key of the padded input's trailing dims
    that the offset touches in every window."""
    keys = [()]
    for o, k, s, d in zip(out_shape, kernel, stride, dilation):
        keys = [key + (slice(j * d, j * d + (o - 1) * s + 1, s),) for key in keys for j in range(k)]
    return [(Ellipsis,) + key for key in keys]


def pad_trailing(a, before, after, value):
    """`a` with its trailing len(before) dims padded by `value` (`a` itself when there is no padding)."""
    if not any(before) and not any(after):
        return a
    xp = array_module(a)
    lead = a.shape[:a.ndim - len(before)]
    inner = a.shape[a.ndim - len(before):]
    out = xp.full(lead + tuple(n + b + e for n, b, e in zip(inner, before, after)), value, a.dtype)
    out[(Ellipsis,) + tuple(slice(b, b + n) for b, n in zip(before, inner))] = a
    return out


def crop_trailing(a, before, shape):
    """The inverse of pad_trailing: the window of trailing dims `shape` starting at `before`."""
    return a[(Ellipsis,) + tuple(slice(b, b + n) for b, n in zip(before, shape))]


def window_max(parts, with_offsets):
    """The running maximum over `parts` (the window slices of an input, in window order), and (if asked)
    the offset of the part that holds it: the first maximum, or the last nan, as PyTorch chooses."""
    xp = array_module(parts[0])
    out = parts[0].copy()
    for p in parts[1:]:
        xp.maximum(out, p, out=out)
    if not with_offsets:
        return out, None
    # offset = the number of leading parts that differ from the maximum
    dtype = np.uint8 if len(parts) < 256 else np.int32
    if len(parts) == 1:
        return out, xp.zeros(out.shape, dtype)
    missing = parts[0] != out
    which = missing.astype(dtype)
    for p in parts[1:-1]:
        missing &= p != out
        which += missing
    if out.dtype.kind in "fV" and xp.isnan(out).any():
        last_nan = xp.zeros_like(which)
        for k, p in enumerate(parts):
            last_nan[xp.isnan(p)] = k
        which = xp.where(xp.isnan(out), last_nan, which)
    return out, which


def plane_max(a, plane_ndim):
    """The maximum of each plane (the trailing `plane_ndim` dims of `a`) and its flat index: the first
    maximum, or the last nan, as PyTorch chooses. Both keep the plane dims, as size 1."""
    xp = array_module(a)
    lead = a.shape[:a.ndim - plane_ndim]
    flat = a.reshape(lead + (-1,))
    index = flat.argmax(-1)  # the first maximum, or the first nan
    values = xp.take_along_axis(flat, index[..., None], -1)[..., 0]
    if a.dtype.kind in "fV" and xp.isnan(values).any():
        last_nan = flat.shape[-1] - 1 - xp.isnan(flat[..., ::-1]).argmax(-1)
        index = xp.where(xp.isnan(values), last_nan, index)
    keep = lead + (1,) * plane_ndim
    return values.reshape(keep), index.reshape(keep)


def window_sum(parts, dtype):
    """The sum of `parts` (the window slices of an input), accumulated in `dtype`."""
    out = parts[0].astype(dtype, copy=True)
    for p in parts[1:]:
        out += p
    return out


def disjoint(kernel, stride, dilation):
    """True when no input element lies in two windows (so the adjoint can write instead of add)."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def spread_windows(g, windows, padded_shape, overlapping, which=None):
    """The adjoint of window_sum (or, given `which`, of choosing one offset per window): `g` sent back
    to every window element (or to the chosen one), in an array of `padded_shape`."""
    xp = array_module(g)
    grad = xp.zeros(padded_shape, g.dtype)
    for k, w in enumerate(windows):
        if which is None:
            if overlapping:
                grad[w] += g
            else:
                grad[w] = g
        elif overlapping:
            grad[w] += g * (which == k)
        else:
            bits = grad[w].view(UINT_OF_SIZE[grad.itemsize])  # on the bits: unchosen elements are +0., not -0.
            xp.multiply(g.view(bits.dtype), which == k, out=bits)
    return grad


def gather_windows(a, windows, which):
    """The element of each window of `a` at offset `which` (the linear part of max pooling)."""
    xp = array_module(a)
    out = a[windows[0]].copy()
    for k, w in enumerate(windows[1:], 1):
        out = xp.where(which == k, a[w], out)
    return out


# ---- flat indices into each plane ----------------------------------------------------------------
def _flat(indices, lead_ndim, plane_size):
    """Indices into each plane (after `lead_ndim` leading dims) as indices into the whole array, raveled."""
    xp = array_module(indices)
    lead = indices.shape[:lead_ndim]
    rows = xp.arange(int(np.prod(lead)), dtype=np.int64).reshape(lead + (1,) * (indices.ndim - lead_ndim))
    return (indices + rows * plane_size).reshape(-1)


def gather_planes(a, indices, plane_ndim):
    """For each plane (the trailing `plane_ndim` dims of `a`), its elements at the flat `indices`
    (shaped like the output planes; leading dims as `a`'s)."""
    lead_ndim = a.ndim - plane_ndim
    size = int(np.prod(a.shape[lead_ndim:]))
    return a.reshape(-1)[_flat(indices, lead_ndim, size)].reshape(indices.shape)


def scatter_planes(values, indices, plane_shape, accumulate):
    """Planes of `plane_shape` holding `values` at the flat `indices` (added up where `accumulate`,
    else written, the last write winning), zeros elsewhere."""
    xp = array_module(values)
    lead = values.shape[:values.ndim - len(plane_shape)]
    planes = int(np.prod(lead))
    size = int(np.prod(plane_shape))
    flat = _flat(indices, len(lead), size)
    if accumulate:
        out = xp.bincount(flat, weights=values.reshape(-1), minlength=planes * size).astype(values.dtype)
    else:
        out = xp.zeros(planes * size, values.dtype)
        out[flat] = values.reshape(-1)
    return out.reshape(lead + tuple(plane_shape))


# ---- separable resampling ------------------------------------------------------------------------
def ell_from_coo(rows, cols, vals, n_rows):
    """A sparse (n_rows, ?) matrix given by its entries, in ELL form: per row, `taps` column indices
    and weights (unused taps point at column 0 with weight 0). NumPy arrays."""
    order = np.argsort(rows, kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    counts = np.bincount(rows, minlength=n_rows)
    taps = max(int(counts.max(initial=0)), 1)
    slot = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    idx = np.zeros((n_rows, taps), np.int64)
    w = np.zeros((n_rows, taps), vals.dtype)
    idx[rows, slot] = cols
    w[rows, slot] = vals
    return idx, w


def transpose_ell(idx, w, n_cols):
    """The transpose of an ELL matrix with `n_cols` columns, in ELL form."""
    rows = np.repeat(np.arange(idx.shape[0]), idx.shape[1])
    keep = w.reshape(-1) != 0
    return ell_from_coo(idx.reshape(-1)[keep], rows[keep], w.reshape(-1)[keep], n_cols)


def apply_axis(a, idx, w, axis):
    """The ELL matrix (idx, w) applied along `axis` of `a`: out[.., i, ..] = sum_t w[i, t] * a[.., idx[i, t], ..].

    One tap of weight 1 is a gather. A short last axis goes through BLAS as one dense matrix product (2 * n
    flops per output beat a gather pass per tap while n <= 64 taps); other axes gather whole rows per tap."""
    xp = array_module(a)
    axis %= a.ndim
    n, taps = a.shape[axis], idx.shape[1]
    if taps == 1 and (w == 1).all():  # nearest neighbours
        return xp.take(a, asarray_like(idx[:, 0], a), axis=axis)
    if axis == a.ndim - 1 and n <= 64 * taps:
        dense = np.zeros((idx.shape[0], n), a.dtype)
        np.add.at(dense, (np.arange(idx.shape[0])[:, None], idx), w)
        rows = a.reshape(int(np.prod(a.shape[:-1])), n)
        product = xp.matmul(rows, asarray_like(dense.T, a))  # bfloat16 products come out in float32: rounded once
        return product.astype(a.dtype, copy=False).reshape(a.shape[:-1] + (idx.shape[0],))
    idx, w = asarray_like(idx, a), asarray_like(w.astype(a.dtype, copy=False), a)
    bshape = (-1,) + (1,) * (a.ndim - 1 - axis)
    out = None
    for t in range(taps):
        part = xp.take(a, idx[:, t], axis=axis)
        part *= w[:, t].reshape(bshape)
        out = part if out is None else out + part
    return out


def apply_separable(a, maps):
    """ELL matrices applied along the trailing len(maps) axes of `a` (None: that axis is kept); a new array."""
    n = len(maps)
    for d, m in enumerate(maps):
        if m is not None:
            a = apply_axis(a, m[0], m[1], a.ndim - n + d)
    if all(m is None for m in maps):
        return a.copy()
    return array_module(a).ascontiguousarray(a)
