"""In-place variants (`add_`, `mul_`, `clamp_`, ...), built once from the out-of-place ops.

Without autograd the result is written straight into the tensor's array (`out=`), so views and
NumPy arrays that share the memory see the change. When the op is recorded, the out-of-place op
runs on a snapshot of the old value (which its backward formula may need) and the tensor takes
over the result's graph node, as PyTorch rebases history on in-place ops.
"""
import numpy as np

from ..autograd.graph import node_classes
from . import elementwise as ew
from .base import Tensor, wrap, record, GRAD_ENABLED, operands, check_inplace, broadcast_error
from .views import check_view_inplace, propagate_to_base

GRADIENTS = {
    "ZeroBackward0": lambda g: (g * 0,),
    "FillBackward0": lambda g: (g * 0,),
    "FillBackward2": lambda g: (g * 0,),
    "FillBackward3": lambda g: (g * 0, g.sum()),
}
NODES = node_classes(GRADIENTS)
globals().update(NODES)


def _recording(self, args):
    if not GRAD_ENABLED[0]:
        return False
    if self._rg:
        return True
    return any(isinstance(a, Tensor) and a._rg for a in args)


def _snapshot(t):
    """The current value of `t` in its own memory, attached to `t`'s place in the graph."""
    s = wrap(t._data.copy())
    s._rg, s._grad_fn, s._output_nr = t._rg, t._grad_fn, t._output_nr
    return s


def _rebase(self, result):
    """Write `result` into self and make self the output of result's node."""
    check_inplace(self, result._data.dtype)
    through_view = check_view_inplace(self)
    try:
        np.copyto(self._data, result._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                           f"{list(result._data.shape)}") from None
    self._vc[0] += 1
    self._grad_fn, self._rg, self._output_nr = result._grad_fn, result._rg, result._output_nr
    if through_view and self._grad_fn is not None:
        propagate_to_base(self)
    return self


def _graph_inplace(op, self, args, kwargs):
    check_inplace(self)
    return _rebase(self, op(_snapshot(self), *args, **kwargs))


def binary_inplace(op, ufunc):
    """`op_` for a binary ufunc op: `self = op(self, other)` written into self's memory."""
    def inplace(self, other, **kwargs):
        if _recording(self, (other,)):
            return _graph_inplace(op, self, (other,), kwargs)
        alpha = kwargs.get("alpha", 1)
        if alpha != 1:
            other = other * alpha
        check_inplace(self)
        a = self._data
        _, y, dt = operands(self, other)
        check_inplace(self, dt)
        try:
            ufunc(a, y, out=a, casting="unsafe")
        except ValueError:
            shape = np.broadcast_shapes(a.shape, np.shape(y)) if _broadcasts(a, y) else None
            if shape is None:
                raise broadcast_error(a.shape, np.shape(y)) from None
            raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}") from None
        self._vc[0] += 1
        return self
    inplace.__name__ = op.__name__ + "_"
    inplace.__doc__ = f"In-place {op.__name__}."
    return inplace


def _broadcasts(a, y):
    try:
        np.broadcast_shapes(a.shape, np.shape(y))
        return True
    except ValueError:
        return False


def generic_inplace(op):
    """`op_` for any op: compute out of place, then write into self's memory."""
    def inplace(self, *args, **kwargs):
        if _recording(self, args):
            return _graph_inplace(op, self, args, kwargs)
        check_inplace(self)
        r = op(self, *args, **kwargs)
        check_inplace(self, r._data.dtype)
        np.copyto(self._data, r._data, casting="unsafe")
        self._vc[0] += 1
        return self
    inplace.__name__ = op.__name__ + "_"
    inplace.__doc__ = f"In-place {op.__name__}."
    return inplace


def zero_(self):
    """Fill with zeros in place."""
    check_inplace(self)
    self._data[...] = 0
    self._vc[0] += 1
    if GRAD_ENABLED[0] and self._rg:
        record(self, ZeroBackward0(), (self,))
    return self


def fill_(self, value):
    """Fill with `value` (a number or a one-element tensor) in place."""
    check_inplace(self)
    tensor = value if isinstance(value, Tensor) else None
    if tensor is not None:
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        value = value._data
    self._data[...] = value
    self._vc[0] += 1
    if tensor is not None:
        if _recording(self, (tensor,)):
            record(self, FillBackward3(), (self, tensor))
    elif GRAD_ENABLED[0] and self._rg:
        record(self, FillBackward2(), (self,))
    return self


add_ = binary_inplace(ew.add, np.add)
sub_ = binary_inplace(ew.sub, np.subtract)
mul_ = binary_inplace(ew.mul, np.multiply)
div_ = generic_inplace(ew.div)
floor_divide_ = generic_inplace(ew.floor_divide)
remainder_ = generic_inplace(ew.remainder)
pow_ = generic_inplace(ew.pow)
neg_ = generic_inplace(ew.neg)
abs_ = generic_inplace(ew.abs)
sign_ = generic_inplace(ew.sign)
exp_ = generic_inplace(ew.exp)
log_ = generic_inplace(ew.log)
sqrt_ = generic_inplace(ew.sqrt)
sin_ = generic_inplace(ew.sin)
cos_ = generic_inplace(ew.cos)
tanh_ = generic_inplace(ew.tanh)
sigmoid_ = generic_inplace(ew.sigmoid)
reciprocal_ = generic_inplace(ew.reciprocal)
relu_ = generic_inplace(ew.relu)
clamp_ = generic_inplace(ew.clamp)
masked_fill_ = generic_inplace(ew.masked_fill)
