"""Pickle ember objects as PyTorch pickles them: tensors as `torch._utils._rebuild_tensor_v2` over storages.

The pickle refers to each block of tensor memory by a persistent id (`'storage', torch.FloatStorage,
key, location, numel`); the blocks themselves are written beside it as records `data/<key>`. Tensors
that share memory in ember share one storage in the file, so they share it again when loaded.

NOTE [ PyTorch's names in ember's pickles ]
Python's pickler writes a function or class as GLOBAL `module name` only after importing that module
and finding the object there, so it cannot write `torch._utils _rebuild_tensor_v2` without torch. ember
pickles with its own objects (`ember.serialization.rebuild _rebuild_tensor_v2`, `ember float32`, ...),
then renames those GLOBALs to PyTorch's names in the finished pickle (`rename_globals`). Renaming is safe
because a protocol 2 pickle holds no byte offsets: memo entries are numbered, not addressed.
"""
import pickle
import pickletools
from collections import OrderedDict

import numpy as np

from .. import _dtype
from .._device import device
from .._size import Size
from .._tensor import Tensor, wrap
from ..backend import to_numpy
from ..nn.parameter import Parameter
from . import storage
from .rebuild import _rebuild_parameter, _rebuild_tensor_v2, _rebuild_tensor_v3

_RENAMES = {
    f"{_rebuild_tensor_v2.__module__} _rebuild_tensor_v2": "torch._utils\n_rebuild_tensor_v2",
    f"{_rebuild_tensor_v3.__module__} _rebuild_tensor_v3": "torch._utils\n_rebuild_tensor_v3",
    f"{storage.StorageType.__module__} UntypedStorage": "torch.storage\nUntypedStorage",
    f"{_rebuild_parameter.__module__} _rebuild_parameter": "torch._utils\n_rebuild_parameter",
    "ember Size": "torch\nSize",
    "ember device": "torch\ndevice",
    **{f"{storage.StorageType.__module__} {s.name}": f"torch\n{s.name}" for s in storage.TYPED},
    **{f"ember {d.name}": f"torch\n{d.name}" for d in _dtype.ALL},
}


class _StorageRef:
    """A storage as the pickle meets it inside a tensor's arguments; `persistent_id` turns it into an id."""
    __slots__ = ("key", "dtype", "numel", "location")

    def __init__(self, key, dtype, numel, location):
        self.key, self.dtype, self.numel, self.location = key, dtype, numel, location


class CheckpointPickler(pickle.Pickler):
    """A pickler that writes tensors as PyTorch does and collects the storages to write beside the pickle."""

    def __init__(self, file, protocol: int):
        super().__init__(file, protocol)
        self.storages: dict[str, np.ndarray] = {}  # key -> the bytes of the storage (a flat uint8 array)
        self._by_root: dict[int, tuple[np.ndarray, _StorageRef]] = {}

    def reducer_override(self, obj):
        cls = type(obj)
        if cls is _dtype.dtype or cls is storage.StorageType:
            return obj.name  # a global of its module: `ember float32`, renamed to `torch float32`
        if cls is device:
            return (device, (str(obj),))
        if cls is Size:
            return (Size, (tuple(obj),))
        if isinstance(obj, Parameter):
            return (_rebuild_parameter, (wrap(obj._data), obj._rg, OrderedDict()))
        if isinstance(obj, Tensor):
            ref, offset, strides = self._storage_of(obj)
            args = (ref, offset, tuple(obj._data.shape), strides, obj._rg, OrderedDict())
            if ref.dtype in storage.OF_DTYPE:
                return (_rebuild_tensor_v2, args)
            return (_rebuild_tensor_v3, args + (ref.dtype,))  # no typed storage class (uint16-64): bytes and dtype
        return NotImplemented

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            if obj.dtype in storage.OF_DTYPE:
                return ("storage", storage.OF_DTYPE[obj.dtype], obj.key, obj.location, obj.numel)
            return ("storage", storage.UntypedStorage, obj.key, obj.location, obj.numel * obj.dtype.itemsize)
        return None

    def _storage_of(self, t: Tensor):
        """The storage a tensor views, its offset and strides in elements; a tensor whose memory cannot be
        described so (negative or uneven strides, memory of another type, a GPU array) gets a storage of its own."""
        array = t._data
        location = str(t.device)
        if array.__class__ is np.ndarray:
            root = array
            while isinstance(root.base, np.ndarray):
                root = root.base
            layout = _layout_in(array, root)
            if layout is not None:
                known = self._by_root.get(id(root))
                if known is None:
                    flat = root.ravel(order="K").view(np.uint8).view(array.dtype)
                    known = (root, self._new_storage(flat, location))
                    self._by_root[id(root)] = known
                elif known[1].dtype.np != array.dtype:
                    raise RuntimeError("Cannot save multiple tensors or storages that view the same data as "
                                       f"different types ({known[1].dtype} and {t.dtype}); save a copy of one of "
                                       f"them (tensor.clone())")
                return known[1], layout[0], t.stride() if array.size <= 1 else layout[1]
        flat = np.ascontiguousarray(to_numpy(array)).reshape(-1)
        return self._new_storage(flat, location), 0, t.stride()

    def _new_storage(self, flat: np.ndarray, location: str) -> _StorageRef:
        key = str(len(self.storages))
        self.storages[key] = flat.view(np.uint8)  # bytes: a bfloat16 array exports no buffer
        return _StorageRef(key, _dtype.FROM_NP[flat.dtype], flat.size, location)


def _layout_in(array: np.ndarray, root: np.ndarray):
    """(offset, strides) in elements of `array` inside the memory of `root`, or None if it has no such layout."""
    if not (root.flags.c_contiguous or root.flags.f_contiguous) or root.nbytes % array.itemsize:
        return None
    item = array.itemsize
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if start % item or any(s % item or s < 0 for s in array.strides):
        return None
    return start // item, tuple(s // item for s in array.strides)


def rename_globals(data: bytes) -> bytes:
    """The pickle with ember's GLOBALs renamed to PyTorch's (NOTE [ PyTorch's names in ember's pickles ])."""
    out, last = [], 0
    for op, arg, pos in pickletools.genops(data):
        if op.code == "c" and arg in _RENAMES:
            out.append(data[last:pos])
            out.append(b"c" + _RENAMES[arg].encode() + b"\n")
            last = pos + len(arg.encode()) + 2
    out.append(data[last:])
    return b"".join(out)
