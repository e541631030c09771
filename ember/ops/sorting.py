"""Sorting and selection: sort, argsort, msort, topk, unique, unique_consecutive, searchsorted, bucketize.

Every sort is stable, so equal elements keep their order (ascending and descending alike), as PyTorch's
`stable=True` does; NaN sorts as the largest value (last ascending, first descending).
"""
import math

import numpy as np

from .. import return_types as RT
from .._creation import _int, _type_error
from .._tensor import wrap_dim
from ..autograd.graph import no_derivative, node_classes
from ..backend import array_module, c_order
from .base import GRAD_ENABLED, Tensor, check_tensor, record, refuse_complex, tensor_type_error, wrap, write_out
from .keywords import numpy_keywords
from .scatter import scatter_add

__all__ = ["sort", "argsort", "msort", "topk", "unique", "unique_consecutive", "searchsorted", "bucketize"]


_NO_DERIVATIVE = "the derivative for '{}' is not implemented."
GRADIENTS = {
    "SortBackward0": lambda g, i, n, d: (_scatter_back(g, i._data, n, d),),
    "SortBackward1": lambda g, i, n, d: (_scatter_back(g, i._data, n, d),),
    "TopkBackward0": lambda g, i, n, d: (_scatter_back(g, i._data, n, d),),
    "Unique2Backward0": no_derivative(_NO_DERIVATIVE.format("_unique2"), NotImplementedError),
    "UniqueDimBackward0": no_derivative(_NO_DERIVATIVE.format("unique_dim"), NotImplementedError),
    "UniqueConsecutiveBackward0": no_derivative(_NO_DERIVATIVE.format("unique_consecutive"), NotImplementedError),
}
NODES = node_classes(GRADIENTS)



def _along(a, d, part):
    """The slice `part` of array `a` along dim `d`."""
    return a[(slice(None),) * d + (part,)]


def _argsort(a, d, descending):
    """Stable argsort of `a` (ndim >= 1) along `d`; descending keeps equal elements in their order too."""
    xp = array_module(a)
    if not descending:
        return xp.argsort(a, axis=d, kind="stable")
    # Sorting the reversed slice ascending and reading the result backwards is a descending sort in which
    # ties come out in their original order (and NaN first), for every dtype (no negation overflow).
    backwards = xp.argsort(xp.flip(a, d), axis=d, kind="stable")
    return a.shape[d] - 1 - xp.flip(backwards, d)


def _pair(cls, values, indices, out, name):
    """The (values, indices) result, written into the `out=` pair when given."""
    if out is None:
        return cls((values, indices))
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{name}(): argument 'out' must be a tuple of two Tensors (values, indices), "
                        f"not {type(out).__name__}")
    return cls((write_out(out[0], values, name), write_out(out[1], indices, name)))


def _scatter_back(g, idx, n, d):
    """Add each element of `g` into position `idx` (same shape as g) along dim `d` of size `n`: the gradient
    of an op that picks input elements by index (a scatter_add, so higher-order gradients flow as a gather)."""
    if idx.ndim == 0:
        return g
    a = g._data
    zeros = wrap(array_module(a).zeros(a.shape[:d] + (n,) + a.shape[d + 1:], a.dtype))
    return scatter_add(zeros, d, wrap(idx), g)


def _record_selection(v, i, input, node, d):
    """Make values `v` differentiable: the gradient goes back to the positions `i` along dim `d`."""
    if GRAD_ENABLED[0] and input._rg:
        n = input._data.shape[d] if input._data.ndim else 1
        record(v, node, (input,), (i, n, d))


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = None,
         out=None, **aliases) -> RT.sort:
    """(values, indices) sorted along `dim`. Always stable, so `stable` only picks the grad_fn name
    (SortBackward1 when given, as PyTorch's overload does); unlike PyTorch, `dim` and `descending` may be
    positional next to `stable`."""
    if aliases:
        dim = numpy_keywords("sort", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("sort", "input", input) from None
    refuse_complex(a.dtype, "sort", "Sort does not support complex dtypes on CPU", RuntimeError)
    d = wrap_dim(_int(dim, "sort", "dim", 2), a.ndim)
    if a.ndim == 0:
        values, idx = a.copy(), array_module(a).zeros((), np.int64)
    else:
        idx = _argsort(a, d, descending)
        values = array_module(a).take_along_axis(a, idx, axis=d)
    v, i = wrap(values), wrap(idx.astype(np.int64, copy=False))
    _record_selection(v, i, input, NODES.SortBackward0() if stable is None else NODES.SortBackward1(), d)
    return _pair(RT.sort, v, i, out, "sort")


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False, out=None,
            **aliases) -> Tensor:
    """The indices that sort `input` along `dim` (always a stable sort)."""
    if aliases:
        dim = numpy_keywords("argsort", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("argsort", "input", input) from None
    d = wrap_dim(_int(dim, "argsort", "dim", 2), a.ndim)
    idx = _argsort(a, d, descending) if a.ndim else array_module(a).zeros((), np.int64)
    r = wrap(idx.astype(np.int64, copy=False))
    return r if out is None else write_out(out, r, "argsort")


def msort(input: Tensor, *, out=None) -> Tensor:
    """`input` sorted along its first dim (the values of sort(input, 0))."""
    check_tensor("msort", "input", input, 1)
    r = sort(input, 0)[0]
    return r if out is None else write_out(out, r, "msort")


def _topk_indices(a, k, d, largest):
    """Indices of the k largest (or smallest) along `d`, in sorted order; equal values in index order.
    A partition then a sort of the k chosen, or one full sort when k is most of the slice."""
    xp = array_module(a)
    n = a.shape[d]
    if k == 0 or 2 * k >= n:  # most of the slice: a full sort costs about as much as a partition
        return _along(_argsort(a, d, largest), d, slice(0, k))
    chosen = xp.argpartition(a, n - k if largest else k - 1, axis=d)
    chosen = xp.sort(_along(chosen, d, slice(n - k, n) if largest else slice(0, k)), axis=d)
    order = _argsort(xp.take_along_axis(a, chosen, axis=d), d, largest)
    return xp.take_along_axis(chosen, order, axis=d)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
         out=None, **aliases) -> RT.topk:
    """The k largest (or smallest) elements along `dim` and their indices, NaN counting as the largest.
    Results are always sorted (also for sorted=False), equal values in index order; which of several equal
    values at the k-th place are taken is unspecified, as in PyTorch."""
    if aliases:
        dim = numpy_keywords("topk", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("topk", "input", input) from None
    k = _int(k, "topk", "k", 2, any_shape=True)
    d = wrap_dim(_int(dim, "topk", "dim", 3), a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range: topk() got k={k} for dimension {d} of size {n}")
    if a.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes; convert the tensor with .int() first")
    xp = array_module(a)
    if a.ndim == 0:
        values, idx = a.copy(), xp.zeros((), np.int64)
    else:
        idx = c_order(_topk_indices(a, k, d, largest))
        values = xp.take_along_axis(a, idx, axis=d)
    v, i = wrap(values), wrap(idx.astype(np.int64, copy=False))
    _record_selection(v, i, input, NODES.TopkBackward0(), d)
    return _pair(RT.topk, v, i, out, "topk")


# ---- unique ------------------------------------------------------------------------------------------
def _rows(a, dim, name):
    """`a` as the sequence whose elements are made unique: flat for dim=None, else one row per index
    along `dim`; and that dim."""
    if dim is None:
        return a.reshape(-1), None
    dim = _int(dim, name, "dim", 2)
    if a.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, a.ndim)
    if a.size == 0 and any(s == 0 for j, s in enumerate(a.shape) if j != d):
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    rest = math.prod(a.shape[:d] + a.shape[d + 1:])
    return array_module(a).moveaxis(a, d, 0).reshape(a.shape[d], rest), d


def _row_order(m):
    """The order that sorts `m`: its elements (ties in any order), or its rows lexicographically."""
    xp = array_module(m)
    if m.ndim == 1:
        return xp.argsort(m)
    if m.shape[1] == 0:  # empty rows are all equal
        return xp.arange(m.shape[0])
    return xp.lexsort(m.T[::-1])


def _unique(input, s, d, order, return_inverse, return_counts, node):
    """Collapse runs of equal elements (rows) of `s`, which is the input's in `order` (None: as they are)."""
    a = input._data
    xp = array_module(a)
    different = s[1:] != s[:-1]  # NaN differs from NaN, as in PyTorch
    if s.ndim == 2:
        different = different.any(axis=1)
    start = xp.concatenate([xp.ones(min(len(s), 1), bool), different])
    values = s[start]
    if d is not None:
        values = xp.moveaxis(values.reshape((-1,) + a.shape[:d] + a.shape[d + 1:]), 0, d)
    v = wrap(values)
    if GRAD_ENABLED[0] and input._rg:
        record(v, node(), (input,))
    if not (return_inverse or return_counts):
        return v
    result = (v,)
    if return_inverse:
        group = xp.cumsum(start, dtype=np.int64) - 1
        inverse = group
        if order is not None:
            inverse = xp.empty_like(group)
            inverse[order] = group
        result += (wrap(inverse.reshape(a.shape) if d is None else inverse),)
    if return_counts:
        result += (wrap(xp.diff(xp.flatnonzero(start), append=len(s)).astype(np.int64, copy=False)),)
    return result


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None, **aliases) -> Tensor | tuple:
    """The distinct elements (or slices along `dim`) in ascending order, with the inverse indices and
    counts when asked; `sorted=False` also sorts, as PyTorch's CPU version does."""
    if aliases:
        dim = numpy_keywords("unique", aliases, dim)[0]
    check_tensor("_unique2", "input", input, 1)
    m, d = _rows(input._data, dim, "unique")
    if d is None and not return_inverse:  # sorting values alone is several times faster than argsort
        return _unique(input, array_module(m).sort(m), d, None, False, return_counts, NODES.Unique2Backward0)
    order = _row_order(m)
    return _unique(input, m[order], d, order, return_inverse, return_counts,
                   NODES.Unique2Backward0 if d is None else NODES.UniqueDimBackward0)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None, **aliases) -> Tensor | tuple:
    """Collapse each run of equal consecutive elements (or slices along `dim`) to one."""
    if aliases:
        dim = numpy_keywords("unique_consecutive", aliases, dim)[0]
    flags = (("return_inverse", return_inverse), ("return_counts", return_counts))
    for _, flag in flags:
        if isinstance(flag, Tensor):
            bool(flag)  # PyTorch's dispatch on the flags reads them first: an error for a tensor of several elements
    check_tensor("unique_consecutive", "input", input, 1)
    for arg, flag in flags:
        if not isinstance(flag, bool):
            raise _type_error("unique_consecutive", arg, flag, "bool", None)
    m, d = _rows(input._data, dim, "unique_consecutive")
    return _unique(input, m, d, None, return_inverse, return_counts, NODES.UniqueConsecutiveBackward0)


# ---- searchsorted ------------------------------------------------------------------------------------
def _search_rows(seq, v, right):
    """searchsorted of each row of `v` in the same row of `seq` (both (..., n) and (..., m), same leading
    shape), for all rows at once: merge each row of values into its row of boundaries with one stable sort,
    then count the boundaries before each value. Values go first for the left side (they precede equal
    boundaries), boundaries first for the right."""
    xp = array_module(seq)
    rows, n, m = math.prod(seq.shape[:-1]), seq.shape[-1], v.shape[-1]
    s, w = seq.reshape(rows, n), v.reshape(rows, m)
    order = xp.argsort(xp.concatenate([s, w] if right else [w, s], axis=1), axis=1, kind="stable")
    boundaries_before = xp.cumsum(order < n if right else order >= m, axis=1)
    at = xp.empty_like(boundaries_before)
    at[xp.arange(rows)[:, None], order] = boundaries_before
    return (at[:, n:] if right else at[:, :m]).reshape(v.shape)


def _is_right(right, side):
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                           "while right was True")
    return side == "right"


def _sorted_by(seq, sorter):
    """`seq` put in order by `sorter` along its last dim, after PyTorch's checks of `sorter`."""
    s = sorter._data
    if s.shape != seq.shape:
        raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                           f"boundary tensor {list(seq.shape)} and sorter tensor {list(s.shape)}")
    if s.dtype != np.int64:
        raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype {sorter.dtype}")
    if s.size and (s.min() < 0 or s.max() >= seq.shape[-1]):
        raise RuntimeError(f"torch.searchsorted(): sorter index out of range: expected indices in "
                           f"[0, {seq.shape[-1] - 1}]")
    return array_module(seq).take_along_axis(seq, s, axis=-1)


def searchsorted(sorted_sequence: Tensor, input: Tensor | float, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None, out=None) -> Tensor:
    """For each value of `input` (a tensor or number), the index at which it would be inserted into the
    innermost dim of `sorted_sequence` to keep it sorted (after equal elements when right or side='right').
    NaN values go last; a NaN inside `sorted_sequence` is treated as the largest boundary."""
    if not isinstance(sorted_sequence, Tensor) or not isinstance(input, (Tensor, int, float, np.number)):
        raise TypeError(f"searchsorted(): expected (Tensor sorted_sequence, Tensor or Number input), but got "
                        f"({type(sorted_sequence).__name__}, {type(input).__name__})")
    seq = sorted_sequence._data
    xp = array_module(seq)
    v = input._data if isinstance(input, Tensor) else xp.asarray(input)
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.ndim > 1 and (v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(v.shape)}")
    if seq.dtype.kind == "b":
        raise NotImplementedError("searchsorted is not implemented for bool boundaries")
    is_right = _is_right(right, side)
    if sorter is not None:
        seq = _sorted_by(seq, sorter)
    if seq.ndim == 1:
        r = xp.searchsorted(seq, v, side="right" if is_right else "left")
    else:
        r = _search_rows(seq, v, is_right)
    dt = np.int32 if out_int32 else np.int64
    r = wrap(xp.asarray(r, dtype=dt))
    if out is None:
        return r
    if isinstance(out, Tensor) and out._data.dtype != dt:
        raise RuntimeError(f"torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
                           f"Long(int64) depending on whether out_int32 flag is True, but we got output tensor's "
                           f"dtype {out.dtype} and out_int32 flag is {out_int32}")
    return write_out(out, r, "searchsorted")


def bucketize(input: Tensor | float, boundaries: Tensor, *, out_int32: bool = False, right: bool = False,
              out=None) -> Tensor:
    """The bucket of each value of `input` given 1-D `boundaries`: searchsorted(boundaries, input, right)."""
    check_tensor("bucketize", "boundaries", boundaries)
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


METHODS = {"sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "unique": unique,
           "unique_consecutive": unique_consecutive}
