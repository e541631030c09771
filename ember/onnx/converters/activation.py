"""Activation functions, softmax and dropout as ONNX nodes."""
from __future__ import annotations

import math

from .._registry import converts, identity
from ._helpers import axis, dtype_of


def _x(g, out, input):
    """The input's ONNX name, cast to the result's dtype."""
    return g.value(input, dtype_of(out))


@converts("relu", "relu_")
def relu(g, out, input, *args, **kwargs):
    """max(x, 0)."""
    return g.op("Relu", _x(g, out, input))


@converts("relu6", "relu6_")
def relu6(g, out, input, *args, **kwargs):
    """min(max(x, 0), 6) as Clip."""
    return g.op("Clip", _x(g, out, input), g.value(0.0, dtype_of(out)), g.value(6.0, dtype_of(out)))


@converts("hardtanh", "hardtanh_")
def hardtanh(g, out, input, min_val=-1.0, max_val=1.0, *args, **kwargs):
    """x clipped to [min_val, max_val]."""
    dt = dtype_of(out)
    return g.op("Clip", _x(g, out, input), g.value(min_val, dt), g.value(max_val, dt))


@converts("leaky_relu", "leaky_relu_")
def leaky_relu(g, out, input, negative_slope=0.01, *args, **kwargs):
    """x, or negative_slope * x below 0."""
    return g.op("LeakyRelu", _x(g, out, input), alpha=float(negative_slope))


@converts("rrelu", "rrelu_")
def rrelu(g, out, input, lower=1.0 / 8, upper=1.0 / 3, training=False, *args, **kwargs):
    """In eval, leaky relu with the mean of the slope range."""
    if training:
        raise g.unsupported("rrelu samples its slopes in training mode; export the model in eval mode")
    return g.op("LeakyRelu", _x(g, out, input), alpha=(lower + upper) / 2)


@converts("elu", "elu_")
def elu(g, out, input, alpha=1.0, *args, **kwargs):
    """x, or alpha (exp(x) - 1) below 0."""
    return g.op("Elu", _x(g, out, input), alpha=float(alpha))


@converts("celu", "celu_")
def celu(g, out, input, alpha=1.0, *args, **kwargs):
    """x, or alpha (exp(x / alpha) - 1) below 0."""
    return g.op("Celu", _x(g, out, input), alpha=float(alpha))


@converts("selu", "selu_")
def selu(g, out, input, *args, **kwargs):
    """Scaled elu with the self-normalizing constants."""
    return g.op("Selu", _x(g, out, input))


@converts("gelu")
def gelu(g, out, input, approximate="none"):
    """x Phi(x): the Gelu op from opset 20, its erf or tanh formula before."""
    x, dt = _x(g, out, input), dtype_of(out)
    if g.opset >= 20:
        return g.op("Gelu", x, approximate=approximate)
    if approximate == "tanh":
        cube = g.op("Mul", g.value(0.044715, dt), g.op("Mul", x, g.op("Mul", x, x)))
        inner = g.op("Mul", g.value(math.sqrt(2 / math.pi), dt), g.op("Add", x, cube))
        half = g.op("Add", g.value(1.0, dt), g.op("Tanh", inner))
    else:
        half = g.op("Add", g.value(1.0, dt), g.op("Erf", g.op("Div", x, g.value(math.sqrt(2.0), dt))))
    return g.op("Mul", g.op("Mul", x, half), g.value(0.5, dt))


@converts("silu")
def silu(g, out, input, *args, **kwargs):
    """x sigmoid(x)."""
    x = _x(g, out, input)
    return g.op("Mul", x, g.op("Sigmoid", x))


@converts("mish")
def mish(g, out, input, *args, **kwargs):
    """x tanh(softplus(x))."""
    x = _x(g, out, input)
    return g.op("Mul", x, g.op("Tanh", g.op("Softplus", x)))


@converts("softplus")
def softplus(g, out, input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    x, dt = _x(g, out, input), dtype_of(out)
    scaled = x if beta == 1 else g.op("Mul", x, g.value(float(beta), dt))
    smooth = g.op("Softplus", scaled)
    smooth = smooth if beta == 1 else g.op("Div", smooth, g.value(float(beta), dt))
    return g.op("Where", g.op("Greater", scaled, g.value(float(threshold), dt)), x, smooth)


@converts("softsign")
def softsign(g, out, input):
    """x / (1 + |x|)."""
    return g.op("Softsign", _x(g, out, input))


@converts("hardsigmoid")
def hardsigmoid(g, out, input, *args, **kwargs):
    """clip(x / 6 + 1 / 2, 0, 1)."""
    return g.op("HardSigmoid", _x(g, out, input), alpha=1 / 6, beta=0.5)


@converts("hardswish")
def hardswish(g, out, input, *args, **kwargs):
    """x hardsigmoid(x): the HardSwish op from opset 14."""
    x = _x(g, out, input)
    if g.opset >= 14:
        return g.op("HardSwish", x)
    return g.op("Mul", x, g.op("HardSigmoid", x, alpha=1 / 6, beta=0.5))


@converts("logsigmoid")
def logsigmoid(g, out, input):
    """log(sigmoid(x)) = -softplus(-x)."""
    return g.op("Neg", g.op("Softplus", g.op("Neg", _x(g, out, input))))


@converts("tanhshrink")
def tanhshrink(g, out, input):
    """x - tanh(x)."""
    x = _x(g, out, input)
    return g.op("Sub", x, g.op("Tanh", x))


@converts("softshrink")
def softshrink(g, out, input, lambd=0.5):
    """x moved lambd towards 0, and 0 within [-lambd, lambd]."""
    return g.op("Shrink", _x(g, out, input), bias=float(lambd), lambd=float(lambd))


@converts("hardshrink")
def hardshrink(g, out, input, lambd=0.5):
    """x, and 0 within [-lambd, lambd]."""
    return g.op("Shrink", _x(g, out, input), bias=0.0, lambd=float(lambd))


@converts("threshold", "threshold_")
def threshold(g, out, input, threshold, value, *args, **kwargs):
    """x where x > threshold, else value."""
    x, dt = _x(g, out, input), dtype_of(out)
    return g.op("Where", g.op("Greater", x, g.value(threshold, dt)), x, g.value(value, dt))


@converts("prelu")
def prelu(g, out, input, weight):
    """x, or weight * x below 0, with one weight or one per channel (dim 1)."""
    slope = g.value(weight, dtype_of(out))
    if weight.numel() > 1 and input.ndim > 2:
        slope = g.op("Reshape", slope, g.ints([weight.numel()] + [1] * (input.ndim - 2)))
    return g.op("PRelu", _x(g, out, input), slope)


@converts("glu")
def glu(g, out, input, dim=-1):
    """a sigmoid(b) for the halves a, b of x along dim."""
    a, b = g.op("Split", _x(g, out, input), outputs=2, axis=axis(dim, input.ndim), num_outputs=2) \
        if g.opset >= 18 else g.op("Split", _x(g, out, input), outputs=2, axis=axis(dim, input.ndim))
    return g.op("Mul", a, g.op("Sigmoid", b))


def _softmax_dim(input, dim):
    """The softmax axis: `dim`, or PyTorch's deprecated implicit choice where it is None."""
    if dim is None:
        return 0 if input.ndim in (0, 1, 3) else 1
    return axis(dim, max(input.ndim, 1))


@converts("softmax")
def softmax(g, out, input, dim=None, *args, dtype=None, **kwargs):
    """Softmax along dim."""
    return g.op("Softmax", _x(g, out, input), axis=_softmax_dim(input, dim))


@converts("log_softmax")
def log_softmax(g, out, input, dim=None, *args, dtype=None, **kwargs):
    """LogSoftmax along dim."""
    return g.op("LogSoftmax", _x(g, out, input), axis=_softmax_dim(input, dim))


@converts("softmin")
def softmin(g, out, input, dim=None, *args, dtype=None, **kwargs):
    """Softmax of -x along dim."""
    return g.op("Softmax", g.op("Neg", _x(g, out, input)), axis=_softmax_dim(input, dim))


@converts("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
          "dropout_", "alpha_dropout_", "feature_alpha_dropout_")
def dropout(g, out, input, p=0.5, train=True, *args, training=None, **kwargs):
    """Dropout in eval (or with p = 0): the input itself."""
    training = train if training is None else training
    if training and p > 0:
        raise g.unsupported("dropout samples a mask in training mode; export the model in eval mode "
                            "(training=TrainingMode.EVAL, the default)")
    return identity(g, out, input)


