"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, var/std (alone or with the mean), norm,
all/any, logsumexp, nansum/nanmean, count_nonzero, aminmax, sum_to_size, and their backward formulas."""
import builtins
import math
import operator
import warnings

import numpy as np

from .. import _dtype
from .. import return_types as RT
from .._tensor import wrap_dim
from ..autograd.graph import node_classes
from ..backend import array_module, is_half_dtype, widened, widened_dtype
from .autocast import AUTOCAST_OPS, autocast_call
from .base import (
    GRAD_ENABLED,
    Tensor,
    _MultiNode,
    record,
    record_outputs,
    refuse_complex,
    tensor_type_error,
    wrap,
    write_out,
    written,
)
from .comparison import isnan, logical_not
from .elementwise import div, masked_grad, maximum, minimum
from .keywords import REQUIRED, numpy_keywords, required_dim
from .shape import cat

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "var_mean",
           "std_mean", "norm", "all", "any", "logsumexp", "nansum", "nanmean", "count_nonzero", "aminmax",
           "hash_tensor"]


def _expand_back(g, shape, dims, keepdim):
    """Bring a reduced gradient back to the input's shape (re-inserting reduced dims)."""
    if not keepdim and dims is not None and shape:
        kept = list(shape)
        for d in dims:
            kept[d] = 1
        g = g.reshape(kept)
    return g.expand(shape)


def _evenly(g, x, r, dims, keepdim):
    """Gradient of max/min: shared evenly among the elements equal to the result, +0. elsewhere for a full
    max/min; amax/amin multiply by the mask as PyTorch's do (so -0. where g < 0, which abs's gradient in a
    matrix norm turns back into +0.)."""
    r_full = _expand_back(r, x._data.shape, dims, keepdim)
    mask = (x == r_full)
    if dims is None:
        return masked_grad(g / mask.sum(), mask)
    return _expand_back(g, x._data.shape, dims, keepdim) * mask / mask.sum(dims, keepdim=True)


def _select_back(g, shape, dim, keepdim, onehot):
    """Gradient of an op that selects one element per slice along `dim`: g at the selected element."""
    return (masked_grad(_expand_back(g, shape, (dim,), keepdim), onehot),)


GRADIENTS = {
    "SumBackward0": lambda g, shape: (g.expand(shape),),
    "SumBackward1": lambda g, shape, dims, keepdim: (_expand_back(g, shape, dims, keepdim),),
    "MeanBackward0": lambda g, shape, n: ((g / n).expand(shape),),
    "MeanBackward1": lambda g, shape, dims, keepdim, n: (_expand_back(g, shape, dims, keepdim) / n,),
    "ProdBackward0": lambda g, x, r: (_times_nonzero(g, _prod_others(x, r, None)),),
    "ProdBackward1": lambda g, x, r, dim, keepdim: (_times_nonzero(
        _expand_back(g, x._data.shape, (dim,), keepdim),
        _prod_others(x, _expand_back(r, x._data.shape, (dim,), keepdim), dim)),),
    "MaxBackward1": lambda g, x, r: (_evenly(g, x, r, None, False),),
    "MinBackward1": lambda g, x, r: (_evenly(g, x, r, None, False),),
    "MaxBackward0": lambda g, shape, dim, keepdim, onehot: _select_back(g, shape, dim, keepdim, onehot),
    "MinBackward0": lambda g, shape, dim, keepdim, onehot: _select_back(g, shape, dim, keepdim, onehot),
    "AmaxBackward0": lambda g, x, r, dims, keepdim: (_evenly(g, x, r, dims, keepdim),),
    "AminBackward0": lambda g, x, r, dims, keepdim: (_evenly(g, x, r, dims, keepdim),),
    "VarBackward0": lambda g, x, dims, keepdim, dof: (
        _expand_back(g, x._data.shape, dims, keepdim) * (2 / dof if dof else math.inf)
        * (x - x.mean(dims, keepdim=True)),),
    "StdBackward0": lambda g, x, r, dims, keepdim, dof: (
        _expand_back((g / (r * dof)).masked_fill(r == 0, 0), x._data.shape, dims, keepdim)
        * (x - x.mean(dims, keepdim=True)),),
    "LinalgVectorNormBackward0": lambda g, x, r, p, dims, keepdim: (_norm_backward(g, x, r, p, dims, keepdim),),
    "NormBackward1": lambda g, x, r, p, dims, keepdim: (_norm_backward(g, x, r, p, dims, keepdim),),
    "LogsumexpBackward0": lambda g, x, r, dims, keepdim: (
        _expand_back(g, x._data.shape, dims, keepdim) * (x - _expand_back(r, x._data.shape, dims, keepdim)).exp(),),
    "NansumBackward0": lambda g, shape, dims, keepdim, mask: (_expand_back(g, shape, dims, keepdim) * mask,),
}
NODES = node_classes(GRADIENTS)
_MULTI = {  # the nodes of two outputs: formula(grads, *saved)
    "StdMeanBackward0": lambda grads, x, r, dims, keepdim, dof: _spread_mean_backward(grads, x, r, dims, keepdim,
                                                                                      dof, True),
    "VarMeanBackward0": lambda grads, x, dims, keepdim, dof: _spread_mean_backward(grads, x, None, dims, keepdim,
                                                                                   dof, False),
    "AminmaxBackward0": lambda grads, x, rmin, rmax, dims, keepdim: _aminmax_backward(grads, x, rmin, rmax, dims,
                                                                                      keepdim),
}
NODES.update({name: type(name, (_MultiNode,), {"__slots__": (), "formula": staticmethod(f)})
              for name, f in _MULTI.items()})


def _times_nonzero(g, factor):
    """g * factor, +0. where the factor is zero (NOTE [ Negative zero ] in elementwise.py); under
    create_graph the plain product, through which a zero factor still has a derivative."""
    if GRAD_ENABLED[0]:
        return g * factor
    return masked_grad(g * factor, factor._data != 0)


def _prod_others(x, r, dim):
    """For each element, the product of the other elements (along `dim`, or all), zeros included.

    Without zeros it is r / x, a differentiable expression (for higher-order gradients); with zeros,
    prefix and suffix products: over the arrays, or, under create_graph, as recorded tensor ops.
    """
    a = x._data
    xp = array_module(a)
    if a.size == 0 or a.ndim == 0:  # a 0-dim input's gradient is g itself, as in PyTorch
        return wrap(xp.ones_like(a))
    if a.all():
        return r / x
    if (a.size if dim is None or a.ndim == 0 else a.shape[dim]) == 1:  # a lone zero: the empty product
        return wrap(xp.ones_like(a))
    if GRAD_ENABLED[0]:
        return _prod_others_recorded(x, dim)
    if dim is None or a.ndim == 0:
        flat = a.reshape(-1)
        left = xp.concatenate([xp.ones(1, a.dtype), xp.cumprod(flat[:-1])])
        right = xp.concatenate([xp.cumprod(flat[::-1][:-1])[::-1], xp.ones(1, a.dtype)])
        return wrap((left * right).reshape(a.shape))
    moved = xp.moveaxis(a, dim, -1)
    ones = xp.ones(moved.shape[:-1] + (1,), a.dtype)
    left = xp.concatenate([ones, xp.cumprod(moved[..., :-1], axis=-1)], axis=-1)
    right = xp.concatenate([xp.cumprod(moved[..., ::-1][..., :-1], axis=-1)[..., ::-1], ones], axis=-1)
    return wrap(xp.moveaxis(left * right, -1, dim))


def _prod_others_recorded(x, dim):
    """_prod_others with zeros, from exclusive prefix and suffix cumulative products of tensors."""
    line = x.reshape(-1) if dim is None or x.dim() == 0 else x.movedim(dim, -1)
    others = _exclusive_cumprod(line) * _exclusive_cumprod(line.flip(-1)).flip(-1)
    return others.reshape(x.shape) if dim is None or x.dim() == 0 else others.movedim(-1, dim)


def _exclusive_cumprod(line):
    """For each position of the last dim, the product of the elements before it (1 for the first), recorded."""
    ones = wrap(array_module(line._data).ones(line._data.shape[:-1] + (1,), line._data.dtype))
    return cat([ones, line[..., :-1]], -1).cumprod(-1)


def _norm_backward(g, x, r, p, dims, keepdim):
    shape = x._data.shape
    g = _expand_back(g, shape, dims, keepdim)
    r = _expand_back(r, shape, dims, keepdim)
    if p == 2:
        return g * x / r.masked_fill(r == 0, float("inf"))
    if p == 1:
        return g * x.sign()
    if p == 0:
        return None
    if p == float("inf") or p == -float("inf"):
        mask = (x.abs() == r)
        return g * x.sign() * mask / mask.sum(dims, keepdim=True)
    scale = x.abs().pow(p - 2).masked_fill(x == 0, 0) * x / r.pow(p - 1).masked_fill(r == 0, float("inf"))
    return _times_nonzero(g, scale)


def _spread_mean_backward(grads, x, r, dims, keepdim, dof, is_std):
    gs, gm = grads
    shape = x._data.shape
    out = None
    if gs is not None:
        out = GRADIENTS["StdBackward0" if is_std else "VarBackward0"](
            gs, x, *((r, dims, keepdim, dof) if is_std else (dims, keepdim, dof)))[0]
    if gm is not None:
        n = x._data.size if dims is None else math.prod(shape[k] for k in dims)
        gmx = _expand_back(gm, shape, dims, keepdim) / n
        out = gmx if out is None else out + gmx
    return (out,)


def _aminmax_backward(grads, x, rmin, rmax, dims, keepdim):
    out = None
    for g, r in zip(grads, (rmin, rmax)):
        if g is not None:
            gx = _evenly(g, x, r, dims, keepdim)
            out = gx if out is None else out + gx
    return (out,)


def _dims(dim, ndim):
    """Normalised tuple of reduced dims, or None for all (a 0-dim tensor accepts dim 0 or -1)."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer, Tensor)):  # a one-element tensor is one dim, as in PyTorch's int[1]
        d = wrap_dim(operator.index(dim), ndim)
        return (d,) if ndim else None
    dims = tuple(wrap_dim(d, ndim) for d in dim)
    if len({d % builtins.max(ndim, 1) for d in dims}) != len(dims):  # a 0-dim tensor's 0 and -1 are one dim
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return dims if dims and ndim else None


def _accumulate_dtype(a, dtype):
    """Sum and prod accumulate integers and bools in int64, as PyTorch does."""
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    if a.dtype.kind in "biu":
        return np.dtype(np.int64)
    return a.dtype


_ALL = object()  # dim left out: PyTorch records SumBackward0/MeanBackward0, but the dim=None overload Backward1


def sum(input, dim=_ALL, keepdim=False, *, dtype=None, out=None, **aliases):
    """Sum of all elements, or over `dim` (an int or tuple)."""
    if "sum" in AUTOCAST_OPS[0]:
        return autocast_call("sum", sum, input, dim, keepdim, dtype=dtype, out=out, **aliases)
    if aliases:
        dim, keepdim = numpy_keywords("sum", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("sum", "input", input) from None
    all_dims = dim is _ALL
    dims = None if all_dims else _dims(dim, a.ndim)
    acc = _accumulate_dtype(a, dtype)
    if all_dims and not keepdim:
        r = wrap(_add_reduce(a, None, acc, False))
        if GRAD_ENABLED[0] and input._rg:
            record(r, NODES.SumBackward0(), (input,), (a.shape,))
    else:
        r = wrap(_add_reduce(a, dims, acc, keepdim))
        if GRAD_ENABLED[0] and input._rg:
            record(r, NODES.SumBackward1(), (input,), (a.shape, dims, keepdim))
    return r if out is None else write_out(out, r, "sum")


def mean(input, dim=_ALL, keepdim=False, *, dtype=None, out=None, **aliases):
    """Mean of all elements, or over `dim`; floating point input only (or give `dtype`)."""
    if aliases:
        dim, keepdim = numpy_keywords("mean", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("mean", "input", input) from None
    if dtype is not None:
        a = a.astype(_dtype.to_dtype(dtype).np)
    elif a.dtype.kind not in "fcV":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_dtype.scalar_type_name(a.dtype)}")
    all_dims = dim is _ALL
    dims = None if all_dims else _dims(dim, a.ndim)
    n = a.size
    if dims is not None:
        n = 1
        for d in dims:
            n *= a.shape[d]
    total = _add_reduce(a if a.dtype.itemsize > 2 else widened(a), dims, None, keepdim)
    if n:
        r = wrap(array_module(a).true_divide(total, n).astype(a.dtype, copy=False))
    else:  # the mean of nothing is nan, as in PyTorch
        r = wrap(array_module(a).full(total.shape, np.nan, a.dtype))
    if all_dims and not keepdim:
        if GRAD_ENABLED[0] and input._rg:
            record(r, NODES.MeanBackward0(), (input,), (a.shape, a.size))
    elif GRAD_ENABLED[0] and input._rg:
        record(r, NODES.MeanBackward1(), (input,), (a.shape, dims, keepdim, n))
    return r if out is None else write_out(out, r, "mean")


def _add_reduce(a, dims, dtype, keepdims):
    """Sum over `dims` in one call (NumPy's ufunc directly, without ndarray.sum's Python wrapper); a sum into half
    precision accumulates in float32 and is rounded once, as PyTorch's."""
    if dtype is not None and is_half_dtype(dtype):
        return _add_reduce(widened(a), dims, widened_dtype(dtype), keepdims).astype(dtype)
    if a.__class__ is np.ndarray:
        if _long_float32(a, dims) and dtype in (None, a.dtype):
            return np.add.reduce(a, axis=dims, dtype=np.float64, keepdims=keepdims).astype(np.float32)  # host: too
        return np.add.reduce(a, axis=dims, dtype=dtype, keepdims=keepdims)  # host: a is a NumPy array here
    return a.sum(axis=dims, dtype=dtype, keepdims=keepdims)


LONG_SUM = 4096


def _long_float32(a, dims) -> bool:
    """Whether NumPy would add more than LONG_SUM float32 terms of `a` one after another, reducing over `dims`: it
    adds pairwise only along the contiguous trailing axes it reduces, and a float32 running sum's rounding grows
    with its length (1% over a million rows), where PyTorch's cascade sums stay near one rounding. Such sums are
    accumulated in float64."""
    if a.dtype != np.float32 or a.size <= LONG_SUM:
        return False
    axes = range(a.ndim) if dims is None else [d % a.ndim for d in dims]
    terms = math.prod(a.shape[d] for d in axes)
    if a.flags.c_contiguous:
        trailing = a.ndim
        while trailing and trailing - 1 in axes:
            trailing -= 1
        terms //= builtins.max(math.prod(a.shape[trailing:]), 1)
    return terms > LONG_SUM


def prod(input, dim=None, keepdim=False, *, dtype=None, **aliases):
    """Product of all elements, or along one `dim`."""
    if "prod" in AUTOCAST_OPS[0]:
        return autocast_call("prod", prod, input, dim, keepdim, dtype=dtype, **aliases)
    if aliases:
        dim, keepdim = numpy_keywords("prod", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("prod", "input", input) from None
    acc = _accumulate_dtype(a, dtype)
    if dim is None:
        r = wrap(widened(a).prod(dtype=widened_dtype(acc)).astype(acc))
        if GRAD_ENABLED[0] and input._rg:
            record(r, NODES.ProdBackward0(), (input,), (input, r))
        return r
    d = wrap_dim(dim, a.ndim)
    r = wrap(widened(a).prod(axis=d, dtype=widened_dtype(acc), keepdims=keepdim).astype(acc, copy=False))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.ProdBackward1(), (input,), (input, r, d, keepdim))
    return r




def _extreme(input, dim, keepdim, other, largest):
    name = "max" if largest else "min"
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    refuse_complex(a.dtype, name + "_all")
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        return maximum(input, other) if largest else minimum(input, other)
    if dim is None:
        if a.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        r = wrap(a.max() if largest else a.min())
        if GRAD_ENABLED[0] and input._rg:
            record(r, (NODES.MaxBackward1 if largest else NODES.MinBackward1)(), (input,), (input, r))
        return r
    d = wrap_dim(dim, a.ndim)
    if a.ndim and a.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    idx = (a.argmax if largest else a.argmin)(axis=d, keepdims=True) if a.ndim else array_module(a).zeros((), np.int64)
    values = array_module(a).take_along_axis(a, idx, axis=d) if a.ndim else a.copy()
    if not keepdim and a.ndim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    v, i = wrap(values), wrap(idx.astype(np.int64, copy=False))
    if GRAD_ENABLED[0] and input._rg:
        onehot = wrap(_onehot(idx if keepdim or not a.ndim else idx.reshape(a.shape[:d] + (1,) + a.shape[d + 1:]),
                              a.shape, d))
        record(v, (NODES.MaxBackward0 if largest else NODES.MinBackward0)(), (input,), (a.shape, d, keepdim, onehot))
    return (RT.max if largest else RT.min)((v, i))


def _onehot(idx_keep, shape, d):
    """True at the selected index along dim `d`, False elsewhere."""
    xp = array_module(idx_keep)
    if not len(shape):
        return xp.ones((), bool)
    positions = xp.arange(shape[d]).reshape([-1 if k == d else 1 for k in range(len(shape))])
    return positions == idx_keep


def max(input, dim=None, keepdim=False, *, out=None, **aliases):
    """The largest element; with `dim`, (values, indices) along it; with a tensor, elementwise maximum."""
    if aliases:
        dim, keepdim = numpy_keywords("max", aliases, dim, keepdim)
    return written(_extreme(input, dim, keepdim, None, True), out, "max")


def min(input, dim=None, keepdim=False, *, out=None, **aliases):
    """The smallest element; with `dim`, (values, indices) along it; with a tensor, elementwise minimum."""
    if aliases:
        dim, keepdim = numpy_keywords("min", aliases, dim, keepdim)
    return written(_extreme(input, dim, keepdim, None, False), out, "min")


def _check_nonempty(a, dim, name):
    """PyTorch's IndexError for a selecting reduction over no elements (before the repeated-dim check)."""
    if a.size:
        return
    if dim is None or _no_dims(dim):
        raise (RuntimeError if name in ("amax", "amin") else IndexError)(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
        d = wrap_dim(d, a.ndim)
        if a.ndim and a.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _amax_amin(input, dim, keepdim, largest):
    name = "amax" if largest else "amin"
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    _check_nonempty(a, dim, name)
    dims = _dims(dim, a.ndim) if dim != () else None
    r = wrap((a.max if largest else a.min)(axis=dims, keepdims=keepdim))
    if GRAD_ENABLED[0] and input._rg:
        record(r, (NODES.AmaxBackward0 if largest else NODES.AminBackward0)(), (input,), (input, r, dims, keepdim))
    return r


def amax(input, dim=(), keepdim=False, *, out=None, **aliases):
    """Maximum over `dim` (all dims if empty); the gradient is shared among ties."""
    if aliases:
        dim, keepdim = numpy_keywords("amax", aliases, dim, keepdim)
    return written(_amax_amin(input, dim, keepdim, True), out, "amax")


def amin(input, dim=(), keepdim=False, *, out=None, **aliases):
    """Minimum over `dim` (all dims if empty); the gradient is shared among ties."""
    if aliases:
        dim, keepdim = numpy_keywords("amin", aliases, dim, keepdim)
    return written(_amax_amin(input, dim, keepdim, False), out, "amin")


def _arg_input(input, dim, name):
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if a.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    _check_nonempty(a, dim, name)
    return a


def argmax(input, dim=None, keepdim=False, **aliases):
    """Index of the largest element (of the flattened tensor, or along `dim`)."""
    if aliases:
        dim, keepdim = numpy_keywords("argmax", aliases, dim, keepdim)
    a = _arg_input(input, dim, "argmax")
    if dim is None:
        r = array_module(a).asarray(a.argmax())
        return wrap(r.reshape((1,) * a.ndim) if keepdim else r)
    return wrap(a.argmax(axis=wrap_dim(dim, a.ndim), keepdims=keepdim))


def argmin(input, dim=None, keepdim=False, **aliases):
    """Index of the smallest element (of the flattened tensor, or along `dim`)."""
    if aliases:
        dim, keepdim = numpy_keywords("argmin", aliases, dim, keepdim)
    a = _arg_input(input, dim, "argmin")
    if dim is None:
        r = array_module(a).asarray(a.argmin())
        return wrap(r.reshape((1,) * a.ndim) if keepdim else r)
    return wrap(a.argmin(axis=wrap_dim(dim, a.ndim), keepdims=keepdim))


def _correction(unbiased, correction, name):
    if correction is not None:
        if unbiased is not None:
            raise RuntimeError(f"{name}: can't pass both unbiased and correction")
        return correction
    return 0 if unbiased is False else 1


def _var_args(dim, unbiased, name):
    # var(dim) with dim given positionally as a bool is the old var(unbiased) signature.
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def _spread(input, dim, unbiased, keepdim, correction, name):
    """The common part of var and std: (array, reduced dims, correction, elements per result)."""
    dim, unbiased = _var_args(dim, unbiased, name)
    c = _correction(unbiased, correction, name)
    a = _float_input(input, name)
    dims = _dims(dim, a.ndim)
    n = a.size if dims is None else math.prod(a.shape[d] for d in dims)
    if n - c <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return a, dims, c, n


def _moment(a, kind: str, dims, c, keepdim, n):
    """a.var, a.std (with `c` as NumPy's ddof) or a.mean (`kind`); without degrees of freedom NumPy's warnings give
    way to PyTorch's (_spread)."""
    options = {"axis": dims, "keepdims": keepdim} if kind == "mean" else {"axis": dims, "ddof": c, "keepdims": keepdim}
    wide = widened(a)
    if wide.__class__ is np.ndarray and _long_float32(wide, dims):
        options["dtype"] = np.float64
    if n - c > 0:
        r = getattr(wide, kind)(**options)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = getattr(wide, kind)(**options)
    return r if wide is a and "dtype" not in options else r.astype(a.dtype)  # half precision, a long sum: rounded


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, **aliases):
    """Variance over `dim` (all if None) with Bessel's `correction` (default 1)."""
    if aliases:
        dim, keepdim = numpy_keywords("var", aliases, dim, keepdim)
    a, dims, c, n = _spread(input, dim, unbiased, keepdim, correction, "var")
    r = wrap(_moment(a, "var", dims, c, keepdim, n))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.VarBackward0(), (input,), (input, dims, keepdim, n - c))
    return written(r, out, "var")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, **aliases):
    """Standard deviation over `dim` (all if None) with Bessel's `correction` (default 1)."""
    if aliases:
        dim, keepdim = numpy_keywords("std", aliases, dim, keepdim)
    a, dims, c, n = _spread(input, dim, unbiased, keepdim, correction, "std")
    r = wrap(_moment(a, "std", dims, c, keepdim, n))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.StdBackward0(), (input,), (input, r, dims, keepdim, n - c))
    return written(r, out, "std")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **aliases):
    """(variance, mean) over `dim` in one pass."""
    if aliases:
        dim, keepdim = numpy_keywords("var_mean", aliases, dim, keepdim)
    a, dims, c, n = _spread(input, dim, unbiased, keepdim, correction, "var_mean")
    v = wrap(_moment(a, "var", dims, c, keepdim, n))
    m = wrap(_moment(a, "mean", dims, c, keepdim, n))
    if GRAD_ENABLED[0] and input._rg:
        record_outputs((v, m), NODES.VarMeanBackward0(), (input,), (input, dims, keepdim, n - c))
    return v, m


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **aliases):
    """(standard deviation, mean) over `dim` in one pass."""
    if aliases:
        dim, keepdim = numpy_keywords("std_mean", aliases, dim, keepdim)
    a, dims, c, n = _spread(input, dim, unbiased, keepdim, correction, "std_mean")
    s = wrap(_moment(a, "std", dims, c, keepdim, n))
    m = wrap(_moment(a, "mean", dims, c, keepdim, n))
    if GRAD_ENABLED[0] and input._rg:
        record_outputs((s, m), NODES.StdMeanBackward0(), (input,), (input, s, dims, keepdim, n - c))
    return s, m


def _float_input(t, name):
    try:
        a = t._data
    except AttributeError:
        raise tensor_type_error(name, "input", t) from None
    if a.dtype.kind not in "fcV":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {_dtype.scalar_type_name(a.dtype)}")
    return a


def norm(input, p="fro", dim=None, keepdim=False, dtype=None, *, out=None, **aliases):
    """Vector p-norm over `dim` (all elements if None), computed in `dtype` if given; 'fro' is the 2-norm (over at
    most 2 dims)."""
    if "norm" in AUTOCAST_OPS[0]:
        return autocast_call("norm", norm, input, p, dim, keepdim, dtype, out=out, **aliases)
    if aliases:
        dim, keepdim = numpy_keywords("norm", aliases, dim, keepdim)
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        raise RuntimeError(f"norm: the Frobenius norm takes a dim of at most 2 dims, but got {tuple(dim)}")
    input = norm_dtype("linalg.vector_norm", input, dtype)
    return written(_vector_norm(input, p, dim, keepdim, NODES.LinalgVectorNormBackward0), out, "norm")


def norm_dtype(name: str, x: Tensor, dtype) -> Tensor:
    """`x` cast to `dtype` (never to a narrower one, and only from a floating or complex one), as the `dtype=`
    argument of the norms does."""
    if dtype is None:
        return x
    a = _float_input(x, name)
    dt = _dtype.to_dtype(dtype)
    if dt.np.kind == a.dtype.kind and dt.np.itemsize < a.dtype.itemsize:
        raise RuntimeError(f"{name}: the dtype of the input ({_dtype.scalar_type_name(a.dtype)}) should be "
                           f"convertible without narrowing to the specified dtype ({_dtype.scalar_type_name(dt.np)})")
    return x.to(dt)


def p_norm(input, p, dim, keepdim=False):
    """The vector p-norm as the distance functions record it (NormBackward1)."""
    return _vector_norm(input, p, dim, keepdim, NODES.NormBackward1)


def _vector_norm(input, p, dim, keepdim, node):
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("norm", "input", input) from None
    if a.dtype.kind == "c":
        input = input.abs()  # the norm of the moduli, differentiated through abs
    a = _float_input(input, "linalg.vector_norm")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: p={p!r} is only supported as a matrix norm; use ember.linalg.matrix_norm")
    dims = _dims(dim, a.ndim)
    if p in (float("inf"), -float("inf")) and a.size == 0 and (dims is None or 0 in [a.shape[d] for d in dims]):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm over no elements because the "
                           "operation does not have an identity")
    xp = array_module(a)
    dtype, a = a.dtype, widened(a)
    absa = xp.abs(a)
    if p == 2:
        r = xp.sqrt(xp.sum(a * a, axis=dims, keepdims=keepdim))
    elif p == 1:
        r = xp.sum(absa, axis=dims, keepdims=keepdim)
    elif p == float("inf"):
        r = xp.max(absa, axis=dims, keepdims=keepdim)
    elif p == -float("inf"):
        r = xp.min(absa, axis=dims, keepdims=keepdim)
    elif p == 0:
        r = xp.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
    else:
        r = xp.power(xp.sum(xp.power(absa, p), axis=dims, keepdims=keepdim), 1.0 / p).astype(a.dtype)
    r = wrap(xp.asarray(r, dtype=dtype))
    if GRAD_ENABLED[0] and input._rg:
        record(r, node(), (input,), (input, r, p, dims, keepdim))
    return r


def all(input, dim=None, keepdim=False, *, out=None, **aliases):
    """True if every element (over `dim`; none if an empty tuple) is nonzero; uint8 input gives uint8."""
    if aliases:
        dim, keepdim = numpy_keywords("all", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("all", "input", input) from None
    if _no_dims(dim):
        return written(_logical_result(a != 0, a), out, "all")
    return written(_logical_result(a.all(axis=_dims(dim, a.ndim), keepdims=keepdim), a), out, "all")


def any(input, dim=None, keepdim=False, *, out=None, **aliases):
    """True if some element (over `dim`; none if an empty tuple) is nonzero; uint8 input gives uint8."""
    if aliases:
        dim, keepdim = numpy_keywords("any", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("any", "input", input) from None
    if _no_dims(dim):
        return written(_logical_result(a != 0, a), out, "any")
    return written(_logical_result(a.any(axis=_dims(dim, a.ndim), keepdims=keepdim), a), out, "any")


def _no_dims(dim) -> bool:
    return isinstance(dim, (tuple, list)) and not dim


def _logical_result(r, a):
    r = array_module(a).asarray(r)
    return wrap(r.astype(np.uint8) if a.dtype == np.uint8 else r)


def sum_to_size(input, *size):
    """Sum `input` down to `size`, which it must broadcast from (the reverse of expand)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    a_shape = input._data.shape
    if a_shape == shape:
        return input
    lead = len(a_shape) - len(shape)
    if lead < 0 or builtins.any(s != 1 and s != a for s, a in zip(shape, a_shape[lead:])):
        raise RuntimeError(f"size {{{', '.join(map(str, shape))}}} is not expandable to size "
                           f"{{{', '.join(map(str, a_shape))}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and a_shape[lead + i] != 1)
    r = sum(input, dims, keepdim=True) if dims else input
    return r.reshape(shape) if r._data.shape != shape else r


def _float_result(a):
    """Integer and bool input promote to the default float dtype (logsumexp)."""
    return a if a.dtype.kind in "fV" else a.astype(_dtype.get_default_dtype().np)


def logsumexp(input, dim=REQUIRED, keepdim=False, *, out=None, **aliases):
    """log(sum(exp(input))) over `dim`, computed stably (no overflow for large inputs)."""
    if "logsumexp" in AUTOCAST_OPS[0]:
        return autocast_call("logsumexp", logsumexp, input, dim, keepdim, out=out, **aliases)
    if aliases or dim is REQUIRED:
        dim, keepdim = required_dim("logsumexp", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("logsumexp", "input", input) from None
    a = _float_result(a)
    every = isinstance(dim, (tuple, list)) and not dim  # dim=(): every dim
    if every and a.ndim and not keepdim:  # PyTorch's own error (its kernel writes a kept-dims result)
        raise RuntimeError(f"logsumexp(): output with shape [] doesn't match the broadcast shape {[1] * a.ndim}")
    dims = _dims(None if every else dim, a.ndim)
    xp = array_module(a)
    dtype, a = a.dtype, widened(a)
    if a.size == 0:
        r = xp.full(a.sum(axis=dims, keepdims=keepdim).shape, -np.inf, a.dtype)
    else:
        m = a.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            r = xp.log(xp.exp(a - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            r = r.reshape([s for k, s in enumerate(a.shape) if dims is not None and k not in dims])
    r = wrap(xp.asarray(r, dtype=dtype))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.LogsumexpBackward0(), (input,), (input, r, dims, keepdim))
    return r if out is None else write_out(out, r, "logsumexp")


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None, **aliases):
    """Sum treating NaN as zero."""
    if aliases:
        dim, keepdim = numpy_keywords("nansum", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("nansum", "input", input) from None
    refuse_complex(a.dtype, "nansum", "nansum on CPU does not support complex inputs", RuntimeError)
    dims = _dims(dim, a.ndim)
    acc = _accumulate_dtype(a, dtype)
    xp = array_module(a)
    nan = xp.isnan(a) if a.dtype.kind in "fV" else None
    b = xp.where(nan, 0, a) if nan is not None and nan.any() else a
    r = wrap(_add_reduce(b, dims, acc, keepdim))
    if GRAD_ENABLED[0] and input._rg:
        mask = wrap((~nan).astype(a.dtype))
        record(r, NODES.NansumBackward0(), (input,), (a.shape, dims, keepdim, mask))
    return r if out is None else write_out(out, r, "nansum")


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None, **aliases):
    """Mean over the elements that are not NaN (NaN where all are)."""
    if aliases:
        dim, keepdim = numpy_keywords("nanmean", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("nanmean", "input", input) from None
    if a.dtype.kind not in "fV":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_dtype.scalar_type_name(a.dtype)}")
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    count = sum(logical_not(isnan(input)), dim, keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):  # an all-NaN slice gives NaN, as in PyTorch
        r = div(nansum(input, dim, keepdim), count)
    return r if out is None else write_out(out, r, "nanmean")


def count_nonzero(input, dim=None, **aliases):
    """The number of nonzero elements (over `dim`, an int or tuple), as int64."""
    if aliases:
        dim = numpy_keywords("count_nonzero", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("count_nonzero", "input", input) from None
    xp = array_module(a)
    return wrap(xp.asarray(xp.count_nonzero(a, axis=_dims(dim, a.ndim)), dtype=np.int64))


def aminmax(input, *, dim=None, keepdim=False, out=None, **aliases):
    """(min, max) over `dim` (all elements if None) in one call."""
    if aliases:
        dim, keepdim = numpy_keywords("aminmax", aliases, dim, keepdim)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("aminmax", "input", input) from None
    xp = array_module(a)
    if a.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                           "no identity.")
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    dims = _dims(dim, a.ndim)
    if dim is None and keepdim:
        mn = xp.asarray(a.min()).reshape((1,) * a.ndim)
        mx = xp.asarray(a.max()).reshape((1,) * a.ndim)
    else:
        mn = xp.asarray(a.min(axis=dims, keepdims=keepdim))
        mx = xp.asarray(a.max(axis=dims, keepdims=keepdim))
    mn, mx = wrap(mn), wrap(mx)
    if GRAD_ENABLED[0] and input._rg:
        record_outputs((mn, mx), NODES.AminmaxBackward0(), (input,), (input, mn, mx, dims, keepdim))
    return written(RT.aminmax((mn, mx)), out, "aminmax")


def hash_tensor(input: Tensor, dim=None, *, keepdim: bool = False, mode: int = 0, out=None) -> Tensor:
    """The XOR of the elements' 64-bit patterns (floats as float64, integers and bools as int64) over `dim` (all
    dims when None), as uint64: mode 0, the only one. Not differentiable."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("hash_tensor", "input", input) from None
    if a.dtype.kind == "c" or a.dtype == np.uint64:
        raise NotImplementedError(f"\"xor_sum_cpu\" not implemented for '{_dtype.scalar_type_name(a.dtype)}'")
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    dims = _dims(dim, a.ndim)
    if dims is None and dim is None and a.size == 0:
        raise RuntimeError("hash_tensor: Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           "reduction dim with the 'dim' argument.")
    for d in dims or ():
        if a.shape[d] == 0:
            raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
    bits = a.astype(np.float64 if a.dtype.kind in "fV" else np.int64).view(np.uint64)
    r = wrap(array_module(a).bitwise_xor.reduce(bits, axis=dims, keepdims=keepdim))
    if out is not None and out.dtype != _dtype.uint64:
        raise RuntimeError(f"Expected result to be of dtype uint64, but got {_dtype.scalar_type_name(out._data.dtype)}")
    return r if out is None else write_out(out, r, "hash_tensor")


METHODS = {"sum": sum, "mean": mean, "prod": prod, "max": max, "min": min, "amax": amax, "amin": amin,
    "argmax": argmax, "argmin": argmin, "var": var, "std": std, "norm": norm, "all": all, "any": any,
    "logsumexp": logsumexp, "nansum": nansum, "nanmean": nanmean, "count_nonzero": count_nonzero, "aminmax": aminmax,
    "hash_tensor": hash_tensor}
METHODS["sum_to_size"] = sum_to_size
