"""Order statistics, over all elements or along one dim: median, nanmedian, kthvalue, mode, quantile,
nanquantile, and their backward formulas."""
import numpy as np

from .. import return_types as RT
from .._creation import _int
from .._tensor import wrap_dim
from ..autograd.graph import node_classes
from ..backend import array_module
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, Tensor, check_tensor, record, tensor_type_error, wrap, write_out, written
from .elementwise import masked_grad
from .keywords import numpy_keywords
from .reduction import _onehot, _select_back

__all__ = ["median", "nanmedian", "kthvalue", "mode", "quantile", "nanquantile"]

GRADIENTS = {
    "MedianBackward0": lambda g, x, r: (_evenly_nan(g, x, r),),
    "MedianBackward1": _select_back,
    "NanmedianBackward0": lambda g, x, r: (_evenly_nan(g, x, r),),
    "NanmedianBackward1": _select_back,
    "KthvalueBackward0": _select_back,
    "ModeBackward0": _select_back,
    # PyTorch's quantile is a composite whose last step is a squeeze; ember computes it in one node of that name.
    "SqueezeBackward4": lambda g, a_shape, rest, d, w: _quantile_backward(g, a_shape, rest, d, w),
}
NODES = node_classes(GRADIENTS)

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _evenly_nan(g, x, r):
    """Gradient of a full median: shared evenly among the elements equal to it (the NaNs, if it is NaN)."""
    mask = (x == r) | (x.isnan() & r.isnan())
    return masked_grad(g / mask.sum(), mask)


def _quantile_backward(g, a_shape, rest, d, w):
    """Spread g over the one or two sorted elements each quantile interpolates between (weights `w`,
    shape (*rest, Q, n) in the layout with the reduced dim last), then undo that layout."""
    k = len(rest)
    g = g.reshape((w._data.shape[-2],) + rest).permute(tuple(range(1, k + 1)) + (0,))
    gm = (g.unsqueeze(-1) * w).sum(-2)
    if d is None:
        return (gm.reshape(a_shape),)
    perm = [j for j in range(len(a_shape)) if j != d] + [d]
    return (gm.permute(tuple(sorted(range(len(perm)), key=perm.__getitem__))),)


def _select(input, dim, keepdim, kind, name, node, k=None):
    """The k-th smallest (0-based) element along `dim` as (values, indices), gradient to the selected one."""
    a = input._data
    xp = array_module(a)
    d = wrap_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if n == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if a.ndim == 0:
        values, idx = a.copy(), xp.zeros((), np.int64)
    else:
        if kind == "mode":
            order = xp.argsort(a, axis=d, kind="stable")
            s = xp.take_along_axis(a, order, axis=d)
            pos = xp.arange(n).reshape([-1 if j == d else 1 for j in range(a.ndim)])
            start = xp.concatenate([xp.ones_like(xp.take(s, [0], axis=d), dtype=bool),
                                    xp.diff(s, axis=d) != 0], axis=d)
            count = pos - xp.maximum.accumulate(xp.where(start, pos, 0), axis=d)
            at = count.argmax(axis=d, keepdims=True)
        elif kind == "nanmedian":  # NaNs sort last: the lower median of the numbers before them
            order = xp.argsort(a, axis=d, kind="stable")
            count = (~xp.isnan(a)).sum(axis=d, keepdims=True)
            at = xp.where(count > 0, (count - 1) // 2, (n - 1) // 2)
        else:
            kk = (n - 1) // 2 if k is None else k
            order = xp.argpartition(a, kk, axis=d)
            at = xp.full([1 if j == d else s for j, s in enumerate(a.shape)], kk)
        idx = xp.take_along_axis(order, at, axis=d).astype(np.int64)
        if name == "median" and a.dtype.kind in "fV":  # a slice with NaN has median NaN, at its first NaN
            nan = xp.isnan(a)
            idx = xp.where(nan.any(axis=d, keepdims=True), nan.argmax(axis=d, keepdims=True), idx)
        values = xp.take_along_axis(a, idx, axis=d)
        if not keepdim:
            values, idx = values.squeeze(d), idx.squeeze(d)
    v, i = wrap(values), wrap(idx)
    if GRAD_ENABLED[0] and input._rg:
        keep = idx if keepdim or not a.ndim else idx.reshape(a.shape[:d] + (1,) + a.shape[d + 1:])
        record(v, node(), (input,), (a.shape, d, keepdim, wrap(_onehot(keep, a.shape, d))))
    return getattr(RT, name)((v, i))


def median(input, dim=None, keepdim=False, **aliases):
    """The lower median of all elements; with `dim`, (values, indices) along it."""
    if aliases:
        dim, keepdim = numpy_keywords("median", aliases, dim, keepdim)
    check_tensor("median", "input", input, 1)
    a = input._data
    if dim is None:
        xp = array_module(a)
        if a.size == 0:
            r = xp.full((), np.nan, a.dtype)
        else:
            flat = a.reshape(-1)
            r = xp.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
            if a.dtype.kind in "fV" and xp.isnan(flat).any():
                r = xp.asarray(np.nan, a.dtype)
        r = wrap(xp.asarray(r, dtype=a.dtype))
        if GRAD_ENABLED[0] and input._rg:
            record(r, NODES.MedianBackward0(), (input,), (input, r))
        return r
    return _select(input, dim, keepdim, "select", "median", NODES.MedianBackward1)


def nanmedian(input, dim=None, keepdim=False, **aliases):
    """median ignoring NaN: the lower median of the numbers (NaN where a slice holds nothing else); with `dim`,
    (values, indices) along it."""
    if aliases:
        dim, keepdim = numpy_keywords("nanmedian", aliases, dim, keepdim)
    check_tensor("nanmedian", "input", input, 1)
    a = input._data
    if dim is None:
        xp = array_module(a)
        flat = a.reshape(-1)
        numbers = flat[~xp.isnan(flat)] if a.dtype.kind in "fV" else flat
        r = xp.full((), np.nan, a.dtype) if numbers.size == 0 else \
            xp.partition(numbers, (numbers.size - 1) // 2)[(numbers.size - 1) // 2]
        r = wrap(xp.asarray(r, dtype=a.dtype))
        if GRAD_ENABLED[0] and input._rg:
            record(r, NODES.NanmedianBackward0(), (input,), (input, r))
        return r
    return _select(input, dim, keepdim, "nanmedian" if a.dtype.kind in "fV" else "select", "nanmedian",
                   NODES.NanmedianBackward1)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None, **aliases):
    """The k-th smallest element along `dim` (k from 1) and its index."""
    if aliases:
        dim, keepdim = numpy_keywords("kthvalue", aliases, dim, keepdim)
    check_tensor("kthvalue", "input", input, 1)
    k = _int(k, "kthvalue", "k", None, any_shape=True)
    a = input._data
    d = wrap_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return written(_select(input, d, keepdim, "select", "kthvalue", NODES.KthvalueBackward0, k - 1), out, "kthvalue")


def mode(input, dim=-1, keepdim=False, *, out=None, **aliases):
    """The most frequent value along `dim` (the smallest among equally frequent ones) and its last index."""
    if aliases:
        dim, keepdim = numpy_keywords("mode", aliases, dim, keepdim)
    check_tensor("mode", "input", input, 1)
    return written(_select(input, dim, keepdim, "mode", "mode", NODES.ModeBackward0), out, "mode")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None, **aliases):
    """The q-th quantiles (q a number or 1-D tensor in [0, 1]) of all elements or along `dim`; a tensor q
    puts its dimension first in the result. A slice holding NaN has NaN quantiles."""
    if "quantile" in AUTOCAST_OPS[0]:
        return autocast_call("quantile", quantile, input, q, dim, keepdim, interpolation=interpolation, out=out,
                             **aliases)
    if aliases:
        dim, keepdim = numpy_keywords("quantile", aliases, dim, keepdim)
    return _quantile(input, q, dim, keepdim, interpolation, out, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None, **aliases):
    """quantile of the numbers that are not NaN (NaN where a slice holds nothing else)."""
    if "nanquantile" in AUTOCAST_OPS[0]:
        return autocast_call("nanquantile", nanquantile, input, q, dim, keepdim, interpolation=interpolation, out=out,
                             **aliases)
    if aliases:
        dim, keepdim = numpy_keywords("nanquantile", aliases, dim, keepdim)
    return _quantile(input, q, dim, keepdim, interpolation, out, True)


def _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan):
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("nanquantile" if ignore_nan else "quantile", "input", input) from None
    xp = array_module(a)
    if a.dtype.kind not in "fV":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if a.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    scalar_q, qs = _levels(q, a, "nanquantile" if ignore_nan else "quantile")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if dim is None:
        d, m = None, a.reshape(-1)
        out_shape = (1,) * a.ndim if keepdim else ()
    else:
        d = wrap_dim(dim, a.ndim)
        m = xp.moveaxis(a, d, -1) if a.ndim else a.reshape(1)
        out_shape = tuple(1 if j == d else s for j, s in enumerate(a.shape) if keepdim or j != d)
    n = m.shape[-1]
    order = xp.argsort(m, axis=-1, kind="stable")  # NaNs sort last
    s = xp.take_along_axis(m, order, axis=-1)
    nan = xp.isnan(m)
    count = (n - nan.sum(axis=-1, keepdims=True)) if ignore_nan else xp.full(m.shape[:-1] + (1,), n)
    pos = qs.astype(a.dtype) * xp.maximum(count - 1, 0).astype(a.dtype)  # (*rest, Q), in a's dtype as PyTorch
    lo, hi = xp.floor(pos).astype(np.int64), xp.ceil(pos).astype(np.int64)
    if interpolation == "nearest":
        lo = hi = xp.round(pos).astype(np.int64)
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    w = pos - lo if interpolation == "linear" else xp.full(pos.shape, 0.5 if interpolation == "midpoint" else 0.0)
    w = xp.asarray(w, dtype=a.dtype)
    if not ignore_nan:  # a slice holding NaN takes its last sorted element, a NaN (gradient and all), as PyTorch's
        has_nan = nan.any(axis=-1, keepdims=True)
        lo, hi, w = xp.where(has_nan, n - 1, lo), xp.where(has_nan, n - 1, hi), xp.where(has_nan, 0, w)
        w = w.astype(a.dtype, copy=False)
    v_lo, v_hi = xp.take_along_axis(s, lo, axis=-1), xp.take_along_axis(s, hi, axis=-1)  # (*rest, Q)
    r = (v_lo + w * (v_hi - v_lo)).astype(a.dtype, copy=False)
    r = xp.moveaxis(r, -1, 0).reshape(((1,) if scalar_q else (qs.size,)) + out_shape)
    r = wrap(r.reshape(out_shape) if scalar_q else r)
    if GRAD_ENABLED[0] and input._rg:
        positions = xp.arange(n)
        i_lo = xp.take_along_axis(order, lo, axis=-1)[..., None]  # (*rest, Q, 1)
        i_hi = xp.take_along_axis(order, hi, axis=-1)[..., None]
        weights = (1 - w)[..., None] * (i_lo == positions) + w[..., None] * (i_hi == positions)
        record(r, NODES.SqueezeBackward4(), (input,), (a.shape, m.shape[:-1], d if a.ndim else None,
                                                 wrap(weights.astype(a.dtype, copy=False))))
    return r if out is None else write_out(out, r, "nanquantile" if ignore_nan else "quantile")


def _levels(q, a, name):
    """Whether q is a scalar, and its levels as a float64 array on a's device; PyTorch's errors for a q it refuses
    (`name` the function's)."""
    xp = array_module(a)
    if not isinstance(q, Tensor):
        if not isinstance(q, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                            f"{type(q).__name__}): q must be a float or a Tensor")
        if not 0 <= float(q) <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        return True, xp.asarray([float(q)])
    if q._data.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if q._data.dtype != a.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    qs = xp.asarray(q._data, dtype=np.float64).reshape(-1)
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    return q._data.ndim == 0, qs


METHODS = {"median": median, "nanmedian": nanmedian, "kthvalue": kthvalue, "mode": mode, "quantile": quantile,
    "nanquantile": nanquantile}
