"""The functions a checkpoint calls to rebuild its tensors, as PyTorch's `torch._utils._rebuild_*`.

Every argument comes from the file, so each is checked before it is used: a tensor must lie inside
its storage, with non-negative sizes, strides and offset, and a storage is only ever viewed, never
grown. A file that breaks these rules raises RuntimeError naming the storage, never reads outside it.
"""
from collections import OrderedDict

from .. import _dtype
from .._tensor import _AUTOGRAD_STATE, Tensor, wrap_as
from ..backend import array_module
from ..nn.parameter import Parameter
from .storage import Storage


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    """A tensor viewing `storage` (PyTorch's `torch._utils._rebuild_tensor`, in files of PyTorch 0.4)."""
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None) -> Tensor:
    """A tensor viewing `storage` with the given layout (PyTorch's `torch._utils._rebuild_tensor_v2`)."""
    if not isinstance(storage, Storage):
        raise RuntimeError(f"_rebuild_tensor_v2 expects a storage from the checkpoint, but got "
                           f"{type(storage).__name__}")
    return tensor_in(storage, storage_offset, size, stride, requires_grad, backward_hooks)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None) -> Tensor:
    """A tensor of `dtype` viewing an untyped storage (PyTorch's `torch._utils._rebuild_tensor_v3`)."""
    if not isinstance(storage, Storage) or not isinstance(dtype, _dtype.dtype):
        raise RuntimeError(f"_rebuild_tensor_v3 expects a storage and a dtype from the checkpoint, but got "
                           f"{type(storage).__name__} and {type(dtype).__name__}")
    return tensor_in(storage.as_type(dtype, "_rebuild_tensor_v3"), storage_offset, size, stride, requires_grad,
                      backward_hooks)


def _rebuild_parameter(data, requires_grad, backward_hooks) -> Parameter:
    """A Parameter around a rebuilt tensor (PyTorch's `torch._utils._rebuild_parameter`)."""
    if not isinstance(data, Tensor) or not isinstance(requires_grad, bool):
        raise RuntimeError(f"_rebuild_parameter expects a tensor and a bool, but got {type(data).__name__} and "
                           f"{type(requires_grad).__name__}")
    _check_no_hooks(backward_hooks)
    return wrap_as(Parameter, data._data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state) -> Parameter:
    """A Parameter with Python attributes (PyTorch's `torch._utils._rebuild_parameter_with_state`)."""
    return _set_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor rebuilt by `func`, then given the class `new_type` and attributes `state`
    (PyTorch's `torch._tensor._rebuild_from_type_v2`). Only Tensor and Parameter are accepted as classes."""
    if func not in REBUILD_FUNCTIONS or new_type not in (Tensor, Parameter) or not isinstance(args, tuple):
        raise RuntimeError(f"_rebuild_from_type_v2 can rebuild ember tensors and parameters only, but got "
                           f"{getattr(func, '__name__', func)!r} and {new_type!r}")
    t = func(*args)
    if type(t) is not new_type:
        t = wrap_as(new_type, t._data, t._rg)
    return _set_state(t, state)


REBUILD_FUNCTIONS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                     _rebuild_parameter_with_state)


def tensor_in(storage: Storage, offset, size, stride, requires_grad, backward_hooks) -> Tensor:
    """A tensor viewing `storage` with the given layout, each argument checked as it comes from a file."""
    _check_layout(storage, offset, size, stride)
    if not isinstance(requires_grad, bool):
        raise RuntimeError(f"requires_grad of a tensor in storage '{storage.key}' must be a bool, "
                           f"got {requires_grad!r}")
    if requires_grad and storage.array.dtype.kind not in "fV":
        raise RuntimeError(f"a tensor of storage '{storage.key}' asks for requires_grad, but only floating point "
                           f"tensors can require gradients ({storage.dtype})")
    _check_no_hooks(backward_hooks)
    array = storage.array
    item = array.itemsize
    view = array_module(array).lib.stride_tricks.as_strided(array[offset:], tuple(size),
                                                             tuple(s * item for s in stride))
    return wrap_as(Tensor, view, requires_grad)


def _check_layout(storage: Storage, offset, size, stride) -> None:
    """RuntimeError unless a tensor of `size` and `stride` starting at `offset` lies inside `storage`."""
    where = f"a tensor in storage '{storage.key}'"
    if not (_is_int(offset) and offset >= 0):
        raise RuntimeError(f"{where} has storage offset {offset!r}; expected a non-negative int")
    for name, values in (("size", size), ("stride", stride)):
        if not (isinstance(values, tuple) and all(_is_int(v) and v >= 0 for v in values)):
            raise RuntimeError(f"{where} has {name} {values!r}; expected a tuple of non-negative ints")
    if len(size) != len(stride):
        raise RuntimeError(f"{where} has {len(size)} sizes but {len(stride)} strides")
    numel = 1
    for s in size:
        numel *= s
    if numel >= 2 ** 62:
        raise RuntimeError(f"{where} has size {size}, more elements than any tensor can hold")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if numel else offset - 1
    if last >= storage.array.size:
        raise RuntimeError(f"{where} with size {size}, stride {stride} and offset {offset} reaches element {last}, "
                           f"but the storage holds only {storage.array.size} elements; the file is corrupt")


def _is_int(v) -> bool:
    return type(v) is int


def _check_no_hooks(backward_hooks) -> None:
    if backward_hooks not in (None, {}) and not (isinstance(backward_hooks, OrderedDict) and not backward_hooks):
        raise RuntimeError("a checkpoint cannot restore backward hooks; ember ignores none silently, so the file "
                           "is refused (save tensors without hooks)")


def _set_state(t: Tensor, state) -> Tensor:
    """Set a rebuilt tensor's Python attributes, refusing any that would overwrite ember's own."""
    if state is None:
        return t
    if isinstance(state, tuple) and len(state) == 2:  # (dict state, slots state), as copyreg writes it
        dict_state, slots = state
        if slots:
            raise RuntimeError(f"a checkpoint tensor carries slot state {sorted(slots)!r}, which ember cannot set")
        state = dict_state or {}
    if not isinstance(state, dict):
        raise RuntimeError(f"a checkpoint tensor's state must be a dict, got {type(state).__name__}")
    for name, value in state.items():
        if not isinstance(name, str) or name in _AUTOGRAD_STATE or hasattr(Tensor, name):
            raise RuntimeError(f"a checkpoint tensor sets the attribute {name!r}, which would overwrite ember's own")
        setattr(t, name, value)
    return t
