"""Reductions: sum, mean, prod, max/min, std/var, norm, all/any, and their backward formulas."""
import builtins

import numpy as np

from .. import _dtype
from .._tensor import wrap_dim
from ..backend import array_module
from ..autograd.graph import node_classes
from .base import Tensor, wrap, record, GRAD_ENABLED, write_out


def _expand_back(g, shape, dims, keepdim):
    """Bring a reduced gradient back to the input's shape (re-inserting reduced dims)."""
    if not keepdim and dims is not None and shape:
        kept = list(shape)
        for d in dims:
            kept[d] = 1
        g = g.reshape(kept)
    return g.expand(shape)


def _evenly(g, x, r, dims, keepdim):
    """Gradient of max/min: shared evenly among the elements equal to the result."""
    r_full = _expand_back(r, x._data.shape, dims, keepdim)
    mask = (x == r_full)
    count = mask.sum(dims, keepdim=True) if dims is not None else mask.sum()
    return _expand_back(g, x._data.shape, dims, keepdim) * mask / count


GRADIENTS = {
    "SumBackward0": lambda g, shape: (g.expand(shape),),
    "SumBackward1": lambda g, shape, dims, keepdim: (_expand_back(g, shape, dims, keepdim),),
    "MeanBackward0": lambda g, shape, n: ((g / n).expand(shape),),
    "MeanBackward1": lambda g, shape, dims, keepdim, n: (_expand_back(g, shape, dims, keepdim) / n,),
    "ProdBackward0": lambda g, x, r: (g * _prod_others(x, r, None),),
    "ProdBackward1": lambda g, x, r, dim, keepdim: (_expand_back(g, x._data.shape, (dim,), keepdim)
                                                    * _prod_others(x, _expand_back(r, x._data.shape, (dim,), keepdim),
                                                                   dim),),
    "MaxBackward1": lambda g, x, r: (_evenly(g, x, r, None, False),),
    "MinBackward1": lambda g, x, r: (_evenly(g, x, r, None, False),),
    "MaxBackward0": lambda g, shape, dim, keepdim, onehot: (_expand_back(g, shape, (dim,), keepdim) * onehot,),
    "MinBackward0": lambda g, shape, dim, keepdim, onehot: (_expand_back(g, shape, (dim,), keepdim) * onehot,),
    "AmaxBackward0": lambda g, x, r, dims, keepdim: (_evenly(g, x, r, dims, keepdim),),
    "AminBackward0": lambda g, x, r, dims, keepdim: (_evenly(g, x, r, dims, keepdim),),
    "VarBackward0": lambda g, x, dims, keepdim, dof: (
        _expand_back(g, x._data.shape, dims, keepdim) * 2 * (x - x.mean(dims, keepdim=True)) / dof,),
    "StdBackward0": lambda g, x, r, dims, keepdim, dof: (
        _expand_back((g / (r * dof)).masked_fill(r == 0, 0), x._data.shape, dims, keepdim)
        * (x - x.mean(dims, keepdim=True)),),
    "LinalgVectorNormBackward0": lambda g, x, r, p, dims, keepdim: (_norm_backward(g, x, r, p, dims, keepdim),),
}
NODES = node_classes(GRADIENTS)
globals().update(NODES)


def _prod_others(x, r, dim):
    """For each element, the product of the other elements (along `dim`, or all), zeros included.

    Without zeros it is r / x, a differentiable expression (for higher-order gradients); with zeros,
    prefix and suffix products over the arrays.
    """
    a = x._data
    xp = array_module(a)
    if a.size == 0:
        return wrap(xp.ones_like(a))
    if a.all():
        return r / x
    if dim is None:
        flat = a.reshape(-1)
        left = xp.concatenate([xp.ones(1, a.dtype), xp.cumprod(flat[:-1])])
        right = xp.concatenate([xp.cumprod(flat[::-1][:-1])[::-1], xp.ones(1, a.dtype)])
        return wrap((left * right).reshape(a.shape))
    moved = xp.moveaxis(a, dim, -1)
    ones = xp.ones(moved.shape[:-1] + (1,), a.dtype)
    left = xp.concatenate([ones, xp.cumprod(moved[..., :-1], axis=-1)], axis=-1)
    right = xp.concatenate([xp.cumprod(moved[..., ::-1][..., :-1], axis=-1)[..., ::-1], ones], axis=-1)
    return wrap(xp.moveaxis(left * right, -1, dim))


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
    scale = x.abs().pow(p - 2) * x / r.pow(p - 1).masked_fill(r == 0, float("inf"))
    return g * scale


def _dims(dim, ndim):
    """Normalised tuple of reduced dims, or None for all (a 0-dim tensor accepts dim 0 or -1)."""
    if dim is None:
        return None
    if isinstance(dim, int):
        d = wrap_dim(dim, ndim)
        return (d,) if ndim else None
    dims = tuple(wrap_dim(d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return dims if dims and ndim else None


def _accumulate_dtype(a, dtype):
    """Sum and prod accumulate integers and bools in int64, as PyTorch does."""
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    if a.dtype.kind in "biu":
        return np.dtype(np.int64)
    return a.dtype


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of all elements, or over `dim` (an int or tuple)."""
    a = input._data
    dims = _dims(dim, a.ndim)
    acc = _accumulate_dtype(a, dtype)
    if dim is None and not keepdim:
        r = wrap(_add_reduce(a, None, acc, False))
        if GRAD_ENABLED[0] and input._rg:
            record(r, SumBackward0(), (input,), (a.shape,))
    else:
        r = wrap(np.asarray(_add_reduce(a, dims, acc, keepdim)))
        if GRAD_ENABLED[0] and input._rg:
            record(r, SumBackward1(), (input,), (a.shape, dims, keepdim))
    return r if out is None else write_out(out, r, "sum")


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of all elements, or over `dim`; floating point input only (or give `dtype`)."""
    a = input._data
    if dtype is not None:
        a = a.astype(_dtype.to_dtype(dtype).np)
    elif a.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_type_name(a.dtype)}")
    dims = _dims(dim, a.ndim)
    n = a.size
    if dims is not None:
        n = 1
        for d in dims:
            n *= a.shape[d]
    total = _add_reduce(a, dims, np.float32 if a.dtype == np.float16 else None, keepdim)
    if n:
        r = wrap(np.asarray(np.true_divide(total, n)).astype(a.dtype, copy=False))
    else:  # the mean of nothing is nan, as in PyTorch
        r = wrap(array_module(a).full(total.shape, np.nan, a.dtype))
    if dim is None and not keepdim:
        if GRAD_ENABLED[0] and input._rg:
            record(r, MeanBackward0(), (input,), (a.shape, a.size))
    elif GRAD_ENABLED[0] and input._rg:
        record(r, MeanBackward1(), (input,), (a.shape, dims, keepdim, n))
    return r if out is None else write_out(out, r, "mean")


def _add_reduce(a, dims, dtype, keepdims):
    """Sum over `dims` in one call (NumPy's ufunc directly, without ndarray.sum's Python wrapper)."""
    if a.__class__ is np.ndarray:
        return np.add.reduce(a, axis=dims, dtype=dtype, keepdims=keepdims)
    return a.sum(axis=dims, dtype=dtype, keepdims=keepdims)


def _type_name(np_dtype):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np_dtype.name, np_dtype.name)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or along one `dim`."""
    a = input._data
    acc = _accumulate_dtype(a, dtype)
    if dim is None:
        r = wrap(np.asarray(a.prod(dtype=acc)))
        if GRAD_ENABLED[0] and input._rg:
            record(r, ProdBackward0(), (input,), (input, r))
        return r
    d = wrap_dim(dim, a.ndim)
    r = wrap(np.asarray(a.prod(axis=d, dtype=acc, keepdims=keepdim)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, ProdBackward1(), (input,), (input, r, d, keepdim))
    return r


class _ReturnType(tuple):
    """PyTorch's named result of max/min/sort-style ops: a tuple with `.values` and `.indices`."""
    __slots__ = ()
    _name = "max"

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"ember.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


class max_result(_ReturnType):
    __slots__ = ()
    _name = "max"


class min_result(_ReturnType):
    __slots__ = ()
    _name = "min"


def _extreme(input, dim, keepdim, other, largest):
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        from .elementwise import maximum, minimum
        return maximum(input, other) if largest else minimum(input, other)
    a = input._data
    if dim is None:
        if a.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        r = wrap(np.asarray(a.max() if largest else a.min()))
        if GRAD_ENABLED[0] and input._rg:
            record(r, (MaxBackward1 if largest else MinBackward1)(), (input,), (input, r))
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
                              a.shape, d, a.dtype))
        record(v, (MaxBackward0 if largest else MinBackward0)(), (input,), (a.shape, d, keepdim, onehot))
    return (max_result if largest else min_result)(v, i)


def _onehot(idx_keep, shape, d, dtype):
    """1 at the selected index along dim `d`, 0 elsewhere."""
    xp = array_module(idx_keep)
    if not len(shape):
        return xp.ones((), dtype)
    positions = xp.arange(shape[d]).reshape([-1 if k == d else 1 for k in range(len(shape))])
    return (positions == idx_keep).astype(dtype)


def max(input, dim=None, keepdim=False, *, out=None):
    """The largest element; with `dim`, (values, indices) along it; with a tensor, elementwise maximum."""
    return _extreme(input, dim, keepdim, None, True)


def min(input, dim=None, keepdim=False, *, out=None):
    """The smallest element; with `dim`, (values, indices) along it; with a tensor, elementwise minimum."""
    return _extreme(input, dim, keepdim, None, False)


def amax(input, dim=(), keepdim=False):
    """Maximum over `dim` (all dims if empty); the gradient is shared among ties."""
    a = input._data
    dims = _dims(dim, a.ndim) if dim != () else None
    r = wrap(np.asarray(a.max(axis=dims, keepdims=keepdim)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, AmaxBackward0(), (input,), (input, r, dims, keepdim))
    return r


def amin(input, dim=(), keepdim=False):
    """Minimum over `dim` (all dims if empty); the gradient is shared among ties."""
    a = input._data
    dims = _dims(dim, a.ndim) if dim != () else None
    r = wrap(np.asarray(a.min(axis=dims, keepdims=keepdim)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, AminBackward0(), (input,), (input, r, dims, keepdim))
    return r


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (of the flattened tensor, or along `dim`)."""
    a = input._data
    if dim is None:
        r = np.asarray(a.argmax())
        return wrap(r.reshape((1,) * a.ndim) if keepdim else r)
    return wrap(np.asarray(a.argmax(axis=wrap_dim(dim, a.ndim), keepdims=keepdim)))


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (of the flattened tensor, or along `dim`)."""
    a = input._data
    if dim is None:
        r = np.asarray(a.argmin())
        return wrap(r.reshape((1,) * a.ndim) if keepdim else r)
    return wrap(np.asarray(a.argmin(axis=wrap_dim(dim, a.ndim), keepdims=keepdim)))


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
    n = a.size if dims is None else int(np.prod([a.shape[d] for d in dims]))
    return a, dims, c, n


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over `dim` (all if None) with Bessel's `correction` (default 1)."""
    a, dims, c, n = _spread(input, dim, unbiased, keepdim, correction, "var")
    r = wrap(np.asarray(a.var(axis=dims, ddof=c, keepdims=keepdim)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, VarBackward0(), (input,), (input, dims, keepdim, n - c))
    return r


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over `dim` (all if None) with Bessel's `correction` (default 1)."""
    a, dims, c, n = _spread(input, dim, unbiased, keepdim, correction, "std")
    r = wrap(np.asarray(a.std(axis=dims, ddof=c, keepdims=keepdim)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, StdBackward0(), (input,), (input, r, dims, keepdim, n - c))
    return r


def _float_input(t, name):
    a = t._data
    if a.dtype.kind != "f":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {_type_name(a.dtype)}")
    return a


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over `dim` (all elements if None); 'fro' is the 2-norm."""
    a = _float_input(input, "linalg.vector_norm")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: p={p!r} is only supported as a matrix norm; use ember.linalg.matrix_norm")
    dims = _dims(dim, a.ndim)
    absa = np.abs(a)
    if p == 2:
        r = np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
    elif p == 1:
        r = np.sum(absa, axis=dims, keepdims=keepdim)
    elif p == float("inf"):
        r = np.max(absa, axis=dims, keepdims=keepdim)
    elif p == -float("inf"):
        r = np.min(absa, axis=dims, keepdims=keepdim)
    elif p == 0:
        r = np.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
    else:
        r = np.power(np.sum(np.power(absa, p), axis=dims, keepdims=keepdim), 1.0 / p).astype(a.dtype)
    r = wrap(np.asarray(r, dtype=a.dtype))
    if GRAD_ENABLED[0] and input._rg:
        record(r, LinalgVectorNormBackward0(), (input,), (input, r, p, dims, keepdim))
    return r


def all(input, dim=None, keepdim=False):
    """True if every element (over `dim`) is nonzero; uint8 input gives uint8, as in PyTorch."""
    a = input._data
    return _logical_result(a.all(axis=_dims(dim, a.ndim), keepdims=keepdim), a)


def any(input, dim=None, keepdim=False):
    """True if some element (over `dim`) is nonzero; uint8 input gives uint8, as in PyTorch."""
    a = input._data
    return _logical_result(a.any(axis=_dims(dim, a.ndim), keepdims=keepdim), a)


def _logical_result(r, a):
    r = np.asarray(r)
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
