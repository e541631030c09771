"""More pointwise ops: angle conversion, logaddexp, copysign, heaviside, xlogy, sinc, gcd/lcm, float_power,
ldexp, nextafter, and the sign and infinity tests, with their backward formulas."""
import math

import numpy as np

from .. import _dtype
from .. import return_types as RT
from .._dtype import scalar_type_name
from ..autograd.grad_mode import no_grad
from ..autograd.graph import node_classes
from ..backend import array_module
from . import elementwise as ew
from .base import (
    Tensor,
    broadcasting,
    check_tensor,
    computed_in_float32,
    needs_grad,
    not_implemented,
    operands,
    record,
    result_dtype,
    tensor_type_error,
    wrap,
    write_out,
    written,
)

_DEG = math.pi / 180
_LN2 = math.log(2)

GRADIENTS = {
    "Deg2RadBackward0": lambda g: (g * _DEG,),
    "Rad2DegBackward0": lambda g: (g / _DEG,),
    "LogaddexpBackward0": lambda g, a, b, r: (None if a is None else g * (a - r).exp(),
                                              None if b is None else g * (b - r).exp()),
    "Logaddexp2Backward0": lambda g, a, b, r: (None if a is None else g * (a - r).exp2(),
                                               None if b is None else g * (b - r).exp2()),
    "CopysignBackward0": lambda g, x, r: (_copysign_grad(g, x, r), ew.zeros_grad(g)),
    "CopysignBackward1": lambda g, x, r: (_copysign_grad(g, x, r),),
    "XlogyBackward0": lambda g, x, y: (g * _log_unless_both_zero(x, y), g * x / y),
    "XlogyBackward1": lambda g, x, y: (g * x / y,),
    "XlogyBackward2": lambda g, x, y: (g * _log_unless_both_zero(x, y),),
    "SincBackward0": lambda g, x: (g * _sinc_derivative(x),),
    "FrexpBackward0": lambda g, exponent: (g / exponent.double().exp2().to(g.dtype),),
    "LdexpBackward0": lambda g, x, e: (g * e.exp2(), None if x is None else g * x * e.exp2() * _LN2),
}
NODES = node_classes(GRADIENTS)


def _copysign_grad(g, x, r):
    """d copysign(x, y) / dx: +-1 where the sign changed or not, 0 where x is 0 (as PyTorch)."""
    ratio = ew.where(x == 0, 0.0, r / x)
    return g * ratio


def _log_unless_both_zero(x, y):
    """d xlogy(x, y) / dx: log(y), and 0 where x and y are both 0 (as PyTorch)."""
    return ew.where((x == 0).logical_and(y == 0), 0.0, y.log())


def _sinc_derivative(x):
    """(cos(pi x) pi x - sin(pi x)) / (pi x^2), and 0 at x = 0."""
    px = x * math.pi
    return ew.where(x == 0, 0.0, (px.cos() * px - px.sin()) / (px * x))


def _scaled(input, factor, node_cls, name):
    a = ew._float_array(input, name)
    r = wrap(computed_in_float32(lambda b: b * b.dtype.type(factor), a))
    if needs_grad(input):
        record(r, node_cls(), (input,))
    return r


def deg2rad(input: Tensor, *, out=None) -> Tensor:
    """Angles in degrees converted to radians."""
    return written(_scaled(input, _DEG, NODES["Deg2RadBackward0"], "deg2rad"), out, "deg2rad")


def rad2deg(input: Tensor, *, out=None) -> Tensor:
    """Angles in radians converted to degrees."""
    return written(_scaled(input, 1 / _DEG, NODES["Rad2DegBackward0"], "rad2deg"), out, "rad2deg")


def _logaddexp(input, other, exp, log_base, name, out):
    """max + log1p(exp(-gap)), with `exp` the name of the base's power function (exp, exp2), the log1p divided by
    log(base) where that is not None."""
    check_tensor(name, "input", input, 1)
    check_tensor(name, "other", other, 2)
    dt = result_dtype(input._data, other._data)
    if dt.kind not in "fV":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{scalar_type_name(dt)}'")
    x, y, _ = ew._float_operands(input, other)
    xp = array_module(other._data)
    with np.errstate(invalid="ignore", over="ignore"):
        big = xp.maximum(x, y)
        gap = xp.where(x == y, 0, -xp.abs(xp.subtract(x, y)))
        soft = xp.log1p(getattr(xp, exp)(gap))
        r = broadcasting(np.add, big, soft if log_base is None else soft / log_base)
    if needs_grad(input, other):
        node = NODES[f"{name.capitalize()}Backward0"]()
        record(r, node, (input, other), (ew.keep_if(input, input._rg), ew.keep_if(other, other._rg), r))
    return r if out is None else write_out(out, r, name)


def logaddexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """log(exp(input) + exp(other)), without overflow."""
    return _logaddexp(input, other, "exp", None, "logaddexp", out)


def logaddexp2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """log2(2 ** input + 2 ** other), without overflow."""
    return _logaddexp(input, other, "exp2", _LN2, "logaddexp2", out)


def copysign(input: Tensor, other, *, out=None) -> Tensor:
    """The magnitude of `input` with the sign of `other` (a tensor or a number)."""
    check_tensor("copysign", "input", input, 1)
    x, y, _ = ew._float_operands(input, other)
    r = broadcasting(np.copysign, x, y)
    if needs_grad(input, other):
        if isinstance(other, Tensor):
            record(r, NODES["CopysignBackward0"](), (input, other), (input, r))
        else:
            record(r, NODES["CopysignBackward1"](), (input,), (input, r))
    return r if out is None else write_out(out, r, "copysign")


def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    """The Heaviside step: 0 where input < 0, `values` where input == 0, 1 where input > 0."""
    check_tensor("heaviside", "input", input, 1)
    check_tensor("heaviside", "values", values, 2)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes ({input.dtype} "
                           f"and {values.dtype})")
    x, y, _ = operands(input, values)
    r = broadcasting(np.heaviside, x, y)
    r = wrap(r._data.astype(x.dtype, copy=False))
    if needs_grad(input, values):
        not_implemented(r, "heaviside", (input, values))
    return r if out is None else write_out(out, r, "heaviside")


def xlogy(input, other, *, out=None) -> Tensor:
    """input * log(other), 0 where input is 0 (even where other is 0 or inf); NaN where other is NaN."""
    if not isinstance(input, Tensor):
        check_tensor("xlogy", "other", other, 2)
    x, y, dt = ew._float_operands(input, other)
    xp = array_module(other._data if isinstance(other, Tensor) else input._data)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = broadcasting(lambda a, b: xp.where((a == 0) & ~xp.isnan(b), 0, a * xp.log(b)), *_of_dtype(x, y, dt))
    r = wrap(r._data.astype(dt, copy=False))
    if needs_grad(input, other):
        if isinstance(input, Tensor) and isinstance(other, Tensor):
            record(r, NODES["XlogyBackward0"](), (input, other), (input, other))
        elif isinstance(input, Tensor):
            record(r, NODES["XlogyBackward2"](), (input,), (input, wrap(xp.asarray(y, r._data.dtype))))
        else:
            record(r, NODES["XlogyBackward1"](), (other,), (wrap(xp.asarray(x, r._data.dtype)), other))
    return r if out is None else write_out(out, r, "xlogy")


def _of_dtype(x, y, dt):
    """Operands x and y (arrays or numbers) of a binary op of result dtype `dt`, numbers as NumPy scalars of `dt`
    (PyTorch computes xlogy's log in the result's dtype, half precision too)."""
    return tuple(v if hasattr(v, "shape") else dt.type(v) for v in (x, y))


def sinc(input: Tensor, *, out=None) -> Tensor:
    """sin(pi x) / (pi x), and 1 at x = 0."""
    a = ew._float_array(input, "sinc")
    r = wrap(computed_in_float32(array_module(a).sinc, a))
    if needs_grad(input):
        record(r, NODES["SincBackward0"](), (input,), (input,))
    return r if out is None else write_out(out, r, "sinc")


def _integer_op(ufunc, name):
    def op(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        check_tensor(name, "other", other, 2)
        x, y, dt = operands(input, other)
        if dt.kind not in "iu":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{scalar_type_name(dt)}'")
        r = broadcasting(ufunc, x, y)
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    return op


gcd = _integer_op(np.gcd, "gcd")
lcm = _integer_op(np.lcm, "lcm")
gcd.__doc__ = "Greatest common divisor, elementwise (integer tensors)."
lcm.__doc__ = "Least common multiple, elementwise (integer tensors)."


def float_power(input, exponent, *, out=None) -> Tensor:
    """input ** exponent computed in float64, or in complex128 where either is complex."""
    complex_ = any(v.is_complex() if isinstance(v, Tensor) else isinstance(v, complex) for v in (input, exponent))
    wide = _dtype.complex128 if complex_ else _dtype.float64
    base = input.to(wide) if isinstance(input, Tensor) else input
    power = exponent.to(wide) if isinstance(exponent, Tensor) else exponent
    r = ew.pow(base, power) if isinstance(base, Tensor) else ew._rpow(power, base)
    return r if out is None else write_out(out, r, "float_power")


def ldexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """input * 2 ** other, in the promoted dtype of both (integers: the default float dtype)."""
    check_tensor("ldexp", "input", input, 1)
    check_tensor("ldexp", "other", other, 2)
    dt = _dtype.FROM_NP[result_dtype(input._data, other._data)]
    if not (dt.is_floating_point or dt.is_complex):
        dt = _dtype.get_default_dtype()
    with no_grad():
        r = ew.mul(input.to(dt), ew.exp2(other.to(dt)))
    if needs_grad(input, other):
        record(r, NODES["LdexpBackward0"](), (input, other), (ew.keep_if(input, other._rg), other))
    return r if out is None else write_out(out, r, "ldexp")


def nextafter(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The next floating point value after `input` towards `other`."""
    check_tensor("nextafter", "other", other, 2)
    x, y, dt = operands(input, other)
    if dt.kind not in "fV":
        raise NotImplementedError(f"\"nextafter_cpu\" not implemented for '{scalar_type_name(dt)}'")
    r = broadcasting(np.nextafter, x, y)
    if needs_grad(input, other):
        not_implemented(r, "nextafter", (input, other))
    return r if out is None else write_out(out, r, "nextafter")


def _test(ufunc, name, doc):
    def op(input: Tensor, *, out=None) -> Tensor:
        try:
            a = input._data
        except AttributeError:
            raise tensor_type_error(name, "input", input) from None
        if a.dtype.kind == "c":
            raise NotImplementedError(f"{name} is not implemented for complex tensors.")
        r = wrap(ufunc(a))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    op.__doc__ = doc
    return op


signbit = _test(np.signbit, "signbit", "True where the sign bit is set (negative numbers and -0.0).")
isposinf = _test(np.isposinf, "isposinf", "True where the element is +inf.")
isneginf = _test(np.isneginf, "isneginf", "True where the element is -inf.")


def positive(input: Tensor) -> Tensor:
    """The input itself (PyTorch's positive: an error for bool tensors)."""
    try:
        dt = input._data.dtype
    except AttributeError:
        raise tensor_type_error("positive", "input", input) from None
    if dt == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def frexp(input: Tensor, *, out=None) -> tuple:
    """(mantissa, exponent) with input = mantissa * 2 ** exponent and 0.5 <= |mantissa| < 1; exponent is int32."""
    check_tensor("frexp", "input", input, 1)
    a = input._data
    if a.dtype.kind not in "fV":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes, got {input.dtype}")
    mantissa, exponent = array_module(a).frexp(a)
    m, e = wrap(mantissa), wrap(exponent.astype(np.int32))
    if needs_grad(input):
        record(m, NODES["FrexpBackward0"](), (input,), (e,))
    if out is not None:
        write_out(out[0], m, "frexp")
        write_out(out[1], e, "frexp")
        return out
    return RT.frexp((m, e))


def _shift(name: str, ufunc_name: str):
    def op(input, other, *, out=None) -> Tensor:
        if isinstance(input, Tensor):
            x, y, dt = operands(input, other)
        else:
            y, x, dt = operands(other, input)
        if dt.kind not in "iu":
            kernel = "lshift" if ufunc_name == "left_shift" else "rshift"
            raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{scalar_type_name(dt)}'")
        xp = array_module(x if isinstance(x, np.ndarray) or not isinstance(y, np.ndarray) else y)
        bits = 8 * dt.itemsize
        shift = xp.asarray(y)
        big = (shift < 0) | (shift >= bits)
        r = getattr(xp, ufunc_name)(x, xp.where(big, 0, shift).astype(dt), dtype=dt)
        if ufunc_name == "left_shift":
            r = xp.where(big, 0, r)
        else:
            r = xp.where(big, xp.where(xp.asarray(x) < 0, -1, 0), r)
        r = wrap(xp.asarray(r, dt))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    return op


bitwise_left_shift = _shift("bitwise_left_shift", "left_shift")
bitwise_right_shift = _shift("bitwise_right_shift", "right_shift")
bitwise_left_shift.__doc__ = "input << other, elementwise (integer tensors); shifts past the width give 0."
bitwise_right_shift.__doc__ = "input >> other, elementwise (integer tensors, arithmetic for signed ones)."


METHODS = {"deg2rad": deg2rad, "rad2deg": rad2deg, "logaddexp": logaddexp, "logaddexp2": logaddexp2,
           "copysign": copysign, "heaviside": heaviside, "xlogy": xlogy, "sinc": sinc, "gcd": gcd, "lcm": lcm,
           "float_power": float_power, "ldexp": ldexp, "nextafter": nextafter, "signbit": signbit,
           "isposinf": isposinf, "isneginf": isneginf, "positive": positive, "frexp": frexp,
           "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift}
