"""Python's operators on tensors (`+`, `-`, `*`, `@`, `==`, `&`, `~`, `[]`, their reflected and in-place forms)
and the protocols a tensor speaks (`where` as a method, storages, DLPack), each bound to the op that computes it."""
import warnings

import numpy as np

from .. import _storage
from .._tensor import Tensor
from . import comparison as cmp
from . import elementwise as ew
from . import indexing, linalg
from . import inplace as ip
from . import pointwise as pw


def _operator(fn):
    """A binary operator that returns NotImplemented for operands that are not tensors or numbers."""
    def op(self, other):
        if isinstance(other, (Tensor, int, float, complex, np.generic)):
            return fn(self, other)
        return NotImplemented
    op.__name__ = fn.__name__
    return op


def _where_method(self, condition, other):
    """self where condition else other."""
    return ew.where(condition, self, other)


def _rfloordiv(self, other):
    return ew.floor_divide(other, self)


def _rmod(self, other):
    return ew.remainder(other, self)


def _invert(self):
    """~self: bitwise not of an integer or bool tensor (TypeError for floating point, as in PyTorch)."""
    if self._data.dtype.kind in "fV":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return cmp.bitwise_not(self)


def _warned_storage(array):
    """tensor.storage(): the typed storage, with PyTorch's deprecation warning."""
    warnings.warn(_storage._TYPED_WARNING, UserWarning, stacklevel=3)
    return _storage.typed_storage_of(array)


METHODS = {
    "__add__": ew.add, "__radd__": ew.add, "__iadd__": ip.add_,
    "__sub__": ew.sub, "__rsub__": ew.rsub, "__isub__": ip.sub_,
    "__mul__": ew.mul, "__rmul__": ew.mul, "__imul__": ip.mul_,
    "__truediv__": ew.div, "__rtruediv__": ew.rdiv, "__itruediv__": ip.div_,
    "__floordiv__": ew.floor_divide, "__rfloordiv__": _rfloordiv, "__ifloordiv__": ip.floor_divide_,
    "__mod__": ew.remainder, "__rmod__": _rmod, "__imod__": ip.remainder_,
    "__pow__": ew.pow, "__rpow__": ew._rpow, "__ipow__": ip.pow_,
    "__matmul__": linalg.matmul, "__rmatmul__": lambda self, other: linalg.matmul(other, self),
    "__neg__": ew.neg, "__pos__": lambda self: self, "__abs__": ew.abs,
    "__eq__": _operator(cmp.eq), "__ne__": _operator(cmp.ne), "__lt__": _operator(cmp.lt),
    "__le__": _operator(cmp.le), "__gt__": _operator(cmp.gt), "__ge__": _operator(cmp.ge),
    "__and__": cmp.bitwise_and, "__or__": cmp.bitwise_or, "__xor__": cmp.bitwise_xor,
    "__rand__": cmp.bitwise_and, "__ror__": cmp.bitwise_or, "__rxor__": cmp.bitwise_xor,
    "__invert__": _invert, "__lshift__": pw.bitwise_left_shift, "__rshift__": pw.bitwise_right_shift,
    "__ilshift__": ip.bitwise_left_shift_, "__irshift__": ip.bitwise_right_shift_,
    "__getitem__": indexing.getitem, "__setitem__": indexing.setitem,
    "where": _where_method,
    "untyped_storage": lambda self: _storage.untyped_storage_of(self._data),
    "storage": lambda self: _warned_storage(self._data),
    "storage_type": lambda self: _storage.storage_type_of(self._data),
    "__dlpack__": lambda self, *args, **kwargs: self._data.__dlpack__(*args, **kwargs),
    "__dlpack_device__": lambda self: self._data.__dlpack_device__(),
}
