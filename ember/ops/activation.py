"""Activation functions of nn.functional, with their backward formulas in one table."""
import math
import warnings

import numpy as np

from .._random import rng
from .._tensor import wrap_dim
from ..autograd.graph import node_classes, widened_value
from ..backend import array_module, asarray_like, is_half_dtype, widened
from . import elementwise as E
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, Tensor, check_tensor, log1p_exp, record, tensor_type_error, wrap
from .elementwise import _float_array, masked_grad, sigmoid, tanh, where
from .inplace import generic_inplace, renamed_inplace
from .keywords import numpy_keywords
from .shape import cat
from .special_math import erf

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_ONE_SIXTH_F32 = float(np.float32(1) / np.float32(6))  # PyTorch's hardsigmoid gradient uses 1/6 in float32

GRADIENTS = {
    "HardtanhBackward0": lambda g, x, lo, hi: (masked_grad(g, (x > lo) & (x < hi)),),
    "LeakyReluBackward0": lambda g, x, slope: (where(x > 0, g, g * slope),),
    "EluBackward0": lambda g, x, alpha, scale, input_scale: (
        where(x > 0, g * scale, g * (_negative_part(x) * input_scale).exp() * (alpha * scale * input_scale)),),
    "CeluBackward0": lambda g, x, alpha: (where(x > 0, g, g * (_negative_part(x) / alpha).exp()),),
    "GeluBackward0": lambda g, x, approximate: (g * _gelu_grad(x, approximate),),
    "SiluBackward0": lambda g, x: (g * _silu_grad(x),),
    "MishBackward0": lambda g, x: (g * _mish_grad(x),),
    "HardswishBackward0": lambda g, x: (where(x <= -3, 0.0, where(x < 3, g * (x / 3 + 0.5), g)),),
    "HardsigmoidBackward0": lambda g, x: (masked_grad(g * _ONE_SIXTH_F32, (x > -3) & (x < 3)),),
    "SoftplusBackward0": lambda g, x, beta, threshold: (where(x * beta > threshold, g, g * sigmoid(x * beta)),),
    "SoftshrinkBackward0": lambda g, x, lambd: (masked_grad(g, x.abs() > lambd),),
    "HardshrinkBackward0": lambda g, x, lambd: (masked_grad(g, x.abs() > lambd),),
    "LogSigmoidBackward0": lambda g, x: (_logsigmoid_grad(g, x),),
    "ThresholdBackward0": lambda g, x, threshold: (masked_grad(g, x > threshold),),
    "GluBackward0": lambda g, x, dim: (_glu_grad(g, x, dim),),
    "PreluKernelBackward0": lambda g, x, w: (where(x > 0, g, g * w), where(x > 0, 0.0, g * x)),
    "RreluWithNoiseBackward0": lambda g, noise: (g * noise,),
}
_ROUNDING_IN_BETWEEN = {"LogSigmoidBackward0", "GluBackward0"}  # their formulas widen after PyTorch's rounding
NODES = node_classes(GRADIENTS, in_float32=dict.fromkeys(set(GRADIENTS) - _ROUNDING_IN_BETWEEN, "fV"),
                     reads_inputs={
    **dict.fromkeys(["HardtanhBackward0", "LeakyReluBackward0", "SoftshrinkBackward0", "HardshrinkBackward0",
                     "ThresholdBackward0", "PreluKernelBackward0"], "zeros"),
    "HardsigmoidBackward0": "not implemented"})


def _negative_part(x):
    """x where x < 0, else 0: elu's exp(x) branch with PyTorch's zero second derivative at x == 0."""
    return where(x < 0, x, 0.0)


def _gelu_grad(x, approximate):
    if approximate == "tanh":
        inner = (x + 0.044715 * x * x * x) * _SQRT_2_OVER_PI
        t = tanh(inner)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
    return cdf + x * (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))


def _silu_grad(x):
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def _mish_grad(x):
    t = tanh(softplus(x))
    return t + x * sigmoid(x) * (1 - t * t)


def _opmath_array(input, name):
    """_float_array(), half precision widened to float32: the activations compute in it, and _unary rounds the
    result once, as PyTorch's kernels do (NOTE [ Half precision arithmetic ])."""
    return widened(_float_array(input, name))


def _unary(node, array, input, saved):
    """Wrap the result array (rounded to input's half precision where computed wider) and record `node` with
    `saved` when input requires grad."""
    dt = input._data.dtype
    if array.dtype != dt and is_half_dtype(dt):
        array = array.astype(dt)
    r = wrap(array)
    if GRAD_ENABLED[0] and input._rg:
        record(r, node(), (input,), saved)
    return r


def _np(value, a):
    return a.dtype.type(value)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return hardtanh_(input, min_val, max_val)
    return _hardtanh(input, min_val, max_val, "hardtanh")


def _hardtanh(input, min_val, max_val, name):
    a = _opmath_array(input, name)
    xp = array_module(a)
    return _unary(NODES.HardtanhBackward0, xp.clip(a, _np(min_val, a), _np(max_val, a)), input,
                  (input, min_val, max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(input, 0), 6)."""
    return relu6_(input) if inplace else _hardtanh(input, 0.0, 6.0, "relu6")


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where positive, negative_slope * input elsewhere."""
    if inplace:
        return leaky_relu_(input, negative_slope)
    a = _opmath_array(input, "leaky_relu")
    xp = array_module(a)
    return _unary(NODES.LeakyReluBackward0, xp.where(a > 0, a, a * _np(negative_slope, a)), input,
                  (input, negative_slope))


def _elu(input, alpha, scale, input_scale, name):
    a = _opmath_array(input, name)
    xp = array_module(a)
    neg = xp.expm1(xp.minimum(a, 0) * _np(input_scale, a)) * _np(alpha * scale, a)
    r = xp.where(a > 0, a * _np(scale, a), neg)
    return _unary(NODES.EluBackward0, r, input, (input, alpha, scale, input_scale))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where positive, alpha * (exp(input) - 1) elsewhere."""
    return elu_(input, alpha) if inplace else _elu(input, alpha, 1.0, 1.0, "elu")


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(input, alpha) with the self-normalising constants."""
    return selu_(input) if inplace else _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, "selu")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if inplace:
        return celu_(input, alpha)
    a = _opmath_array(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    xp = array_module(a)
    r = xp.where(a > 0, a, xp.expm1(xp.minimum(a, 0) / _np(alpha, a)) * _np(alpha, a))
    return _unary(NODES.CeluBackward0, r, input, (input, alpha))


def gelu(input: Tensor, *, approximate: str = "none") -> Tensor:
    """x * Phi(x), exact (erf) or with the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, but got {approximate!r}")
    a = _opmath_array(input, "gelu")
    if approximate == "tanh":
        xp = array_module(a)
        r = 0.5 * a * (1 + xp.tanh((a + 0.044715 * a * a * a) * _np(_SQRT_2_OVER_PI, a)))
    else:
        r = a * (erf(wrap(a * _np(1 / math.sqrt(2), a)))._data + 1) * _np(0.5, a)
    return _unary(NODES.GeluBackward0, r.astype(a.dtype, copy=False), input, (input, approximate))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    if inplace:
        return silu_(input)
    try:
        a = widened(input._data)
    except AttributeError:
        raise tensor_type_error("silu", "input", input) from None
    return _unary(NODES.SiluBackward0, a * E._sigmoid(a), input, (input,))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    if inplace:
        return mish_(input)
    a = _opmath_array(input, "mish")
    xp = array_module(a)
    return _unary(NODES.MishBackward0, a * xp.tanh(log1p_exp(a).astype(a.dtype)), input, (input,))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    if inplace:
        return hardswish_(input)
    a = _opmath_array(input, "hardswish")
    xp = array_module(a)
    return _unary(NODES.HardswishBackward0, a * xp.clip(a + 3, 0, 6) / _np(6, a), input, (input,))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    if inplace:
        return hardsigmoid_(input)
    a = _opmath_array(input, "hardsigmoid")
    xp = array_module(a)
    return _unary(NODES.HardsigmoidBackward0, xp.clip(a + 3, 0, 6) / _np(6, a), input, (input,))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, linear above threshold (never overflows)."""
    if "softplus" in AUTOCAST_OPS[0]:
        return autocast_call("softplus", softplus, input, beta, threshold)
    a = _opmath_array(input, "softplus")
    z = a * _np(beta, a)
    xp = array_module(a)
    r = xp.where(z > threshold, a, log1p_exp(z).astype(a.dtype) / _np(beta, a))
    return _unary(NODES.SoftplusBackward0, r, input, (input, beta, threshold))


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    check_tensor("softsign", "input", input, 1)
    return input / (input.abs() + 1)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    a = _opmath_array(input, "softshrink")
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    xp = array_module(a)
    r = xp.where(a > lambd, a - _np(lambd, a), xp.where(a < -lambd, a + _np(lambd, a), 0)).astype(a.dtype)
    return _unary(NODES.SoftshrinkBackward0, r, input, (input, lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere."""
    a = _opmath_array(input, "hardshrink")
    xp = array_module(a)
    r = xp.where(xp.abs(a) > lambd, a, 0).astype(a.dtype)
    return _unary(NODES.HardshrinkBackward0, r, input, (input, lambd))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - tanh(input)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    a = _opmath_array(input, "log_sigmoid")
    xp = array_module(a)
    return _unary(NODES.LogSigmoidBackward0, xp.subtract(0, log1p_exp(-a), dtype=a.dtype), input, (input,))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, value elsewhere."""
    if inplace:
        return threshold_(input, threshold, value)
    try:
        a = widened(input._data)
    except AttributeError:
        raise tensor_type_error("threshold", "input", input) from None
    xp = array_module(a)
    r = xp.where(a > threshold, a, a.dtype.type(value))
    return _unary(NODES.ThresholdBackward0, r, input, (input, threshold))


def glu(input: Tensor, dim: int = -1, **aliases) -> Tensor:
    """a * sigmoid(b) where a and b are the two halves of input along dim."""
    if aliases:
        dim = numpy_keywords("glu", aliases, dim)[0]
    check_tensor("glu", "input", input, 1)
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.dim())
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = input.detach().chunk(2, d)
    r = widened(a._data) * E._sigmoid(widened(b._data))
    return _unary(NODES.GluBackward0, r, input, (input, d))


def _glu_grad(g, x, dim):
    """PyTorch's kernel takes sigmoid(b) in x's dtype and computes the rest of half precision in float32."""
    a, b = x.chunk(2, dim)
    g, a, s = (widened_value(t) for t in (g, a, sigmoid(b)))
    return cat([g * s, (1 - s) * s * g * a], dim)


def _logsigmoid_grad(g, x):
    """g * sigmoid(-x) from z = exp(-|x|), which PyTorch's kernel keeps in x's dtype, the rest of half precision in
    float32."""
    g, x, z = (widened_value(t) for t in (g, x, (-x.abs()).exp()))
    s = z / (1 + z)
    return g * where(x < 0, 1 - s, s)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """input where positive, weight * input elsewhere; weight has 1 or C (channel dim 1) elements."""
    if "prelu" in AUTOCAST_OPS[0]:
        return autocast_call("prelu", prelu, input, weight)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("prelu", "input", input) from None
    check_tensor("prelu", "weight", weight, 2)
    n = weight.numel()
    if n == 1:
        w = weight.reshape(())
    else:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        w = weight.reshape((n,) + (1,) * (input.dim() - 2))
    r = wrap(array_module(a).where(a > 0, a, a * w._data))
    if GRAD_ENABLED[0] and (input._rg or weight._rg):
        record(r, NODES.PreluKernelBackward0(), (input, w), (input, w))
    return r


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) in training, their mean in eval."""
    if inplace:
        return rrelu_(input, lower, upper, training)
    a = _float_array(input, "rrelu")
    slopes = asarray_like(rng(None).uniform(lower, upper, a.shape), a) if training else (lower + upper) / 2
    xp = array_module(a)
    noise = xp.where(a > 0, 1, slopes).astype(a.dtype)
    return _unary(NODES.RreluWithNoiseBackward0, a * noise, input, (wrap(noise),))


def _implicit_dim(name, input):
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None, **aliases) -> Tensor:
    """softmax(-input)."""
    if aliases:
        dim = numpy_keywords("softmin", aliases, dim)[0]
    if dim is None:
        dim = _implicit_dim("softmin", input)
    return E.softmax(-input, dim, dtype)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None, **aliases) -> Tensor:
    """F.softmax: softmax along dim (implicit dim deprecated, with PyTorch's warning)."""
    if "softmax" in AUTOCAST_OPS[0]:
        return autocast_call("softmax", softmax, input, dim, _stacklevel, dtype, **aliases)
    if aliases:
        dim = numpy_keywords("softmax", aliases, dim)[0]
    if dim is None:
        dim = _implicit_dim("softmax", input)
    return E.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None, **aliases) -> Tensor:
    """F.log_softmax: log_softmax along dim (implicit dim deprecated, with PyTorch's warning)."""
    if "log_softmax" in AUTOCAST_OPS[0]:
        return autocast_call("log_softmax", log_softmax, input, dim, _stacklevel, dtype, **aliases)
    if aliases:
        dim = numpy_keywords("log_softmax", aliases, dim)[0]
    if dim is None:
        dim = _implicit_dim("log_softmax", input)
    return E.log_softmax(input, dim, dtype)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """F.relu: max(input, 0), in place when asked."""
    return input.relu_() if inplace else E.relu(input)


hardtanh_ = generic_inplace(hardtanh)
# PyTorch names the in-place forms' nodes `...Backward1`; their formulas are the out-of-place ones
_INPLACE_NODES = {name: type(f"{name[:-1]}1", (NODES[name],), {"__slots__": ()})
                  for name in ("LeakyReluBackward0", "EluBackward0", "CeluBackward0", "ThresholdBackward0",
                               "RreluWithNoiseBackward0")}
leaky_relu_ = renamed_inplace(leaky_relu, NODES["LeakyReluBackward0"], _INPLACE_NODES["LeakyReluBackward0"])
elu_ = renamed_inplace(elu, NODES["EluBackward0"], _INPLACE_NODES["EluBackward0"])
selu_ = renamed_inplace(selu, NODES["EluBackward0"], _INPLACE_NODES["EluBackward0"])
celu_ = renamed_inplace(celu, NODES["CeluBackward0"], _INPLACE_NODES["CeluBackward0"])
silu_ = generic_inplace(silu)
mish_ = generic_inplace(mish)
hardswish_ = generic_inplace(hardswish)
hardsigmoid_ = generic_inplace(hardsigmoid)
rrelu_ = renamed_inplace(rrelu, NODES["RreluWithNoiseBackward0"], _INPLACE_NODES["RreluWithNoiseBackward0"])
threshold_ = renamed_inplace(threshold, NODES["ThresholdBackward0"], _INPLACE_NODES["ThresholdBackward0"])


relu6_ = generic_inplace(relu6)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1,
                   **aliases) -> Tensor:
    """A sample of the Gumbel-softmax distribution over `dim`: softmax((logits + Gumbel noise) / tau); with `hard`,
    one-hot in value but with the soft sample's gradient (the straight-through estimator)."""
    if aliases:
        dim = numpy_keywords("gumbel_softmax", aliases, dim)[0]
    check_tensor("gumbel_softmax", "logits", logits, 1)
    gumbels = -logits.new_empty(tuple(logits.shape)).exponential_().log()
    soft = E.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot = logits.new_zeros(tuple(logits.shape)).scatter_(dim, index, 1.0)
    return one_hot - soft.detach() + soft


__all__ = ["hardtanh", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardswish",
           "hardsigmoid", "softplus", "softsign", "softshrink", "hardshrink", "tanhshrink", "logsigmoid",
           "threshold", "glu", "prelu", "rrelu", "softmin", "hardtanh_", "leaky_relu_", "elu_", "selu_",
           "celu_", "threshold_", "rrelu_", "gumbel_softmax"]


METHODS = {"hardshrink": hardshrink, "prelu": prelu}
