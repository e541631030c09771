"""Storages: the flat memory under tensors, as PyTorch exposes it (`tensor.untyped_storage()`, `tensor.storage()`,
`ember.UntypedStorage`, and the legacy typed classes `FloatStorage`, ...).

An UntypedStorage is the bytes of a tensor's base memory (a uint8 view of the base's array: writing through it
changes the tensors); a TypedStorage reads the same memory as elements of one dtype. PyTorch deprecates the typed
storages and warns when one is made; so does ember.
"""
import warnings

import numpy as np

from . import _dtype
from ._device import device as _device_class
from .backend import array_module, on_device, to_numpy

_TYPED_WARNING = ("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the only "
                  "storage class. This should only matter to you if you are using storages directly.  To access "
                  "UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()")


class StorageBase:
    """What both storage kinds share: a flat array of their elements."""
    _array: np.ndarray

    def data_ptr(self) -> int:
        """The address of the first byte."""
        a = self._array
        return a.__array_interface__["data"][0] if a.__class__ is np.ndarray else a.data.ptr

    @property
    def device(self):
        """Where the memory is."""
        a = self._array
        return _device_class("cpu") if a.__class__ is np.ndarray else _device_class("cuda", a.device.id)

    @property
    def is_cuda(self) -> bool:
        return self._array.__class__ is not np.ndarray

    def nbytes(self) -> int:
        """The size in bytes."""
        return self._array.nbytes

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self._array.itemsize

    def size(self) -> int:
        """The number of elements."""
        return self._array.size

    def __len__(self) -> int:
        return self._array.size

    def __getitem__(self, index):
        value = self._array[index]
        return type(self)._like(self, value) if isinstance(index, slice) else value.item()

    def __setitem__(self, index, value) -> None:
        self._array[index] = value

    def tolist(self) -> list:
        """The elements as Python numbers."""
        return to_numpy(self._array).tolist()

    def fill_(self, value):
        """Set every element to `value`, in place."""
        self._array[...] = value
        return self

    def copy_(self, source, non_blocking: bool = False):
        """Copy `source`'s elements (a storage of the same size) into this one."""
        if source.nbytes() != self.nbytes():
            raise RuntimeError(f"size mismatch: copying {source.nbytes()} bytes into a storage of {self.nbytes()}")
        self._array.view(np.uint8)[...] = on_device(source._array.view(np.uint8), self.device.type,
                                                     self.device.index)
        return self

    def is_shared(self) -> bool:
        """Whether the memory is shared between processes (ember shares tensors through ember.multiprocessing)."""
        return False

    def is_pinned(self, device="cuda") -> bool:
        """Whether the memory is page-locked for fast GPU copies: ember's never is."""
        return False

    def __repr__(self):
        values = "".join(f" {v}\n" for v in self.tolist())
        kind = "UntypedStorage" if isinstance(self, UntypedStorage) else "TypedStorage"
        dtype = "" if isinstance(self, UntypedStorage) else f"dtype={self.dtype}, "
        return f"{values}[ember.storage.{kind}({dtype}device={self.device}) of size {self.size()}]"


class UntypedStorage(StorageBase):
    """Bytes of memory: `UntypedStorage(n)` (uninitialised) or `UntypedStorage([byte values])`, or a tensor's."""

    def __init__(self, size_or_data=0, *, device=None):
        if isinstance(size_or_data, np.ndarray):
            array = size_or_data
        elif isinstance(size_or_data, int):
            array = np.empty(size_or_data, np.uint8)
        else:
            array = np.array(list(size_or_data), np.uint8)
        self._array = array if device is None else on_device(array, _device_class(device).type,
                                                              _device_class(device).index)

    @classmethod
    def _like(cls, storage, array):
        return cls(array)

    def untyped(self) -> "UntypedStorage":
        """Itself."""
        return self

    def clone(self) -> "UntypedStorage":
        """A copy in new memory."""
        return UntypedStorage(self._array.copy())

    def cpu(self) -> "UntypedStorage":
        """This storage in the CPU's memory."""
        return self if not self.is_cuda else UntypedStorage(to_numpy(self._array))

    def cuda(self, device=None) -> "UntypedStorage":
        """This storage on a GPU."""
        d = _device_class("cuda" if device is None else device)
        return UntypedStorage(on_device(self._array, d.type, d.index))

    def resize_(self, size: int) -> "UntypedStorage":
        """Grow or shrink to `size` bytes, keeping the first ones."""
        grown = array_module(self._array).empty(size, np.uint8)
        keep = min(size, self._array.size)
        grown[:keep] = self._array[:keep]
        self._array = grown
        return self


class TypedStorage(StorageBase):
    """Memory read as elements of one dtype (deprecated in PyTorch: prefer UntypedStorage)."""
    _fixed_dtype = None

    def __init__(self, *args, dtype=None, device=None, wrap_storage=None, _internal: bool = False):
        if not _internal:
            warnings.warn(_TYPED_WARNING, UserWarning, stacklevel=2)
        d = self._fixed_dtype or (_dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype))
        if wrap_storage is not None:
            array = wrap_storage._array.view(np.uint8).view(d.np)
        elif not args:
            array = np.empty(0, d.np)
        elif len(args) == 1 and isinstance(args[0], int):
            array = np.empty(args[0], d.np)
        elif len(args) == 1 and isinstance(args[0], np.ndarray):
            array = args[0]
        else:
            array = np.array(args[0] if len(args) == 1 else args, d.np).reshape(-1)
        self._array = array if device is None else on_device(array, _device_class(device).type,
                                                              _device_class(device).index)

    @classmethod
    def _like(cls, storage, array):
        return cls(array, dtype=storage.dtype, _internal=True)

    @property
    def dtype(self):
        """The element type."""
        return _dtype.FROM_NP[self._array.dtype]

    def untyped(self) -> UntypedStorage:
        """The same memory as bytes."""
        return UntypedStorage(self._array.view(np.uint8))

    def clone(self) -> "TypedStorage":
        """A copy in new memory."""
        return type(self)(self._array.copy(), dtype=self.dtype, _internal=True)

    def cpu(self) -> "TypedStorage":
        """This storage in the CPU's memory."""
        return self if not self.is_cuda else type(self)(to_numpy(self._array), dtype=self.dtype, _internal=True)

    def cuda(self, device=None) -> "TypedStorage":
        """This storage on a GPU."""
        d = _device_class("cuda" if device is None else device)
        return type(self)(on_device(self._array, d.type, d.index), dtype=self.dtype, _internal=True)


def _legacy(name: str, dtype: _dtype.dtype) -> type:
    return type(name, (TypedStorage,), {"_fixed_dtype": dtype, "__module__": "ember",
                                        "__doc__": f"A TypedStorage of {dtype.name} elements (legacy)."})


FloatStorage = _legacy("FloatStorage", _dtype.float32)
DoubleStorage = _legacy("DoubleStorage", _dtype.float64)
HalfStorage = _legacy("HalfStorage", _dtype.float16)
ByteStorage = _legacy("ByteStorage", _dtype.uint8)
CharStorage = _legacy("CharStorage", _dtype.int8)
ShortStorage = _legacy("ShortStorage", _dtype.int16)
IntStorage = _legacy("IntStorage", _dtype.int32)
LongStorage = _legacy("LongStorage", _dtype.int64)
BoolStorage = _legacy("BoolStorage", _dtype.bool)
BFloat16Storage = _legacy("BFloat16Storage", _dtype.bfloat16)
ComplexFloatStorage = _legacy("ComplexFloatStorage", _dtype.complex64)
ComplexDoubleStorage = _legacy("ComplexDoubleStorage", _dtype.complex128)
_LEGACY_OF = {s._fixed_dtype: s for s in (FloatStorage, DoubleStorage, HalfStorage, ByteStorage, CharStorage,
                                          ShortStorage, IntStorage, LongStorage, BoolStorage, ComplexFloatStorage,
                                          ComplexDoubleStorage, BFloat16Storage)}


def untyped_storage_of(array) -> UntypedStorage:
    """The bytes of the memory under `array` (its base's, all of it)."""
    root = array
    while isinstance(root.base, type(array)):
        root = root.base
    contiguous = root.flags.c_contiguous or root.flags.f_contiguous
    flat = root.ravel(order="K") if contiguous else root.copy().reshape(-1)  # a strided base is copied
    return UntypedStorage(flat.view(np.uint8))


def typed_storage_of(array) -> TypedStorage:
    """The memory under `array` as elements of its dtype."""
    return TypedStorage(wrap_storage=untyped_storage_of(array), dtype=_dtype.FROM_NP[array.dtype], _internal=True)


def storage_type_of(array) -> type:
    """The legacy storage class of `array`'s dtype (FloatStorage for float32, ...)."""
    return _LEGACY_OF[_dtype.FROM_NP[array.dtype]]
