"""Elementwise ops: arithmetic, math functions, comparisons, and their backward formulas."""
import cmath
import math
import warnings

import numpy as np

from .. import _dtype
from .._creation import _type_error, tensor
from .._dtype import get_default_dtype, scalar_type_name
from .._tensor import wrap_dim
from ..autograd.graph import node_classes
from ..backend import UINT_OF_SIZE, array_module, c_order, is_half_dtype, widened, widened_dtype
from .autocast import AUTOCAST_OPS, autocast_call
from .base import (
    GRAD_ENABLED,
    PYTHON_NUMBERS,
    Tensor,
    broadcast_error,
    broadcasting,
    check_int_scalar,
    check_tensor,
    computed_in_float32,
    keep_if,
    needs_grad,
    not_implemented,
    not_tensor_error,
    operands,
    record,
    refuse_complex,
    result_dtype,
    scalar_value,
    tensor_type_error,
    wrap,
    write_out,
)
from .complex_numbers import sgn as complex_sgn
from .keywords import REQUIRED, required_dim

# Backward formulas: grad -> input grads, one entry per input edge. Saved values follow grad.
# A saved input is None when the other input's gradient is not needed (it is then never read).
GRADIENTS = {
    "AddBackward0": lambda g, alpha: (g, g if alpha == 1 else g * alpha),
    "SubBackward0": lambda g, alpha: (g, -g if alpha == 1 else g * -alpha),
    "RsubBackward0": lambda g, alpha: (-g if alpha == 1 else g * -alpha, g),
    "RsubBackward1": lambda g, alpha: (-g if alpha == 1 else g * -alpha,),
    "MulBackward0": lambda g, a, b: (None if b is None else g * b, None if a is None else g * a),
    "DivBackward0": lambda g, a, b: (g / b, None if a is None else -g * (a / b / b)),
    "NegBackward0": lambda g: (-g,),
    "ReciprocalBackward0": lambda g, r: (-g * (r * r),),
    "PowBackward0": lambda g, x, e: (zeros_grad(g) if e == 0 else g * (x.pow(e - 1) * e),),
    "PowBackward1": lambda g, x, y, x_rg, r: (where(y == 0, 0.0, g * y * x.pow(y - 1)) if x_rg else None,
                                              None if r is None else g * r * where_zero(x, y, x.to(r.dtype).log())),
    "PowBackward2": lambda g, base, e, r: (g * r * _log_of_number(base) if base
                                           else where(e >= 0, 0.0, g * r * -np.inf),),
    "ExpBackward0": lambda g, r: (g * r,),
    "LogBackward0": lambda g, x: (g / x,),
    "SqrtBackward0": lambda g, r: (g / (2 * r),),
    "SinBackward0": lambda g, x: (g * x.cos(),),
    "CosBackward0": lambda g, x: (g * -x.sin(),),
    "TanhBackward0": lambda g, r: (_tanh_grad(g, r),),
    "SigmoidBackward0": lambda g, r: (_sigmoid_grad(g, r),),
    "ReluBackward0": lambda g, r: (_relu_grad(g, r),),
    "AbsBackward0": lambda g, x: (g * x.sgn(),),
    "SignBackward0": lambda g: (zeros_grad(g),),
    "ClampBackward0": lambda g, x, lo, hi: (where(in_range(x, lo, hi), g, 0.0),
                                            None if lo is None else where(below_min(x, lo, hi), g, 0.0),
                                            None if hi is None else where(above_max(x, lo, hi), g, 0.0)),
    "ClampBackward1": lambda g, x, lo, hi: (masked_grad(g, in_range(x, lo, hi)),),
    "ClampMinBackward0": lambda g, x, lo, hi: (masked_grad(g, in_range(x, lo, hi)),),
    "ClampMaxBackward0": lambda g, x, lo, hi: (masked_grad(g, in_range(x, lo, hi)),),
    "RemainderBackward0": lambda g: (g,),
    "RemainderBackward1": lambda g, x, y: (g, None if x is None else -g * floor_divide(x, y)),
    "MaximumBackward0": lambda g, x, y: _split(g, np.greater, x, y),
    "MinimumBackward0": lambda g, x, y: _split(g, np.less, x, y),
    "WhereBackward0": lambda g, cond: (where(cond, g, 0.0), where(cond, 0.0, g)),
    "MaskedFillBackward0": lambda g, mask: (g.masked_fill(mask, 0),),
    "MaskedFillBackward1": lambda g, mask: (g.masked_fill(mask, 0), where(mask, g, 0.0).sum()),
    # pointwise math
    "Exp2Backward0": lambda g, r: (g * r * _LN2,),
    "Expm1Backward0": lambda g, r: (g * (r + 1),),
    "Log1PBackward0": lambda g, x: (g / (x + 1),),
    "Log2Backward0": lambda g, x: (g / (x * _LN2),),
    "Log10Backward0": lambda g, x: (g / (x * _LN10),),
    "RsqrtBackward0": lambda g, r: (g * -0.5 * r.pow(3),),
    "SgnBackward0": lambda g: (zeros_grad(g),),
    "FloorBackward0": lambda g: (zeros_grad(g),),
    "CeilBackward0": lambda g: (zeros_grad(g),),
    "RoundBackward0": lambda g: (zeros_grad(g),),
    "RoundBackward1": lambda g: (zeros_grad(g),),
    "TruncBackward0": lambda g: (zeros_grad(g),),
    "FracBackward0": lambda g: (g,),
    "TanBackward0": lambda g, r: (g * (1 + r * r),),
    "AsinBackward0": lambda g, x: (g * (1 - x * x).rsqrt(),),
    "AcosBackward0": lambda g, x: (g * -(1 - x * x).rsqrt(),),
    "AtanBackward0": lambda g, x: (g / (1 + x * x),),
    "Atan2Backward0": lambda g, x, y: _atan2_grads(g, x, y),
    "SinhBackward0": lambda g, x: (g * x.cosh(),),
    "CoshBackward0": lambda g, x: (g * x.sinh(),),
    "AsinhBackward0": lambda g, x: (g * (x * x + 1).rsqrt(),),
    "AcoshBackward0": lambda g, x: (g * (x * x - 1).rsqrt() if not x.is_complex()
                                    else g / ((x - 1).sqrt() * (x + 1).sqrt()),),  # the branch of complex acosh
    "AtanhBackward0": lambda g, x: (g / (1 - x * x),),
    "LogitBackward0": lambda g, x, eps: (_logit_grad(g, x, eps),),
    "HypotBackward0": lambda g, x, y, r: (None if x is None else g * x / r, None if y is None else g * y / r),
    "LerpBackward0": lambda g, w: (g * (1 - w), g * w),
    "LerpBackward1": lambda g, start, end, w: (g * (1 - w), g * w, None if start is None else g * (end - start)),
    "AddcmulBackward0": lambda g, t1, t2, value: (g, None if t2 is None else g * (t2 * value),
                                                  None if t1 is None else g * (t1 * value)),
    "AddcdivBackward0": lambda g, t1, t2, value: (g, g * (t2.reciprocal() * value),
                                                  None if t1 is None else -g * (t1 * value / (t2 * t2))),
    "FmaxBackward0": lambda g, first: (g.masked_fill(first.logical_not(), 0), g.masked_fill(first, 0)),
    "FminBackward0": lambda g, first: (g.masked_fill(first.logical_not(), 0), g.masked_fill(first, 0)),
    "NanToNumBackward0": lambda g, finite: (g * finite,),
    "FmodBackward0": lambda g: (g,),
    "FmodBackward1": lambda g, x, y: (g, None if x is None else -g * _trunc_divide(x, y)),
    "SoftmaxBackward0": lambda g, r, dim: (_softmax_grad(g, r, dim),),
    "LogSoftmaxBackward0": lambda g, r, dim: (g - r.exp() * g.sum(dim, keepdim=True),),
}
NODES = node_classes(GRADIENTS, reads_inputs={"ReluBackward0": "zeros"},
                     in_float32={"SigmoidBackward0": "V", "TanhBackward0": "fV", "SoftmaxBackward0": "fV",
                                 "LogSoftmaxBackward0": "fV"})  # PyTorch's float16 sigmoid rounds each step


def _log_of_number(base):
    """log(base) of a Python number, complex where the number is."""
    return cmath.log(base) if isinstance(base, complex) else float(np.log(base))  # host: a Python number


def where_zero(x, y, value):
    """`value` with 0 where x == 0 and y >= 0 (the limit of log(x) * x**y there)."""
    mask = (x._data == 0) & (y._data >= 0)
    return value.masked_fill(wrap(mask), 0) if mask.any() else value


# NOTE [ Negative zero ]
# A gradient written as g * mask is -0. wherever the mask is 0 and g is negative, and a user sees it:
# print(x.grad) shows `-0.`. PyTorch's kernels write zeros there, or select with a mask, so its
# gradients hold +0. ember's formulas select too: masked_grad(g, mask) for "g where mask, else 0",
# zeros_grad(g) for a gradient that is zero everywhere.
def masked_grad(g, mask):
    """g where `mask` (a bool Tensor or array) holds, +0. elsewhere (NOTE [ Negative zero ])."""
    if GRAD_ENABLED[0] or g._data.dtype.kind == "c":
        return where(mask if isinstance(mask, Tensor) else wrap(mask), g, 0.0)
    m = mask._data if isinstance(mask, Tensor) else mask
    a = g._data  # on the bits, g * m is g where m and all zero bits (+0.) elsewhere; np.where is 10x slower
    return wrap(array_module(a).multiply(a.view(UINT_OF_SIZE[a.dtype.itemsize]), m).view(a.dtype))


def zeros_grad(g):
    """A gradient of zeros shaped like `g` (PyTorch's zeros_like(grad); NOTE [ Negative zero ])."""
    return wrap(array_module(g._data).zeros_like(g._data))


def _split(g, wins, x, y):
    """maximum/minimum's gradient: to the input that wins, half to each on ties, +0. to the other."""
    dt = g._data.dtype  # compared in the result's dtype, as the forward compared them
    a, b = x._data.astype(dt, copy=False), y._data.astype(dt, copy=False)
    share = wrap((wins(a, b) + (a == b) * 0.5).astype(dt))
    return masked_grad(g * share, share._data != 0), masked_grad(g * (1 - share), share._data != 1)


# Without create_graph, grad mode is off during backward: nothing records, so the fast paths below
# compute the same values on arrays, with fewer temporaries than the same formula on Tensors.
def _relu_grad(g, r):
    """g where r > 0, else +0."""
    return masked_grad(g, r._data > 0)


def _tanh_grad(g, r):
    """g * (1 - r * r)."""
    if GRAD_ENABLED[0] or not r._data.ndim:
        return g * (1 - r * r)
    xp = array_module(r._data)
    t = xp.multiply(r._data, r._data)
    xp.subtract(1, t, out=t)
    return wrap(xp.multiply(g._data, t))  # not out=t: under vmap (jacrev) g may be batched where t is not


def _sigmoid_grad(g, r):
    """g * (1 - r) * r."""
    if GRAD_ENABLED[0] or not r._data.ndim:
        return g * (1 - r) * r
    xp = array_module(r._data)
    t = xp.multiply(g._data, xp.subtract(1, r._data))  # g first: under vmap (jacrev) g may be batched where r is not
    return wrap(xp.multiply(t, r._data, out=t))


def _softmax_grad(g, r, dim):
    """r * (g - (g * r).sum(dim, keepdim=True))."""
    if GRAD_ENABLED[0] or not r._data.ndim:
        return r * (g - (g * r).sum(dim, keepdim=True))
    g, r = g._data, r._data
    xp = array_module(r)
    t = xp.multiply(g, r)
    s = t.sum(axis=dim, keepdims=True)
    xp.subtract(g, s, out=t)
    return wrap(xp.multiply(r, t, out=t))


def _atan2_grads(g, x, y):
    """(g * y / (x² + y²), -g * x / (x² + y²)), 0 at the origin as PyTorch gives."""
    d = x * x + y * y
    d = d.masked_fill(d == 0, 1)
    return g * y / d, g * -x / d


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
def either_operands(a, b):
    """operands() for a binary op whose first operand may be the Python number (ember.sub(2, x)); with two numbers,
    the first one as a 0-dim tensor of its default dtype, as PyTorch's arithmetic takes them (add(2.5, 0) is
    tensor(2.5))."""
    if isinstance(a, Tensor):
        return operands(a, b)
    if not isinstance(b, Tensor) and isinstance(a, (int, float, complex, np.number, np.bool_)):
        return operands(tensor(scalar_value(a)), b)
    y, x, dt = operands(b, a)
    return x, y, dt


def _binary(ufunc, a, b):
    x, y, dt = either_operands(a, b)
    try:  # inline rather than through broadcasting: add and mul are hot paths
        return wrap(ufunc(x, y))
    except ValueError:
        raise broadcast_error(x.shape, np.shape(y)) from None


def _with_alpha(ufunc, input, other, alpha):
    """ufunc(input, alpha * other) with PyTorch's promotion (alpha does not take part in it); half precision
    rounded once (NOTE [ Half precision arithmetic ])."""
    x, y, dt = either_operands(input, other)
    xp = array_module(x)
    if is_half_dtype(dt):  # alpha (and a number operand) rounded to half, the product and the sum in float32
        y = dt.type(y) if y.__class__ in (int, float) else y
        return wrap(broadcasting(ufunc, x, xp.multiply(y, dt.type(_alpha(alpha, dt)), dtype=np.float32))
                    ._data.astype(dt))
    return broadcasting(ufunc, x, xp.multiply(y, _alpha(alpha, dt), dtype=dt))


def _at_scalar_value(ufunc, a, b):
    """ufunc(a, b) for mul and div: a number, or a 0-dim tensor, as the second operand of a half-precision tensor
    takes part at its own value in float32, not rounded to half first (NOTE [ Half precision arithmetic ])."""
    x, y, dt = either_operands(a, b)
    if dt.itemsize == 2 and dt.kind in "fV" and isinstance(a, Tensor):
        if y.__class__ is float or y.__class__ is int:
            return wrap(ufunc(x, np.float32(y), dtype=np.float32).astype(dt))
        if isinstance(b, Tensor) and b._data.ndim == 0:
            return broadcasting(lambda u, v: ufunc(u, v, dtype=np.float32).astype(dt), x, b._data)
    try:
        return wrap(ufunc(x, y))
    except ValueError:
        raise broadcast_error(x.shape, np.shape(y)) from None


def _alpha(alpha, dt):
    """The `alpha` of add/sub as a Python number; a float alpha needs a floating point result."""
    alpha = scalar_value(alpha)
    if dt.kind not in "fV" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return alpha


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with PyTorch's type promotion."""
    r = _binary(np.add, input, other) if alpha == 1 else _with_alpha(np.add, input, other, alpha)
    if needs_grad(input, other):
        record(r, NODES.AddBackward0(), (input, other), (alpha,))
    return r if out is None else write_out(out, r, "add")


def _check_not_bool(input, other):
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    _check_not_bool(input, other)
    r = _binary(np.subtract, input, other) if alpha == 1 else _with_alpha(np.subtract, input, other, alpha)
    if needs_grad(input, other):
        record(r, NODES.SubBackward0(), (input, other), (alpha,))
    return r if out is None else write_out(out, r, "sub")


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    _check_not_bool(input, other)
    x, y, dt = operands(input, other)
    r = broadcasting(np.subtract, y, x if alpha == 1 else array_module(x).multiply(x, _alpha(alpha, dt), dtype=dt))
    if isinstance(other, Tensor):
        if needs_grad(input, other):
            record(r, NODES.RsubBackward0(), (input, other), (alpha,))
    elif needs_grad(input):
        record(r, NODES.RsubBackward1(), (input,), (alpha,))
    return r


def mul(input, other, *, out=None):
    """input * other."""
    r = _at_scalar_value(np.multiply, input, other)
    if GRAD_ENABLED[0]:
        a_rg = isinstance(input, Tensor) and input._rg
        b_rg = isinstance(other, Tensor) and other._rg
        if a_rg or b_rg:
            record(r, NODES.MulBackward0(), (input, other), (keep_if(input, b_rg), keep_if(other, a_rg)),
                   saves_number=a_rg and not isinstance(other, Tensor))
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
    x, y, dt = _float_operands(input, other)
    if is_half_dtype(dt):
        r = _at_scalar_value(np.true_divide, input, other)
    else:
        r = broadcasting(np.true_divide, x, y)
    if GRAD_ENABLED[0]:
        b_rg = isinstance(other, Tensor) and other._rg
        if b_rg or isinstance(input, Tensor) and input._rg:
            record(r, NODES.DivBackward0(), (input, other), (keep_if(input, b_rg), other),
                   saves_number=not isinstance(other, Tensor))
    return r if out is None else write_out(out, r, "div")


def rdiv(input, other):
    """other / input (a number divided by a tensor): reciprocal then multiply, as PyTorch records it."""
    return mul(reciprocal(input), other)


def _trunc_divide(input, other):
    x, y, dt = either_operands(input, other)
    xp = array_module(x if isinstance(input, Tensor) else y)
    if is_half_dtype(dt):
        return _at_scalar_value(_truncated_quotient, input, other)
    if dt.kind in "fV":
        return wrap(xp.trunc(x / y))
    _check_int_zero(y)
    q = xp.floor_divide(x, y)
    return wrap(q + ((q < 0) & (q * y != x)))


def _truncated_quotient(x, y, dtype=None):
    """trunc(x / y), both computed in `dtype`."""
    q = array_module(x).true_divide(x, y, dtype=dtype)
    return array_module(q).trunc(q, out=q)


def _check_int_zero(y):
    if array_module(y).any(y == 0):
        raise RuntimeError("ZeroDivisionError")


def _rounding(ufunc, input, other, kernel):
    """ufunc(input, other) for floor division and remainder (`kernel` names PyTorch's, which refuses complex
    numbers); either may be a number."""
    x, y, dt = either_operands(input, other)
    if dt == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if dt.kind in "iu":
        _check_int_zero(y)
    elif dt.kind == "c":
        refuse_complex(dt, kernel)
    elif ufunc is np.floor_divide and is_half_dtype(dt):
        return _at_scalar_value(ufunc, input, other)
    return broadcasting(ufunc, x, y)


def _is_bool(x):
    return isinstance(x, bool) or isinstance(x, Tensor) and x._data.dtype == np.bool_


def floor_divide(input, other, *, out=None):
    """Division rounded down; integer tensors stay integer."""
    if _is_bool(input) and _is_bool(other):
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    r = _rounding(np.floor_divide, input, other, "div_floor_cpu")
    if needs_grad(input, other):
        not_implemented(r, "floor_divide", (input, other))
    return r if out is None else write_out(out, r, "floor_divide")


def remainder(input, other, *, out=None):
    """Python-style modulus (the result takes the sign of the divisor); either operand may be a number."""
    if not isinstance(input, Tensor):
        check_tensor("remainder", "other", other, 2)
    r = _rounding(np.remainder, input, other, "remainder_cpu")
    if needs_grad(input, other):
        if not isinstance(input, Tensor):
            not_implemented(r, "remainder", (other,))
        elif isinstance(other, Tensor):
            record(r, NODES.RemainderBackward1(), (input, other), (keep_if(input, other._rg), other))
        else:
            record(r, NODES.RemainderBackward0(), (input,))
    return r if out is None else write_out(out, r, "remainder")


def pow(input, exponent, *, out=None):
    """input ** exponent (tensor or number); a number base with a tensor exponent is `pow(2, t)`."""
    if "pow" in AUTOCAST_OPS[0]:
        return autocast_call("pow", pow, input, exponent, out=out)
    if not isinstance(input, Tensor):
        return _rpow(exponent, input)
    if isinstance(exponent, Tensor):
        x, y, dt = operands(input, exponent)
        if dt == np.bool_:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        r = broadcasting(np.power if dt.kind in "fcV" else _int_power, x, y)
        if needs_grad(input, exponent):
            record(r, NODES.PowBackward1(), (input, exponent), (input, exponent, input._rg, keep_if(r, exponent._rg)))
        return r if out is None else write_out(out, r, "pow")
    e = scalar_value(exponent)
    x, _, dt = operands(input, e)
    if e == 2:
        r = wrap(array_module(x).square(x))
    elif e == 0.5:
        r = wrap(array_module(x).sqrt(x))
    elif e in (3, -2) and (dt.kind == "V" or dt.kind == "f" and dt.itemsize > 2):  # as PyTorch's kernels multiply
        r = wrap(x * x * x if e == 3 else 1 / (x * x))  # (float16 computes in float32, as NumPy's power does)
    else:
        if dt.kind not in "fcV" and e < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        r = wrap(array_module(x).power(x, e).astype(dt, copy=False))  # NumPy's bool ** bool is int8
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.PowBackward0(), (input,), (input, e))
    return r if out is None else write_out(out, r, "pow")


def _int_power(x, y):
    """Integer power with a tensor exponent: a negative exponent gives 1/x rounded toward zero."""
    xp = array_module(y)  # the exponent is an array (the base may be one made from a number)
    r = xp.power(x, xp.maximum(y, 0))
    negative = y < 0
    if negative.any():
        r = xp.where(negative, xp.where(x == 1, 1, xp.where(x == -1, 1 - 2 * (y & 1), 0)), r).astype(r.dtype)
    return r


def _rpow(t, base):
    base = scalar_value(base)
    x, b, dt = operands(t, base)
    xp = array_module(x)
    r = wrap(xp.power(b, x).astype(dt, copy=False) if dt.kind in "fcV" else _int_power(xp.asarray(b, dt), x))
    if needs_grad(t):
        record(r, NODES.PowBackward2(), (t,), (base, t, r))
    return r


def neg(input, *, out=None):
    """-input."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("neg", "input", input) from None
    if a.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    r = wrap(array_module(a).negative(a))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.NegBackward0(), (input,))
    return r if out is None else write_out(out, r, "neg")


# ---- unary math ---------------------------------------------------------------------------------
def _float_array(t, name):
    """The array of `t`, promoted to the default float dtype if it is integral (as PyTorch's math ops do);
    PyTorch's TypeError, naming op `name`, when `t` is not a Tensor."""
    try:
        a = t._data
    except AttributeError:
        raise tensor_type_error(name, "input", t) from None
    if a.dtype.kind not in "fcV":
        a = a.astype(get_default_dtype().np)
    return a


def _unary(ufunc, node_cls, saves_result, name, doc):
    def op(input, *, out=None):
        if name in AUTOCAST_OPS[0]:
            return autocast_call(name, op, input, out=out)
        r = wrap(ufunc(_float_array(input, name)))
        if GRAD_ENABLED[0] and input._rg:
            record(r, node_cls(), (input,), (r if saves_result else input,))
        return r if out is None else write_out(out, r, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _exp(a):
    """exp of an array; a complex NumPy array as exp(re) * (cos(im) + i sin(im)) on NumPy's vectorized real kernels
    (6x faster than its complex exp), which still computes the non-finite elements (C99's special values)."""
    xp = array_module(a)
    if a.dtype.kind != "c" or a.__class__ is not np.ndarray:
        return xp.exp(a)
    size, angle = xp.exp(a.real), a.imag
    r = xp.empty_like(a)
    xp.multiply(size, xp.cos(angle), out=r.real)
    xp.multiply(size, xp.sin(angle), out=r.imag)
    special = ~xp.isfinite(a)
    if special.any():
        r[special] = xp.exp(a[special])
    return r


exp = _unary(_exp, NODES.ExpBackward0, True, "exp", "e ** input, elementwise.")
log = _unary(np.log, NODES.LogBackward0, False, "log", "Natural logarithm, elementwise.")
sqrt = _unary(np.sqrt, NODES.SqrtBackward0, True, "sqrt", "Square root, elementwise.")
sin = _unary(np.sin, NODES.SinBackward0, False, "sin", "Sine, elementwise.")
cos = _unary(np.cos, NODES.CosBackward0, False, "cos", "Cosine, elementwise.")
tanh = _unary(np.tanh, NODES.TanhBackward0, True, "tanh", "Hyperbolic tangent, elementwise.")


def _sigmoid(a):
    """1 / (1 + exp(-a)); exp(-a) overflows to inf for very negative `a`, which gives 0 as it should. Half
    precision (float16, bfloat16) is computed in float32 and rounded once, as PyTorch does."""
    if a.dtype.itemsize == 2:
        return _sigmoid(a.astype(np.float32)).astype(a.dtype)
    xp = array_module(a)
    r = xp.negative(a, out=xp.empty_like(a))  # an array even when `a` is 0-d
    xp.exp(r, out=r)
    r += 1
    return xp.reciprocal(r, out=r)


def sigmoid(input, *, out=None):
    """1 / (1 + exp(-input)), without overflow."""
    a = _float_array(input, "sigmoid")
    r = wrap(_sigmoid(a))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.SigmoidBackward0(), (input,), (r,))
    return r if out is None else write_out(out, r, "sigmoid")


def reciprocal(input, *, out=None):
    """1 / input."""
    if "reciprocal" in AUTOCAST_OPS[0]:
        return autocast_call("reciprocal", reciprocal, input, out=out)
    a = _float_array(input, "reciprocal")
    r = wrap(array_module(a).reciprocal(a))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.ReciprocalBackward0(), (input,), (r,))
    return r if out is None else write_out(out, r, "reciprocal")


_ZERO = {}  # dtype -> a 0-d NumPy zero: a cheaper ufunc operand than a scalar
_RELU_ZEROS_MIN = 4096  # elements from which relu takes the max against an array of zeros


def _relu(a):
    """max(a, 0). NumPy's maximum against a scalar runs a scalar loop, 5x slower on large arrays than
    against an array of zeros; on small arrays the call's fixed cost dominates, and a 0-d zero is cheapest."""
    xp = array_module(a)
    if a.__class__ is not np.ndarray:
        return xp.maximum(a, a.dtype.type(0))
    if a.size >= _RELU_ZEROS_MIN:
        r = xp.zeros_like(a)
        return xp.maximum(a, r, out=r)
    zero = _ZERO.get(a.dtype)
    if zero is None:
        zero = _ZERO[a.dtype] = xp.zeros((), a.dtype)
    return xp.maximum(a, zero)


def relu(input):
    """max(input, 0)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("relu", "input", input) from None
    refuse_complex(a.dtype, "relu", "clamp is not supported for complex types")
    r = wrap(_relu(a))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.ReluBackward0(), (input,), (r,))
    return r


def abs(input, *, out=None):
    """|input|."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("abs", "input", input) from None
    if a.dtype == np.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    r = wrap(array_module(a).abs(a))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.AbsBackward0(), (input,), (input,))
    return r if out is None else write_out(out, r, "abs")


def _sign(input, node_cls, name, out):
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if a.dtype.kind == "c":
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                           "torch.sgn instead.")
    if a.dtype == np.bool_:
        r = wrap(a.copy())
    elif a.dtype.kind in "fV":  # (x > 0) - (x < 0): NaN gives 0, as in PyTorch (np.sign gives NaN)
        xp = array_module(a)
        r = wrap(xp.subtract(xp.greater(a, 0), xp.less(a, 0), dtype=a.dtype))
    else:
        r = wrap(array_module(a).sign(a))
    if GRAD_ENABLED[0] and input._rg:
        record(r, node_cls(), (input,))
    return r if out is None else write_out(out, r, name)


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element."""
    return _sign(input, NODES.SignBackward0, "sign", out)


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max]; either bound may be None (not both)."""
    return _clamp(input, min, max, out, NODES.ClampBackward1, "clamp")


def clamp_min(input, min, *, out=None):
    """max(input, min)."""
    return _clamp(input, min, None, out, NODES.ClampMinBackward0, "clamp_min")


def clamp_max(input, max, *, out=None):
    """min(input, max)."""
    return _clamp(input, None, max, out, NODES.ClampMaxBackward0, "clamp_max")


def _clamp(input, min, max, out, node, name):
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    refuse_complex(a.dtype, "clamp", "clamp is not supported for complex types")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = _clamp_tensors(input, min, max)
        return r if out is None else write_out(out, r, name)
    lo, hi = scalar_value(min), scalar_value(max)
    for bound in (lo, hi):
        if bound.__class__ is int:
            check_int_scalar(bound)
    if a.dtype.kind not in "fV" and (isinstance(lo, float) or isinstance(hi, float)):
        a = a.astype(get_default_dtype().np)
    xp = array_module(a)
    if hi is None:
        r = xp.maximum(a, a.dtype.type(lo))
    elif lo is None:
        r = xp.minimum(a, a.dtype.type(hi))
    else:
        r = xp.minimum(xp.maximum(a, a.dtype.type(lo)), a.dtype.type(hi))
    r = wrap(r)
    if GRAD_ENABLED[0] and input._rg:
        record(r, node(), (input,), (input, lo, hi))
    return r if out is None else write_out(out, r, name)


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
        r = broadcasting(np.maximum, r, lo._data.astype(a.dtype, copy=False))._data
    if hi is not None:
        r = broadcasting(np.minimum, r, hi._data.astype(a.dtype, copy=False))._data
    r = wrap(r)
    if needs_grad(input, lo, hi):
        record(r, NODES.ClampBackward0(), (input, lo, hi), (input, lo, hi))
    return r


def _extremum(name, ufunc, node, input, other):
    check_tensor(name, "other", other, 2)
    x, y, dt = operands(input, other)
    refuse_complex(dt, name, f"{name} not implemented for complex tensors.", RuntimeError)
    r = broadcasting(ufunc, x, y)
    if needs_grad(input, other):
        record(r, node(), (input, other), (input, other))
    return r


def maximum(input, other, *, out=None):
    """Elementwise maximum of two tensors (the gradient is split evenly on ties, as in PyTorch)."""
    r = _extremum("maximum", np.maximum, NODES.MaximumBackward0, input, other)
    return r if out is None else write_out(out, r, "maximum")


def minimum(input, other, *, out=None):
    """Elementwise minimum of two tensors (the gradient is split evenly on ties)."""
    r = _extremum("minimum", np.minimum, NODES.MinimumBackward0, input, other)
    return r if out is None else write_out(out, r, "minimum")


def masked_fill(input, mask, value):
    """input with `value` where the bool `mask` is True; input and mask broadcast against each other."""
    try:
        a, m = input._data, mask._data
    except AttributeError:
        raise not_tensor_error("masked_fill", ("input", input), ("mask", mask)) from None
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    value_tensor = None
    if value.__class__ not in PYTHON_NUMBERS:
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value._data.ndim} dimension(s).")
            value_tensor, value = value, value._data
        elif not isinstance(value, (np.number, np.bool_)):
            raise _type_error("masked_fill", "value", value, "Number or Tensor", None)
    elif value.__class__ is int:
        check_int_scalar(value)
    try:
        xp = array_module(a)
        r = wrap(c_order(xp.where(m, xp.asarray(value).astype(a.dtype), a)))
    except ValueError:
        raise broadcast_error(a.shape, m.shape) from None
    if value_tensor is not None:
        if needs_grad(input, value_tensor):
            record(r, NODES.MaskedFillBackward1(), (input, value_tensor), (mask,))
    elif GRAD_ENABLED[0] and input._rg:
        record(r, NODES.MaskedFillBackward0(), (input,), (mask,))
    return r


def result_type(tensor, other):
    """The dtype PyTorch's type promotion gives an op on `tensor` and `other` (tensors or numbers)."""
    dims, numbers = [], []
    for x in (tensor, other):
        if isinstance(x, Tensor):
            dims.append((x.dtype, x._data.ndim))
        elif isinstance(x, (bool, int, float, np.number, np.bool_)):
            numbers.append(scalar_value(x))
        else:
            raise TypeError(f"result_type() received an invalid combination of arguments - got "
                            f"({type(tensor).__name__}, {type(other).__name__}), but expected Tensors or numbers")
    return _dtype.result_type(dims, numbers)


def _where_error(cond, x, y):
    try:
        return broadcast_error(cond.shape, np.broadcast_shapes(np.shape(x), np.shape(y)))
    except ValueError:
        return broadcast_error(np.shape(x), np.shape(y))


_SELECT_MIN = 8192  # elements from which the bitwise select beats np.where (on a random condition)


def _select(cond, x, y, dt):
    """np.where(cond, x, y) for a large cond, with x and y (arrays or numbers) of dtype dt. NumPy's
    where branches on each element, 5x slower than three bitwise passes when the condition is
    random: on the bits, y ^ ((x ^ y) * cond). The result is the same, bit for bit."""
    xp = array_module(cond)
    if cond.__class__ is not np.ndarray:
        return xp.where(cond, x, y)
    u = UINT_OF_SIZE[dt.itemsize]
    yb = xp.asarray(y, dt).view(u)
    bits = xp.bitwise_xor(xp.asarray(x, dt).view(u), yb)
    if bits.shape != cond.shape and bits.shape != np.broadcast_shapes(bits.shape, cond.shape):
        # cond is the larger operand
        return xp.where(cond, x, y)
    xp.multiply(bits, cond, out=bits)
    return xp.bitwise_xor(bits, yb, out=bits).view(dt)


def where(condition, input=None, other=None, *, out=None):
    """Elements of `input` where `condition`, else of `other`; with one argument, nonzero(as_tuple=True)."""
    try:
        cond = condition._data
    except AttributeError:
        raise tensor_type_error("where", "condition", condition) from None
    if input is None and other is None:
        return tuple(wrap(i) for i in array_module(cond).nonzero(cond))
    if cond.dtype == np.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in a "
                      "future version of ember. Use a boolean condition instead.", UserWarning, stacklevel=2)
        cond = cond.astype(np.bool_)
        condition = wrap(cond)
    elif cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = tensor(scalar_value(input), device=condition.device)
    x, y, dt = either_operands(input, other)
    try:
        r = wrap(array_module(cond).where(cond, x, y) if cond.size < _SELECT_MIN else _select(cond, x, y, dt))
    except ValueError:
        raise _where_error(cond, x, y) from None
    if needs_grad(input, other):
        record(r, NODES.WhereBackward0(), (input, other), (condition,))
    return r if out is None else write_out(out, r, "where")


# ---- pointwise math (issue 3) ---------------------------------------------------------------------
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _float_unary(fn, node_cls, saves, name, doc):
    """A float math op: integer and bool inputs promote to the default float dtype.
    `saves` is "result", "input" or None: what the backward formula needs."""
    def op(input, *, out=None):
        if name in AUTOCAST_OPS[0]:
            return autocast_call(name, op, input, out=out)
        r = wrap(computed_in_float32(fn, _float_array(input, name)))
        if GRAD_ENABLED[0] and input._rg:
            record(r, node_cls(), (input,), () if saves is None else ((r if saves == "result" else input),))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    op.__doc__ = doc
    return op


def _rsqrt(a):
    xp = array_module(a)
    return xp.reciprocal(xp.sqrt(a))


exp2 = _float_unary(np.exp2, NODES.Exp2Backward0, "result", "exp2", "2 ** input, elementwise.")
expm1 = _float_unary(np.expm1, NODES.Expm1Backward0, "result", "expm1", "exp(input) - 1, accurate near 0.")
log1p = _float_unary(np.log1p, NODES.Log1PBackward0, "input", "log1p", "log(1 + input), accurate near 0.")
log2 = _float_unary(np.log2, NODES.Log2Backward0, "input", "log2", "Base-2 logarithm, elementwise.")
log10 = _float_unary(np.log10, NODES.Log10Backward0, "input", "log10", "Base-10 logarithm, elementwise.")
rsqrt = _float_unary(_rsqrt, NODES.RsqrtBackward0, "result", "rsqrt", "1 / sqrt(input), elementwise.")
tan = _float_unary(np.tan, NODES.TanBackward0, "result", "tan", "Tangent, elementwise.")
asin = _float_unary(np.arcsin, NODES.AsinBackward0, "input", "asin", "Arcsine, elementwise.")
acos = _float_unary(np.arccos, NODES.AcosBackward0, "input", "acos", "Arccosine, elementwise.")
atan = _float_unary(np.arctan, NODES.AtanBackward0, "input", "atan", "Arctangent, elementwise.")
sinh = _float_unary(np.sinh, NODES.SinhBackward0, "input", "sinh", "Hyperbolic sine, elementwise.")
cosh = _float_unary(np.cosh, NODES.CoshBackward0, "input", "cosh", "Hyperbolic cosine, elementwise.")
asinh = _float_unary(np.arcsinh, NODES.AsinhBackward0, "input", "asinh", "Inverse hyperbolic sine, elementwise.")
acosh = _float_unary(np.arccosh, NODES.AcoshBackward0, "input", "acosh", "Inverse hyperbolic cosine, elementwise.")
atanh = _float_unary(np.arctanh, NODES.AtanhBackward0, "input", "atanh", "Inverse hyperbolic tangent, elementwise.")


def square(input, *, out=None):
    """input ** 2 (integer and bool inputs give integers, as pow does)."""
    check_tensor("square", "input", input, 1)
    r = pow(input, 2)
    return r if out is None else write_out(out, r, "square")


def sgn(input, *, out=None):
    """The sign of each element: z / |z| for complex tensors, the values of `sign` for real ones."""
    try:
        kind = input._data.dtype.kind
    except AttributeError:
        raise tensor_type_error("sgn", "input", input) from None
    if kind == "c":
        r = complex_sgn(input)
        return r if out is None else write_out(out, r, "sgn")
    return _sign(input, NODES.SgnBackward0, "sgn", out)


def _rounding_unary(ufunc, node_cls, name, doc):
    """floor/ceil/trunc: integer tensors keep their dtype and values; bool is refused, as in PyTorch."""
    def op(input, *, out=None):
        try:
            a = input._data
        except AttributeError:
            raise tensor_type_error(name, "input", input) from None
        kind = a.dtype.kind
        if kind in "fV":
            r = wrap(ufunc(a))
        elif kind == "b":
            raise NotImplementedError(f"\"{name}_vml_cpu\" not implemented for 'Bool'")
        elif kind == "c":
            raise NotImplementedError(f"\"round_vml_cpu\" not implemented for '{scalar_type_name(a.dtype)}'"
                                      if name == "round" else f"{name} is not supported for complex inputs")
        else:
            r = wrap(a.copy())
        if GRAD_ENABLED[0] and input._rg:
            record(r, node_cls(), (input,))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    op.__doc__ = doc
    return op


floor = _rounding_unary(np.floor, NODES.FloorBackward0, "floor", "The largest integer <= each element.")
ceil = _rounding_unary(np.ceil, NODES.CeilBackward0, "ceil", "The smallest integer >= each element.")
trunc = _rounding_unary(np.trunc, NODES.TruncBackward0, "trunc", "Each element rounded toward zero.")
_round0 = _rounding_unary(np.rint, NODES.RoundBackward0, "round", "")


def round(input, *, decimals=None, out=None):
    """Round half to even; with `decimals`, to that many decimal places (negative: left of the point)."""
    if decimals is None:
        return _round0(input, out=out)
    check_tensor("round", "input", input, 1)
    a = input._data
    if a.dtype.kind not in "fV":
        word = "round_vml_cpu" if decimals == 0 else "round_cpu"
        raise NotImplementedError(f"\"{word}\" not implemented for '{scalar_type_name(a.dtype)}'")
    t, xp = a.dtype.type, array_module(a)
    if decimals > 0:
        p = t(10.0 ** decimals)
        r = xp.rint(a * p) / p
    else:
        p = t(10.0 ** -decimals)
        r = xp.rint(a / p) * p
    r = wrap(r)
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.RoundBackward1(), (input,))
    return r if out is None else write_out(out, r, "round")


def frac(input, *, out=None):
    """input - trunc(input): the fractional part, with the sign of input."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("frac", "input", input) from None
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{scalar_type_name(a.dtype)}'")
    r = wrap(a - array_module(a).trunc(a))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.FracBackward0(), (input,))
    return r if out is None else write_out(out, r, "frac")


def _float_operands(input, other):
    """operands(), with integer results promoted to the default float dtype; integers convert to it
    directly, not through their promoted integer dtype (uint8 / -1 is -1.0, not 1 / 255)."""
    x, y, dt = either_operands(input, other)
    if dt.kind in "fcV":
        return x, y, dt
    dt = get_default_dtype().np
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two numbers: x is the first one's array
        return x.astype(dt), y, dt
    return tuple(v._data.astype(dt) if isinstance(v, Tensor) else v for v in (input, other)) + (dt,)


def atan2(input, other, *, out=None):
    """The angle of the point (other, input): arctangent of input / other in the right quadrant."""
    if "atan2" in AUTOCAST_OPS[0]:
        return autocast_call("atan2", atan2, input, other, out=out)
    check_tensor("atan2", "input", input, 1)
    check_tensor("atan2", "other", other, 2)
    x, y, _ = _float_operands(input, other)
    r = broadcasting(np.arctan2, x, y)
    if needs_grad(input, other):
        record(r, NODES.Atan2Backward0(), (input, other), (input, other))
    return r if out is None else write_out(out, r, "atan2")


def hypot(input, other, *, out=None):
    """sqrt(input ** 2 + other ** 2), without overflow."""
    check_tensor("hypot", "other", other, 2)
    x, y, dt = operands(input, other)
    if dt.kind not in "fV":
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{scalar_type_name(dt)}'")
    r = broadcasting(np.hypot, x, y)
    if needs_grad(input, other):
        record(r, NODES.HypotBackward0(), (input, other), (keep_if(input, input._rg), keep_if(other, other._rg), r))
    return r if out is None else write_out(out, r, "hypot")


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); `weight` is a number or a tensor."""
    check_tensor("lerp", "end", end, 2)
    a, b = input._data, end._data
    if a.dtype.kind not in "fcV":
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{scalar_type_name(a.dtype)}'")
    if b.dtype != a.dtype:
        raise RuntimeError(f"expected dtype {_dtype_word(a.dtype)} for `end` but got dtype {_dtype_word(b.dtype)}")
    if isinstance(weight, Tensor):
        w = weight._data
        if w.dtype != a.dtype and (w.ndim or w.dtype.kind not in "fV"):
            raise RuntimeError(f"expected dtype {_dtype_word(a.dtype)} for `weight` but got dtype "
                               f"{_dtype_word(w.dtype)}")
        w = w.astype(a.dtype, copy=False)
    else:
        w = widened_dtype(a.dtype).type(scalar_value(weight))
    dt = a.dtype
    if is_half_dtype(dt):  # in float32, rounded once (NOTE [ Half precision arithmetic ])
        a, b, w = widened(a), widened(b), widened(w) if isinstance(weight, Tensor) else w
    try:
        d = b - a
        xp = array_module(a)
        r = wrap(xp.where(xp.abs(w) < 0.5, a + w * d, b - d * (1 - w)).astype(dt, copy=False))
    except ValueError:
        raise broadcast_error(a.shape, np.broadcast_shapes(b.shape, np.shape(w)) if np.ndim(w) else b.shape) \
            from None
    if isinstance(weight, Tensor):
        if needs_grad(input, end, weight):
            record(r, NODES.LerpBackward1(), (input, end, weight),
                   (keep_if(input, weight._rg), keep_if(end, weight._rg), weight))
    elif needs_grad(input, end):
        record(r, NODES.LerpBackward0(), (input, end), (float(w),))
    return r if out is None else write_out(out, r, "lerp")


def _dtype_word(dt):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}.get(np.dtype(dt).name, np.dtype(dt).name)


def _three(name, input, tensor1, tensor2):
    """The arrays of three tensors cast to their common PyTorch result dtype, and that dtype; PyTorch's TypeError
    naming the first argument of `name` that is not a Tensor."""
    try:
        a, b, c = input._data, tensor1._data, tensor2._data
    except AttributeError:
        raise not_tensor_error(name, ("input", input), ("tensor1", tensor1), ("tensor2", tensor2)) from None
    bc = _dtype.FROM_NP[result_dtype(b, c)]  # tensor1 and tensor2 promote first, then with input
    dt = _dtype.result_type([(_dtype.FROM_NP[a.dtype], a.ndim), (bc, 1 if b.ndim or c.ndim else 0)], ()).np
    return a.astype(dt, copy=False), b.astype(dt, copy=False), c.astype(dt, copy=False), dt


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    if "addcmul" in AUTOCAST_OPS[0]:
        return autocast_call("addcmul", addcmul, input, tensor1, tensor2, value=value, out=out)
    a, b, c, dt = _three("addcmul", input, tensor1, tensor2)
    v = scalar_value(value)
    try:
        r = wrap((a + array_module(b).multiply(b, widened_dtype(dt).type(v), dtype=widened_dtype(dt)) * c)
                 .astype(dt, copy=False))
    except ValueError:
        raise broadcast_error(np.broadcast_shapes(b.shape, c.shape) if _bc(b, c) else b.shape,
                              a.shape if _bc(b, c) else c.shape) from None
    if needs_grad(input, tensor1, tensor2):
        record(r, NODES.AddcmulBackward0(), (input, tensor1, tensor2),
               (keep_if(tensor1, tensor2._rg), keep_if(tensor2, tensor1._rg), v))
    return r if out is None else write_out(out, r, "addcmul")


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (tensor1 and tensor2 may not both be integral)."""
    if "addcdiv" in AUTOCAST_OPS[0]:
        return autocast_call("addcdiv", addcdiv, input, tensor1, tensor2, value=value, out=out)
    a, b, c, dt = _three("addcdiv", input, tensor1, tensor2)
    if tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                           "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
                           "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter implementation: "
                           "(input + value * tensor1 / tensor2), for all dtypes.")
    v = scalar_value(value)
    try:
        r = wrap((a + array_module(b).multiply(b, widened_dtype(dt).type(v), dtype=widened_dtype(dt)) / c)
                 .astype(dt, copy=False))
    except ValueError:
        raise broadcast_error(np.broadcast_shapes(b.shape, c.shape) if _bc(b, c) else b.shape,
                              a.shape if _bc(b, c) else c.shape) from None
    if needs_grad(input, tensor1, tensor2):
        record(r, NODES.AddcdivBackward0(), (input, tensor1, tensor2), (keep_if(tensor1, tensor2._rg), tensor2, v))
    return r if out is None else write_out(out, r, "addcdiv")


def _bc(b, c):
    try:
        np.broadcast_shapes(b.shape, c.shape)
        return True
    except ValueError:
        return False


def _nan_ignoring(name, ufunc, first_wins, node_cls):
    def op(input, other, *, out=None):
        check_tensor(name, "other", other, 2)
        x, y, _ = operands(input, other)
        r = broadcasting(ufunc, x, y)
        if needs_grad(input, other):
            record(r, node_cls(), (input, other), (wrap(first_wins(x, y) | array_module(y).isnan(y)),))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name[1:]}imum of two tensors; a NaN loses to a number."
    return op


fmax = _nan_ignoring("fmax", np.fmax, np.greater_equal, NODES.FmaxBackward0)
fmin = _nan_ignoring("fmin", np.fmin, np.less_equal, NODES.FminBackward0)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (default: the dtype's extremes)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("nan_to_num", "input", input) from None
    if a.dtype.kind in "fV":
        r = wrap(array_module(a).nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf))
    else:
        r = wrap(a.copy())
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.NanToNumBackward0(), (input,), (wrap(array_module(a).isfinite(a)),))
    return r if out is None else write_out(out, r, "nan_to_num")


def fmod(input, other, *, out=None):
    """C-style modulus (the result takes the sign of the dividend)."""
    x, y, dt = operands(input, other)
    if dt.kind in "iub":
        _check_int_zero(y)
    r = broadcasting(np.fmod, x, y)
    if needs_grad(input, other):
        if isinstance(other, Tensor):
            record(r, NODES.FmodBackward1(), (input, other), (keep_if(input, other._rg), other))
        else:
            record(r, NODES.FmodBackward0(), (input,))
    return r if out is None else write_out(out, r, "fmod")


def _softmax_input(name, input, dim, dtype):
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
        a = input._data
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{name}_kernel_impl\" not implemented for '{scalar_type_name(a.dtype)}'")
    d = wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        a = a.reshape(1)
    return input, a, d


def _softmax(a, d):
    """softmax of `a` along `d` (half precision computed in float32 and rounded once, as PyTorch's)."""
    if not a.size:
        return a.copy()
    xp = array_module(a)
    r = xp.subtract(widened(a), a.max(axis=d, keepdims=True))
    xp.exp(r, out=r)
    r /= r.sum(axis=d, keepdims=True)
    return c_order(r.astype(a.dtype, copy=False))


def _log_softmax(a, d):
    """log_softmax of `a` along `d` (half precision computed in float32 and rounded once, as PyTorch's)."""
    if not a.size:
        return a.copy()
    xp = array_module(a)
    r = xp.subtract(widened(a), a.max(axis=d, keepdims=True))
    total = xp.exp(r).sum(axis=d, keepdims=True)
    if r.dtype != a.dtype and d == a.ndim - 1:  # PyTorch's last-dim kernel keeps the sum and its log in half
        r -= xp.log(total.astype(a.dtype)).astype(a.dtype)
    else:
        r -= xp.log(total)
    return c_order(r.astype(a.dtype, copy=False))


def softmax(input, dim=REQUIRED, dtype=None, *, out=None, **aliases):
    """exp(input) / exp(input).sum(dim), shifted by the max so it never overflows."""
    if "softmax" in AUTOCAST_OPS[0]:
        return autocast_call("softmax", softmax, input, dim, dtype, out=out, **aliases)
    if aliases or dim is REQUIRED:
        dim = required_dim("softmax", aliases, dim)[0]
    input, a, d = _softmax_input("softmax", input, dim, dtype)
    r = wrap(_softmax(a, d).reshape(input._data.shape))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.SoftmaxBackward0(), (input,), (r, d if input._data.ndim else 0))
    return r if out is None else write_out(out, r, "softmax")


def log_softmax(input, dim=REQUIRED, dtype=None, *, out=None, **aliases):
    """input - log(exp(input).sum(dim)), shifted by the max so it never overflows."""
    if "log_softmax" in AUTOCAST_OPS[0]:
        return autocast_call("log_softmax", log_softmax, input, dim, dtype, out=out, **aliases)
    if aliases or dim is REQUIRED:
        dim = required_dim("log_softmax", aliases, dim)[0]
    input, a, d = _softmax_input("log_softmax", input, dim, dtype)
    r = wrap(_log_softmax(a, d).reshape(input._data.shape))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.LogSoftmaxBackward0(), (input,), (r, d if input._data.ndim else 0))
    return r if out is None else write_out(out, r, "log_softmax")


def _logit_grad(g, x, eps):
    if eps is None:
        return where((x < 0).logical_or(x > 1), float("nan"), g / (x * (1 - x)))
    return where((x < eps).logical_or(x > 1 - eps), 0.0, g / (x * (1 - x)))


def logit(input, eps=None, *, out=None):
    """log(input / (1 - input)); with `eps`, input is first clamped to [eps, 1 - eps]."""
    a = _float_array(input, "logit")
    if eps is not None:
        a = array_module(a).clip(a, a.dtype.type(eps), a.dtype.type(1 - eps))
    r = wrap(array_module(a).log(a / (1 - a)))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.LogitBackward0(), (input,), (input, eps))
    return r if out is None else write_out(out, r, "logit")


METHODS = {"add": add, "sub": sub, "mul": mul, "div": div, "floor_divide": floor_divide, "remainder": remainder,
           "fmod": fmod, "pow": pow, "neg": neg, "abs": abs, "sign": sign, "reciprocal": reciprocal, "rsub": rsub,
           "exp": exp, "log": log, "sqrt": sqrt, "sin": sin, "cos": cos, "tanh": tanh, "sigmoid": sigmoid,
           "relu": relu, "clamp": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max, "maximum": maximum,
           "masked_fill": masked_fill, "minimum": minimum, "square": square, "exp2": exp2, "expm1": expm1,
           "log1p": log1p, "log2": log2, "log10": log10, "rsqrt": rsqrt, "sgn": sgn, "floor": floor, "ceil": ceil,
           "round": round, "trunc": trunc, "frac": frac, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
           "atan2": atan2, "sinh": sinh, "cosh": cosh, "asinh": asinh, "acosh": acosh, "atanh": atanh, "logit": logit,
           "hypot": hypot, "lerp": lerp, "addcmul": addcmul, "addcdiv": addcdiv, "nan_to_num": nan_to_num,
           "fmax": fmax, "fmin": fmin, "softmax": softmax, "log_softmax": log_softmax}
