"""Storages as checkpoints name them: PyTorch's typed storage classes, and the bytes a checkpoint holds.

A checkpoint's pickle refers to each block of tensor memory by a persistent id that names a storage
class (`torch.FloatStorage`, or `torch.storage.UntypedStorage` for bytes), a key and an element count.
ember reads and writes those names; the classes below stand for them on ember's side.
"""
import pickle

import numpy as np

from .. import _dtype
from .._device import to_device
from ..backend import on_device


class StorageType:
    """A PyTorch storage class (`torch.FloatStorage`, ...) named in a checkpoint: the element type of a storage."""
    __module__ = "ember.serialization.storage"

    def __init__(self, name: str, dtype: _dtype.dtype):
        self.name = name
        self.dtype = dtype

    def __repr__(self):
        return f"<storage type {self.name}>"


FloatStorage = StorageType("FloatStorage", _dtype.float32)
DoubleStorage = StorageType("DoubleStorage", _dtype.float64)
HalfStorage = StorageType("HalfStorage", _dtype.float16)
LongStorage = StorageType("LongStorage", _dtype.int64)
IntStorage = StorageType("IntStorage", _dtype.int32)
ShortStorage = StorageType("ShortStorage", _dtype.int16)
CharStorage = StorageType("CharStorage", _dtype.int8)
ByteStorage = StorageType("ByteStorage", _dtype.uint8)
BoolStorage = StorageType("BoolStorage", _dtype.bool)
BFloat16Storage = StorageType("BFloat16Storage", _dtype.bfloat16)
ComplexFloatStorage = StorageType("ComplexFloatStorage", _dtype.complex64)
ComplexDoubleStorage = StorageType("ComplexDoubleStorage", _dtype.complex128)
UntypedStorage = StorageType("UntypedStorage", _dtype.uint8)

TYPED = (FloatStorage, DoubleStorage, HalfStorage, LongStorage, IntStorage, ShortStorage, CharStorage,
         ByteStorage, BoolStorage, ComplexFloatStorage, ComplexDoubleStorage, BFloat16Storage)
OF_DTYPE = {s.dtype: s for s in TYPED}

# PyTorch's storage classes for dtypes ember does not have: a checkpoint holding them fails with a clear error.
MISSING = ("QInt8Storage", "QUInt8Storage",
           "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage")


class Storage:
    """A block of a checkpoint's memory as a flat array of its element type, on the device it is to be loaded to."""
    __slots__ = ("array", "key")

    def __init__(self, array, key: str):
        self.array = array
        self.key = key

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.FROM_NP[self.array.dtype]

    def to(self, device) -> "Storage":
        """This storage on `device` (itself when it is there already)."""
        d = to_device(device)
        return Storage(on_device(self.array, d.type, d.index), self.key)

    def cpu(self) -> "Storage":
        """This storage in the CPU's memory (what `map_location=lambda storage, loc: storage.cpu()` asks)."""
        return self.to("cpu")

    def cuda(self, device=None) -> "Storage":
        """This storage on a CUDA device (needs CuPy and a GPU)."""
        return self.to("cuda" if device is None else device)

    def as_type(self, dtype: _dtype.dtype, name: str) -> "Storage":
        """The same bytes read as `dtype` (PyTorch lets tensors of two types view one untyped storage)."""
        if self.array.dtype == dtype.np:
            return self
        raw = self.array.view(np.uint8)
        if raw.size % dtype.itemsize:
            raise RuntimeError(f"storage '{self.key}' holds {raw.size} bytes, which is not a whole number of "
                               f"{dtype} elements, as {name} asks")
        return Storage(raw.view(dtype.np), self.key)


def storage_id(pid, length: int):
    """The fields of a checkpoint's persistent id for a storage (kind, storage type, key, location, element count),
    checked; UnpicklingError for anything else."""
    if not (isinstance(pid, tuple) and len(pid) == length and pid[0] == "storage"):
        raise pickle.UnpicklingError(f"a checkpoint's persistent id must be a tuple ('storage', ...) of {length} "
                                     f"items, got {pid!r:.80}")
    kind, storage_type, key, location, numel = pid[:5]
    if not isinstance(storage_type, StorageType):
        raise pickle.UnpicklingError(f"a storage id names {storage_type!r}, which is not a storage type")
    if not (isinstance(key, str) and isinstance(location, str) and is_count(numel)):
        raise pickle.UnpicklingError(f"a storage id needs a string key and location and a non-negative element "
                                     f"count, got {key!r}, {location!r} and {numel!r}")
    return kind, storage_type, key, location, numel


def is_count(v) -> bool:
    """Whether `v` is a non-negative int (not a bool)."""
    return type(v) is int and v >= 0
