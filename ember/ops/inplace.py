"""In-place variants (`add_`, `mul_`, `clamp_`, ...), built once from the out-of-place ops.

Without autograd the result is written straight into the tensor's array (`out=`), so views and
NumPy arrays that share the memory see the change. When the op is recorded, the out-of-place op
runs on a snapshot of the old value (which its backward formula may need) and the tensor takes
over the result's graph node, as PyTorch rebases history on in-place ops.
"""
import numpy as np

from .._creation import _type_error
from ..autograd.forward_ad import mark_snapshot
from ..autograd.grad_mode import GRAD_MODE
from ..autograd.graph import no_derivative, node_classes
from ..autograd.record import FORWARD_AD, set_marks
from ..backend import array_module
from . import comparison as cmp
from . import complex_numbers, special_math
from . import elementwise as ew
from . import pointwise as pw
from .base import (
    GRAD_ENABLED,
    PYTHON_NUMBERS,
    Tensor,
    broadcast_error,
    check_inplace,
    check_int_scalar,
    check_no_partial_overlap,
    needs_grad,
    operands,
    record,
    tensor_type_error,
    wrap,
)
from .views import check_view_inplace, share_inplace

GRADIENTS = {
    "ZeroBackward0": lambda g: (ew.zeros_grad(g),),
    "FillBackward0": lambda g: (ew.zeros_grad(g),),
    "FillBackward2": lambda g: (ew.zeros_grad(g),),
    "FillBackward3": lambda g: (ew.zeros_grad(g), g.sum()),
}
NODES = node_classes(GRADIENTS)


def _snapshot(t):
    """The current value of `t` in its own memory, attached to `t`'s place in the graph."""
    s = wrap(t._data.copy())
    s._rg, s._grad_fn, s._output_nr = t._rg, t._grad_fn, t._output_nr
    if FORWARD_AD[0]:
        mark_snapshot(t, s)
    return s


def _write(self, array):
    """Copy `array` into self's memory (casting to self's dtype) and bump the version; PyTorch's error when
    `array` is larger than self."""
    shape = self._data.shape
    if array.shape != shape and _broadcast_shape(shape, array.shape) != shape:
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(array.shape)}")
    array_module(self._data).copyto(self._data, array, casting="unsafe")
    self._vc[0] += 1


def _rebase(self, result):
    """Write `result` into self and make self the output of result's node."""
    check_inplace(self, result._data.dtype)
    through_view = check_view_inplace(self)
    _write(self, result._data)
    if not GRAD_MODE[0] and result._grad_fn is None:
        return self  # recorded only because a dual level is open, and no tangent involved: as under no_grad
    self._grad_fn, self._rg, self._output_nr = result._grad_fn, result._rg, result._output_nr
    if FORWARD_AD[0]:
        set_marks(self, result._fw_hidden, result._fw_sources)
    if self._grad_fn is not None:
        if self._grad_fn._result_at >= 0:
            _save_self_as_result(self._grad_fn, self)
        share_inplace(self, through_view)
    return self


def _save_self_as_result(node, t):
    """A node that saved its result (NOTE [ Saved results ] in graph.py) saves `t` instead, the tensor the
    in-place op wrote: a later in-place change of `t` then raises in backward, as in PyTorch, and the
    out-of-place result is freed."""
    i = node._result_at
    node._saved = node._saved[:i] + ((t._data, t._vc),) + node._saved[i + 1:]
    node._versions = [(j, t._vc, t._vc[0]) if j == i else (j, c, v) for j, c, v in node._versions]


def _graph_inplace(op, self, args, kwargs):
    check_inplace(self)
    return _rebase(self, op(_snapshot(self), *args, **kwargs))


def binary_inplace(op, ufunc):
    """`op_` for a binary ufunc op: `self = op(self, other)` written into self's memory."""
    def inplace(self, other, **kwargs):
        if isinstance(other, Tensor):
            check_no_partial_overlap(self._data, other._data)
        if needs_grad(self, other):
            return _graph_inplace(op, self, (other,), kwargs)
        check_inplace(self)
        a = self._data
        if a.dtype.itemsize == 2 and a.dtype.kind in "fV":  # rounded once (NOTE [ Half precision arithmetic ])
            return _written(self, op, (other,), kwargs)
        alpha = kwargs.get("alpha", 1)
        if alpha != 1:
            other = other * alpha
        _, y, dt = operands(self, other)
        check_inplace(self, dt)
        try:
            ufunc(a, y, out=a, casting="unsafe")
        except TypeError as e:  # NumPy refuses the dtypes (bool - bool): the out-of-place op raises PyTorch's error
            op(self, other)
            raise RuntimeError(str(e)) from None
        except ValueError:
            shape = _broadcast_shape(a.shape, np.shape(y))
            if shape is None:
                raise broadcast_error(a.shape, np.shape(y)) from None
            raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}") from None
        self._vc[0] += 1
        return self
    inplace.__name__ = op.__name__ + "_"
    inplace.__doc__ = f"In-place {op.__name__}."
    return inplace


def _broadcast_shape(a_shape, b_shape):
    """The shape two shapes broadcast to, or None where they do not."""
    try:
        return np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        return None


def generic_inplace(op):
    """`op_` for any op: compute out of place, then write into self's memory."""
    def inplace(self, *args, **kwargs):
        try:
            a = self._data
        except AttributeError:
            raise tensor_type_error(inplace.__name__, "input", self) from None
        for arg in args:
            if isinstance(arg, Tensor):
                check_no_partial_overlap(a, arg._data)
        if needs_grad(self, *args):
            return _graph_inplace(op, self, args, kwargs)
        check_inplace(self)
        return _written(self, op, args, kwargs)
    inplace.__name__ = op.__name__ + "_"
    inplace.__doc__ = f"In-place {op.__name__}."
    return inplace


def _written(self, op, args, kwargs):
    """self, with op(self, *args, **kwargs) computed out of place written into its memory."""
    r = op(self, *args, **kwargs)
    check_inplace(self, r._data.dtype)
    _write(self, r._data)
    return self


def zero_(self):
    """Fill with zeros in place."""
    try:
        a = self._data
    except AttributeError:
        raise tensor_type_error("zero_", "input", self) from None
    check_inplace(self, may_overlap=True)
    through_view = GRAD_ENABLED[0] and self._rg and check_view_inplace(self)
    a[...] = 0
    self._vc[0] += 1
    if GRAD_ENABLED[0] and self._rg:
        record(self, NODES.ZeroBackward0(), (self,))
        share_inplace(self, through_view)
    return self


def fill_(self, value):
    """Fill with `value` (a number or a one-element tensor) in place."""
    try:
        a = self._data
    except AttributeError:
        raise tensor_type_error("fill_", "input", self) from None
    check_inplace(self, may_overlap=True)
    tensor = value if isinstance(value, Tensor) else None
    if tensor is not None:
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        value = value._data
    elif value.__class__ not in PYTHON_NUMBERS and not isinstance(value, (np.number, np.bool_)):
        raise _type_error("fill_", "value", value, "Number or Tensor", None)
    elif value.__class__ is int:
        check_int_scalar(value)
    recording = needs_grad(self, tensor)
    through_view = recording and check_view_inplace(self)
    a[...] = value
    self._vc[0] += 1
    if recording:
        if tensor is not None:
            record(self, NODES.FillBackward3(), (self, tensor))
        else:
            record(self, NODES.FillBackward2(), (self,))
        share_inplace(self, through_view)
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
clamp_min_ = generic_inplace(ew.clamp_min)
clamp_max_ = generic_inplace(ew.clamp_max)
masked_fill_ = generic_inplace(ew.masked_fill)

# pointwise math (issue 3)
square_ = generic_inplace(ew.square)
exp2_ = generic_inplace(ew.exp2)
expm1_ = generic_inplace(ew.expm1)
log1p_ = generic_inplace(ew.log1p)
log2_ = generic_inplace(ew.log2)
log10_ = generic_inplace(ew.log10)
rsqrt_ = generic_inplace(ew.rsqrt)
sgn_ = generic_inplace(ew.sgn)
floor_ = generic_inplace(ew.floor)
ceil_ = generic_inplace(ew.ceil)
round_ = generic_inplace(ew.round)
trunc_ = generic_inplace(ew.trunc)
frac_ = generic_inplace(ew.frac)
tan_ = generic_inplace(ew.tan)
asin_ = generic_inplace(ew.asin)
acos_ = generic_inplace(ew.acos)
atan_ = generic_inplace(ew.atan)
atan2_ = generic_inplace(ew.atan2)
sinh_ = generic_inplace(ew.sinh)
cosh_ = generic_inplace(ew.cosh)
logit_ = generic_inplace(ew.logit)
hypot_ = generic_inplace(ew.hypot)
lerp_ = generic_inplace(ew.lerp)
addcmul_ = generic_inplace(ew.addcmul)
addcdiv_ = generic_inplace(ew.addcdiv)
nan_to_num_ = generic_inplace(ew.nan_to_num)
fmod_ = generic_inplace(ew.fmod)


def renamed_inplace(op, node_from, node_to):
    """`op_` whose recorded node takes PyTorch's in-place name (acosh_ records AcoshBackward1)."""
    base = generic_inplace(op)

    def inplace(self, *args, **kwargs):
        r = base(self, *args, **kwargs)
        if r._grad_fn.__class__ is node_from:
            r._grad_fn.__class__ = node_to
        return r
    inplace.__name__, inplace.__doc__ = base.__name__, base.__doc__
    return inplace


# PyTorch records these in-place variants under their own names and gives them no derivative.
_RENAMED = node_classes({f"{op.capitalize()}Backward1": no_derivative(
    f"the derivative for 'inplace version of {op}' is not implemented.", NotImplementedError)
                         for op in ("acosh", "asinh", "atanh")})
acosh_ = renamed_inplace(ew.acosh, ew.NODES.AcoshBackward0, _RENAMED["AcoshBackward1"])
asinh_ = renamed_inplace(ew.asinh, ew.NODES.AsinhBackward0, _RENAMED["AsinhBackward1"])
atanh_ = renamed_inplace(ew.atanh, ew.NODES.AtanhBackward0, _RENAMED["AtanhBackward1"])
erf_ = generic_inplace(special_math.erf)
erfc_ = generic_inplace(special_math.erfc)
erfinv_ = generic_inplace(special_math.erfinv)
lgamma_ = generic_inplace(special_math.lgamma)
digamma_ = generic_inplace(special_math.digamma)
# comparison, logic and bitwise ops write their result into self's dtype (1.0 / 0.0 into a float tensor)
eq_ = generic_inplace(cmp.eq)
ne_ = generic_inplace(cmp.ne)
lt_ = generic_inplace(cmp.lt)
le_ = generic_inplace(cmp.le)
gt_ = generic_inplace(cmp.gt)
ge_ = generic_inplace(cmp.ge)
logical_and_ = generic_inplace(cmp.logical_and)
logical_or_ = generic_inplace(cmp.logical_or)
logical_xor_ = generic_inplace(cmp.logical_xor)
logical_not_ = generic_inplace(cmp.logical_not)
bitwise_and_ = generic_inplace(cmp.bitwise_and)
bitwise_or_ = generic_inplace(cmp.bitwise_or)
bitwise_xor_ = generic_inplace(cmp.bitwise_xor)
bitwise_not_ = generic_inplace(cmp.bitwise_not)
deg2rad_ = generic_inplace(pw.deg2rad)
rad2deg_ = generic_inplace(pw.rad2deg)
copysign_ = generic_inplace(pw.copysign)
heaviside_ = generic_inplace(pw.heaviside)
xlogy_ = generic_inplace(pw.xlogy)
sinc_ = generic_inplace(pw.sinc)
gcd_ = generic_inplace(pw.gcd)
lcm_ = generic_inplace(pw.lcm)
ldexp_ = generic_inplace(pw.ldexp)
nextafter_ = generic_inplace(pw.nextafter)
bitwise_left_shift_ = generic_inplace(pw.bitwise_left_shift)
bitwise_right_shift_ = generic_inplace(pw.bitwise_right_shift)


def float_power_(self, exponent):
    """In-place float_power: self must be float64, the dtype of float_power's result."""
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype} but the operation's result "
                           f"requires dtype Double")
    return generic_inplace(pw.float_power)(self, exponent)


def _with_diagonal(input, fill_value, wrap=False):
    """`input` with its main diagonal set to fill_value (continued every n + 1 rows of a tall matrix with `wrap`)."""
    a = input._data
    if a.ndim < 2:
        raise RuntimeError(f"dimensions must larger than 1, got {a.ndim}")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    xp = array_module(a)
    mask = xp.zeros(a.shape, np.bool_)
    xp.fill_diagonal(mask, True, wrap=wrap)
    return ew.where(ew.wrap(mask), ew.wrap(xp.asarray(fill_value, dtype=a.dtype)), input)


fill_diagonal_ = generic_inplace(_with_diagonal)
fill_diagonal_.__name__, fill_diagonal_.__doc__ = "fill_diagonal_", "Set the main diagonal to fill_value, in place."


METHODS = {"clamp_min_": clamp_min_, "clamp_max_": clamp_max_, "masked_fill_": masked_fill_, "zero_": zero_,
           "fill_": fill_, "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "floor_divide_": floor_divide_,
           "remainder_": remainder_, "pow_": pow_, "neg_": neg_, "abs_": abs_, "sign_": sign_, "exp_": exp_,
           "log_": log_, "sqrt_": sqrt_, "sin_": sin_, "cos_": cos_, "tanh_": tanh_, "sigmoid_": sigmoid_,
           "reciprocal_": reciprocal_, "relu_": relu_, "clamp_": clamp_, "square_": square_, "exp2_": exp2_,
           "expm1_": expm1_, "log1p_": log1p_, "log2_": log2_, "log10_": log10_, "rsqrt_": rsqrt_, "sgn_": sgn_,
           "floor_": floor_, "ceil_": ceil_, "round_": round_, "trunc_": trunc_, "frac_": frac_, "tan_": tan_,
           "asin_": asin_, "acos_": acos_, "atan_": atan_, "atan2_": atan2_, "sinh_": sinh_, "cosh_": cosh_,
           "asinh_": asinh_, "acosh_": acosh_, "atanh_": atanh_, "logit_": logit_, "hypot_": hypot_, "lerp_": lerp_,
           "addcmul_": addcmul_, "addcdiv_": addcdiv_, "nan_to_num_": nan_to_num_, "fmod_": fmod_, "erf_": erf_,
           "erfc_": erfc_, "erfinv_": erfinv_, "lgamma_": lgamma_, "digamma_": digamma_,
           "bitwise_left_shift_": bitwise_left_shift_, "bitwise_right_shift_": bitwise_right_shift_,
           "float_power_": float_power_, "fill_diagonal_": fill_diagonal_, "eq_": eq_, "ne_": ne_, "lt_": lt_,
           "le_": le_, "gt_": gt_, "ge_": ge_, "logical_and_": logical_and_, "logical_or_": logical_or_,
           "logical_xor_": logical_xor_, "logical_not_": logical_not_, "bitwise_and_": bitwise_and_,
           "bitwise_or_": bitwise_or_, "bitwise_xor_": bitwise_xor_, "bitwise_not_": bitwise_not_,
           "deg2rad_": deg2rad_, "rad2deg_": rad2deg_, "copysign_": copysign_, "heaviside_": heaviside_,
           "xlogy_": xlogy_, "sinc_": sinc_, "gcd_": gcd_, "lcm_": lcm_, "ldexp_": ldexp_, "nextafter_": nextafter_,
           "conj_physical_": generic_inplace(complex_numbers.conj_physical)}
