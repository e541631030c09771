"""The complex family: the parts, views and constructors of complex tensors (real, imag, conj, angle, sgn,
view_as_real, view_as_complex, complex, polar), with their backward formulas. These ops are not holomorphic,
so their formulas are written for complex gradients as they are (NOTE [ Complex gradients ] in
autograd/graph.py)."""
import numpy as np

from .._dtype import get_default_dtype, scalar_type_name
from ..autograd.graph import node_classes
from ..backend import array_module, real_parts
from ..backend.meta import MetaArray
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, check_tensor, needs_grad, record, tensor_type_error, view_of, wrap, write_out

GRADIENTS = {
    "ViewAsRealBackward0": lambda g: (view_as_complex(g.contiguous()),),
    "ViewAsComplexBackward0": lambda g: (view_as_real(g),),
    "ConjBackward0": lambda g: (g.conj(),),
    "ConjPhysicalBackward0": lambda g: (g.conj(),),
    "AngleBackward0": lambda g, x: (_angle_grad(g, x),),
    "SgnBackward0": lambda g, x, r: (_sgn_grad(g, x, r),),
    "ComplexBackward0": lambda g: (g.real, g.imag),
    "PolarBackward0": lambda g, abs, angle: _polar_grads(g, abs, angle),
}
NODES = node_classes(GRADIENTS, holomorphic=False)


def _angle_grad(g, x):
    """d angle(z): i z / |z|^2 (0 at 0); a real tensor's angle is piecewise constant."""
    if x is None:
        return g.new_zeros(g.shape)
    return (g * x / (x * x.conj()).real * 1j).masked_fill(x == 0, 0)


def _sgn_grad(g, x, r):
    """d (z / |z|): i s Im(g conj(s)) / |z| (0 at 0), with s = sgn(z)."""
    size = x.abs()
    return ((g - (g * r.conj()).real * r) / size).masked_fill(size == 0, 0)


def _polar_grads(g, abs, angle):
    """d polar(r, t): the real parts of g conj(e^(it)) for r and of g conj(i r e^(it)) for t."""
    unit = complex(angle.cos(), angle.sin())
    return (g * unit.conj()).real, (g * (unit * abs * 1j).conj()).real


def _complex_only(input: Tensor, name: str) -> None:
    if input._data.dtype.kind != "c":
        raise RuntimeError(f"{name} is only supported for complex tensors, but got a tensor of scalar type: "
                           f"{scalar_type_name(input._data.dtype)}")


def _kind(input, name: str) -> str:
    """The NumPy dtype kind of Tensor `input` ('c' for complex); PyTorch's TypeError, naming op `name`, for
    anything else."""
    try:
        return input._data.dtype.kind
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None


def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor with a last dim of size 2 holding the real and imaginary parts."""
    check_tensor("view_as_real", "input", input, 1)
    _complex_only(input, "view_as_real")
    r = view_of(input, real_parts(input._data))
    if needs_grad(input):
        record(r, NODES.ViewAsRealBackward0(), (input,))
    return r


def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a real tensor whose last dim, of size 2 and stride 1, holds real and imaginary parts."""
    if "view_as_complex" in AUTOCAST_OPS[0]:
        return autocast_call("view_as_complex", view_as_complex, input)
    check_tensor("view_as_complex", "input", input, 1)
    a = input._data
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {scalar_type_name(a.dtype)}")
    if a.ndim == 0 or a.shape[-1] != 2:
        raise RuntimeError(f"Tensor must have a last dimension of size 2, but got shape {list(a.shape)}")
    if a.strides[-1] != a.itemsize and a.__class__ is not MetaArray:  # a meta array's strides are 0
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * a.itemsize) for s, n in zip(a.strides[:-1], a.shape) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    r = view_of(input, a.view(np.complex64 if a.dtype == np.float32 else np.complex128)[..., 0])
    if needs_grad(input):
        record(r, NODES.ViewAsComplexBackward0(), (input,))
    return r


def view_as_real_copy(input: Tensor, *, out=None) -> Tensor:
    """view_as_real, copied."""
    r = view_as_real(input).clone()
    return r if out is None else write_out(out, r, "view_as_real_copy")


def view_as_complex_copy(input: Tensor, *, out=None) -> Tensor:
    """view_as_complex, copied."""
    r = view_as_complex(input).clone()
    return r if out is None else write_out(out, r, "view_as_complex_copy")


def real(input: Tensor) -> Tensor:
    """The real part (a view); a real tensor is its own real part."""
    if _kind(input, "real") != "c":
        return input
    return view_as_real(input).select(-1, 0)


def imag(input: Tensor) -> Tensor:
    """The imaginary part (a view); an error for real tensors, as in PyTorch."""
    if _kind(input, "imag") != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(input).select(-1, 1)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; a real tensor is its own. Differs from PyTorch: a new tensor, not a lazy view."""
    if _kind(input, "conj") != "c":
        return input
    r = wrap(array_module(input._data).conj(input._data))
    if needs_grad(input):
        record(r, NODES.ConjBackward0(), (input,))
    return r


def conj_physical(input: Tensor, *, out=None) -> Tensor:
    """The complex conjugate, always materialized (the tensor itself for real tensors)."""
    if _kind(input, "conj_physical") != "c":
        return input if out is None else write_out(out, input.detach().clone(), "conj_physical")
    r = wrap(array_module(input._data).conj(input._data))
    if needs_grad(input):
        record(r, NODES.ConjPhysicalBackward0(), (input,))
    return r if out is None else write_out(out, r, "conj_physical")


def resolve_conj(input: Tensor) -> Tensor:
    """The tensor itself: ember's conj() is never lazy."""
    check_tensor("resolve_conj", "input", input, 1)
    return input


def is_conj(input: Tensor) -> bool:
    """Whether the tensor is a lazy conjugate view: never in ember (conj() materializes)."""
    check_tensor("is_conj", "input", input, 1)
    return False


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions (their transpose for real tensors)."""
    check_tensor("adjoint", "input", input, 1)
    return conj(input.transpose(-2, -1))


def angle(input: Tensor, *, out=None) -> Tensor:
    """The argument of each element, in radians: for real tensors pi for negative numbers, 0 otherwise."""
    check_tensor("angle", "input", input, 1)
    a = input._data
    xp = array_module(a)
    if a.dtype.kind == "c":
        r = wrap(xp.angle(a))
    else:
        if a.dtype.kind not in "fV":
            a = a.astype(get_default_dtype().np)
        r = wrap(xp.where(a < 0, a.dtype.type(np.pi), xp.where(xp.isnan(a), a, 0)).astype(a.dtype, copy=False))
    if needs_grad(input):
        record(r, NODES.AngleBackward0(), (input,), (input if a.dtype.kind == "c" else None,))
    return r if out is None else write_out(out, r, "angle")


def sgn(input: Tensor) -> Tensor:
    """z / |z| for a complex tensor (0 where z is 0)."""
    a = input._data
    xp = array_module(a)
    size = xp.abs(a)
    r = wrap(xp.where(size == 0, 0, a / xp.where(size == 0, 1, size)).astype(a.dtype, copy=False))
    if needs_grad(input):
        record(r, NODES.SgnBackward0(), (input,), (input, r))
    return r


def _parts(name: str, first: Tensor, second: Tensor, names: tuple):
    """The arrays of the two real parts complex() and polar() take: tensors of one floating dtype."""
    check_tensor(name, names[0], first, 1)
    check_tensor(name, names[1], second, 2)
    a, b = first._data, second._data
    if a.dtype.kind not in "fV" or b.dtype.kind not in "fV" or a.dtype != b.dtype:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{scalar_type_name(a.dtype)} and {scalar_type_name(b.dtype)}")
    return a, b


def complex(real: Tensor, imag: Tensor, *, out=None) -> Tensor:
    """The complex tensor real + i imag (broadcast); both parts float16, float32 or float64 of one dtype."""
    a, b = _parts("complex", real, imag, ("real", "imag"))
    r = wrap(_compose(a, b))
    if needs_grad(real, imag):
        record(r, NODES.ComplexBackward0(), (real, imag))
    return r if out is None else write_out(out, r, "complex")


def polar(abs: Tensor, angle: Tensor, *, out=None) -> Tensor:
    """The complex tensor abs * (cos(angle) + i sin(angle)) (broadcast)."""
    if "polar" in AUTOCAST_OPS[0]:
        return autocast_call("polar", polar, abs, angle, out=out)
    a, t = _parts("polar", abs, angle, ("abs", "angle"))
    xp = array_module(a)
    r = wrap(_compose(a * xp.cos(t), a * xp.sin(t)))
    if needs_grad(abs, angle):
        record(r, NODES.PolarBackward0(), (abs, angle), (abs, angle))
    return r if out is None else write_out(out, r, "polar")


def _compose(re, im):
    """A complex array with parts `re` and `im` (broadcast)."""
    xp = array_module(re)
    dt = np.result_type(re.dtype, np.complex64)
    r = xp.empty(np.broadcast_shapes(re.shape, im.shape), dt)
    r.real = re
    r.imag = im
    return r


def isreal(input: Tensor) -> Tensor:
    """True where the element is real: its imaginary part is 0 (every element of a real tensor)."""
    check_tensor("isreal", "input", input, 1)
    a = input._data
    xp = array_module(a)
    return wrap(a.imag == 0 if a.dtype.kind == "c" else xp.ones(a.shape, np.bool_))


def _matrix_adjoint(self: Tensor) -> Tensor:
    """tensor.H: the conjugate transpose of a matrix."""
    if self.dim() != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor. For "
                           f"batches of matrices, consider using tensor.mH")
    return adjoint(self)  # the transpose, then the conjugate, as PyTorch's grad_fn shows


METHODS = {"isreal": isreal, "angle": angle, "conj": conj, "conj_physical": conj_physical,
           "resolve_conj": resolve_conj, "is_conj": is_conj, "adjoint": adjoint,
           "real": property(real), "imag": property(imag), "mH": property(adjoint), "H": property(_matrix_adjoint)}
