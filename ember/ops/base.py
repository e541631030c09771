"""What every op family shares: operand promotion, result wrapping, `out=`, and in-place checks."""
import weakref

import numpy as np

from .. import _dtype
from .._creation import _type_error
from .._tensor import Tensor, _address, wrap
from ..autograd.grad_mode import GRAD_ENABLED, GRAD_MODE
from ..autograd.graph import FunctionNode, Node
from ..autograd.record import record, record_outputs
from ..backend import array_module, is_half, meta

__all__ = ["Tensor", "wrap", "record", "record_outputs", "GRAD_ENABLED", "operands", "result_dtype", "needs_grad",
           "write_out", "check_inplace", "check_no_overlap", "check_no_partial_overlap", "keep_if", "view_of",
           "scalar_value", "computed_in_float32", "check_int_scalar", "broadcast_error", "broadcasting",
           "refuse_complex", "not_implemented"]

_RESULT = {}  # (dtype a, a is 0-dim, dtype b, b is 0-dim) -> NumPy result dtype
PYTHON_NUMBERS = (float, int, bool, complex)  # a Number argument: these, or a NumPy scalar


# NOTE [ Half precision arithmetic ]
# PyTorch's CPU kernels compute float16 and bfloat16 elementwise in float32 and round each result once. NumPy
# (ml_dtypes, for bfloat16) does the same within one ufunc, so single-ufunc ops agree bit for bit; an op ember
# composes from several ufuncs (rsqrt, sinc, lerp, xlogy, the activations, ...) computes half precision in float32
# and rounds at the end (computed_in_float32, widened). A number operand (or a 0-dim tensor, PyTorch's "CPU
# scalar") follows the kernel: add, sub (and their alpha), comparisons, pow, remainder and fmod round it to the
# tensor's dtype first, as NumPy does; mul, div (all rounding modes) and floor_divide take it at its own value in
# float32 (the second operand only: a 0-dim tensor first is rounded), as do addcmul/addcdiv's value, lerp's
# weight and the activations' parameters. Measured against PyTorch 2.13 element by element.


def computed_in_float32(fn, array):
    """fn(array), with half precision computed in float32 and rounded once (NOTE [ Half precision arithmetic ])."""
    if is_half(array):
        return fn(array.astype(np.float32)).astype(array.dtype)
    return fn(array)


def log1p_exp(a):
    """log(1 + exp(a)) of an array (softplus), without overflow: log1p(exp(-|a|)) + max(a, 0). NumPy's
    logaddexp(a, 0) computes the same 8-10x slower (it has no vectorized loop)."""
    xp = array_module(a)
    return xp.log1p(xp.exp(-xp.abs(a))) + xp.maximum(a, 0)


def scalar_value(x):
    """A Python number from a Python or NumPy scalar (NumPy scalars promote like Python numbers)."""
    if isinstance(x, np.generic):
        return x.item()
    return x


def result_dtype(x, y):
    """PyTorch's result NumPy dtype of a binary op on arrays or Python numbers `x` and `y`."""
    if isinstance(y, (bool, int, float, complex)):
        return _with_scalar(x.dtype, y)
    key = (x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    r = _RESULT.get(key)
    if r is None:
        a, b = _dtype.FROM_NP[x.dtype], _dtype.FROM_NP[y.dtype]
        r = _RESULT[key] = _dtype.result_type([(a, x.ndim), (b, y.ndim)], ()).np
    return r


def check_int_scalar(value: int) -> None:
    """PyTorch's OverflowError for a Python int that its Scalar, an int64 or a uint64, cannot hold."""
    if not -2**63 <= value < 2**64:
        raise OverflowError("int too big to convert" if value > 0 else "can't convert negative int to unsigned")


def _with_scalar(dt, s):
    kind = dt.kind
    if s.__class__ is float:
        return dt if kind in "fcV" else _dtype.get_default_dtype().np
    if s.__class__ is complex:
        return dt if kind == "c" else _dtype.result_type([(_dtype.FROM_NP[dt], 1)], (s,)).np
    if s.__class__ is bool or kind != "b":
        return dt
    return np.dtype(np.int64)


def operands(a, b):
    """The arrays (or Python number) for a binary op on Tensor `a` and Tensor-or-number `b`,
    cast to PyTorch's result dtype, and that dtype."""
    try:
        x = a._data
    except AttributeError:
        raise TypeError(f"expected a Tensor as the first operand, but got {type(a).__name__}") from None
    if isinstance(b, Tensor):
        y = b._data
        if x.dtype is y.dtype and x.__class__ is y.__class__:
            return x, y, x.dtype
        if x.__class__ is not y.__class__:
            x, y = _other_devices(a, b)
        dt = result_dtype(x, y)
        if x.dtype != dt:
            x = x.astype(dt)
        if y.dtype != dt:
            y = y.astype(dt)
        return x, y, dt
    if b.__class__ not in (float, int, bool, complex):
        if isinstance(b, np.generic):
            b = b.item()
        elif isinstance(b, (float, int)):
            b = float(b) if isinstance(b, float) else int(b)
        else:
            raise TypeError(f"unsupported operand: expected a Tensor or a number, but got {type(b).__name__}")
    if b.__class__ is int and not -2**63 <= b < 2**64:
        check_int_scalar(b)  # raises
    dt = _with_scalar(x.dtype, b)
    if x.dtype != dt:
        x = x.astype(dt)
    elif b.__class__ is int and dt.kind in "iu" and dt.itemsize < 8:
        info = np.iinfo(dt)
        if not info.min <= b <= info.max:  # PyTorch wraps out-of-range integers around
            b = np.array(b).astype(dt)[()]  # host: wrapped to dt as a NumPy scalar, an operand on any device
    return x, b, dt


def _other_devices(a, b):
    """The arrays of tensors `a` and `b` on two devices: PyTorch's error, except that a meta tensor takes a 0-d CPU
    tensor (a CPU scalar) as a meta one (NOTE [ Meta tensors ] in backend/meta.py)."""
    x, y = a._data, b._data
    if meta.is_meta(x) or meta.is_meta(y):
        if x.ndim == 0 and x.__class__ is np.ndarray:
            return meta.empty((), x.dtype), y
        if y.ndim == 0 and y.__class__ is np.ndarray:
            return x, meta.empty((), y.dtype)
        raise RuntimeError(f"Tensor on device {b.device} is not on the expected device {a.device}!")
    raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                       f"{a.device} and {b.device}! Move both to one device with .to(device).")


class NotImplementedBackward(Node):
    """The node of an op PyTorch gives no derivative (floor_divide, scatter with reduce): backward raises."""
    __slots__ = ("message",)

    def name(self):
        return "ember::autograd::NotImplemented"

    def apply(self, grads):
        raise RuntimeError(self.message)


def not_implemented(r, op: str, inputs, hint: str = ""):
    """Record `r` with a node whose backward raises, as PyTorch does for ops without a derivative."""
    node = NotImplementedBackward()
    node.message = f"derivative for aten::{op} is not implemented{hint}"
    return record(r, node, inputs)


class _MultiNode(FunctionNode):
    """A node with several differentiable outputs: `formula(grads, *saved)` gets one gradient per output
    (None for outputs that received none)."""
    __slots__ = ()
    formula = None
    n_outputs = 2

    def apply(self, grads):
        return self.formula(tuple(grads), *self.saved_values())


def refuse_complex(dt, kernel: str, message: str | None = None, error=NotImplementedError) -> None:
    """PyTorch's error for an op on NumPy dtype `dt` that has no kernel for complex numbers, which have no order
    (comparisons, max, sort, clamp): by default '"lt_cpu" not implemented for 'ComplexFloat''."""
    if dt.kind == "c":
        raise error(message or f"\"{kernel}\" not implemented for '{_dtype.scalar_type_name(dt)}'")


def broadcasting(ufunc, x, y):
    """ufunc(x, y) as a Tensor; PyTorch's RuntimeError when the shapes do not broadcast."""
    try:
        return wrap(ufunc(x, y))
    except ValueError:
        raise broadcast_error(np.shape(x), np.shape(y)) from None


def check_tensor(name: str, arg: str, value, position: int | None = None, optional: bool = False) -> None:
    """PyTorch's TypeError unless `value` is a Tensor (or None, when `optional`): "name(): argument 'arg'
    (position n) must be Tensor, not T"."""
    if not isinstance(value, Tensor) and not (optional and value is None):
        raise tensor_type_error(name, arg, value, position)


def check_tensors(name: str, *arguments) -> None:
    """check_tensor() for each (argument name, value) pair, in position order."""
    for _, value in arguments:
        if not isinstance(value, Tensor):
            raise not_tensor_error(name, *arguments)


def tensor_type_error(name: str, arg: str, value, position: int | None = 1) -> TypeError:
    """PyTorch's TypeError for a `value` that is not a Tensor where argument `arg` of `name` must be one ("exp():
    argument 'input' (position 1) must be Tensor, not float"); for ops too hot for check_tensor's call, which catch
    the AttributeError of `value._data` instead."""
    return _type_error(name, arg, value, "Tensor", position)


def not_tensor_error(name: str, *arguments) -> TypeError:
    """tensor_type_error() for the first of the (argument name, value) pairs, in position order, whose value is not a
    Tensor; for ops of several tensors that find one by the AttributeError of its ._data."""
    return next(tensor_type_error(name, arg, value, position)
                for position, (arg, value) in enumerate(arguments, 1) if not isinstance(value, Tensor))


def type_name(value) -> str:
    """The name of value's type as PyTorch prints it: float, list, Tensor, numpy.ndarray."""
    cls = type(value)
    if cls.__module__ == "builtins" or isinstance(value, Tensor):
        return cls.__name__
    return f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def needs_grad(*tensors) -> bool:
    """True when grad mode is on and one of `tensors` (Tensors or numbers) requires grad."""
    if not GRAD_ENABLED[0]:
        return False
    for t in tensors:
        if isinstance(t, Tensor) and t._rg:
            return True
    return False


def broadcast_error(a_shape, b_shape) -> RuntimeError:
    """PyTorch's error for shapes that do not broadcast, naming the first dimension that differs."""
    n = max(len(a_shape), len(b_shape))
    a = (1,) * (n - len(a_shape)) + tuple(a_shape)
    b = (1,) * (n - len(b_shape)) + tuple(b_shape)
    for i in range(n - 1, -1, -1):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                f"non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast together")


def write_out(out, result: Tensor, name: str) -> Tensor:
    """Copy `result` into the `out=` tensor (resizing it if its shape differs) and return `out`."""
    check_tensor(name, "out", out)
    if result._rg and GRAD_ENABLED[0]:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    r = result._data
    if out._data.shape != r.shape:
        out._data = r.astype(out._data.dtype, copy=True)
    else:
        if not np.can_cast(r.dtype, out._data.dtype, "same_kind") and r.dtype.kind != "b":
            raise RuntimeError(f"result type {_dtype.scalar_type_name(r.dtype)} can't be cast to the desired output "
                               f"type "
                               f"{_dtype.scalar_type_name(out._data.dtype)}")
        out._data[...] = r
    out._vc[0] += 1
    return out


def write_outs(out, results: tuple, name: str) -> tuple:
    """write_out() for each tensor of `results` into the matching one of the `out=` tuple; the tensors of `out`, in
    the type of `results` (a named tuple of PyTorch's return types, or a tuple)."""
    if not (isinstance(out, (tuple, list)) and len(out) == len(results)):
        raise TypeError(f"{name}(): argument 'out' must be tuple of {len(results)} Tensors, not {type(out).__name__}")
    return type(results)(tuple(write_out(o, r, name) for o, r in zip(out, results)))


def written(result, out, name: str):
    """`result` (a tensor or a tuple of them) when `out` is None, else written into `out=` (write_out, write_outs)."""
    if out is None:
        return result
    return write_out(out, result, name) if isinstance(result, Tensor) else write_outs(out, result, name)


def keep_if(value, needed: bool):
    """`value` if a backward formula will need it, else None (saved tensors cost memory)."""
    return value if needed else None


def check_inplace(t: Tensor, result_np_dtype=None, may_overlap: bool = False) -> None:
    """Refuse in-place writes that PyTorch refuses: a leaf requiring grad (outside no_grad), a tensor whose
    elements share memory (an expanded view; fill_-like writes pass `may_overlap`), or a result dtype that
    can't be cast to the tensor's dtype."""
    if t._rg and t._grad_fn is None and GRAD_MODE[0]:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if not may_overlap:
        check_no_overlap(t._data)
    if result_np_dtype is not None and result_np_dtype != t._data.dtype:
        if not _can_cast(result_np_dtype, t._data.dtype):
            raise RuntimeError(f"result type {_dtype.scalar_type_name(result_np_dtype)} can't be cast to the desired "
                               f"output "
                               f"type {_dtype.scalar_type_name(t._data.dtype)}")


def check_no_overlap(a) -> None:
    """PyTorch's RuntimeError for a write into array `a` when several of its elements are one memory
    location (a stride of 0 over a dim of size above 1)."""
    if a.size and 0 in a.strides and any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape)):
        if a.__class__ is meta.MetaArray:
            return  # strides 0 are how a meta array has no memory (NOTE [ Meta tensors ] in backend/meta.py)
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")


def check_no_partial_overlap(a, b) -> None:
    """PyTorch's RuntimeError for an in-place op that writes array `a` while reading array `b`, which shares
    some but not all of `a`'s elements (x.add_(x[:1])); `a` itself, or the same window of it, is fine. As
    PyTorch, only arrays that are dense (contiguous) are checked: for others the overlap is too hard to tell."""
    if a is b or not (_dense(a) and _dense(b)) or not array_module(a).may_share_memory(a, b):
        return
    if a.shape == b.shape and a.strides == b.strides and _address(a) == _address(b):
        return
    raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to tensor refer "
                       "to a single memory location. Please clone() the tensor before performing the operation.")


def _dense(a) -> bool:
    return a.flags.c_contiguous or a.flags.f_contiguous


_KIND_GROUP = {"u": "i", "V": "f"}  # unsigned ints rank as ints, bfloat16 (NumPy kind 'V') as floats


def _can_cast(src, dst) -> bool:
    order = "biufc"  # bool < int < float < complex; within ints, PyTorch allows narrowing
    s = order.index(_KIND_GROUP.get(src.kind, src.kind))
    d = order.index(_KIND_GROUP.get(dst.kind, dst.kind))
    return s <= d


def view_of(base: Tensor, array) -> Tensor:
    """A Tensor viewing `array`, which shares memory with `base`: same version counter and base; a base
    with a history keeps a weak reference to it."""
    t = wrap(array)
    t._vc = base._vc
    root = t._base = base if base._base is None else base._base
    if GRAD_ENABLED[0] and root._grad_fn is not None:  # see NOTE [ Sibling views ] in ops/views.py
        views = root.__dict__.get("_views")
        if views is None:
            views = root._views = []
        elif len(views) >= 64 and not len(views) & (len(views) - 1):  # at each power of two: drop dead ones
            views[:] = [v for v in views if v() is not None]
        views.append(weakref.ref(t))
    return t
