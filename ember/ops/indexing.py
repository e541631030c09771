"""Indexing: `tensor[key]` and `tensor[key] = value`, with their backward formulas.

Basic indexing (ints, slices, None, ...) gives views, recorded as a chain of SelectBackward0 /
SliceBackward0 / UnsqueezeBackward0 nodes as PyTorch records them; advanced indexing (integer or
bool tensors, lists) gives a copy and one IndexBackward0 node.
"""
import numpy as np

from ..autograd.graph import node_classes
from .base import Tensor, wrap, record, GRAD_ENABLED, view_of, check_inplace


def _embed(g, shape, key, accumulate, name):
    """A zero tensor of `shape` with `g` written (or added, for repeated indices) at `key`."""
    z = np.zeros(shape, g._data.dtype)
    if accumulate:
        np.add.at(z, key, g._data)
    else:
        z[key] = g._data
    r = wrap(z)
    if GRAD_ENABLED[0] and g._rg:
        record(r, EMBED_NODES[name](), (g,), (key,))
    return r


GRADIENTS = {
    "SelectBackward0": lambda g, shape, key: (_embed(g, shape, key, False, "SelectBackwardBackward0"),),
    "SliceBackward0": lambda g, shape, key: (_embed(g, shape, key, False, "SliceBackwardBackward0"),),
    "IndexBackward0": lambda g, shape, key: (_embed(g, shape, key, True, "IndexBackwardBackward0"),),
    "CopySlices": lambda g, key, value_shape: (_masked_out(g, key), None if value_shape is None else g[key]),
    "IndexPutBackward0": lambda g, key, value_shape: (_masked_out(g, key),
                                                       None if value_shape is None else g[key]),
}
EMBED_GRADIENTS = {name: (lambda g, key: (g[key],)) for name in
                   ("SelectBackwardBackward0", "SliceBackwardBackward0", "IndexBackwardBackward0")}
NODES = node_classes(GRADIENTS)
EMBED_NODES = node_classes(EMBED_GRADIENTS)
globals().update(NODES)


def _masked_out(g, key):
    """`g` with zeros at the positions `key` overwrote."""
    mask = np.ones(g._data.shape, bool)
    mask[key] = False
    return g * wrap(mask)


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _convert(key, shape):
    """Validate an index expression and turn it into a NumPy key; also say whether it is basic."""
    if not isinstance(key, tuple):
        key = (key,)
    out, basic = [], True
    for k in key:
        if isinstance(k, Tensor):
            a = k._data
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(a)
            basic = False
        elif isinstance(k, slice):
            if k.step is not None and int(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
        elif _is_int(k):
            out.append(int(k))
        elif k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, (bool, np.bool_)):
            out.append(bool(k))
            basic = False
        elif isinstance(k, (list, np.ndarray)):
            a = np.asarray([x._data if isinstance(x, Tensor) else x for x in k] if isinstance(k, list) else k)
            if a.dtype.kind == "f" or a.dtype == object:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(a)
            basic = False
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                             f"are valid indices (got {type(k).__name__})")
    if sum(_width(k) for k in out) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    _check_bounds(out, shape)
    return tuple(out), basic


def _width(k):
    """How many dims of the indexed tensor a key component consumes."""
    if k is None or k is Ellipsis or isinstance(k, bool):
        return 0
    if isinstance(k, np.ndarray) and k.dtype.kind == "b":
        return k.ndim
    return 1


def _check_bounds(key, shape):
    """PyTorch's IndexError for indices out of range (NumPy's message names no dimension)."""
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - sum(_width(c) for c in key)
        elif isinstance(k, int) and not isinstance(k, bool):
            if not -shape[dim] <= k < shape[dim]:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {shape[dim]}")
        elif isinstance(k, np.ndarray) and k.dtype.kind != "b" and k.size:
            hi, lo = k.max(), k.min()
            if hi >= shape[dim] or lo < -shape[dim]:
                bad = hi if hi >= shape[dim] else lo
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
        elif isinstance(k, np.ndarray) and k.dtype.kind == "b":
            want = tuple(shape[dim:dim + k.ndim])
            if k.shape != want:
                raise IndexError(f"The shape of the mask {list(k.shape)} at index {dim} does not match the shape "
                                 f"of the indexed tensor {list(want)} at index {dim}")
        dim += _width(k)


def getitem(input, key):
    """input[key] with PyTorch's semantics (negative steps are rejected)."""
    a = input._data
    if key.__class__ is int and a.ndim:  # the fast common case: x[i]
        n = a.shape[0]
        if not -n <= key < n:
            raise IndexError(f"index {key} is out of bounds for dimension 0 with size {n}")
        np_key, basic = (key,), True
    else:
        if a.ndim == 0 and key is not None and key is not Ellipsis and not (
                isinstance(key, tuple) and all(k is None or k is Ellipsis for k in key)) \
                and not isinstance(key, (Tensor, bool)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        np_key, basic = _convert(key, a.shape)
    if basic:
        if GRAD_ENABLED[0] and input._rg:
            return _basic_chain(input, np_key)
        return view_of(input, a[np_key])
    r = wrap(a[np_key])
    if GRAD_ENABLED[0] and input._rg:
        record(r, IndexBackward0(), (input,), (a.shape, np_key))
    return r


def _basic_chain(input, key):
    """Apply a basic key one component at a time, recording one node per component as PyTorch does."""
    from .shape import unsqueeze
    cur, dim = input, 0
    for k in key:
        shape = cur._data.shape
        if k is Ellipsis:
            dim += len(input._data.shape) - sum(_width(c) for c in key)
        elif k is None:
            cur = unsqueeze(cur, dim)
            dim += 1
        elif isinstance(k, int):
            sub = (slice(None),) * dim + (k,)
            nxt = view_of(cur, cur._data[sub])
            cur = record(nxt, SelectBackward0(), (cur,), (shape, sub))
        else:
            if k.indices(shape[dim]) != (0, shape[dim], 1):
                sub = (slice(None),) * dim + (k,)
                nxt = view_of(cur, cur._data[sub])
                cur = record(nxt, SliceBackward0(), (cur,), (shape, sub))
            dim += 1
    if cur is input:
        from .memory import alias
        cur = alias(input)
    return cur


def setitem(input, key, value):
    """input[key] = value, broadcasting `value`; recorded as CopySlices / IndexPutBackward0."""
    check_inplace(input)
    a = input._data
    np_key, basic = _convert(key, a.shape)
    v = value._data if isinstance(value, Tensor) else value
    if isinstance(value, Tensor) and v.__class__ is not a.__class__:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{input.device} and {value.device}!")
    recording = GRAD_ENABLED[0] and (input._rg or (isinstance(value, Tensor) and value._rg))
    if recording and input._base is not None and input._base._rg:
        raise RuntimeError("ember does not yet support assigning into a view of a tensor that requires grad; "
                           "assign into the base tensor instead, or build the result out of place "
                           "(e.g. with ember.cat or ember.where).")
    try:
        a[np_key] = v
    except ValueError:
        target = a[np_key].shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast to "
                           f"indexing result of shape {list(target)}") from None
    input._vc[0] += 1
    if recording:
        node = CopySlices() if basic else IndexPutBackward0()
        shape = value._data.shape if isinstance(value, Tensor) and value._rg else None
        record(input, node, (input, value), (np_key, shape))
