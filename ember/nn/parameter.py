"""Parameter and Buffer: tensors that a Module registers when they are assigned as attributes."""
import numpy as np

from .. import _dtype
from .._creation import empty
from .._device import to_device
from .._printing import format_meta, format_parameter
from .._tensor import Tensor, _init, wrap_as
from ..backend import empty_on, to_numpy


class Parameter(Tensor):
    """A leaf tensor that is a module parameter; shares memory and version counter with `data`."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = Tensor(np.empty(0, _dtype.get_default_dtype().np))  # host: as PyTorch's, a CPU tensor
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor as data, but got {type(data).__name__}")
        if requires_grad and data._data.dtype.kind not in "fcV":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = wrap_as(cls, data._data, requires_grad)
        p._vc = data._vc
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        if self.is_meta:
            return "Parameter containing:\n" + format_meta(
                self._data.shape, dtype_name=self._data.dtype.name,
                default_dtype_name=_dtype.get_default_dtype().name, requires_grad=self._rg)
        return format_parameter(
            to_numpy(self._data), dtype_name=self._data.dtype.name,
            default_dtype_name=_dtype.get_default_dtype().name,
            device=None if self.is_cpu else str(self.device), requires_grad=self._rg)

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (type(self), to_numpy(self._data), self._rg))

    def __deepcopy__(self, memo):
        """A copy of the values and requires_grad; unlike a plain tensor's, not of `.grad` (as in PyTorch)."""
        if id(self) not in memo:
            memo[id(self)] = wrap_as(type(self), self._data.copy(), self._rg)
        return memo[id(self)]


def _rebuild_parameter(cls, array, requires_grad):
    p = Tensor.__new__(cls)
    _init(p, np.array(array), requires_grad)  # host: pickled as a NumPy array, loaded to the CPU
    return p


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (lazy modules); `materialize(shape)` allocates it, by default on the
    device and with the dtype it was made with (the default ones unless given)."""

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return Parameter.__new__(cls, _placeholder(device, dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate the data with `shape` (on `device`, with `dtype`: by default this placeholder's) and turn into a
        Parameter."""
        self._data = _empty(shape, self.device if device is None else device, dtype or self.dtype)
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"


class Buffer(Tensor):
    """A tensor that a Module registers as a buffer when assigned as an attribute."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        data = Tensor(np.empty(0, _dtype.get_default_dtype().np)) if data is None else data  # host: a CPU tensor
        b = wrap_as(cls, data._data, data._rg)
        b._vc = data._vc
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedBuffer(Buffer):
    """A buffer whose shape is not known yet (lazy modules); `materialize(shape)` allocates it, by default on the
    device and with the dtype it was made with (the default ones unless given)."""

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        b = Buffer.__new__(cls, _placeholder(device, dtype), persistent=persistent)
        b._rg = requires_grad
        return b

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate the data with `shape` (on `device`, with `dtype`: by default this placeholder's) and turn into a
        Buffer."""
        self._data = _empty(shape, self.device if device is None else device, dtype or self.dtype)
        self.__class__ = Buffer

    def __repr__(self):
        return "<UninitializedBuffer>"


def _placeholder(device, dtype) -> Tensor:
    """The empty tensor an uninitialized parameter or buffer holds until materialized: on `device` (the default
    device when None: meta inside `with ember.device('meta')`), of `dtype` (the default float dtype when None)."""
    return empty(0, device=device, dtype=dtype)


def _empty(shape, device, dtype):
    """An uninitialized array of `shape` and `dtype` (the default float dtype) on `device` (the CPU)."""
    place = to_device("cpu" if device is None else device)
    return empty_on(tuple(shape), (dtype or _dtype.get_default_dtype()).np, place.type, place.index)


def is_lazy(param) -> bool:
    """True if `param` is an uninitialized lazy parameter or buffer."""
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))
