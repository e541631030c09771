"""vmap by batching rules: ember's ops run once on the whole batch instead of once per batch element.

NOTE [ BatchedArray ]
Inside `vmap`, each batched input Tensor holds a `BatchedArray` as its `_data`: the physical array with the
batch dimension moved to the front, and the vmap level it belongs to. It reports the *logical* (per-sample)
`shape`, `ndim`, `size` and `strides`, and its `__class__` is that of the physical array, so ember's ops, which
are NumPy code over `tensor._data`, see an ordinary array of one sample and need no change. Every NumPy
operation they apply reaches a batching rule through NumPy's dispatch protocols (`__array_ufunc__`,
`__array_function__`) or through the ndarray methods defined here, and the rule applies the same operation
to the physical array: ufuncs align ranks by inserting singleton dims after the batch dim, so unbatched
operands broadcast against every sample; axis arguments shift by one; shape arguments get the batch size
prepended; matmul, einsum and tensordot carry the batch as a dimension of their own. Backward formulas are
NumPy code too, so autograd inside vmap (`vmap(grad(f))`, per-sample gradients) is batched by the same rules.
Nested vmaps nest BatchedArrays: the physical array of level 2 is a BatchedArray of level 1, and a rule only
unwraps the highest level among its operands, leaving lower levels to their own rules.

The fallback guarantee: an operation without a rule raises instead of computing on the wrong shape.
Conversion to a plain array (`__array__`, hence `np.array`, `np.ascontiguousarray`, and writing a BatchedArray
into a plain array), `__bool__` (data-dependent control flow), `.item()`, buffer and pointer access, ufunc
methods other than `__call__`, `reduce` and `accumulate`, and NumPy functions missing from FUNCTIONS (NumPy
then raises TypeError) all raise; so does writing batched values into an unbatched array through `out=`,
`__setitem__`, `np.copyto` or `np.put_along_axis`. Any exception in the batched run makes `vmap` rerun the call
as a loop over the batch elements (counted in FALLBACKS), which gives either the per-sample results or the
per-sample error, as PyTorch would. Side effects of the abandoned batched run (a list appended to, a counter
bumped) are not undone.

NOTE [ Graphs out of vmap ]
A batched result that requires grad would let a backward pass run batched formulas after vmap has returned,
where an op without a rule could no longer fall back to the loop. So a call whose results require grad (a
graph leaves vmap: `vmap(model)(x)` with trainable parameters, then `.backward()`) is run again as the loop, and
a call with an input that requires grad (model ensembling's stacked parameters) runs as the loop at once.
Gradients taken inside vmap (`vmap(grad(f))`, per-sample gradients, with inputs that do not require grad) stay
batched.
"""
import collections
import functools
import math
import string
from collections.abc import Callable

import numpy as np

from . import _random
from ._tensor import Tensor, wrap, wrap_dim
from ._tree import flatten, unflatten
from .autograd import TRANSFORM_DEPTH
from .autograd.graph import Node
from .autograd.record import record
from .ops.base import needs_grad
from .ops.shape import cat, stack

__all__ = ["FALLBACKS", "BatchedArray", "NoBatchingRule", "vmap"]

FALLBACKS = collections.Counter()  # why a vmap call ran as a loop -> how many times
_LEVEL = [0]  # the level of the innermost running vmap


def vmap_level() -> int:
    """How many vmaps are running around the caller (0 outside vmap)."""
    return _LEVEL[0]


class NoBatchingRule(TypeError):
    """An operation on a BatchedArray that has no batching rule (vmap then runs the loop)."""


# ---- the batched array ------------------------------------------------------------------------------------------
class BatchedArray:
    """An array of one sample for ember's ops, holding the whole batch: see NOTE [ BatchedArray ]."""
    __slots__ = ("level", "physical")

    def __init__(self, physical, level: int):
        self.physical = physical
        self.level = level

    __class__ = property(lambda self: self.physical.__class__)  # ember's device checks see a plain array
    shape = property(lambda self: self.physical.shape[1:])
    ndim = property(lambda self: self.physical.ndim - 1)
    size = property(lambda self: math.prod(self.physical.shape[1:]))
    dtype = property(lambda self: self.physical.dtype)
    itemsize = property(lambda self: self.physical.itemsize)
    nbytes = property(lambda self: self.size * self.physical.itemsize)
    strides = property(lambda self: self.physical.strides[1:])
    flags = property(lambda self: _Flags(self.physical.flags.c_contiguous))
    device = property(lambda self: self.physical.device)
    T = property(lambda self: np.transpose(self))
    mT = property(lambda self: np.swapaxes(self, -1, -2))

    def __repr__(self):
        return f"BatchedArray(level={self.level}, physical={self.physical!r})"

    def __array__(self, dtype=None, copy=None):
        raise NoBatchingRule("a BatchedArray converted to a plain array")

    def __bool__(self):
        raise NoBatchingRule("the truth value of a BatchedArray (data-dependent control flow)")

    def __reduce_ex__(self, protocol):
        raise NoBatchingRule("a BatchedArray pickled")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        rule = UFUNC_METHODS.get(method)
        if rule is None:
            raise NoBatchingRule(f"no batching rule for numpy.{ufunc.__name__}.{method}")
        return rule(_level(inputs + tuple(kwargs.get("out", ()))), ufunc, *inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        rule = FUNCTIONS.get(func)
        if rule is None:
            return NotImplemented
        return rule(_level(args + tuple(kwargs.values())), *args, **kwargs)

    def __getitem__(self, key):
        return _getitem(max(self.level, _level(key if isinstance(key, tuple) else (key,))), self, key)

    def __setitem__(self, key, value):
        _setitem(max(self.level, _level((value,))), self, key, value)


class _Flags:
    """The logical flags ember reads: a sample of a C-contiguous physical array is C-contiguous."""
    __slots__ = ("c_contiguous",)
    f_contiguous = False

    def __init__(self, c_contiguous: bool):
        self.c_contiguous = c_contiguous


# ---- helpers ----------------------------------------------------------------------------------------------------
def _level(values) -> int:
    """The highest vmap level among the BatchedArrays in `values` (searched one list or tuple deep)."""
    level = 0
    for v in values:
        if type(v) is BatchedArray:
            level = max(level, v.level)
        elif type(v) in (list, tuple):
            level = max([level] + [x.level for x in v if type(x) is BatchedArray])
    return level


def _is_batched(x, level: int) -> bool:
    return type(x) is BatchedArray and x.level == level


def _physical(x, level: int):
    return x.physical if _is_batched(x, level) else x


def _ndim(x) -> int:
    return x.ndim if hasattr(x, "ndim") else np.ndim(x)


def _aligned(x, level: int, ndim: int):
    """The physical operand of an op whose logical operands broadcast to `ndim` dims: a batched one gets
    singleton dims after its batch dim, an unbatched one broadcasts from the right as it is."""
    if not _is_batched(x, level):
        return x
    missing = ndim - x.ndim
    return x.physical[(slice(None),) + (None,) * missing] if missing else x.physical


def _axis(axis: int, ndim: int) -> int:
    """The physical axis of logical `axis`."""
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim + 1


def _axes(axis, ndim: int):
    """The physical axes of logical `axis` (an int, a tuple, or None for all)."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(_axis(a, ndim) for a in axis)
    return _axis(axis, ndim)


def _shape_tuple(shape) -> tuple:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    return tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)


def _refuse_out(kwargs: dict, name: str) -> None:
    if kwargs.get("out") is not None:
        raise NoBatchingRule(f"no batching rule for {name} with out=")


def _first_batched(rule):
    """A rule over its first argument, which must be batched at the rule's level (not only at a lower one)."""
    @functools.wraps(rule)
    def checked(level, a, *args, **kwargs):
        if not _is_batched(a, level):
            raise NoBatchingRule(f"no batching rule for {rule.__name__} on an array batched at another level")
        return rule(level, a, *args, **kwargs)
    return checked


def _batch_size(level: int, values) -> int:
    for v in values:
        if _is_batched(v, level):
            return v.physical.shape[0]
    raise NoBatchingRule("no batched operand")


# ---- ufuncs -----------------------------------------------------------------------------------------------------
def _ufunc_call(level, ufunc, *inputs, out=None, where=True, **kwargs):
    if where is not True:
        raise NoBatchingRule(f"no batching rule for numpy.{ufunc.__name__} with where=")
    if ufunc is np.matmul:
        return _matmul(level, *inputs, out=out, **kwargs)
    outs = () if out is None else out if isinstance(out, tuple) else (out,)
    if any(not _is_batched(o, level) for o in outs):
        raise NoBatchingRule(f"numpy.{ufunc.__name__} writing batched values into an unbatched array")
    ndim = max(_ndim(x) for x in inputs + outs)
    if outs:
        kwargs["out"] = tuple(_aligned(o, level, ndim) for o in outs)
    r = ufunc(*(_aligned(x, level, ndim) for x in inputs), **kwargs)
    if outs:
        return outs[0] if len(outs) == 1 else outs
    return tuple(BatchedArray(p, level) for p in r) if ufunc.nout > 1 else BatchedArray(r, level)


def _ufunc_axis_method(method: str):
    def rule(level, ufunc, a, axis=0, *args, **kwargs):
        _refuse_out(kwargs, f"numpy.{ufunc.__name__}.{method}")
        if not _is_batched(a, level) or args or kwargs.get("where", True) is not True:
            raise NoBatchingRule(f"no batching rule for this call of numpy.{ufunc.__name__}.{method}")
        if axis is None and method == "accumulate":
            raise NoBatchingRule(f"no batching rule for numpy.{ufunc.__name__}.accumulate with axis=None")
        return BatchedArray(getattr(ufunc, method)(a.physical, _axes(axis, a.ndim), **kwargs), level)
    return rule


UFUNC_METHODS = {
    "__call__": _ufunc_call,
    "reduce": _ufunc_axis_method("reduce"),
    "accumulate": _ufunc_axis_method("accumulate"),
}


# ---- products ---------------------------------------------------------------------------------------------------
def _matmul(level, a, b, out=None, **kwargs):
    """matmul with the batch as a leading dim of the stacked matrices; a batched vector becomes a one-row
    (or one-column) matrix whose extra dim is dropped from the result."""
    if out is not None:
        raise NoBatchingRule("no batching rule for numpy.matmul with out=")
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a_row = _is_batched(a, level) and na == 1
    b_col = _is_batched(b, level) and nb == 1
    pa = a.physical[:, None, :] if a_row else a.physical if _is_batched(a, level) else a
    pb = b.physical[:, :, None] if b_col else b.physical if _is_batched(b, level) else b
    stacked = max(max(na, 2) - 2, max(nb, 2) - 2)  # the logical stack dims in front of the matrices
    if _is_batched(a, level):
        pa = pa[(slice(None),) + (None,) * (stacked - (max(na, 2) - 2))]
    if _is_batched(b, level):
        pb = pb[(slice(None),) + (None,) * (stacked - (max(nb, 2) - 2))]
    if _is_batched(a, level) and not _is_batched(b, level) and nb <= 2:  # one product of the stacked rows
        r = np.matmul(pa.reshape(-1, pa.shape[-1]), pb, **kwargs).reshape(pa.shape[:-1] + pb.shape[1:])
    elif min(_ndim(pa), _ndim(pb)) >= 2 and pa.shape[-1] == pb.shape[-2] == 1 and not kwargs:
        r = np.multiply(pa, pb)  # NumPy's stacked outer products are slow; one term per element: exact
    else:
        r = np.matmul(pa, pb, **kwargs)
    if a_row and b_col:
        r = r[..., 0, 0]
    elif a_row:
        r = r[..., 0] if nb == 1 else r[..., 0, :]
    elif b_col:
        r = r[..., 0]
    return BatchedArray(r, level)


def _dot(level, a, b, out=None):
    if _ndim(a) > 2 or _ndim(b) > 2:
        raise NoBatchingRule("no batching rule for numpy.dot beyond 2-D")
    if _ndim(a) == 0 or _ndim(b) == 0:
        return _ufunc_call(level, np.multiply, a, b, out=out)
    return _matmul(level, a, b, out=out)


def _einsum(level, subscripts, *operands, out=None, **kwargs):
    """einsum with a fresh letter for the batch on each batched operand and on the output."""
    if out is not None or not isinstance(subscripts, str):
        raise NoBatchingRule("no batching rule for this call of numpy.einsum")
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if not arrow:
        letters = inputs.replace(",", "").replace(".", "")
        output = ("..." if "..." in inputs else "") + "".join(sorted(c for c in set(letters)
                                                                     if letters.count(c) == 1))
    batch = next(c for c in string.ascii_letters if c not in subscripts)
    terms = [batch + t if _is_batched(x, level) else t for t, x in zip(terms, operands)]
    r = np.einsum(f"{','.join(terms)}->{batch}{output}", *(_physical(x, level) for x in operands), **kwargs)
    return BatchedArray(r, level)


def _tensordot(level, a, b, axes=2):
    if isinstance(axes, int):
        a_axes, b_axes = tuple(range(_ndim(a) - axes, _ndim(a))), tuple(range(axes))
    else:
        a_axes, b_axes = ((x,) if isinstance(x, int) else tuple(x) for x in axes)
    a_axes = tuple(x % _ndim(a) for x in a_axes)
    b_axes = tuple(x % _ndim(b) for x in b_axes)
    if _is_batched(a, level) and _is_batched(b, level):
        letters = iter(string.ascii_letters)
        sa = [next(letters) for _ in range(_ndim(a))]
        sb = [next(letters) for _ in range(_ndim(b))]
        for i, j in zip(a_axes, b_axes):
            sb[j] = sa[i]
        kept = [c for i, c in enumerate(sa) if i not in a_axes] + [c for j, c in enumerate(sb) if j not in b_axes]
        return np.einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(kept)}", a, b)
    if _is_batched(a, level):
        return BatchedArray(np.tensordot(a.physical, b, (tuple(x + 1 for x in a_axes), b_axes)), level)
    r = np.tensordot(a, b.physical, (a_axes, tuple(x + 1 for x in b_axes)))
    return BatchedArray(np.moveaxis(r, _ndim(a) - len(a_axes), 0), level)


# ---- reductions: the logical axis shifts by one -----------------------------------------------------------------
def _reduction(name: str):
    @_first_batched
    def rule(level, a, axis=None, *args, **kwargs):
        _refuse_out(kwargs, f"numpy.{name}")
        if any(isinstance(x, np.ndarray) for x in args):
            raise NoBatchingRule(f"no batching rule for numpy.{name} with out=")
        p = a.physical
        if axis is None and name in _FLATTENING:
            keepdims = kwargs.pop("keepdims", False)
            r = getattr(p.reshape(p.shape[0], -1), name)(1, *args, **kwargs)
            return BatchedArray(r.reshape((p.shape[0],) + (1,) * a.ndim) if keepdims else r, level)
        return BatchedArray(getattr(p, name)(_axes(axis, a.ndim), *args, **kwargs), level)
    return rule


_FLATTENING = ("argmax", "argmin", "cumsum", "cumprod")  # axis=None means the flattened array
_REDUCTIONS = {name: _reduction(name) for name in
               ("sum", "mean", "prod", "max", "min", "std", "var", "any", "all") + _FLATTENING}


def _sort(name: str):
    @_first_batched
    def rule(level, a, axis=-1, **kwargs):
        if axis is None:
            raise NoBatchingRule(f"no batching rule for numpy.{name} with axis=None")
        return BatchedArray(getattr(np, name)(a.physical, _axis(axis, a.ndim), **kwargs), level)
    return rule


def _partition(name: str):
    @_first_batched
    def rule(level, a, kth, axis=-1, **kwargs):
        if axis is None or _is_batched(kth, level):
            raise NoBatchingRule(f"no batching rule for this call of numpy.{name}")
        return BatchedArray(getattr(np, name)(a.physical, kth, _axis(axis, a.ndim), **kwargs), level)
    return rule


@_first_batched
def _roll(level, a, shift, axis=None):
    if axis is None or _is_batched(shift, level):  # a roll of the flattened sample
        raise NoBatchingRule("no batching rule for this call of numpy.roll")
    return BatchedArray(np.roll(a.physical, shift, _axes(axis, a.ndim)), level)


def _triangle(name: str):
    @_first_batched
    def rule(level, a, k=0):
        if a.ndim < 2:  # NumPy's tril of a vector builds a matrix
            raise NoBatchingRule(f"no batching rule for numpy.{name} of a vector")
        return BatchedArray(getattr(np, name)(a.physical, k), level)  # the last two dims, whatever leads them
    return rule


# ---- shapes: shape arguments get the batch size prepended, axes shift by one -----------------------------------
@_first_batched
def _reshape(level, a, *shape, order="C", copy=None, newshape=None):
    if order != "C":
        raise NoBatchingRule("no batching rule for a reshape in order 'F'")
    shape = _shape_tuple(shape) if shape else _shape_tuple((newshape,))
    p = a.physical
    return BatchedArray(np.reshape(p, (p.shape[0],) + shape, copy=copy), level)


@_first_batched
def _transpose(level, a, *axes, **kwargs):
    axes = kwargs.get("axes", axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes)
    axes = tuple(range(a.ndim - 1, -1, -1)) if axes is None or axes == () else tuple(axes)
    if len(axes) != a.ndim:
        raise ValueError("axes don't match array")
    return BatchedArray(np.transpose(a.physical, (0,) + tuple(_axis(x, a.ndim) for x in axes)), level)


@_first_batched
def _swapaxes(level, a, axis1, axis2):
    return BatchedArray(np.swapaxes(a.physical, _axis(axis1, a.ndim), _axis(axis2, a.ndim)), level)


@_first_batched
def _moveaxis(level, a, source, destination):
    return BatchedArray(np.moveaxis(a.physical, _axes(source, a.ndim), _axes(destination, a.ndim)), level)


@_first_batched
def _squeeze(level, a, axis=None):
    if axis is None:
        axis = tuple(i for i, n in enumerate(a.shape) if n == 1)
    return BatchedArray(np.squeeze(a.physical, _axes(axis, a.ndim)), level)


@_first_batched
def _expand_dims(level, a, axis):
    ndim = a.ndim + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    return BatchedArray(np.expand_dims(a.physical, _axes(axis, ndim)), level)


@_first_batched
def _broadcast_to(level, a, shape, subok=False):
    shape = _shape_tuple((shape,))
    return BatchedArray(np.broadcast_to(_aligned(a, level, len(shape)), (a.physical.shape[0],) + shape), level)


def _joined(name: str, new_axis: bool):
    """concatenate and stack: unbatched arrays are broadcast over the batch first."""
    def rule(level, arrays, axis=0, out=None, **kwargs):
        if out is not None or axis is None:
            raise NoBatchingRule(f"no batching rule for this call of numpy.{name}")
        size = _batch_size(level, arrays)
        parts = [a.physical if _is_batched(a, level) else np.broadcast_to(a, (size,) + np.shape(a))
                 for a in arrays]
        ndim = _ndim(arrays[0]) + new_axis
        return BatchedArray(getattr(np, name)(parts, _axis(axis, ndim), **kwargs), level)
    return rule


@_first_batched
def _flip(level, a, axis=None):
    return BatchedArray(np.flip(a.physical, _axes(axis, a.ndim)), level)


@_first_batched
def _repeat(level, a, repeats, axis=None):
    if axis is None or _is_batched(repeats, level):
        raise NoBatchingRule("no batching rule for this call of numpy.repeat")
    return BatchedArray(np.repeat(a.physical, repeats, _axis(axis, a.ndim)), level)


@_first_batched
def _pad(level, array, pad_width, mode="constant", **kwargs):
    if _level(tuple(kwargs.values())) >= level:
        raise NoBatchingRule("no batching rule for numpy.pad with batched options")
    widths = np.broadcast_to(np.asarray(pad_width), (array.ndim, 2)).tolist()
    return BatchedArray(np.pad(array.physical, [(0, 0)] + widths, mode, **kwargs), level)


# ---- elementwise functions that are not ufuncs ------------------------------------------------------------------
def _where(level, condition, *values):
    if len(values) != 2:
        raise NoBatchingRule("no batching rule for numpy.where with one argument (a data-dependent shape)")
    return _ufunc_call(level, _Where(), condition, *values)


class _Where:
    """np.where as a three-operand elementwise function for _ufunc_call."""
    __name__ = "where"
    nout = 1

    def __call__(self, condition, x, y):
        return np.where(condition, x, y)


def _clip(level, a, a_min=None, a_max=None, out=None, **kwargs):
    operands = [x for x in (a, a_min, a_max) if x is not None]
    if out is not None and not _is_batched(out, level):
        raise NoBatchingRule("numpy.clip writing batched values into an unbatched array")
    ndim = max(_ndim(x) for x in operands + ([out] if out is not None else []))
    lo, hi = (None if x is None else _aligned(x, level, ndim) for x in (a_min, a_max))
    r = np.clip(_aligned(a, level, ndim), lo, hi, out=None if out is None else out.physical, **kwargs)
    return out if out is not None else BatchedArray(r, level)


def _copyto(level, dst, src, casting="same_kind", where=True):
    if not _is_batched(dst, level) or where is not True:
        raise NoBatchingRule("numpy.copyto writing batched values into an unbatched array")
    np.copyto(dst.physical, _aligned(src, level, dst.ndim), casting)


# ---- like-functions, copies, dtypes -----------------------------------------------------------------------------
def _like(name: str):
    @_first_batched
    def rule(level, a, *args, shape=None, **kwargs):
        if _level(args) >= level:
            raise NoBatchingRule(f"no batching rule for numpy.{name} with a batched fill value")
        p = a.physical
        shape = None if shape is None else (p.shape[0],) + _shape_tuple((shape,))
        return BatchedArray(getattr(np, name)(p, *args, shape=shape, **kwargs), level)
    return rule


@_first_batched
def _copy(level, a, order="K", **kwargs):
    return BatchedArray(np.copy(a.physical, order, **kwargs), level)


@_first_batched
def _astype(level, a, dtype, *args, **kwargs):
    p = a.physical.astype(dtype, *args, **kwargs)
    return a if p is a.physical else BatchedArray(p, level)


def _without_batch(func):
    """A function of dtypes or memory only: each BatchedArray stands for its physical array."""
    def rule(level, *args, **kwargs):
        return func(*(_physical(x, level) for x in args), **kwargs)
    return rule


def _logical(attribute: str):
    def rule(level, a, *args):
        if args:
            raise NoBatchingRule(f"no batching rule for numpy.{attribute} with an axis")
        return getattr(a, attribute)
    return rule


# ---- indexing ---------------------------------------------------------------------------------------------------
def _is_index_array(k) -> bool:
    return isinstance(k, (np.ndarray, list)) or type(k) is BatchedArray


def _physical_key(level, a, key):
    """The key into the physical array for logical `key`, and where its result's batch dim lands.

    Index arrays must be adjacent (NumPy would otherwise move the indexed dims to the front); batched index
    arrays must come first, where the batch's own index array (arange) joins them."""
    key = key if isinstance(key, tuple) else (key,)
    arrays = [i for i, k in enumerate(key) if _is_index_array(k)]
    if arrays and arrays[-1] - arrays[0] != len(arrays) - 1:
        raise NoBatchingRule("no batching rule for separated index arrays")
    if not any(_is_batched(k, level) for k in key):
        return ((slice(None),) + key) if _is_batched(a, level) else None
    booleans = any(isinstance(k, (bool, np.bool_)) or getattr(getattr(k, "dtype", None), "kind", "") == "b"
                   for k in key)
    if arrays[0] != 0 or booleans:
        raise NoBatchingRule("no batching rule for this key with batched index arrays")
    ndim = max(_ndim(key[i]) for i in arrays)
    parts = [_aligned(k, level, ndim) if i in arrays else k for i, k in enumerate(key)]
    if not _is_batched(a, level):
        return tuple(parts)
    size = _batch_size(level, key)
    batch = np.arange(size).reshape((size,) + (1,) * ndim)
    return (batch,) + tuple(parts)


def _getitem(level, a, key):
    k = _physical_key(level, a, key)
    if k is None:
        raise NoBatchingRule("indexing with a batched key has no batching rule here")
    return BatchedArray(_physical(a, level)[k], level)


def _setitem(level, a, key, value):
    if not _is_batched(a, level):
        raise NoBatchingRule("writing batched values into an unbatched array")
    if _level(key if isinstance(key, tuple) else (key,)) >= level:
        raise NoBatchingRule("no batching rule for writing through a batched key")
    target = np.broadcast_to(np.empty((), bool), a.shape)[key]  # only for the number of written dims
    a.physical[_physical_key(level, a, key)] = _aligned(value, level, max(target.ndim, _ndim(value)))


@_first_batched
def _take(level, a, indices, axis=None, out=None, mode="raise"):
    if out is not None or _is_batched(indices, level):
        raise NoBatchingRule("no batching rule for this call of numpy.take")
    p = a.physical
    if axis is None:
        return BatchedArray(np.take(p.reshape(p.shape[0], -1), indices, 1, mode=mode), level)
    return BatchedArray(np.take(p, indices, _axis(axis, a.ndim), mode=mode), level)


def _with_batch_dim(x, level: int):
    """The physical array of `x`, or `x` with a batch dim of size one where it is unbatched."""
    if _is_batched(x, level):
        return x.physical
    return x[None] if hasattr(x, "ndim") else np.asarray(x)[None]


def _take_along_axis(level, arr, indices, axis):
    if axis is None:
        raise NoBatchingRule("no batching rule for numpy.take_along_axis with axis=None")
    r = np.take_along_axis(_with_batch_dim(arr, level), _with_batch_dim(indices, level), _axis(axis, _ndim(arr)))
    return BatchedArray(r, level)


def _put_along_axis(level, arr, indices, values, axis):
    if not _is_batched(arr, level) or axis is None:
        raise NoBatchingRule("numpy.put_along_axis writing batched values into an unbatched array")
    np.put_along_axis(arr.physical, _with_batch_dim(indices, level), _aligned(values, level, arr.ndim),
                      _axis(axis, arr.ndim))


@_first_batched
def _view(level, a, dtype=None):
    """ndarray.view: a new view, or the same bytes as another dtype (a change of item size resizes the last
    logical dim, so a 0-d array keeps its dtype's size)."""
    if dtype is not None and a.ndim == 0 and np.dtype(dtype).itemsize != a.itemsize:
        raise NoBatchingRule("no batching rule for viewing a 0-d array as a dtype of another size")
    return BatchedArray(a.physical.view() if dtype is None else a.physical.view(dtype), level)


@_first_batched
def _round(level, a, decimals=0, out=None):
    _refuse_out({"out": out}, "numpy.round")
    return BatchedArray(np.round(a.physical, decimals), level)


# ---- the table of NumPy functions -------------------------------------------------------------------------------
FUNCTIONS = {
    np.reshape: _reshape, np.transpose: _transpose, np.swapaxes: _swapaxes, np.moveaxis: _moveaxis,
    np.squeeze: _squeeze, np.expand_dims: _expand_dims, np.broadcast_to: _broadcast_to,
    np.concatenate: _joined("concatenate", False), np.stack: _joined("stack", True), np.flip: _flip,
    np.repeat: _repeat, np.pad: _pad,
    np.shape: _logical("shape"), np.ndim: _logical("ndim"), np.size: _logical("size"),
    np.sum: _REDUCTIONS["sum"], np.mean: _REDUCTIONS["mean"], np.prod: _REDUCTIONS["prod"],
    np.max: _REDUCTIONS["max"], np.amax: _REDUCTIONS["max"], np.min: _REDUCTIONS["min"],
    np.amin: _REDUCTIONS["min"], np.std: _REDUCTIONS["std"], np.var: _REDUCTIONS["var"],
    np.any: _REDUCTIONS["any"], np.all: _REDUCTIONS["all"], np.argmax: _REDUCTIONS["argmax"],
    np.argmin: _REDUCTIONS["argmin"], np.cumsum: _REDUCTIONS["cumsum"], np.cumprod: _REDUCTIONS["cumprod"],
    np.sort: _sort("sort"), np.argsort: _sort("argsort"), np.partition: _partition("partition"),
    np.argpartition: _partition("argpartition"), np.roll: _roll, np.tril: _triangle("tril"),
    np.triu: _triangle("triu"),
    np.dot: _dot, np.einsum: _einsum, np.tensordot: _tensordot,
    np.where: _where, np.clip: _clip, np.copyto: _copyto,
    np.zeros_like: _like("zeros_like"), np.ones_like: _like("ones_like"), np.empty_like: _like("empty_like"),
    np.full_like: _like("full_like"), np.copy: _copy,
    np.result_type: _without_batch(np.result_type), np.can_cast: _without_batch(np.can_cast),
    np.may_share_memory: _without_batch(np.may_share_memory),
    np.shares_memory: _without_batch(np.shares_memory),
    np.take: _take, np.take_along_axis: _take_along_axis, np.put_along_axis: _put_along_axis, np.round: _round,
}


# ---- the ndarray methods ember uses, each through its function's rule ---------------------------------------------
def _method(rule):
    def method(self, *args, **kwargs):
        return rule(self.level, self, *args, **kwargs)
    return method


def _install_methods() -> None:
    """The ndarray methods ember uses, each through its function's rule."""
    for name, rule in {**_REDUCTIONS, "reshape": _reshape, "transpose": _transpose, "swapaxes": _swapaxes,
                       "squeeze": _squeeze, "repeat": _repeat, "take": _take, "astype": _astype, "copy": _copy,
                       "clip": _clip, "argsort": _sort("argsort"), "round": _round, "view": _view}.items():
        setattr(BatchedArray, name, _method(rule))
    BatchedArray.ravel = lambda self, order="C": _reshape(self.level, self, -1, order=order)
    BatchedArray.flatten = lambda self, order="C": _reshape(self.level, self.copy(), -1, order=order)
    BatchedArray.fill = lambda self, value: np.copyto(self, value, "unsafe")
    for name, ufunc in _OPERATORS.items():
        setattr(BatchedArray, f"__{name}__", lambda self, other, ufunc=ufunc: ufunc(self, other))
        setattr(BatchedArray, f"__r{name}__", lambda self, other, ufunc=ufunc: ufunc(other, self))
        setattr(BatchedArray, f"__i{name}__", lambda self, other, ufunc=ufunc: ufunc(self, other, out=(self,)))
    for name, ufunc in _COMPARISONS.items():
        setattr(BatchedArray, f"__{name}__", lambda self, other, ufunc=ufunc: ufunc(self, other))
    for name, ufunc in _UNARY.items():
        setattr(BatchedArray, f"__{name}__", lambda self, ufunc=ufunc: ufunc(self))
    BatchedArray.__hash__ = None


_OPERATORS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
              "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power, "matmul": np.matmul,
              "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor, "lshift": np.left_shift,
              "rshift": np.right_shift}
_COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
                "ge": np.greater_equal}
_UNARY = {"neg": np.negative, "pos": np.positive, "abs": np.absolute, "invert": np.invert}


_install_methods()


# ---- entering and leaving a level, as autograd ops ----------------------------------------------------------------
class AddBatchBackward0(Node):
    """The gradient of entering a vmap level: the batched gradient leaves it."""

    def apply(self, grads):
        level, size, dim = self._saved
        return (_remove_batch(grads[0], level, size, dim),)


class RemoveBatchBackward0(Node):
    """The gradient of leaving a vmap level: the gradient enters it."""

    def apply(self, grads):
        level, size, dim = self._saved
        return (_add_batch(grads[0], level, size, dim),)


def _add_batch(t: Tensor, level: int, size: int, dim: int) -> Tensor:
    r = wrap(BatchedArray(np.moveaxis(t._data, dim, 0), level))
    r._vc = t._vc
    if needs_grad(t):
        record(r, AddBatchBackward0(), (t,), (level, size, dim))
    return r


def _remove_batch(t: Tensor, level: int, size: int, dim: int) -> Tensor:
    a = t._data
    p = a.physical if _is_batched(a, level) else np.broadcast_to(a, (size,) + a.shape)
    r = wrap(np.moveaxis(p, 0, dim))
    if needs_grad(t):
        record(r, RemoveBatchBackward0(), (t,), (level, size, dim))
    return r


# ---- vmap -------------------------------------------------------------------------------------------------------
def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def _broadcast_dims(dims, tree):
    """The flat dims of `tree`'s leaves, `dims` a prefix of its structure (an int or None covers a subtree);
    None where the structures do not match."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(flatten(tree)[0])
    if type(dims) is not type(tree) or not isinstance(dims, (tuple, list, dict)) or len(dims) != len(tree):
        return None
    if isinstance(dims, dict):
        if set(dims) != set(tree):
            return None
        parts = [_broadcast_dims(dims[k], tree[k]) for k in tree]
    else:
        parts = [_broadcast_dims(d, t) for d, t in zip(dims, tree)]
    return None if any(p is None for p in parts) else [d for p in parts for d in p]


def _check_inputs(func, in_dims, args) -> tuple[list, list, object, int]:
    """The flat inputs, their in_dims (negative ones wrapped) and structure, and the batch size; PyTorch's
    ValueErrors for bad in_dims."""
    where = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(  # noqa: TRY004 (PyTorch's type)
            f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you "
                         f"are trying to vmap over a function with no inputs. The latter is unsupported.")
    flat, spec = flatten(args)
    dims = _broadcast_dims(in_dims, args)
    if dims is None:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`.")
    for i, (arg, dim) in enumerate(zip(flat, dims)):
        if dim is None:
            continue
        if not isinstance(dim, int):
            raise ValueError(  # noqa: TRY004 (PyTorch's type)
                f"{where}: Got in_dim={dim} for an input but in_dim must be either an integer "
                             f"dimension or None.")
        if not isinstance(arg, Tensor):
            raise ValueError(  # noqa: TRY004 (PyTorch's type)
                f"{where}: Got in_dim={dim} for an input but the input is of type {type(arg)}. We "
                             f"cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -arg.dim() <= dim < arg.dim():
            raise ValueError(f"{where}: Got in_dim={dim} for some input, but that input is a Tensor of "
                             f"dimensionality {arg.dim()} so expected in_dim to satisfy -{arg.dim()} <= in_dim < "
                             f"{arg.dim()}.")
        dims[i] = dim % arg.dim()
    sizes = [arg.shape[dim] for arg, dim in zip(flat, dims) if dim is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return flat, dims, spec, sizes[0]


def _out_dims(func, out_dims, output) -> tuple[list, list]:
    flat = flatten(output)[0]
    if isinstance(output, Tensor) and isinstance(out_dims, tuple) and len(out_dims) == 1:
        out_dims = out_dims[0]
    dims = _broadcast_dims(out_dims, output)
    if dims is None:
        raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible "
                         f"with the structure of `outputs`.")
    for d in dims:
        if d is not None and not isinstance(d, int):
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
                             f"python collection of ints representing where in the outputs the vmapped dimension "
                             f"should appear.")
    return flat, dims


def _leave_level(func, output, out_dims, level: int, size: int):
    flat, dims = _out_dims(func, out_dims, output)
    leaves = []
    for out, dim in zip(flat, dims):
        batched = isinstance(out, Tensor) and _is_batched(out._data, level)
        if dim is None:
            if batched:
                raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` can not return a BatchedTensor when "
                                 f"out_dim is None")
            leaves.append(out)
            continue
        if not isinstance(out, Tensor):
            raise ValueError(  # noqa: TRY004 (PyTorch's type)
                f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                             f"{type(out)}. Did you mean to set out_dims= to None for output?")
        leaves.append(_remove_batch(out, level, size, wrap_dim(dim, out.dim() + 1)))
    return unflatten(leaves, flatten(output)[1])


class _RandomGuard:
    """Stands for the default generator while vmap runs: a random op raises `error`."""

    def __init__(self, error: Exception):
        self.error = error

    def __getattr__(self, name):
        raise self.error


class _RandomnessError(RuntimeError):
    pass


def _batched_call(func, flat, dims, spec, size, kwargs) -> tuple[object, int]:
    """func's output on BatchedArrays, and the level they belong to."""
    level = _LEVEL[0] = _LEVEL[0] + 1
    try:
        args = unflatten([x if d is None else _add_batch(x, level, size, d) for x, d in zip(flat, dims)], spec)
        return func(*args, **kwargs), level
    finally:
        _LEVEL[0] = level - 1


def _looped_call(func, flat, dims, spec, size, out_dims, kwargs, randomness):
    generator = _random.default_generator
    start = generator._rng.bit_generator.state if randomness == "same" else None
    results = []
    for i in range(size):
        if start is not None:
            generator._rng.bit_generator.state = start
        args = unflatten([x if d is None else x.select(d, i) for x, d in zip(flat, dims)], spec)
        results.append(func(*args, **kwargs))
    out_flat, out_dim_list = _out_dims(func, out_dims, results[0])
    columns = [flatten(r)[0] for r in results]
    leaves = []
    for k, (first, dim) in enumerate(zip(out_flat, out_dim_list)):
        if dim is None:
            leaves.append(first)
        elif not isinstance(first, Tensor):
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                             f"{type(first)}. Did you mean to set out_dims= to None for output?")
        else:
            leaves.append(stack([c[k] for c in columns], wrap_dim(dim, first.dim() + 1)))
    return unflatten(leaves, flatten(results[0])[1])


def _call(func, flat, dims, spec, size, out_dims, kwargs, randomness):
    """func over one batch: by the batching rules, or as a loop where they raise."""
    generator = _random.default_generator
    real = generator._rng
    if randomness == "error":
        generator._rng = _RandomGuard(_RandomnessError(
            "vmap: called random operation while in randomness error mode. Please either use the 'same' or "
            "'different' randomness flags on vmap or perform the randomness operation out of vmap"))
    elif randomness == "different":
        generator._rng = _RandomGuard(NoBatchingRule("a random op with randomness='different'"))
    TRANSFORM_DEPTH[0] += 1
    try:
        if needs_grad(*flat):  # its results would require grad: straight to the loop (NOTE [ Graphs out of vmap ])
            FALLBACKS["an input that requires grad (NOTE [ Graphs out of vmap ])"] += 1
            generator._rng = real
            return _looped_call(func, flat, dims, spec, size, out_dims, kwargs, randomness)
        try:
            output, level = _batched_call(func, flat, dims, spec, size, kwargs)
        except _RandomnessError:
            raise
        except Exception as e:  # noqa: BLE001 (NOTE [ BatchedArray ]: the loop gives the results or the error)
            FALLBACKS[f"{type(e).__name__}: {e}"[:200]] += 1
            if randomness == "different":
                generator._rng = real
            return _looped_call(func, flat, dims, spec, size, out_dims, kwargs, randomness)
        if any(isinstance(t, Tensor) and t.requires_grad for t in flatten(output)[0]):
            FALLBACKS["a result that requires grad leaves vmap (NOTE [ Graphs out of vmap ])"] += 1
            if randomness == "different":
                generator._rng = real
            return _looped_call(func, flat, dims, spec, size, out_dims, kwargs, randomness)
        return _leave_level(func, output, out_dims, level, size)
    finally:
        generator._rng = real
        TRANSFORM_DEPTH[0] -= 1


def vmap(func: Callable, in_dims=0, out_dims=0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """func mapped over a dimension of its inputs, by batching rules (NOTE [ BatchedArray ]).

    Differs from PyTorch: an op without a batching rule (or any error in the batched run) reruns the whole call
    as a loop over the batch, counted in `ember._vmap.FALLBACKS`; an explicit `generator=` is not guarded by
    `randomness`.
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    def mapped(*args, **kwargs):
        flat, dims, spec, size = _check_inputs(func, in_dims, args)
        step = size if chunk_size is None else chunk_size
        if step >= size:
            return _call(func, flat, dims, spec, size, out_dims, kwargs, randomness)
        chunks = []
        for start in range(0, size, step):
            part = [x if d is None else x.narrow(d, start, min(step, size - start)) for x, d in zip(flat, dims)]
            chunks.append(_call(func, part, dims, spec, min(step, size - start), out_dims, kwargs, randomness))
        out_flat, out_dim_list = _out_dims(func, out_dims, chunks[0])
        columns = [flatten(c)[0] for c in chunks]
        leaves = [first if dim is None else cat([c[k] for c in columns], wrap_dim(dim, first.dim()))
                  for k, (first, dim) in enumerate(zip(out_flat, out_dim_list))]
        return unflatten(leaves, flatten(chunks[0])[1])
    return mapped
