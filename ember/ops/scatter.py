"""Gather and scatter: index-driven reads and writes (gather, scatter*, index_*, masked_*, take, put, nonzero).

Reads are one array-module call on a view (`take_along_axis` on the region the index covers, `take`,
boolean indexing). Writes turn the index into flat positions of the destination and combine values
there with one kernel from `ember.backend.scatter`, so repeated indices add (or multiply, or take the
max) instead of overwriting each other. Each op writes through one function `_xxx_write(dest, ...)`:
the out-of-place op calls it on a copy, the in-place `xxx_` on the tensor's own memory (or, when
autograd records, runs the op on a snapshot and rebases the tensor onto its node, as inplace.py does).
"""
import warnings

import numpy as np

from .. import _dtype
from .._creation import _type_error
from .._tensor import wrap_dim
from ..autograd.grad_mode import no_grad
from ..autograd.graph import node_classes
from ..backend import array_module
from ..backend.scatter import flat_positions, hit_counts, scatter_reduce_flat
from .autocast import AUTOCAST_OPS, autocast_call
from .base import (
    GRAD_ENABLED,
    Tensor,
    broadcast_error,
    check_inplace,
    check_tensor,
    needs_grad,
    not_implemented,
    record,
    tensor_type_error,
    wrap,
    write_out,
)
from .elementwise import where
from .indexing import NODES as INDEXING_NODES
from .indexing import _convert, _value_grad, setitem
from .inplace import _graph_inplace
from .keywords import numpy_keywords
from .shape import cat

__all__ = ["gather", "take_along_dim", "take", "scatter", "scatter_add", "scatter_reduce", "index_select",
           "index_add", "index_reduce", "index_copy", "index_fill", "index_put", "index_put_", "masked_select",
           "masked_scatter", "nonzero", "argwhere", "put", "nonzero_static"]


# ---- backward formulas ------------------------------------------------------------------------------
def _zeros(shape, like: Tensor) -> Tensor:
    """A zero tensor of `shape` with like's dtype and device."""
    a = like._data
    return wrap(array_module(a).zeros(shape, a.dtype))


def _grow(t: Tensor, shape) -> Tensor:
    """`t` padded with zeros at the end of each dim up to `shape`: the gradient of a `src` larger than its
    index (PyTorch's backward fails there; ember gives zeros to the elements that were not read)."""
    if t._data.shape == tuple(shape):
        return t
    z = _zeros(shape, t)
    if t._data.size:  # an empty index may be larger than src
        z[tuple(slice(0, n) for n in t._data.shape)] = t
    return z


def _scatter_reduce_backward(g, x, src, r, d, index, reduce, include_self):
    """Gradients of scatter_reduce for self and src: mean divides by the count, amax/amin share among ties,
    prod divides the result by each factor (or multiplies the others where the factor is 0). With
    include_self=False, self's gradient is g where nothing was scattered and 0 elsewhere."""
    shape, i = x._data.shape, index._data
    if i.size == 0:  # nothing was scattered: the result is self
        return g, _zeros(src._data.shape, g)
    xp = array_module(i)
    s = src if src._data.shape == i.shape else src[tuple(slice(0, n) for n in i.shape)]
    pos = flat_positions(_shape1(shape), d, _1d(i))
    hit = None
    if not include_self:
        hit = xp.zeros(_size(shape), bool)
        hit[pos] = True
        hit = wrap(hit.reshape(shape))
    if reduce == "sum":
        gx = g if include_self else g.masked_fill(hit, 0)
        return gx, _grow(g.gather(d, index), src._data.shape)
    if reduce == "mean":
        counts = xp.maximum(hit_counts(_size(shape), pos).reshape(shape) + include_self, 1)
        per = g / wrap(counts.astype(g._data.dtype))
        gx = per if include_self else g.masked_fill(hit, 0)
        return gx, _grow(per.gather(d, index), src._data.shape)
    rs = r.gather(d, index)
    if reduce in ("amax", "amin"):
        self_mask = (x == r) if include_self else hit.logical_not()
        src_mask = s == rs
        n = self_mask + scatter_add(_zeros(shape, g), d, index, src_mask.to(g.dtype))
        gx = g * self_mask / n if include_self else g.masked_fill(hit, 0)
        return gx, _grow((g / n).gather(d, index) * src_mask, src._data.shape)
    # prod: the product of the other factors is r / factor, or, for a zero factor, the product of the
    # nonzero factors when it is the only zero (0 when there are more)
    s_zero = s == 0
    n_zero = scatter_add(_zeros(shape, g), d, index, s_zero.to(g.dtype))
    if include_self:
        x_zero = x == 0
        n_zero = n_zero + x_zero
        others = scatter_reduce(x.masked_fill(x_zero, 1), d, index, s.masked_fill(s_zero, 1), "prod")
        others = others * (n_zero == 1)
        gx = g * where(x_zero, others, r / x.masked_fill(x_zero, 1))
    else:
        others = scatter_reduce(x, d, index, s.masked_fill(s_zero, 1), "prod", include_self=False) * (n_zero == 1)
        gx = g.masked_fill(hit, 0)
    gs = g.gather(d, index) * where(s_zero, others.gather(d, index), rs / s.masked_fill(s_zero, 1))
    return gx, _grow(gs, src._data.shape)


def _segment_reduce_backward(g, ids, axis, scale, chosen, product=None):
    """segment_reduce's gradient: each element gets its segment's gradient, times `scale` (1 / length for mean,
    1 / the number of tied extremes for max and min); elements that were not the extreme (`chosen` False) get
    0. prod's is scatter_reduce's for its source, from `product` = (start, data, result)."""
    if product is not None:
        start, data, r = product
        return (_scatter_reduce_backward(g, start, data, r, axis, ids, "prod", True)[1].detach(),)
    share = g.gather(axis, ids)
    if scale is not None:
        share = share * scale
    return (share if chosen is None else where(chosen, share, 0.0),)


def _masked_scatter_source_grad(g, mask, src_shape):
    """g's masked elements in order, then zeros for the source elements that were not used."""
    picked = g.masked_select(mask)
    n, k = _size(src_shape), picked._data.size
    if n > k:
        picked = cat([picked, _zeros((n - k,), g)])
    return picked.reshape(src_shape)


GRADIENTS = {
    "GatherBackward0": lambda g, shape, d, index: (scatter_add(_zeros(shape, g), d, index, g),),
    "ScatterBackward0": lambda g, d, index, src_shape: (g.scatter(d, index, 0),
                                                       _grow(g.gather(d, index), src_shape)),
    "ScatterBackward1": lambda g, d, index: (g.scatter(d, index, 0),),
    "ScatterAddBackward0": lambda g, d, index, src_shape: (g, _grow(g.gather(d, index), src_shape)),
    "ScatterReduceBackward0": _scatter_reduce_backward,
    "SegmentReduceBackward0": _segment_reduce_backward,
    "IndexSelectBackward0": lambda g, shape, d, index: (index_add(_zeros(shape, g), d, index, g),),
    "IndexAddBackward0": lambda g, d, index, alpha, src_shape: (
        g, (g.index_select(d, index) * alpha if alpha != 1 else g.index_select(d, index)).reshape(src_shape)),
    "IndexCopyBackward0": lambda g, d, index, src_shape: (g.index_fill(d, index, 0),
                                                         g.index_select(d, index).reshape(src_shape)),
    "IndexFillBackward0": lambda g, d, index: (g.index_fill(d, index, 0),),
    "IndexFillBackward1": lambda g, d, index: (g.index_fill(d, index, 0), (g - g.index_fill(d, index, 0)).sum()),
    "IndexPutBackward0": lambda g, key, value_shape: (g, _value_grad(g, key, value_shape)),  # accumulate=True
    "MaskedSelectBackward0": lambda g, shape, mask: (masked_scatter(_zeros(mask._data.shape, g), mask, g)
                                                     .sum_to_size(shape),),
    "MaskedScatterBackward0": lambda g, mask, shape, src_shape: (
        g.masked_fill(mask, 0).sum_to_size(shape), _masked_scatter_source_grad(g, mask, src_shape)),
    "TakeBackward0": lambda g, shape, index: (put(_zeros(shape, g), index, g, accumulate=True),),
    "PutBackward0": lambda g, index, src_shape, accumulate: (
        g if accumulate else g.put(index, _zeros(src_shape, g)), g.take(index).reshape(src_shape)),
}
NODES = node_classes(GRADIENTS, reads_inputs={"SegmentReduceBackward0": "not implemented"})




# ---- checks -----------------------------------------------------------------------------------------
def _size(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _shape1(shape):
    """A 0-dim tensor's shape as PyTorch's index ops see it: one dim of size 1."""
    return tuple(shape) or (1,)


def _1d(a):
    """`a` with at least one dim (a view)."""
    return a.reshape(1) if a.ndim == 0 else a


def _index(index, name, a, long_only=False, error=RuntimeError):
    """The array of an index tensor for op `name` on array `a`: int64 (or int32 where PyTorch allows it)."""
    check_tensor(name, "index", index)
    i = index._data
    if i.dtype != np.int64 and (long_only or i.dtype != np.int32):
        want = "int64" if long_only else "int32 or int64"
        raise error(f"{name}(): Expected dtype {want} for index, but got {index.dtype}")
    if i.__class__ is not a.__class__:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices: "
                           f"{name}() got index on {index.device}")
    return i


def _check_range(i, n, dim, name, error=RuntimeError, negative=False):
    """PyTorch's error for an index entry outside [0, n), or [-n, n) where negatives count from the end."""
    if i.size == 0:
        return
    lo, hi = int(i.min()), int(i.max())
    if hi >= n or lo < (-n if negative else 0):
        raise error(f"{name}(): index {hi if hi >= n else lo} is out of bounds for dimension {dim} with size {n}")


def _same_dtype(a, b, name, what="src"):
    if b.dtype != a.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to {what}.dtype, but got "
                           f"{_dtype.FROM_NP[a.dtype]} and {_dtype.FROM_NP[b.dtype]}")


def _scalar(value, dtype):
    """A number (or one-element tensor) as a NumPy scalar of `dtype` (floats truncate into integer dtypes)."""
    if isinstance(value, Tensor):
        value = value._data.item()
    return np.asarray(value).astype(dtype)[()]  # host: a NumPy scalar, an operand on any device


# ---- gather -----------------------------------------------------------------------------------------
def _gather_array(a, d, i):
    """a's elements at `i` along dim `d` (i no larger than a in the other dims), shaped like i."""
    if i.size == 0:
        return array_module(a).empty(i.shape, a.dtype)
    a1, i1 = _1d(a), _1d(i)
    region = a1[tuple(slice(None) if k == d else slice(0, n) for k, n in enumerate(i1.shape))]
    return array_module(a).take_along_axis(region, i1, axis=d).reshape(i.shape)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Tensor | None = None) -> Tensor:
    """input's elements at `index` along `dim`: out[p] = input[p with p[dim] = index[p]]; `sparse_grad` is
    accepted, the gradient is dense."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("gather", "input", input) from None
    i = _index(index, "gather", a)
    d = wrap_dim(dim, a.ndim)
    shape, ishape = _shape1(a.shape), _shape1(i.shape)
    if len(ishape) != len(shape):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input tensor: index has "
                           f"{i.ndim} and input {a.ndim}")
    for k, (n, m) in enumerate(zip(ishape, shape)):
        if k != d and n > m and i.size:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(i.shape)} to be no "
                               f"larger than self {list(a.shape)} apart from dimension {d}")
    _check_range(i, shape[d], d, "gather")
    r = wrap(_gather_array(a, d, i))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.GatherBackward0(), (input,), (a.shape, d, index))
    return r if out is None else write_out(out, r, "gather")


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out: Tensor | None = None,
                   **aliases) -> Tensor:
    """input's elements at `indices` along `dim` (of the flattened input if None); input and indices broadcast
    in the other dims. Negative indices count from the end; unlike PyTorch, which wraps them modulo the size
    without a check, an index outside [-size, size) raises."""
    if aliases:
        dim = numpy_keywords("take_along_dim", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("take_along_dim", "input", input) from None
    i = _index(indices, "take_along_dim", a, long_only=True)
    if dim is None:
        r = gather(input.reshape(-1), 0, indices.reshape(-1))
        return r if out is None else write_out(out, r, "take_along_dim")
    if i.ndim != a.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {a.ndim} dimensions for input, and {i.ndim} dimensions for indices")
    d = wrap_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    _check_range(i, n, d, "take_along_dim", negative=True)
    try:
        rest = np.broadcast_shapes(a.shape[:d] + (1,) + a.shape[d + 1:], i.shape[:d] + (1,) + i.shape[d + 1:])
    except ValueError:
        raise broadcast_error(a.shape, i.shape) from None
    a_shape, i_shape = rest[:d] + a.shape[d:d + 1] + rest[d + 1:], rest[:d] + i.shape[d:d + 1] + rest[d + 1:]
    i = i % n if i.size else i  # negatives count from the end
    xp = array_module(a)
    index = wrap(xp.broadcast_to(i, i_shape) if i.shape != i_shape else i)
    r = gather(input.expand(a_shape) if a.shape != a_shape else input, d, index)
    return r if out is None else write_out(out, r, "take_along_dim")


def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """input, flattened, at `index` (negative entries count from the end); the result has index's shape."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("take", "input", input) from None
    i = _take_index(index, a, "take")
    r = wrap(a.reshape(-1)[i])
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.TakeBackward0(), (input,), (a.shape, index))
    return r if out is None else write_out(out, r, "take")


def _take_index(index, a, name):
    """The checked index of take/put into the flattened array `a`."""
    i = _index(index, name, a, long_only=True)
    if i.size:
        lo, hi = int(i.min()), int(i.max())
        if hi >= a.size or lo < -a.size:
            raise IndexError(f"{name}(): out of range: tried to access index {hi if hi >= a.size else lo} on a "
                             f"tensor of {a.size} elements.")
    return i


# ---- scatter ----------------------------------------------------------------------------------------
_OLD_REDUCE = {None: None, "add": "sum", "multiply": "prod"}
_REDUCE = {"sum": "sum", "prod": "prod", "mean": "mean", "amax": "amax", "amin": "amin", "max": "amax",
           "min": "amin"}


def _scatter_plan(input, dim, index, src, name):
    """Check a scatter of `src` (a tensor or a number) into `input` and give (dim, flat positions in a
    C-contiguous array of input's shape, values to write: an array of those positions' size or a scalar)."""
    a = input._data
    i = _index(index, "scatter", a)
    d = wrap_dim(dim, a.ndim)
    shape, ishape = _shape1(a.shape), _shape1(i.shape)
    if len(ishape) != len(shape):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as self tensor: index has "
                           f"{i.ndim} and self {a.ndim}")
    too_big = i.size and any(k != d and n > m for k, (n, m) in enumerate(zip(ishape, shape)))
    if isinstance(src, Tensor):
        s = src._data
        _same_dtype(a, s, name)
        sshape = _shape1(s.shape)
        if len(sshape) != len(ishape):
            raise RuntimeError(f"Index tensor must have the same number of dimensions as src tensor: index has "
                               f"{i.ndim} and src {s.ndim}")
        if too_big or (i.size and any(n > m for n, m in zip(ishape, sshape))):
            raise RuntimeError(f"Expected index {list(i.shape)} to be no larger than self {list(a.shape)} apart from "
                               f"dimension {d} and to be no larger size than src {list(s.shape)}")
        values = _1d(s)[tuple(slice(0, n) for n in ishape)].reshape(-1)
    else:
        if too_big:
            raise RuntimeError(f"Expected index {list(i.shape)} to be no larger than self {list(a.shape)} apart from "
                               f"dimension {d}")
        values = _scalar(src, a.dtype)
    _check_range(i, shape[d], d, name)
    return d, flat_positions(shape, d, _1d(i)), values


def _src_or_value(src, value, name):
    if (src is None) == (value is None):
        raise TypeError(f"{name}() expects exactly one of 'src' (a Tensor) or 'value' (a number)")
    return src if value is None else value


def _scatter_write(dest, input, dim, index, src=None, *, value=None, reduce=None):
    """Write scatter's result into array `dest` (input's values, or input's own memory); give dim."""
    src = _src_or_value(src, value, "scatter")
    if reduce not in _OLD_REDUCE:
        raise RuntimeError(f"reduce argument must be either add or multiply, but got {reduce!r}")
    if reduce is not None and isinstance(src, Tensor):
        warnings.warn("The reduce argument of scatter with Tensor src is deprecated; use scatter_reduce, which "
                      "has more reductions and gradients.", UserWarning, stacklevel=3)
    d, pos, values = _scatter_plan(input, dim, index, src, "scatter")
    flat = dest.reshape(-1)
    if reduce is None:
        flat[pos] = values
    else:
        scatter_reduce_flat(flat, pos, values, _OLD_REDUCE[reduce])
    return d


def scatter(input: Tensor, dim: int, index: Tensor, src: Tensor | float | None = None, *, value: float | None = None,
            reduce: str | None = None, out: Tensor | None = None) -> Tensor:
    """input with `src`'s elements (or a number `value`) written at `index` along `dim`; `reduce` ('add' or
    'multiply') combines them with input's instead (without a gradient, as in PyTorch)."""
    try:
        r = input._data.copy()
    except AttributeError:
        raise tensor_type_error("scatter", "input", input) from None
    d = _scatter_write(r, input, dim, index, src, value=value, reduce=reduce)
    r = wrap(r)
    src = src if value is None else value
    if needs_grad(input, src):
        if reduce is not None:
            not_implemented(r, "scatter with reduce", (input, src), "; use scatter_reduce, which has gradients")
        elif isinstance(src, Tensor):
            record(r, NODES.ScatterBackward0(), (input, src), (d, index, src._data.shape))
        else:
            record(r, NODES.ScatterBackward1(), (input,), (d, index))
    return r if out is None else write_out(out, r, "scatter")


def _scatter_add_write(dest, input, dim, index, src):
    check_tensor("scatter_add", "src", src)
    d, pos, values = _scatter_plan(input, dim, index, src, "scatter_add")
    scatter_reduce_flat(dest.reshape(-1), pos, values, "sum")
    return d


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Tensor | None = None) -> Tensor:
    """input plus `src`'s elements added at `index` along `dim` (repeated indices add up)."""
    if "scatter_add" in AUTOCAST_OPS[0]:
        return autocast_call("scatter_add", scatter_add, input, dim, index, src, out=out)
    r = input._data.copy()
    d = _scatter_add_write(r, input, dim, index, src)
    r = wrap(r)
    if needs_grad(input, src):
        record(r, NODES.ScatterAddBackward0(), (input, src), (d, index, src._data.shape))
    return r if out is None else write_out(out, r, "scatter_add")


def _identity(reduce, dtype):
    """The value a reduction starts from when include_self=False."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind in "fV":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _scatter_reduce_write(dest, input, dim, index, src, reduce, *, include_self=True):
    if reduce not in _REDUCE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    check_tensor("scatter_reduce", "src", src)
    reduce = _REDUCE[reduce]
    d, pos, values = _scatter_plan(input, dim, index, src, "scatter_reduce")
    flat = dest.reshape(-1)
    if not include_self:
        flat[pos] = _identity(reduce, flat.dtype)
    if reduce != "mean":
        scatter_reduce_flat(flat, pos, values, reduce)
        return d
    scatter_reduce_flat(flat, pos, values, "sum")
    xp = array_module(flat)
    counts = xp.maximum(hit_counts(flat.size, pos) + include_self, 1).astype(flat.dtype)
    (xp.floor_divide if flat.dtype.kind in "iub" else xp.true_divide)(flat, counts, out=flat)
    return d


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True,
                   out: Tensor | None = None) -> Tensor:
    """input with `src`'s elements combined at `index` along `dim` by `reduce` ('sum', 'prod', 'mean', 'amax',
    'amin'), input's own value included unless include_self=False; integer means round down."""
    r = input._data.copy()
    d = _scatter_reduce_write(r, input, dim, index, src, reduce, include_self=include_self)
    r = wrap(r)
    if needs_grad(input, src):
        record(r, NODES.ScatterReduceBackward0(), (input, src),
               (input, src, r, d, index, _REDUCE[reduce], include_self))
    return r if out is None else write_out(out, r, "scatter_reduce")


# ---- index_* ----------------------------------------------------------------------------------------
def _vector_index(index, name, a, dim, long_only=False, error=RuntimeError):
    """(dim, the 1-D index array) of an index_* op along `dim` of array `a`."""
    i = _index(index, name, a, long_only, error)
    if i.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got a {i.ndim}-D index")
    return wrap_dim(dim, a.ndim), i.reshape(-1)


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices of input at `index` (a vector) along `dim`."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("index_select", "input", input) from None
    d, i = _vector_index(index, "index_select", a, dim)
    if a.ndim == 0 and i.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {i.size} value(s)")
    _check_range(i, _shape1(a.shape)[d], d, "index_select", IndexError)
    r = array_module(a).take(_1d(a), i, axis=d)
    r = wrap(r.reshape(a.shape[:d] + i.shape + a.shape[d + 1:]) if a.ndim else r.reshape(()))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.IndexSelectBackward0(), (input,), (a.shape, d, index))
    return r if out is None else write_out(out, r, "index_select")


def _check_source(a, s, d, n, name):
    """index_add/index_copy: source has self's shape except `n` (the index's length) along dim `d`."""
    _same_dtype(a, s, name, "source")
    want = a.shape[:d] + (n,) + a.shape[d + 1:]
    if _shape1(s.shape) != want:
        raise RuntimeError(f"{name}(): source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension, with the index's length {n} along it. Got self.shape = {list(a.shape)} "
                           f"source.shape = {list(s.shape)}")


def _index_add_write(dest, input, dim, index, source, *, alpha=1):
    a = input._data
    d, i = _vector_index(index, "index_add_", a, dim)
    _check_source(a, source._data, d, i.size, "index_add_")
    shape = _shape1(a.shape)
    _check_range(i, shape[d], d, "index_add_")
    s = _1d(source._data)
    full = array_module(i).broadcast_to(i.reshape([-1 if k == d else 1 for k in range(len(shape))]), s.shape)
    values = s.reshape(-1) if alpha == 1 else (s * alpha).astype(s.dtype, copy=False).reshape(-1)
    scatter_reduce_flat(dest.reshape(-1), flat_positions(shape, d, full), values, "sum")
    return d


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1,
              out: Tensor | None = None) -> Tensor:
    """input with alpha * source's slices added at `index` along `dim` (repeated indices add up)."""
    r = input._data.copy()
    d = _index_add_write(r, input, dim, index, source, alpha=alpha)
    r = wrap(r)
    if needs_grad(input, source):
        record(r, NODES.IndexAddBackward0(), (input, source), (d, index, alpha, source._data.shape))
    return r if out is None else write_out(out, r, "index_add")


_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


def _index_reduce_positions(a, dim, index, source, reduce):
    """(dim, index spread over source's shape) of index_reduce: the scatter_reduce it amounts to."""
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    d, i = _vector_index(index, "index_reduce_", a, dim)
    _check_source(a, source._data, d, i.size, "index_reduce_")
    shape = _shape1(a.shape)
    _check_range(i, shape[d], d, "index_reduce_", IndexError)
    s = _1d(source._data)
    return d, array_module(i).broadcast_to(i.reshape([-1 if k == d else 1 for k in range(len(shape))]), s.shape)


def _index_reduce_write(dest, input, dim, index, source, reduce, *, include_self=True):
    d, full = _index_reduce_positions(input._data, dim, index, source, reduce)
    return _scatter_reduce_write(dest, input, d, wrap(full), source, reduce, include_self=include_self)


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True,
                 out: Tensor | None = None) -> Tensor:
    """input with source's slices combined into its slices at `index` along `dim` by `reduce` ('prod', 'mean',
    'amax', 'amin'), input's own value included unless include_self=False. Recorded as the scatter_reduce it
    amounts to (PyTorch records IndexReduceBackward0); values and gradients are PyTorch's."""
    d, full = _index_reduce_positions(input._data, dim, index, source, reduce)
    return scatter_reduce(input, d, wrap(full), source, reduce, include_self=include_self, out=out)


_SEGMENT_REDUCTIONS = {"sum": "sum", "prod": "prod", "mean": "sum", "max": "amax", "amax": "amax",
                       "min": "amin", "amin": "amin"}


def _segment_lengths(data, lengths, offsets, axis, unsafe):
    """The segments' lengths (an int array shaped data.shape[:axis] + (segments,)) from lengths or offsets."""
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    if lengths is not None:
        counts = lengths._data.astype(np.int64)
    else:
        ends = offsets._data.astype(np.int64)
        counts = ends[..., 1:] - ends[..., :-1]
    if counts.ndim - 1 != axis or counts.shape[:-1] != data.shape[:axis]:
        raise RuntimeError(f"segment_reduce(): Expected lengths (or offsets) of shape {list(data.shape[:axis])} + "
                           f"[segments] for axis {axis}, got {list(counts.shape)}")
    if not unsafe and ((counts < 0).any() or (counts.sum(-1) != data.shape[axis]).any()):
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to "
                           "data.size(lengths.dim()-1) when !unsafe.")
    return counts


def segment_reduce(data: Tensor, reduce: str, *, lengths: Tensor | None = None, indices: Tensor | None = None,
                   offsets: Tensor | None = None, axis: int = 0, unsafe: bool = False,
                   initial: float | None = None) -> Tensor:
    """data reduced by `reduce` over consecutive segments along `axis`, of the given lengths (or between
    offsets); an empty segment gives `initial`, else sum 0, prod 1, max -inf, min inf, mean nan. It can be
    differentiated once, as in PyTorch."""
    check_tensor("segment_reduce", "data", data, 1)
    if not isinstance(reduce, str):
        raise _type_error("segment_reduce", "reduce", reduce, "str", 2)
    if reduce not in _SEGMENT_REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    a = data._data
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"_segment_reduce_cpu\" not implemented for '{_dtype.scalar_type_name(a.dtype)}'")
    axis = wrap_dim(axis, data.ndim)
    counts = _segment_lengths(data, lengths, offsets, axis, unsafe)
    xp = array_module(a)
    trailing = (1,) * (data.ndim - axis - 1)
    ends = xp.asarray(counts.cumsum(-1))
    ids = (xp.arange(a.shape[axis])[..., None, :] >= ends[..., :, None]).sum(-2)  # the segment of each slot
    ids = wrap(xp.ascontiguousarray(xp.broadcast_to(ids.reshape(ids.shape + trailing), a.shape)))
    kind = _SEGMENT_REDUCTIONS[reduce]
    shape = tuple(a.shape[:axis]) + (counts.shape[-1],) + tuple(a.shape[axis + 1:])
    product = None
    if kind == "prod":
        start = wrap(xp.full(shape, 1.0 if initial is None else initial, dtype=a.dtype))
        values = scatter_reduce(start, axis, ids, data.detach(), "prod")._data
        scale = chosen = None
        product = (start, data, wrap(values))
    elif kind == "sum":
        start = wrap(xp.full(shape, 0.0 if initial is None else initial, dtype=a.dtype))
        values = scatter_reduce(start, axis, ids, data.detach(), "sum")._data
        scale = chosen = None
        if reduce == "mean":
            n = xp.asarray(counts.reshape(counts.shape + trailing), dtype=a.dtype)
            values = values / (n if initial is None else xp.maximum(n, 1))
            scale = wrap(1 / xp.take_along_axis(xp.broadcast_to(n, shape), ids._data, axis))
    else:
        start = wrap(xp.full(shape, -np.inf if kind == "amax" else np.inf, dtype=a.dtype))
        values = scatter_reduce(start, axis, ids, data.detach(), kind, include_self=False)._data
        chosen = a == xp.take_along_axis(values, ids._data, axis)
        if initial is not None:  # data tied with `initial` keeps the gradient
            won = values >= initial if kind == "amax" else values <= initial
            values = xp.where(won, values, xp.asarray(initial, dtype=a.dtype))
            chosen &= xp.take_along_axis(won, ids._data, axis)
        ties = scatter_reduce(wrap(xp.zeros(shape, a.dtype)), axis, ids, wrap(chosen.astype(a.dtype)), "sum")._data
        scale = wrap(1 / xp.maximum(xp.take_along_axis(ties, ids._data, axis), 1))
        chosen = wrap(chosen)
    r = wrap(values)
    if GRAD_ENABLED[0] and data._rg:
        record(r, NODES.SegmentReduceBackward0(), (data,), (ids, axis, scale, chosen, product))
    return r


def _index_copy_write(dest, input, dim, index, source):
    a = input._data
    d, i = _vector_index(index, "index_copy_", a, dim, long_only=True)
    if a.ndim and source._data.ndim and source._data.ndim != a.ndim:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({source._data.ndim}), destination dimensionality ({a.ndim})")
    _check_source(a, source._data, d, i.size, "index_copy_")
    _check_range(i, _shape1(a.shape)[d], d, "index_copy_", IndexError)
    _1d(dest)[(slice(None),) * d + (i,)] = _1d(source._data)
    return d


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None) -> Tensor:
    """input with its slices at `index` along `dim` replaced by source's."""
    if "index_copy" in AUTOCAST_OPS[0]:
        return autocast_call("index_copy", index_copy, input, dim, index, source, out=out)
    r = input._data.copy()
    d = _index_copy_write(r, input, dim, index, source)
    r = wrap(r)
    if needs_grad(input, source):
        record(r, NODES.IndexCopyBackward0(), (input, source), (d, index, source._data.shape))
    return r if out is None else write_out(out, r, "index_copy")


def _index_fill_write(dest, input, dim, index, value):
    a = input._data
    d, i = _vector_index(index, "index_fill_", a, dim, long_only=True, error=IndexError)
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    _check_range(i, _shape1(a.shape)[d], d, "index_fill_", IndexError, negative=True)
    _1d(dest)[(slice(None),) * d + (i,)] = _scalar(value, a.dtype)
    return d


def index_fill(input: Tensor, dim: int, index: Tensor, value: Tensor | float) -> Tensor:
    """input with `value` (a number or 0-dim tensor) at the slices at `index` along `dim`."""
    r = input._data.copy()
    d = _index_fill_write(r, input, dim, index, value)
    r = wrap(r)
    if needs_grad(input, value):
        if isinstance(value, Tensor):
            record(r, NODES.IndexFillBackward1(), (input, value), (d, index))
        else:
            record(r, NODES.IndexFillBackward0(), (input,), (d, index))
    return r


# ---- index_put --------------------------------------------------------------------------------------
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.bool_), np.dtype(np.uint8))


def _index_key(indices, a):
    """index_put's `indices` (a tuple or list of tensors; uint8 ones are masks) as a tuple of tensors, and as
    the array key that indexing.py's formulas take."""
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    tensors = []
    for k, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"index_put(): expected Tensor as element {k} in argument 'indices', but got "
                            f"{type(t).__name__}")
        if t._data.dtype not in _INDEX_DTYPES:
            raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, but got {t.dtype}")
        tensors.append(wrap(t._data.astype(bool)) if t._data.dtype == np.uint8 else t)
    return tuple(tensors), _convert(tuple(tensors), a.shape)[0]


def _index_values(input, values, name):
    check_tensor(name, "values", values)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {input.dtype} for "
                           f"the destination and {values.dtype} for the source.")


def _accumulate_write(dest, key, v):
    """dest[key] += v with repeated positions adding up; `key` holds integer/bool arrays and ints only."""
    xp = array_module(dest)
    arrays = []
    for k in key:
        if getattr(k, "dtype", None) == np.bool_:
            arrays.extend(xp.nonzero(k))
        else:
            arrays.append(xp.asarray(k))
    shape = dest.shape
    head = 0
    for arr, n in zip(arrays, shape):
        head = head * n + arr % n
    head = xp.asarray(head)
    rest = _size(shape[len(arrays):])
    target = head.shape + shape[len(arrays):]
    lead = v.ndim - len(target)
    if lead > 0 and all(n == 1 for n in v.shape[:lead]):  # PyTorch drops leading size-1 dims of the values
        v = v.reshape(v.shape[lead:])
    try:
        v = xp.broadcast_to(v, target)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}") from None
    pos = (head.reshape(-1, 1) * rest + xp.arange(rest)).reshape(-1)
    scatter_reduce_flat(dest.reshape(-1), pos, v.reshape(-1), "sum")


def index_put(input: Tensor, indices: tuple, values: Tensor, accumulate: bool = False) -> Tensor:
    """input with `values` written at input[indices] (added, repeats included, with accumulate=True)."""
    if "index_put" in AUTOCAST_OPS[0]:
        return autocast_call("index_put", index_put, input, indices, values, accumulate)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("index_put", "input", input) from None
    tensors, key = _index_key(indices, a)
    _index_values(input, values, "index_put")
    r = a.copy()
    if accumulate:
        _accumulate_write(r, key, values._data)
    else:
        with no_grad():
            setitem(wrap(r), tensors, values)
    r = wrap(r)
    if needs_grad(input, values):
        node = NODES.IndexPutBackward0() if accumulate else INDEXING_NODES.IndexPutBackward0()
        record(r, node, (input, values), (key, values._data.shape if values._rg else None))
    return r


def index_put_(input: Tensor, indices: tuple, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place index_put: input[indices] = values (or += values, repeats included, with accumulate=True)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("index_put_", "input", input) from None
    tensors, key = _index_key(indices, a)
    _index_values(input, values, "index_put_")
    if not accumulate:
        setitem(input, tensors, values)
        return input
    if needs_grad(input, values):
        return _graph_inplace(index_put, input, (indices, values, True), {})
    check_inplace(input, may_overlap=True)  # PyTorch allows accumulating into an expanded tensor
    _write_in_place(input, lambda dest: _accumulate_write(dest, key, values._data))
    return input


# ---- masked ops -------------------------------------------------------------------------------------
def _bool_mask(mask, name):
    check_tensor(name, "mask", mask)
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{name}: expected a bool tensor for mask, but got {mask.dtype}")
    return mask._data


def _broadcast(a, m):
    try:
        return np.broadcast_shapes(a.shape, m.shape)
    except ValueError:
        raise broadcast_error(a.shape, m.shape) from None


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elements of input where the bool `mask` is True (the two broadcast), as a 1-D tensor."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("masked_select", "input", input) from None
    m = _bool_mask(mask, "masked_select")
    shape = _broadcast(a, m)
    xp = array_module(a)
    mb = xp.broadcast_to(m, shape)
    r = wrap(xp.broadcast_to(a, shape)[mb])
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.MaskedSelectBackward0(), (input,), (a.shape, wrap(mb)))
    return r if out is None else write_out(out, r, "masked_select")


def _masked_scatter_write(dest, input, mask, source):
    m = _bool_mask(mask, "masked_scatter_")
    check_tensor("masked_scatter_", "source", source)
    s = source._data
    if s.dtype != dest.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got {input.dtype} "
                           f"and {source.dtype}")
    if _broadcast(dest, m) != dest.shape:
        raise RuntimeError(f"masked_scatter_: mask of shape {list(m.shape)} does not broadcast to self's shape "
                           f"{list(dest.shape)}")
    mb = array_module(dest).broadcast_to(m, dest.shape)
    n = int(mb.sum())
    if s.size < n:
        raise RuntimeError(f"masked_scatter_: Number of elements of source ({s.size}) < number of ones in mask "
                           f"({n})")
    dest[mb] = s.reshape(-1)[:n]


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """input (broadcast with `mask`) with source's elements, in order, where the bool mask is True."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("masked_scatter", "input", input) from None
    shape = _broadcast(a, _bool_mask(mask, "masked_scatter"))
    xp = array_module(a)
    r = xp.broadcast_to(a, shape).copy()
    _masked_scatter_write(r, input, mask, source)
    r = wrap(r)
    if needs_grad(input, source):
        mb = wrap(xp.broadcast_to(mask._data, shape))
        record(r, NODES.MaskedScatterBackward0(), (input, source), (mb, a.shape, source._data.shape))
    return r


# ---- nonzero, put -----------------------------------------------------------------------------------
def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False) -> Tensor | tuple:
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim with as_tuple."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("nonzero", "input", input) from None
    if as_tuple.__class__ is not bool:
        raise TypeError(f"nonzero(): argument 'as_tuple' must be bool, not {type(as_tuple).__name__}")
    xp = array_module(a)
    if as_tuple:
        return tuple(wrap(i.astype(np.int64, copy=False)) for i in xp.nonzero(_1d(a)))
    r = wrap(xp.argwhere(a).astype(np.int64, copy=False))
    return r if out is None else write_out(out, r, "nonzero")


def argwhere(input: Tensor) -> Tensor:
    """nonzero(input): the (n, ndim) int64 indices of the nonzero elements."""
    check_tensor("argwhere", "input", input, 1)
    return nonzero(input)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero with a fixed number of rows: the first `size` indices, padded with fill_value."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be a non-negative integer, got {size}")
    a = input._data
    xp = array_module(a)
    found = xp.argwhere(a).astype(np.int64, copy=False)[:size]
    padded = xp.full((size, a.ndim), fill_value, np.int64)
    padded[:found.shape[0]] = found
    return wrap(padded)


def _put_write(dest, input, index, source, accumulate=False):
    a = input._data
    i = _take_index(index, a, "put_")
    check_tensor("put_", "source", source)
    s = source._data
    if s.size != i.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {s.size}, index.numel() = {i.size}")
    if s.dtype != a.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{input.dtype} and source.dtype = {source.dtype}")
    flat = dest.reshape(-1)
    i = i.reshape(-1)
    if accumulate:
        scatter_reduce_flat(flat, i % a.size if i.size else i, s.reshape(-1), "sum")
    else:
        flat[i] = s.reshape(-1)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """input, flattened, with source's elements written (or added) at `index`; negative entries count from the end."""
    try:
        r = input._data.copy()
    except AttributeError:
        raise tensor_type_error("put", "input", input) from None
    _put_write(r, input, index, source, accumulate)
    r = wrap(r)
    if needs_grad(input, source):
        record(r, NODES.PutBackward0(), (input, source), (index, source._data.shape, accumulate))
    return r


# ---- in-place forms ---------------------------------------------------------------------------------
def _write_in_place(self, write):
    """Run `write(array)` on self's memory (through a contiguous copy where self is a strided view)."""
    a = self._data
    dest = a if a.flags.c_contiguous else a.copy()
    write(dest)
    if dest is not a:
        a[...] = dest
    self._vc[0] += 1


def _in_place(op, write):
    """The in-place form of `op`, whose result `write(dest, self, *args)` writes into array `dest`."""
    def inplace(self, *args, **kwargs):
        if needs_grad(self, *args, *kwargs.values()):
            return _graph_inplace(op, self, args, kwargs)
        check_inplace(self)
        _write_in_place(self, lambda dest: write(dest, self, *args, **kwargs))
        return self
    inplace.__name__ = op.__name__ + "_"
    inplace.__doc__ = f"In-place {op.__name__}."
    return inplace


scatter_ = _in_place(scatter, _scatter_write)
scatter_add_ = _in_place(scatter_add, _scatter_add_write)
scatter_reduce_ = _in_place(scatter_reduce, _scatter_reduce_write)
index_add_ = _in_place(index_add, _index_add_write)
index_reduce_ = _in_place(index_reduce, _index_reduce_write)
index_copy_ = _in_place(index_copy, _index_copy_write)
index_fill_ = _in_place(index_fill, _index_fill_write)
masked_scatter_ = _in_place(masked_scatter, _masked_scatter_write)
put_ = _in_place(put, _put_write)

METHODS = {"gather": gather, "take_along_dim": take_along_dim, "take": take, "scatter": scatter,
    "scatter_add": scatter_add, "scatter_reduce": scatter_reduce, "index_select": index_select,
    "index_add": index_add, "index_reduce": index_reduce, "index_copy": index_copy, "index_fill": index_fill,
    "index_put": index_put, "index_put_": index_put_, "masked_select": masked_select,
    "masked_scatter": masked_scatter, "nonzero": nonzero, "argwhere": argwhere, "put": put,
    "nonzero_static": nonzero_static}
METHODS.update({"scatter_": scatter_, "scatter_add_": scatter_add_, "scatter_reduce_": scatter_reduce_,
                "index_add_": index_add_, "index_reduce_": index_reduce_, "index_copy_": index_copy_,
                "index_fill_": index_fill_,
                "masked_scatter_": masked_scatter_, "put_": put_})
