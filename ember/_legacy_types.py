"""PyTorch's legacy tensor types (`FloatTensor`, `LongTensor`, ...): constructors of tensors of one dtype, and
`isinstance` tests of a tensor's dtype, as old scripts use them; and set_default_tensor_type."""
import warnings

from . import _dtype
from ._creation import legacy_constructor
from ._tensor import Tensor


class _TensorType(type):
    """The metaclass of the legacy types: isinstance(t, ember.FloatTensor) is True for a CPU float32 tensor."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and not obj.is_cuda

    def __repr__(cls):
        return f"<class 'ember.{cls.__name__}'>"


def _legacy_type(name: str, dtype: _dtype.dtype) -> type:
    def __new__(cls, *args, device=None):
        if len(args) == 1 and isinstance(args[0], Tensor) and args[0].dtype is not dtype:
            raise TypeError(f"{name}() expected a tensor of dtype {dtype}, but got one of dtype {args[0].dtype}")
        t = legacy_constructor(args, None, dtype)
        return t if device is None else t.to(device)
    return _TensorType(name, (), {"__new__": __new__, "dtype": dtype, "__doc__": f"Tensors of dtype {dtype.name}: "
                                  f"{name}(2, 3) is uninitialised, {name}([1, 2]) copies data."})


FloatTensor = _legacy_type("FloatTensor", _dtype.float32)
DoubleTensor = _legacy_type("DoubleTensor", _dtype.float64)
HalfTensor = _legacy_type("HalfTensor", _dtype.float16)
ByteTensor = _legacy_type("ByteTensor", _dtype.uint8)
CharTensor = _legacy_type("CharTensor", _dtype.int8)
ShortTensor = _legacy_type("ShortTensor", _dtype.int16)
IntTensor = _legacy_type("IntTensor", _dtype.int32)
LongTensor = _legacy_type("LongTensor", _dtype.int64)
BoolTensor = _legacy_type("BoolTensor", _dtype.bool)
BFloat16Tensor = _legacy_type("BFloat16Tensor", _dtype.bfloat16)
_BY_NAME = {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, ByteTensor, CharTensor, ShortTensor,
                                     IntTensor, LongTensor, BoolTensor, BFloat16Tensor)}


def set_default_tensor_type(t) -> None:
    """Set the default dtype from a legacy type or its name ('torch.FloatTensor'); deprecated, with PyTorch's
    warning: use set_default_dtype."""
    warnings.warn("ember.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "ember.set_default_dtype() and ember.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    name = t if isinstance(t, str) else getattr(t, "__name__", "")
    legacy = _BY_NAME.get(name.rsplit(".", 1)[-1])
    if legacy is None:
        raise TypeError(f"invalid type: {t!r}")
    if legacy.dtype.np.kind not in "fV":
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(legacy.dtype)
