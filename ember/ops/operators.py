"""Python's operators on tensors (`+`, `-`, `*`, `@`, `==`, `&`, `~`, `[]`, their reflected and in-place forms)
and the protocols a tensor speaks (`where` as a method, storages, DLPack), each bound to the op that computes it."""
import warnings

import numpy as np

from .. import _storage
from .._dtype import FROM_NP
from .._tensor import Tensor, wrap
from . import comparison as cmp
from . import elementwise as ew
from . import indexing, linalg
from . import inplace as ip
from . import pointwise as pw


# NOTE [ NumPy operands ]
# PyTorch's operators take a NumPy array for the other operand (tensor + array, tensor == array, tensor @ array):
# the result is a tensor of the dtype NumPy's promotion gives (float32 with an int64 array is float64, where two
# tensors would give float32), as PyTorch computes them through NumPy. Its functions refuse arrays
# (torch.add(tensor, array) is a TypeError), and so do ember's: the operators below turn an array into a tensor of
# NumPy's result dtype, and the tensor into that dtype, before the op. Unlike PyTorch, a tensor that requires grad
# keeps its graph (PyTorch raises: it cannot turn such a tensor into an array), and array + tensor is the tensor's
# op too (__array_priority__ makes NumPy hand it over), where PyTorch 2.13 raises under NumPy 2. A NumPy function
# of a tensor (np.exp(t), np.add(array, t)) computes on the tensor's array and gives a tensor back through
# Tensor.__array_wrap__, as PyTorch's (without a graph: it needs the array of a tensor that requires grad, refused).
def _operator(fn):
    """Tensor operator `fn`(self, other), taking a NumPy array for `other` (NOTE [ NumPy operands ])."""
    def op(self, other):
        if other.__class__ is np.ndarray:
            self, other = _with_array(self, other)
        return fn(self, other)
    op.__name__ = fn.__name__
    return op


def _in_place(fn):
    """In-place tensor operator `fn`(self, other), taking a NumPy array for `other`, which is read as a tensor of
    its own dtype: self keeps its dtype, as with a tensor operand (PyTorch rebinds self to a new tensor)."""
    def op(self, other):
        if other.__class__ is np.ndarray:
            _check_array(self, other)
            other = wrap(other)
        return fn(self, other)
    op.__name__ = fn.__name__
    return op


def _comparison(fn):
    """A comparison operator: NotImplemented for operands that are not tensors, numbers or NumPy arrays (so that
    tensor == None is False)."""
    def op(self, other):
        if isinstance(other, (Tensor, int, float, complex, np.generic)):
            return fn(self, other)
        if other.__class__ is np.ndarray:
            return fn(*_with_array(self, other))
        return NotImplemented
    op.__name__ = fn.__name__
    return op


def _with_array(t, array):
    """Tensor `t` and NumPy array `array` as tensors of NumPy's result dtype (NOTE [ NumPy operands ])."""
    _check_array(t, array)
    dt = np.result_type(t._data.dtype, array.dtype)
    return (t if dt == t._data.dtype else t.to(FROM_NP[dt])), wrap(array.astype(dt, copy=False))


def _check_array(t, array):
    """TypeError unless NumPy array `array` can meet tensor `t` in an operator: both numbers on the CPU."""
    if t._data.__class__ is not np.ndarray or t._data.dtype.kind == "V" or array.dtype.kind not in "biufc":
        raise TypeError(f"unsupported operand: a tensor of {t.dtype} on {t.device} and a NumPy array of "
                        f"{array.dtype}; convert the array with ember.from_numpy first")


def _where_method(self, condition, other):
    """self where condition else other."""
    return ew.where(condition, self, other)


def _rfloordiv(self, other):
    return ew.floor_divide(other, self)


def _rmod(self, other):
    return ew.remainder(other, self)


def _rmatmul(self, other):
    return linalg.matmul(other, self)


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
    "__add__": _operator(ew.add), "__radd__": _operator(ew.add), "__iadd__": _in_place(ip.add_),
    "__sub__": _operator(ew.sub), "__rsub__": _operator(ew.rsub), "__isub__": _in_place(ip.sub_),
    "__mul__": _operator(ew.mul), "__rmul__": _operator(ew.mul), "__imul__": _in_place(ip.mul_),
    "__truediv__": _operator(ew.div), "__rtruediv__": _operator(ew.rdiv), "__itruediv__": _in_place(ip.div_),
    "__floordiv__": _operator(ew.floor_divide), "__rfloordiv__": _operator(_rfloordiv),
    "__ifloordiv__": _in_place(ip.floor_divide_),
    "__mod__": _operator(ew.remainder), "__rmod__": _operator(_rmod), "__imod__": _in_place(ip.remainder_),
    "__pow__": _operator(ew.pow), "__rpow__": _operator(ew._rpow), "__ipow__": _in_place(ip.pow_),
    "__matmul__": _operator(linalg.matmul), "__rmatmul__": _operator(_rmatmul),
    "__neg__": ew.neg, "__pos__": lambda self: self, "__abs__": ew.abs,
    "__eq__": _comparison(cmp.eq), "__ne__": _comparison(cmp.ne), "__lt__": _comparison(cmp.lt),
    "__le__": _comparison(cmp.le), "__gt__": _comparison(cmp.gt), "__ge__": _comparison(cmp.ge),
    "__and__": _operator(cmp.bitwise_and), "__or__": _operator(cmp.bitwise_or), "__xor__": _operator(cmp.bitwise_xor),
    "__rand__": _operator(cmp.bitwise_and), "__ror__": _operator(cmp.bitwise_or),
    "__rxor__": _operator(cmp.bitwise_xor),
    "__invert__": _invert, "__lshift__": _operator(pw.bitwise_left_shift),
    "__rshift__": _operator(pw.bitwise_right_shift),
    "__ilshift__": ip.bitwise_left_shift_, "__irshift__": ip.bitwise_right_shift_,
    "__getitem__": indexing.getitem, "__setitem__": indexing.setitem,
    "where": _where_method,
    "untyped_storage": lambda self: _storage.untyped_storage_of(self._data),
    "storage": lambda self: _warned_storage(self._data),
    "storage_type": lambda self: _storage.storage_type_of(self._data),
    "__dlpack__": lambda self, *args, **kwargs: self._data.__dlpack__(*args, **kwargs),
    "__dlpack_device__": lambda self: self._data.__dlpack_device__(),
}
