"""Elementwise ops: arithmetic, math functions, comparisons, and their backward formulas."""
import numpy as np

from ..autograd.graph import node_classes, Node
from .base import (Tensor, wrap, record, GRAD_ENABLED, operands, needs_grad, write_out, broadcast_error,
                   scalar_value, result_dtype)


def _keep(value, needed):
    return value if needed else None


# Backward formulas: grad -> input grads, one entry per input edge. Saved values follow grad.
# A saved input is None when the other input's gradient is not needed (it is then never read).
GRADIENTS = {
    "AddBackward0": lambda g, alpha: (g, g if alpha == 1 else g * alpha),
    "SubBackward0": lambda g, alpha: (g, -g if alpha == 1 else g * -alpha),
    "RsubBackward0": lambda g, alpha: (-g if alpha == 1 else g * -alpha, g),
    "RsubBackward1": lambda g, alpha: (-g if alpha == 1 else g * -alpha,),
    "MulBackward0": lambda g, a, b: (None if b is None else g * b, None if a is None else g * a),
    "DivBackward0": lambda g, a, b: (g / b, None if a is None else -g * a / (b * b)),
    "NegBackward0": lambda g: (-g,),
    "ReciprocalBackward0": lambda g, r: (-g * r * r,),
    "PowBackward0": lambda g, x, e: (g * 0 if e == 0 else g * e * x.pow(e - 1),),
    "PowBackward1": lambda g, x, y, r: (None if y is None else where(y == 0, 0.0, g * y * x.pow(y - 1)),
                                        None if r is None else g * r * where_zero(x, y, x.log())),
    "PowBackward2": lambda g, base, r: (g * r * float(np.log(base)),),
    "ExpBackward0": lambda g, r: (g * r,),
    "LogBackward0": lambda g, x: (g / x,),
    "SqrtBackward0": lambda g, r: (g / (2 * r),),
    "SinBackward0": lambda g, x: (g * x.cos(),),
    "CosBackward0": lambda g, x: (g * -x.sin(),),
    "TanhBackward0": lambda g, r: (g * (1 - r * r),),
    "SigmoidBackward0": lambda g, r: (g * r * (1 - r),),
    "ReluBackward0": lambda g, r: (g * (r > 0),),
    "AbsBackward0": lambda g, x: (g * x.sign(),),
    "SignBackward0": lambda g: (g * 0,),
    "ClampBackward0": lambda g, x, lo, hi: (where(in_range(x, lo, hi), g, 0.0),
                                            None if lo is None else where(below_min(x, lo, hi), g, 0.0),
                                            None if hi is None else where(above_max(x, lo, hi), g, 0.0)),
    "ClampBackward1": lambda g, x, lo, hi: (g * in_range(x, lo, hi),),
    "RemainderBackward0": lambda g: (g,),
    "RemainderBackward1": lambda g, x, y: (g, None if x is None else -g * floor_divide(x, y)),
    "MaximumBackward0": lambda g, share: (g * share, g * (1 - share)),
    "MinimumBackward0": lambda g, share: (g * share, g * (1 - share)),
    "WhereBackward0": lambda g, cond: (where(cond, g, 0.0), where(cond, 0.0, g)),
    "MaskedFillBackward0": lambda g, mask: (g.masked_fill(mask, 0),),
    "MaskedFillBackward1": lambda g, mask: (g.masked_fill(mask, 0), where(mask, g, 0.0).sum()),
}
NODES = node_classes(GRADIENTS)
globals().update(NODES)


class NotImplementedBackward(Node):
    """The node of an op PyTorch gives no derivative (floor_divide): backward through it raises."""
    __slots__ = ("op",)

    def name(self):
        return "ember::autograd::NotImplemented"

    def apply(self, grads):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


def not_implemented(r, op, inputs):
    """Record `r` with a node whose backward raises, as PyTorch does for ops without a derivative."""
    node = NotImplementedBackward()
    node.op = op
    return record(r, node, inputs)


def where_zero(x, y, value):
    """`value` with 0 where x == 0 and y >= 0 (the limit of log(x) * x**y there)."""
    mask = (x._data == 0) & (y._data >= 0)
    return value.masked_fill(wrap(mask), 0) if mask.any() else value


def in_range(x, lo, hi):
    """Mask of x within [lo, hi] (bounds may be None), as clamp's gradient passes through."""
    m = None
    if lo is not None:
        m = x >= lo
    if hi is not None:
        m = (x <= hi) if m is None else m.logical_and(x <= hi)
    return m


def below_min(x, lo, hi):
    """Where clamp's gradient goes to the `min` bound: x < min (and min < max when both are given)."""
    m = x < lo
    return m if hi is None else m.logical_and(lo < hi)


def above_max(x, lo, hi):
    """Where clamp's gradient goes to the `max` bound: x > max (or max < min, where max wins)."""
    m = x > hi
    return m if lo is None else m.logical_or(hi < lo)


# ---- binary arithmetic --------------------------------------------------------------------------
def _binary(ufunc, a, b):
    x, y, dt = operands(a, b)
    try:  # inline rather than through _broadcasting: add and mul are hot paths
        return wrap(ufunc(x, y))
    except ValueError:
        raise broadcast_error(x.shape, np.shape(y)) from None


def _broadcasting(ufunc, x, y):
    """ufunc(x, y) as a Tensor; PyTorch's RuntimeError when the shapes do not broadcast."""
    try:
        return wrap(ufunc(x, y))
    except ValueError:
        raise broadcast_error(np.shape(x), np.shape(y)) from None


def _with_alpha(ufunc, input, other, alpha):
    """ufunc(input, alpha * other) with PyTorch's promotion (alpha does not take part in it)."""
    x, y, dt = operands(input, other)
    return _broadcasting(ufunc, x, np.multiply(y, _alpha(alpha, dt), dtype=dt))


def _alpha(alpha, dt):
    """The `alpha` of add/sub as a Python number; a float alpha needs a floating point result."""
    alpha = scalar_value(alpha)
    if dt.kind != "f" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return alpha


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with PyTorch's type promotion."""
    r = _binary(np.add, input, other) if alpha == 1 else _with_alpha(np.add, input, other, alpha)
    if GRAD_ENABLED[0] and (input._rg or (isinstance(other, Tensor) and other._rg)):
        record(r, AddBackward0(), (input, other), (alpha,))
    return r if out is None else write_out(out, r, "add")


def _check_not_bool(input, other):
    if input._data.dtype == np.bool_ or other.__class__ is bool or (
            isinstance(other, Tensor) and other._data.dtype == np.bool_):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    _check_not_bool(input, other)
    r = _binary(np.subtract, input, other) if alpha == 1 else _with_alpha(np.subtract, input, other, alpha)
    if GRAD_ENABLED[0] and (input._rg or (isinstance(other, Tensor) and other._rg)):
        record(r, SubBackward0(), (input, other), (alpha,))
    return r if out is None else write_out(out, r, "sub")


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    _check_not_bool(input, other)
    x, y, dt = operands(input, other)
    r = _broadcasting(np.subtract, y, x if alpha == 1 else np.multiply(x, _alpha(alpha, dt), dtype=dt))
    if isinstance(other, Tensor):
        if needs_grad(input, other):
            record(r, RsubBackward0(), (input, other), (alpha,))
    elif needs_grad(input):
        record(r, RsubBackward1(), (input,), (alpha,))
    return r


def mul(input, other, *, out=None):
    """input * other."""
    r = _binary(np.multiply, input, other)
    if GRAD_ENABLED[0]:
        a_rg = input._rg
        b_rg = isinstance(other, Tensor) and other._rg
        if a_rg or b_rg:
            record(r, MulBackward0(), (input, other), (_keep(input, b_rg), _keep(other, a_rg)))
    return r if out is None else write_out(out, r, "mul")


def div(input, other, *, rounding_mode=None, out=None):
    """input / other; integer inputs give the default float dtype; `rounding_mode` 'trunc' or 'floor'."""
    if rounding_mode is not None:
        if rounding_mode == "floor":
            r = floor_divide(input, other)
        elif rounding_mode == "trunc":
            r = _trunc_divide(input, other)
        else:
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        return r if out is None else write_out(out, r, "div")
    x, y, dt = operands(input, other)
    if dt.kind != "f":
        from .._dtype import get_default_dtype
        dt = get_default_dtype().np
        x = x.astype(dt)
        y = y.astype(dt) if isinstance(y, np.ndarray) else y
    r = _broadcasting(np.true_divide, x, y)
    if GRAD_ENABLED[0]:
        b_rg = isinstance(other, Tensor) and other._rg
        if input._rg or b_rg:
            record(r, DivBackward0(), (input, other), (_keep(input, b_rg), other))
    return r if out is None else write_out(out, r, "div")


def rdiv(input, other):
    """other / input (a number divided by a tensor): reciprocal then multiply, as PyTorch records it."""
    return mul(reciprocal(input), other)


def _trunc_divide(input, other):
    x, y, dt = operands(input, other)
    if dt.kind == "f":
        return wrap(np.trunc(x / y))
    _check_int_zero(y)
    q = np.floor_divide(x, y)
    return wrap(q + ((q < 0) & (q * y != x)))


def _check_int_zero(y):
    if np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def _rounding(ufunc, input, other):
    """ufunc(input, other) for floor division and remainder; either may be a number, not both."""
    if isinstance(input, Tensor):
        x, y, dt = operands(input, other)
    else:
        y, x, dt = operands(other, input)
    if dt.kind in "iub":
        _check_int_zero(y)
    return _broadcasting(ufunc, x, y)


def _is_bool(x):
    return isinstance(x, bool) or isinstance(x, Tensor) and x._data.dtype == np.bool_


def floor_divide(input, other, *, out=None):
    """Division rounded down; integer tensors stay integer."""
    if _is_bool(input) and _is_bool(other):
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    r = _rounding(np.floor_divide, input, other)
    if needs_grad(input, other):
        not_implemented(r, "floor_divide", (input, other))
    return r if out is None else write_out(out, r, "floor_divide")


def remainder(input, other, *, out=None):
    """Python-style modulus (the result takes the sign of the divisor); either operand may be a number."""
    r = _rounding(np.remainder, input, other)
    if needs_grad(input, other):
        if not isinstance(input, Tensor):
            not_implemented(r, "remainder", (other,))
        elif isinstance(other, Tensor):
            record(r, RemainderBackward1(), (input, other), (_keep(input, other._rg), other))
        else:
            record(r, RemainderBackward0(), (input,))
    return r if out is None else write_out(out, r, "remainder")


def fmod(input, other):
    """C-style modulus (the result takes the sign of the dividend)."""
    x, y, dt = operands(input, other)
    return wrap(np.fmod(x, y))


def pow(input, exponent, *, out=None):
    """input ** exponent (tensor or number); a number base with a tensor exponent is `pow(2, t)`."""
    if not isinstance(input, Tensor):
        return _rpow(exponent, input)
    if isinstance(exponent, Tensor):
        x, y, dt = operands(input, exponent)
        r = _broadcasting(np.power if dt.kind == "f" else _int_power, x, y)
        if needs_grad(input, exponent):
            record(r, PowBackward1(), (input, exponent),
                   (input, _keep(exponent, input._rg), _keep(r, exponent._rg)))
        return r if out is None else write_out(out, r, "pow")
    e = scalar_value(exponent)
    x, _, dt = operands(input, e)
    if e == 2:
        r = wrap(np.square(x))
    elif e == 0.5:
        r = wrap(np.sqrt(x))
    else:
        if dt.kind != "f" and e < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        r = wrap(np.power(x, e))
    if GRAD_ENABLED[0] and input._rg:
        record(r, PowBackward0(), (input,), (input, e))
    return r if out is None else write_out(out, r, "pow")


def _int_power(x, y):
    """Integer power with a tensor exponent: a negative exponent gives 1/x rounded toward zero."""
    r = np.power(x, np.maximum(y, 0))
    negative = y < 0
    if negative.any():
        r = np.where(negative, np.where(x == 1, 1, np.where(x == -1, 1 - 2 * (y & 1), 0)), r).astype(r.dtype)
    return r


def _rpow(t, base):
    base = scalar_value(base)
    x, b, dt = operands(t, base)
    r = wrap(np.power(b, x).astype(dt, copy=False))
    if needs_grad(t):
        record(r, PowBackward2(), (t,), (base, r))
    return r


def neg(input, *, out=None):
    """-input."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    r = wrap(np.negative(input._data))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NegBackward0(), (input,))
    return r if out is None else write_out(out, r, "neg")


# ---- unary math ---------------------------------------------------------------------------------
def _float_array(t):
    """The array of `t`, promoted to the default float dtype if it is integral (as PyTorch's math ops do)."""
    a = t._data
    if a.dtype.kind not in "f":
        from .._dtype import get_default_dtype
        a = a.astype(get_default_dtype().np)
    return a


def _unary(ufunc, node_cls, saves_result):
    def op(input, *, out=None):
        r = wrap(ufunc(_float_array(input)))
        if GRAD_ENABLED[0] and input._rg:
            record(r, node_cls(), (input,), (r if saves_result else input,))
        return r if out is None else write_out(out, r, ufunc.__name__)
    return op


exp = _unary(np.exp, ExpBackward0, True)
log = _unary(np.log, LogBackward0, False)
sqrt = _unary(np.sqrt, SqrtBackward0, True)
sin = _unary(np.sin, SinBackward0, False)
cos = _unary(np.cos, CosBackward0, False)
tanh = _unary(np.tanh, TanhBackward0, True)
exp.__doc__ = "e ** input, elementwise."
log.__doc__ = "Natural logarithm, elementwise."
sqrt.__doc__ = "Square root, elementwise."
sin.__doc__ = "Sine, elementwise."
cos.__doc__ = "Cosine, elementwise."
tanh.__doc__ = "Hyperbolic tangent, elementwise."


def sigmoid(input, *, out=None):
    """1 / (1 + exp(-input)), computed without overflow."""
    a = _float_array(input)
    # tanh form: stable for large |a| and one transcendental call.
    r = wrap(np.multiply(np.tanh(a * 0.5), 0.5, dtype=a.dtype) + a.dtype.type(0.5))
    if GRAD_ENABLED[0] and input._rg:
        record(r, SigmoidBackward0(), (input,), (r,))
    return r if out is None else write_out(out, r, "sigmoid")


def reciprocal(input, *, out=None):
    """1 / input."""
    r = wrap(np.reciprocal(_float_array(input)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, ReciprocalBackward0(), (input,), (r,))
    return r if out is None else write_out(out, r, "reciprocal")


def relu(input):
    """max(input, 0)."""
    a = input._data
    r = wrap(np.maximum(a, a.dtype.type(0)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, ReluBackward0(), (input,), (r,))
    return r


def abs(input, *, out=None):
    """|input|."""
    r = wrap(np.abs(input._data))
    if GRAD_ENABLED[0] and input._rg:
        record(r, AbsBackward0(), (input,), (input,))
    return r if out is None else write_out(out, r, "abs")


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element."""
    r = wrap(np.sign(input._data))
    if GRAD_ENABLED[0] and input._rg:
        record(r, SignBackward0(), (input,))
    return r if out is None else write_out(out, r, "sign")


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max]; either bound may be None (not both)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = _clamp_tensors(input, min, max)
        return r if out is None else write_out(out, r, "clamp")
    a = input._data
    lo, hi = scalar_value(min), scalar_value(max)
    if a.dtype.kind != "f" and (isinstance(lo, float) or isinstance(hi, float)):
        from .._dtype import get_default_dtype
        a = a.astype(get_default_dtype().np)
    if hi is None:
        r = np.maximum(a, a.dtype.type(lo))
    elif lo is None:
        r = np.minimum(a, a.dtype.type(hi))
    else:
        r = np.minimum(np.maximum(a, a.dtype.type(lo)), a.dtype.type(hi))
    r = wrap(r)
    if GRAD_ENABLED[0] and input._rg:
        record(r, ClampBackward1(), (input,), (input, lo, hi))
    return r if out is None else write_out(out, r, "clamp")


def _clamp_tensors(input, lo, hi):
    """clamp with Tensor bounds, which broadcast against input and take part in type promotion."""
    a = input._data
    for b in (lo, hi):
        if b is not None:
            if not isinstance(b, Tensor):
                raise TypeError(f"clamp() received an invalid combination of arguments: min and max must both "
                                f"be Tensors (or None) or both be numbers, but got a Tensor and a "
                                f"{type(b).__name__}")
            a = a.astype(result_dtype(a, b._data), copy=False)
    r = a
    if lo is not None:
        r = _broadcasting(np.maximum, r, lo._data.astype(a.dtype, copy=False))._data
    if hi is not None:
        r = _broadcasting(np.minimum, r, hi._data.astype(a.dtype, copy=False))._data
    r = wrap(r)
    if needs_grad(input, lo, hi):
        record(r, ClampBackward0(), (input, lo, hi), (input, lo, hi))
    return r


def _extremum(name, ufunc, wins, node, input, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    x, y, dt = operands(input, other)
    r = _broadcasting(ufunc, x, y)
    if needs_grad(input, other):
        record(r, node(), (input, other), (_share(wins(x, y), x == y, dt),))
    return r


def maximum(input, other):
    """Elementwise maximum of two tensors (the gradient is split evenly on ties, as in PyTorch)."""
    return _extremum("maximum", np.maximum, np.greater, MaximumBackward0, input, other)


def minimum(input, other):
    """Elementwise minimum of two tensors (the gradient is split evenly on ties)."""
    return _extremum("minimum", np.minimum, np.less, MinimumBackward0, input, other)


def _share(wins, ties, dt):
    """The share of the gradient that goes to the first input: 1 where it wins, 0.5 on ties."""
    return wrap((wins + ties * 0.5).astype(dt if dt.kind == "f" else np.float32))


def masked_fill(input, mask, value):
    """input with `value` where the bool `mask` (broadcast to input's shape) is True."""
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    value_tensor = value if isinstance(value, Tensor) else None
    if value_tensor is not None:
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        value = value._data
    a = input._data
    try:
        r = wrap(np.where(m, np.asarray(value).astype(a.dtype), a))
    except ValueError:
        raise broadcast_error(a.shape, m.shape) from None
    if r._data.shape != a.shape:
        raise RuntimeError(f"The size of tensor a ({a.shape[-1]}) must match the size of tensor b "
                           f"({m.shape[-1]}) at non-singleton dimension {m.ndim - 1}")
    if value_tensor is not None:
        if needs_grad(input, value_tensor):
            record(r, MaskedFillBackward1(), (input, value_tensor), (mask,))
    elif GRAD_ENABLED[0] and input._rg:
        record(r, MaskedFillBackward0(), (input,), (mask,))
    return r


# ---- comparisons and logic (no gradient) ----------------------------------------------------------
def _compare(ufunc, name):
    def op(input, other, *, out=None):
        x, y, _ = operands(input, other)
        try:
            r = wrap(ufunc(x, y))
        except ValueError:
            raise broadcast_error(x.shape, np.shape(y)) from None
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}` comparison, a bool tensor."
    return op


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")


def _logical(ufunc, name):
    def op(input, other, *, out=None):
        y = other._data if isinstance(other, Tensor) else other
        r = wrap(ufunc(input._data, y))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}`, a bool tensor."
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input, *, out=None):
    """Elementwise not, a bool tensor."""
    r = wrap(np.logical_not(input._data))
    return r if out is None else write_out(out, r, "logical_not")


def _bitwise(ufunc, name):
    def op(input, other):
        x, y, dt = operands(input, other)
        if dt.kind == "f":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_TYPE_WORDS[dt.name]}'")
        return _broadcasting(ufunc, x, y)
    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}` of integer or bool tensors."
    return op


_TYPE_WORDS = {"float16": "Half", "float32": "Float", "float64": "Double"}
bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    """Elementwise bitwise not (logical not for bool tensors)."""
    dt = input._data.dtype
    if dt.kind == "f":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{_TYPE_WORDS[dt.name]}'")
    return wrap(np.invert(input._data))


def isnan(input):
    """True where input is NaN."""
    return wrap(np.isnan(input._data))


def isinf(input):
    """True where input is +-inf."""
    return wrap(np.isinf(input._data))


def isfinite(input):
    """True where input is finite."""
    return wrap(np.isfinite(input._data))


def equal(input, other) -> bool:
    """True if both tensors have the same shape and elements."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if |input - other| <= atol + rtol * |other| everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input - other| <= atol + rtol * |other|."""
    x, y, _ = operands(input, other)
    return wrap(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _where_error(cond, x, y):
    try:
        return broadcast_error(cond.shape, np.broadcast_shapes(np.shape(x), np.shape(y)))
    except ValueError:
        return broadcast_error(np.shape(x), np.shape(y))


def where(condition, input=None, other=None):
    """Elements of `input` where `condition`, else of `other`; with one argument, nonzero(as_tuple=True)."""
    if input is None and other is None:
        return tuple(wrap(i) for i in np.nonzero(condition._data))
    cond = condition._data
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype}")
    if isinstance(input, Tensor):
        x, y, _ = operands(input, other)
    else:
        y, x, _ = operands(other, input)
    try:
        r = wrap(np.where(cond, x, y))
    except ValueError:
        raise _where_error(cond, x, y) from None
    if needs_grad(input, other):
        record(r, WhereBackward0(), (input, other), (condition,))
    return r
