"""Indexing: `tensor[key]` and `tensor[key] = value`, with their backward formulas.

Basic indexing (ints, slices, None, ...) gives views, recorded as a chain of SelectBackward0 /
SliceBackward0 / UnsqueezeBackward0 nodes as PyTorch records them; advanced indexing (integer or
bool tensors, lists) gives a copy and one IndexBackward0 node.
"""
import numpy as np

from .._creation import tensor
from .._dtype import scalar_type_name
from ..autograd.graph import node_classes
from ..backend import array_module, c_order
from ..backend.meta import MetaArray
from .base import GRAD_ENABLED, Tensor, check_inplace, check_no_overlap, record, view_of, wrap
from .elementwise import masked_grad
from .inplace import fill_
from .memory import alias, copy_
from .views import check_view_inplace, share_inplace


def _embed(g, shape, key, accumulate, name):
    """A zero tensor of `shape` with `g` written (or added, for repeated indices) at `key`."""
    xp = array_module(g._data)
    z = xp.zeros_like(g._data, shape=shape)
    if accumulate:
        xp.add.at(z, key, g._data)
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
    "IndexCopySlices": lambda g, key, value_shape: (_masked_out(g, key), _value_grad(g, key, value_shape)),
    "IndexPutBackward0": lambda g, key, value_shape: (_masked_out(g, key), _value_grad(g, key, value_shape)),
}
EMBED_GRADIENTS = {name: (lambda g, key: (g[key],)) for name in
                   ("SelectBackwardBackward0", "SliceBackwardBackward0", "IndexBackwardBackward0")}
NODES = node_classes(GRADIENTS, printed={"IndexCopySlices": "ember::autograd::CopySlices"})
EMBED_NODES = node_classes(EMBED_GRADIENTS)


def _value_grad(g, key, value_shape):
    """The gradient of an assigned value: g at `key`, with the value's leading size-1 dims put back (the
    engine sums out the dims the value was broadcast over)."""
    if value_shape is None:
        return None
    v = g[key]
    lead = len(value_shape) - v._data.ndim
    return v.reshape((1,) * lead + v._data.shape) if lead > 0 else v


def _masked_out(g, key):
    """`g` with zeros at the positions `key` overwrote."""
    mask = array_module(g._data).ones(g._data.shape, bool)
    mask[key] = False
    return masked_grad(g, mask)


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _convert(key, shape, indexed=None, reading=True):
    """Validate an index expression and turn it into a NumPy key; also say whether it is basic. `indexed` is the
    array indexed (read from, or written into when not `reading`), which a meta tensor in the key must be the meta
    array of (_meta_key)."""
    if not isinstance(key, tuple):
        key = (key,)
    out, basic = [], True
    for k in key:
        if isinstance(k, Tensor):
            a = k._data
            if a.dtype.kind in "fV":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if a.dtype == np.uint8:  # a byte tensor is a mask, as PyTorch still reads it
                a = a.astype(np.bool_)
            if a.__class__ is MetaArray:
                a = _meta_key(a, indexed, reading)
            if a.ndim == 0 and a.dtype.kind in "iu":  # a 0-dim integer tensor indexes like an int
                out.append(int(a))
                continue
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
        elif isinstance(k, (list, range, np.ndarray)):
            values = [x._data if isinstance(x, Tensor) else x for x in k] if isinstance(k, list) else k
            a = np.asarray(values)  # host: a key made from Python data (a list, a range or a NumPy array)
            if not isinstance(k, np.ndarray) and a.dtype.kind in "fV":  # PyTorch truncates a list of floats to ints
                a = a.astype(np.int64)
            if a.dtype.kind in "fV" or a.dtype == object:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(a)
            basic = False
        elif isinstance(k, str):
            raise TypeError(f"new(): invalid data type 'str': expected an index, but got {k!r}")
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                             f"are valid indices (got {type(k).__name__})")
    width = sum(_width(k) for k in out)
    if sum(k is Ellipsis for k in out) > 1:
        out, width = _expand_ellipses(out, len(shape) - width)
    if width > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if width == len(shape) and not basic:  # an Ellipsis for no dims does not separate index arrays, unlike NumPy's
        out = [k for k in out if k is not Ellipsis]
    _check_bounds(out, shape)
    return tuple(out), basic


def _meta_key(a, indexed, reading):
    """What a meta index tensor `a` indexes meta array `indexed` with: zeros of its shape on the host, standing in for
    values it does not have (PyTorch's meta kernels check no bounds); reading through a mask gives a shape that
    depends on its values: NotImplementedError, as PyTorch's (NOTE [ Meta tensors ] in backend/meta.py)."""
    if indexed is None or indexed.__class__ is not MetaArray:
        raise RuntimeError(f"Tensor on device meta is not on the expected device "
                           f"{'cpu' if indexed is None or indexed.__class__ is np.ndarray else 'cuda'}!")
    if reading and a.dtype.kind == "b" and a.ndim:
        raise NotImplementedError("Indexing a meta tensor with a boolean mask: the shape of the result depends on the "
                                  "mask's values, which a meta tensor does not have")
    return np.broadcast_to(np.zeros((), a.dtype), a.shape)  # host: zeros, not values (no data to move)


def _expand_ellipses(key, n):
    """A key with several Ellipses as PyTorch reads it: each stands for the `n` dims that no other
    component takes; full slices left at the end take nothing. Returns the key and its width."""
    out = []
    for k in key:
        out.extend([slice(None)] * n if k is Ellipsis else [k])
    while out and isinstance(out[-1], slice) and out[-1] == slice(None):
        out.pop()
    return out, sum(_width(k) for k in out)


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
        if a.ndim == 0 and not all(k is None or k is Ellipsis or isinstance(k, (Tensor, bool, np.bool_, np.ndarray))
                                   for k in (key if isinstance(key, tuple) else (key,))):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        np_key, basic = _convert(key, a.shape, a)
    if basic:
        if GRAD_ENABLED[0] and input._rg:
            return _basic_chain(input, np_key, key.__class__ is slice)
        return view_of(input, _view(a, np_key))
    if _needs_split(np_key):
        first, second = _split_basic(np_key)
        return getitem(getitem(input, first), second)
    r = wrap(c_order(a[np_key]))  # contiguous as PyTorch's (NumPy puts the indexed dims first in memory)
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.IndexBackward0(), (input,), (a.shape, np_key))
    return r


def _needs_split(key):
    """True when an advanced key has ints, slices or None that PyTorch applies before the index arrays."""
    return not all(k.__class__ is np.ndarray or k is Ellipsis or k == slice(None) or k.__class__ is bool
                   for k in key)


def _split_basic(key):
    """An advanced key as a basic key and the advanced key that follows it: PyTorch applies ints, slices and
    None first, as views, then the index arrays (NumPy would broadcast ints with the arrays, which moves the
    result's dims when they are not adjacent)."""
    first, second = [], []
    for k in key:
        if k.__class__ is np.ndarray:
            first.extend([slice(None)] * _width(k))
            second.append(k)
        elif k.__class__ is int:
            first.append(k)
        elif k is Ellipsis:
            first.append(k)
            second.append(k)
        elif k.__class__ is bool:
            second.append(k)
        else:  # a slice, or None (which leaves a dim of size 1 for the second step)
            first.append(k)
            second.append(slice(None))
    return tuple(first), tuple(second)


def _view(a, key):
    """a[key] for a basic key, always an array sharing memory with `a` (NumPy gives a scalar copy when every
    dimension takes an int)."""
    r = a[key]
    if isinstance(r, np.generic):
        r = a[key + (Ellipsis,)]
    return r


def _masked_fill(np_key, value) -> bool:
    """Whether PyTorch writes `x[..., mask, ...] = value` as a masked_fill_ (which casts the value), not an
    index_put_: one index array, a bool mask, and a one-element value."""
    arrays = [k for k in np_key if k.__class__ is np.ndarray]
    return len(arrays) == 1 and arrays[0].dtype == np.bool_ and value._data.size == 1


def _integer_scalar(v, dtype):
    """A Python number written into an integer tensor, as PyTorch does: an int within the dtype's range (for
    unsigned dtypes, down to -max) wraps around, a float within it is truncated, anything else RuntimeError."""
    info = np.iinfo(dtype)
    lo = -info.max if info.min == 0 and isinstance(v, int) else info.min
    if not lo <= v <= info.max:
        raise RuntimeError(f"value cannot be converted to type {scalar_type_name(dtype)} without overflow")
    return v % (info.max + 1) if v < info.min else v


def _keeps_all(k, n):
    """PyTorch skips recording a slice that starts at 0 (as written, not wrapped), steps by 1 and reaches the end."""
    return (k.start is None or k.start == 0) and (k.step is None or k.step == 1) and k.indices(n)[1] == n


def _without_full_slices(key, shape):
    """`key` with each slice that keeps its whole dim as `:` (see _keeps_all), as PyTorch skips them."""
    out, dim = [], 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - sum(_width(c) for c in key)
        elif k.__class__ is slice and _keeps_all(k, shape[dim]):
            k = slice(None)
        out.append(k)
        dim += _width(k)
    return tuple(out)


def _basic_chain(input, key, bare_slice=False):
    """Apply a basic key one component at a time, recording one node per component as PyTorch does
    (a bare slice, `x[:]`, is recorded even when it keeps everything)."""
    from .shape import unsqueeze  # cycle: ember.ops.shape imports this one
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
            nxt = view_of(cur, _view(cur._data, sub))
            cur = record(nxt, NODES.SelectBackward0(), (cur,), (shape, sub))
        else:
            if bare_slice or not _keeps_all(k, shape[dim]):
                sub = (slice(None),) * dim + (k,)
                nxt = view_of(cur, cur._data[sub])
                cur = record(nxt, NODES.SliceBackward0(), (cur,), (shape, sub))
            dim += 1
    if cur is input:
        cur = alias(input)
    return cur


def _write_whole(input, value):
    """input[...] = value as PyTorch writes it: a number becomes a tensor of input's dtype; a value of input's
    shape is copied, a 0-d one filled in, any other broadcast and copied."""
    if not isinstance(value, Tensor):
        value = tensor(value, dtype=input.dtype, device=input.device)
    if value._data.ndim == 0 and input._data.ndim:
        fill_(input, value)
    else:
        copy_(input, value)


def setitem(input, key, value):
    """input[key] = value, broadcasting `value`; recorded as CopySlices / IndexPutBackward0."""
    check_inplace(input, may_overlap=True)  # advanced keys may write into an expanded tensor, basic ones not
    a = input._data
    np_key, basic = _convert(key, a.shape, a, reading=False)
    np_key = _without_full_slices(np_key, a.shape)
    if basic:
        check_no_overlap(_view(a, np_key))
    elif isinstance(value, Tensor) and value._data.dtype != a.dtype and not _masked_fill(np_key, value):
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{scalar_type_name(a.dtype)} for the destination and "
                           f"{scalar_type_name(value._data.dtype)} for the source.")
    if isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)) and a.dtype.kind in "iu":
        value = _integer_scalar(value.item() if isinstance(value, np.number) else value, a.dtype)
    elif not basic and isinstance(value, Tensor) and value._data.dtype != a.dtype and a.dtype.kind in "iu":
        value = _integer_scalar(value.item(), a.dtype)  # a masked_fill_ takes the value as a number
    if basic and all(k is Ellipsis or k == slice(None) for k in np_key):
        _write_whole(input, value)
        return
    v = value._data if isinstance(value, Tensor) else value
    if isinstance(value, Tensor) and v.__class__ is not a.__class__:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{input.device} and {value.device}!")
    recording = GRAD_ENABLED[0] and (input._rg or (isinstance(value, Tensor) and value._rg))
    through_view = recording and check_view_inplace(input)
    dest, dest_key = a, np_key
    if not basic and _needs_split(np_key):
        first, dest_key = _split_basic(np_key)
        dest = _view(a, first)
    try:
        dest[dest_key] = v
    except (ValueError, TypeError) as error:
        if isinstance(error, TypeError) and "boolean array indexing assignment" not in str(error):
            raise  # NumPy's TypeError for a mask assignment of another shape only
        target = dest[dest_key].shape
        shape = np.shape(v)
        lead = len(shape) - len(target)  # PyTorch drops leading size-1 dims of the value; NumPy does not
        if lead <= 0 or any(n != 1 for n in shape[:lead]):
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(shape)} cannot be broadcast to "
                               f"indexing result of shape {list(target)}") from None
        dest[dest_key] = v.reshape(shape[lead:])
    input._vc[0] += 1
    if recording:
        # index_put_ on a view of input
        node = NODES.IndexCopySlices() if basic or dest is not a else NODES.IndexPutBackward0()
        shape = value._data.shape if isinstance(value, Tensor) and value._rg else None
        record(input, node, (input, value), (np_key, shape))
        share_inplace(input, through_view)
