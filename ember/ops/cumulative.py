"""Cumulative ops along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp, and their backward formulas."""
import numpy as np

from .. import _dtype
from .. import return_types as RT
from .._creation import _int
from .._tensor import wrap_dim
from ..autograd.graph import node_classes
from ..backend import array_module, c_order, widened, widened_dtype
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, Tensor, needs_grad, record, tensor_type_error, wrap, write_out, written
from .elementwise import where
from .inplace import generic_inplace
from .keywords import REQUIRED, required_dim
from .rearrange import flip
from .reduction import _accumulate_dtype, _exclusive_cumprod
from .sorting import _scatter_back

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]

GRADIENTS = {
    "CumsumBackward0": lambda g, d: (_reverse_cumsum(g, d),),
    "CumprodBackward0": lambda g, x, r, d: (_cumprod_backward(g, x, r, d),),
    "CummaxBackward0": lambda g, idx, n, d: (_scatter_back(g, idx, n, d),),
    "CumminBackward0": lambda g, idx, n, d: (_scatter_back(g, idx, n, d),),
    "LogcumsumexpBackward0": lambda g, x, r, dim: (_logcumsumexp_grad(g, x, r, dim),),
}
NODES = node_classes(GRADIENTS)



def _reverse_cumsum(g, d):
    """Sum of g from each position to the end along `d`, with ember ops (differentiable)."""
    return g.sum(d, keepdim=True) - g.cumsum(d) + g


def _cumprod_backward(g, x, r, d):
    a = x._data
    if a.size <= 1 or a.shape[d] == 1:  # as PyTorch: the gradient is g itself, with no graph through x
        return g
    if a.all():
        return _reverse_cumsum(g * r, d) / x
    if GRAD_ENABLED[0]:
        return _cumprod_backward_recorded(g, x, d)
    # With zeros, z the first zero of a slice: before z, the formula above; at z, the sum over k >= z of
    # g_k times the cumulative product with x_z replaced by 1; after z, 0. All ember ops, so differentiable.
    xp = array_module(a)
    pos = xp.arange(a.shape[d]).reshape([-1 if k == d else 1 for k in range(a.ndim)])
    zero = a == 0
    z = xp.where(zero.any(axis=d, keepdims=True), zero.argmax(axis=d, keepdims=True), a.shape[d])
    not_before, at, not_after = wrap(pos >= z), wrap(pos == z), wrap(pos < z)
    head = (_reverse_cumsum(g * r, d) / x.masked_fill(not_before, 1)).masked_fill(not_before, 0)
    c = x.masked_fill(at, 1).cumprod(d)
    return head + (g * c).masked_fill(not_after, 0).sum(d, keepdim=True) * wrap((pos == z).astype(a.dtype))


def _cumprod_backward_recorded(g, x, d):
    """cumprod's gradient with zeros, as recorded tensor ops that stay differentiable in every x (the array
    formula above masks the elements after a zero, whose derivative is not zero): for each j,
    prod_{i<j} x_i * sum_{k>=j} g_k * prod_{j<i<=k} x_i, with an (n, n) table of the partial products."""
    xs, gs = x.movedim(d, -1), g.movedim(d, -1)
    n = xs.shape[-1]
    xp = array_module(x._data)
    after = wrap(xp.arange(n)[None, :] > xp.arange(n)[:, None])  # [j, i]: i > j
    partial = where(after, xs.unsqueeze(-2), 1.0).cumprod(-1)  # [..., j, k] = prod_{j<i<=k} x_i
    upper = wrap((xp.arange(n)[None, :] >= xp.arange(n)[:, None]).astype(x._data.dtype))
    return (_exclusive_cumprod(xs) * (partial * upper * gs.unsqueeze(-2)).sum(-1)).movedim(-1, d)


def _reverse_logcumsumexp(v: Tensor, dim: int) -> Tensor:
    return flip(logcumsumexp(flip(v, (dim,)), dim), (dim,))


def _logcumsumexp_grad(g, x, r, dim):
    """sum over i >= j of g_i exp(x_j - r_i), split by the sign of g so that every exp is of a log-sum-exp; the log
    of a part's zeros is the lowest finite number, not -inf, whose differences would be NaN in a double backward."""
    lowest = float(np.finfo(g._data.dtype).min)
    positive, negative = g > 0, g < 0
    log_size = where(positive | negative, g.abs(), 1.0).log()
    up = _reverse_logcumsumexp(where(positive, log_size, lowest) - r, dim)
    down = _reverse_logcumsumexp(where(negative, log_size, lowest) - r, dim)
    return (x + up).exp() - (x + down).exp()


def _differentiable_dtype(r):
    if r._data.dtype.kind not in "fcV":
        raise RuntimeError(f"Autograd not support dtype: {_dtype.scalar_type_name(r._data.dtype)}")


def _cumulative(input, dim, dtype, name):
    """The array-module cumulative `name` ('cumsum' or 'cumprod') of input along one dim, and that dim."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    d = wrap_dim(dim if dim.__class__ is int else _int(dim, name, "dim", None), a.ndim)
    acc = _accumulate_dtype(a, dtype)
    if a.ndim == 0:
        return wrap(a.astype(acc)), d
    r = getattr(array_module(a), name)(widened(a), axis=d, dtype=_ACCUMULATORS.get(acc, widened_dtype(acc)))
    return wrap(c_order(r.astype(acc, copy=False))), d


# PyTorch's CPU cumulative sums and products accumulate float32 in float64 (half precision in float32): a float32
# accumulator's rounding would grow with the length (1% after a million terms)
_ACCUMULATORS = {np.dtype(np.float32): np.float64, np.dtype(np.complex64): np.complex128}


def cumsum(input, dim=REQUIRED, *, dtype=None, out=None, **aliases):
    """Cumulative sum along `dim`; integer and bool input accumulate in int64."""
    if "cumsum" in AUTOCAST_OPS[0]:
        return autocast_call("cumsum", cumsum, input, dim, dtype=dtype, out=out, **aliases)
    if aliases or dim is REQUIRED:
        dim = required_dim("cumsum", aliases, dim)[0]
    r, d = _cumulative(input, dim, dtype, "cumsum")
    if GRAD_ENABLED[0] and input._rg:
        _differentiable_dtype(r)
        record(r, NODES.CumsumBackward0(), (input,), (d,))
    return r if out is None else write_out(out, r, "cumsum")


def cumprod(input, dim=REQUIRED, *, dtype=None, out=None, **aliases):
    """Cumulative product along `dim`; the gradient is exact where the input has zeros."""
    if "cumprod" in AUTOCAST_OPS[0]:
        return autocast_call("cumprod", cumprod, input, dim, dtype=dtype, out=out, **aliases)
    if aliases or dim is REQUIRED:
        dim = required_dim("cumprod", aliases, dim)[0]
    r, d = _cumulative(input, dim, dtype, "cumprod")
    if GRAD_ENABLED[0] and input._rg:
        _differentiable_dtype(r)
        record(r, NODES.CumprodBackward0(), (input,), (input, r, d))
    return r if out is None else write_out(out, r, "cumprod")


def _cumextreme(input, dim, largest):
    name = "cummax" if largest else "cummin"
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    d = wrap_dim(dim if dim.__class__ is int else _int(dim, name, "dim", None), a.ndim)
    xp = array_module(a)
    if a.ndim == 0:
        values, idx = a.copy(), xp.zeros((), np.int64)
    else:
        values = (xp.maximum if largest else xp.minimum).accumulate(a, axis=d)
        pos = xp.arange(a.shape[d]).reshape([-1 if k == d else 1 for k in range(a.ndim)])
        new = (a == values) | xp.isnan(a) if a.dtype.kind in "fV" else a == values  # NaN is taken, as in PyTorch
        idx = xp.maximum.accumulate(xp.where(new, pos, 0), axis=d).astype(np.int64)
    v, i = wrap(c_order(values)), wrap(c_order(idx))
    if GRAD_ENABLED[0] and input._rg:
        record(v, (NODES.CummaxBackward0 if largest else NODES.CumminBackward0)(), (input,),
               (idx, a.shape[d] if a.ndim else 1, d))
    return (RT.cummax if largest else RT.cummin)((v, i))


def cummax(input, dim, *, out=None):
    """Running maximum along `dim` and the index where it was reached (the latest among ties)."""
    return written(_cumextreme(input, dim, True), out, "cummax")


def cummin(input, dim, *, out=None):
    """Running minimum along `dim` and the index where it was reached (the latest among ties)."""
    return written(_cumextreme(input, dim, False), out, "cummin")


def logcumsumexp(input: Tensor, dim: int, *, out=None) -> Tensor:
    """log(cumsum(exp(input))) along `dim`, without overflow or underflow."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("logcumsumexp", "input", input) from None
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{_dtype.scalar_type_name(a.dtype)}'")
    d = wrap_dim(dim, a.ndim) % max(a.ndim, 1)  # a 0-dim tensor takes dim 0 or -1
    xp = array_module(a)
    with np.errstate(invalid="ignore"):
        wide = widened(a)
        r = wrap(c_order(xp.logaddexp.accumulate(wide, axis=d, dtype=_ACCUMULATORS.get(wide.dtype, wide.dtype))
                         .astype(a.dtype, copy=False)) if a.ndim else a.copy())
    if needs_grad(input):
        record(r, NODES.LogcumsumexpBackward0(), (input,), (input, r, d))
    return r if out is None else write_out(out, r, "logcumsumexp")


METHODS = {"cumsum": cumsum, "cumprod": cumprod, "cummax": cummax, "cummin": cummin, "logcumsumexp": logcumsumexp}
METHODS.update({"cumsum_": generic_inplace(cumsum), "cumprod_": generic_inplace(cumprod)})
