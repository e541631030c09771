"""Loss functions, with PyTorch's reductions and numerically stable formulas.

Losses that PyTorch computes with a kernel of its own (mse, nll, bce, smooth_l1, ...) have a node here
with the backward formula; the others are compositions of ops and get their gradient that way.
"""
import functools
import math
import warnings

import numpy as np

from .._dtype import scalar_type_name
from ..autograd.grad_mode import no_grad
from ..autograd.graph import node_classes
from ..backend import array_module, every_sample, widened
from ..backend.scatter import scatter_reduce_flat
from .activation import logsigmoid
from .autocast import AUTOCAST_OPS, autocast_call
from .base import (
    GRAD_ENABLED,
    Tensor,
    broadcast_error,
    check_tensor,
    check_tensors,
    log1p_exp,
    not_tensor_error,
    record,
    result_dtype,
    wrap,
)
from .distance import pairwise_distance
from .elementwise import log_softmax, masked_grad, result_type, sigmoid, where
from .pointwise import xlogy

_REDUCTIONS = ("none", "mean", "sum")

GRADIENTS = {
    "MseLossBackward0": lambda g, x, y, scale: _and_negated(g * (x - y) * scale),
    "NllLossBackward0": lambda g, coeff, shape: (_expand_grad(g, coeff, shape),),
    "NllLoss2DBackward0": lambda g, coeff, shape: (_expand_grad(g, coeff, shape),),
    "BinaryCrossEntropyBackward0": lambda g, x, y, w, scale, x_rg, y_rg: (
        g * _times(w, (x - y) / ((1 - x) * x).clamp(min=1e-12)) * scale if x_rg else None,
        g * _times(w, (1 - x).log().clamp(min=-100) - x.log().clamp(min=-100)) * scale if y_rg else None),
    "BinaryCrossEntropyWithLogitsBackward0": lambda g, x, y, w, pw, scale, x_rg, y_rg: (
        g * _times(w, _bce_logits_dx(x, y, pw)) * scale if x_rg else None,
        g * _times(w, _bce_logits_dy(x, pw)) * scale if y_rg else None),
    "SmoothL1LossBackward0": lambda g, x, y, beta, scale: _and_negated(g * _smooth_l1_slope(x - y, beta) * scale),
    "HuberLossBackward0": lambda g, x, y, delta, scale: _and_negated(g * (x - y).clamp(-delta, delta) * scale),
    "SoftMarginLossBackward0": lambda g, x, y, scale: (g * -y * sigmoid(-y * x) * scale,),
    "MultiMarginLossBackward0": lambda g, coeff, shape: (_expand_grad(g, coeff, shape),),
    "MultilabelMarginLossBackward0": lambda g, coeff, shape: (_expand_grad(g, coeff, shape),),
    "DivBackward1": lambda g, divisor: (g / divisor,),
    # as PyTorch's, not differentiable again, also through g: the tie below raises (NOTE [ Backward reads inputs ])
    "CtcLossBackward0": lambda g, coeff, shape: (_expand_grad(g.detach(), coeff, shape),),
}
NODES = node_classes(GRADIENTS, reads_inputs={
    "NllLossBackward0": "zeros", "NllLoss2DBackward0": "zeros", "MultiMarginLossBackward0": "not implemented",
    "MultilabelMarginLossBackward0": "not implemented", "CtcLossBackward0": "not implemented"})


def _and_negated(t):
    """The gradients of a loss of input - target: t for the input, -t for the target."""
    return t, -t


def _times(w, t):
    return t if w is None else t * w


def _bce_logits_dx(x, y, pw):
    if pw is None:
        return sigmoid(x) - y
    return sigmoid(x) * (pw * y + 1 - y) - pw * y


def _bce_logits_dy(x, pw):
    if pw is None:
        return -x
    return logsigmoid(-x) - pw * logsigmoid(x)


def _smooth_l1_slope(d, beta):
    if beta == 0:
        return d.sign()
    return where(d.abs() < beta, d / beta, d.sign())


def _expand_grad(g, coeff, shape):
    """The input gradient g * coeff, where coeff (a constant array of the input's shape) holds
    d loss / d input per unit of output gradient, and g has the loss's shape (one value per sample)."""
    if g.dim() != 0:
        g = g.reshape(shape)
    return masked_grad(g * wrap(coeff), coeff != 0)  # +0. where no element of the loss reads the input


# ---- shared checks ------------------------------------------------------------------------------
def legacy_reduction(size_average=None, reduce=None, reduction: str = "mean") -> str:
    """The reduction string for PyTorch's deprecated size_average/reduce arguments."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='{}' instead.".format(
        _legacy(size_average, reduce)), UserWarning, stacklevel=3)
    return _legacy(size_average, reduce)


def _legacy(size_average, reduce):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _no_grad_for(t, function, argument):
    if t is not None and t.requires_grad:
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to argument "
                           f"'{argument}'. This input cannot have requires_grad True.")


def _div_scalar(t, divisor):
    """t / divisor for a Python number, recorded as PyTorch's Tensor-by-Scalar division."""
    r = wrap((t._data / divisor).astype(t._data.dtype))
    if GRAD_ENABLED[0] and t._rg:
        record(r, NODES.DivBackward1(), (t,), (divisor,))
    return r


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_tensors(input, target, name):
    """PyTorch's TypeError unless input and target are Tensors."""
    check_tensors(name, ("input", input), ("target", target))


def _check_sizes(input, target, name):
    """PyTorch's TypeError unless input and target are Tensors; its warning when their shapes differ."""
    _check_tensors(input, target, name)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                      f"in {name}. This will likely lead to incorrect results due to broadcasting. Please ensure "
                      f"they have the same size (e.g. target.view_as(input), or squeeze the input's size-1 dim).",
                      UserWarning, stacklevel=3)


def _reduce(loss, reduction):
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _reduce_array(a, reduction):
    """Reduce a loss array; returns (result array, scale of the gradient of each element)."""
    if reduction == "mean":
        return widened(a).mean().astype(a.dtype, copy=False), 1.0 / max(a.size, 1) if a.size else float("nan")
    if reduction == "sum":
        return widened(a).sum().astype(a.dtype, copy=False), 1.0
    return a, 1.0


def _pointwise_loss(node, array, inputs, saved_fn, reduction):
    """Reduce the elementwise loss `array`, wrap it and record `node` with saved_fn(scale)."""
    _check_reduction(reduction)
    out, scale = _reduce_array(array, reduction)
    r = wrap(out)
    if GRAD_ENABLED[0] and any(isinstance(t, Tensor) and t._rg for t in inputs):
        record(r, node(), inputs, saved_fn(scale))
    return r


def _broadcast_pair(input, target):
    if tuple(input.shape) == tuple(target.shape):
        return input, target
    try:
        shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        raise broadcast_error(tuple(input.shape), tuple(target.shape)) from None
    return input.expand(shape), target.expand(shape)


def _difference(input, target):
    """input - target as an array of PyTorch's promoted dtype (NumPy's would make float32 - int64 float64)."""
    return (input._data - target._data).astype(result_type(input, target).np, copy=False)


def _weighted(input, loss, weight, reduction, by_weights=True):
    """PyTorch's weighted form of a pointwise loss: loss * weight reduced, whose mean divides by the weights' sum
    (mse_loss, l1_loss) or by the number of elements (huber_loss, `by_weights` False)."""
    if not isinstance(weight, Tensor):
        raise AttributeError(f"weight: expected a Tensor of the input's size, but got {type(weight).__name__}")
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum() if by_weights else weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


# ---- regression losses ------------------------------------------------------------------------------
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error."""
    if "mse_loss" in AUTOCAST_OPS[0]:
        return autocast_call("mse_loss", mse_loss, input, target, size_average, reduce, reduction, weight)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_sizes(input, target, "mse_loss")
    dt = result_dtype(input._data, target._data)
    if dt.kind not in "fcV":
        raise NotImplementedError(f"\"mse_cpu\" not implemented for '{scalar_type_name(dt)}'")
    if weight is not None:
        input, target = _broadcast_pair(input, target)
        return _weighted(input, (input - target) ** 2, weight, reduction)
    input, target = _broadcast_pair(input, target)
    d = _difference(input, target)
    return _pointwise_loss(NODES.MseLossBackward0, d * d, (input, target), lambda scale: (input, target, 2 * scale),
                           reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error."""
    if "l1_loss" in AUTOCAST_OPS[0]:
        return autocast_call("l1_loss", l1_loss, input, target, size_average, reduce, reduction, weight)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_sizes(input, target, "l1_loss")
    input, target = _broadcast_pair(input, target)  # before the difference, whose dtype then follows PyTorch's
    loss = (input - target).abs()
    return _reduce(loss, reduction) if weight is None else _weighted(input, loss, weight, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Squared error below beta, absolute error above it."""
    if "smooth_l1_loss" in AUTOCAST_OPS[0]:
        return autocast_call("smooth_l1_loss", smooth_l1_loss, input, target, size_average, reduce, reduction, beta)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_sizes(input, target, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _broadcast_pair(input, target)
    a = _difference(input, target)
    xp = array_module(a)
    a = xp.abs(a)
    loss = a - 0.5 * beta if beta == 0 else xp.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)
    return _pointwise_loss(NODES.SmoothL1LossBackward0, loss.astype(a.dtype), (input, target),
                           lambda scale: (input, target, beta, scale), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Squared error below delta, delta-scaled absolute error above it, in the input's dtype (as PyTorch; its
    backward then raises for a target of another dtype, ember's does not)."""
    if "huber_loss" in AUTOCAST_OPS[0]:
        return autocast_call("huber_loss", huber_loss, input, target, reduction, delta, weight)
    _check_sizes(input, target, "huber_loss")
    if weight is not None:
        input, target = _broadcast_pair(input, target)
        return _weighted(input, huber_loss(input, target, "none", delta), weight, reduction, by_weights=False)
    input, target = _broadcast_pair(input, target)
    xp = array_module(input._data)
    a = xp.abs(input._data - target._data)
    loss = xp.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta)).astype(input._data.dtype)
    return _pointwise_loss(NODES.HuberLossBackward0, loss, (input, target), lambda scale: (input, target, delta, scale),
                           reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of a Poisson target with rate exp(input) (or input)."""
    if "poisson_nll_loss" in AUTOCAST_OPS[0]:
        return autocast_call("poisson_nll_loss", poisson_nll_loss, input, target, log_input, full, size_average, eps,
                             reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_tensors(input, target, "poisson_nll_loss")
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * np.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of a Gaussian target with mean input and variance var."""
    check_tensor("gaussian_nll_loss", "input", input, 1)
    _check_reduction(reduction)
    if not isinstance(var, Tensor):
        var = input.new_full((), float(var))
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif input.shape[:-1] == var.shape[:-1] and var.shape[-1] == 1:
            pass
        elif var.dim() != 0:
            raise ValueError("var is of incorrect size")
    if (var < 0).any():
        raise ValueError("var has negative entry/entries")
    with no_grad():
        clamped = var.clamp(min=eps)
    var = var + (clamped - var).detach() if var.requires_grad else clamped
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) for log-probabilities input; reduction='batchmean' divides by the batch size."""
    if "kl_div" in AUTOCAST_OPS[0]:
        return autocast_call("kl_div", kl_div, input, target, size_average, reduce, reduction, log_target)
    _check_tensors(input, target, "kl_div")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not (input.is_floating_point() or input.is_complex()) or not (target.is_floating_point() or
                                                                      target.is_complex()):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


# ---- classification losses --------------------------------------------------------------------------
def _nll_coefficients(t, w, ignore_index):
    """The targets with ignored ones replaced by 0, the per-sample weights (0 where ignored), their total."""
    xp = array_module(t)
    valid = t != ignore_index
    safe = xp.where(valid, t, 0)
    sw = (xp.ones(t.shape) if w is None else w[safe]) * valid
    return safe, sw, sw.sum()


def _at_classes(xp, a, classes):
    """Each sample's entry of `a` (N, C, ...) at its class: a[n, classes[n], ...]."""
    if a.ndim == 2:
        return a[xp.arange(a.shape[0]), classes]
    return xp.take_along_axis(a, classes[:, None], axis=1)[:, 0]


def _set_at_classes(xp, out, classes, values) -> None:
    """out[n, classes[n], ...] = values[n, ...] (or the scalar `values`), for `out` (N, C, ...)."""
    xp.put_along_axis(out, classes[:, None], values if xp.ndim(values) == 0 else values[:, None], axis=1)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices under log-probabilities input ((N, C, ...) or (C,))."""
    if "nll_loss" in AUTOCAST_OPS[0]:
        return autocast_call("nll_loss", nll_loss, input, target, weight, size_average, ignore_index, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    try:
        a, t = input._data, target._data
    except AttributeError:
        raise not_tensor_error("nll_loss_nd", ("input", input), ("target", target)) from None
    check_tensor("nll_loss_nd", "weight", weight, 3, optional=True)
    if weight is not None and weight._rg and GRAD_ENABLED[0]:
        op = "nll_loss2d_forward" if a.ndim >= 3 else "nll_loss_forward"
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument 'weight'. This "
                           "input cannot have requires_grad True.")
    unbatched = a.ndim == 1
    if unbatched:
        a, t = a[None], t.reshape(1)
    if t.ndim and a.ndim >= 2 and t.shape[0] != a.shape[0]:
        raise ValueError(f"Expected input batch_size ({a.shape[0]}) to match target batch_size ({t.shape[0]}).")
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {scalar_type_name(t.dtype)}")
    if a.ndim < 2 or t.shape != a.shape[:1] + a.shape[2:]:
        raise RuntimeError(
            f"Expected target of shape {list(a.shape[:1] + a.shape[2:])} for input of shape {list(input.shape)}, "
            f"but got target of shape {list(target.shape)}")
    c = a.shape[1]
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(a.dtype)} but found "
                           f"{scalar_type_name(weight._data.dtype)}")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")
    if reduction == "none" and (a.ndim == 3 or a.ndim > 4):  # as PyTorch: through the 4-d form, then a view
        n, size = a.shape[0], math.prod(a.shape[2:])
        flat = nll_loss(input.reshape(n, c, 1, size), target.reshape(n, 1, size), weight, None, ignore_index, None,
                        "none")
        return flat.view(target.shape)
    targets = every_sample(t)  # under vmap, checked once for all samples
    low, high = (int(targets.min()), int(targets.max())) if targets.size else (0, -1)
    if low < 0 or high >= c:  # out of bounds, unless ignored
        bad = (targets != ignore_index) & ((targets < 0) | (targets >= c))
        if bad.any():
            raise IndexError(f"Target {int(targets[bad][0])} is out of bounds.")
    xp = array_module(a)
    ignoring = low <= ignore_index <= high and (targets == ignore_index).any()
    if weight is None and not ignoring:  # every sample counts once: no weights to apply
        safe, sw, total = t, None, xp.float64(t.size)
    else:
        safe, sw, total = _nll_coefficients(t, None if weight is None else weight._data.astype(a.dtype), ignore_index)
    picked = _at_classes(xp, a, safe)
    losses = -picked if sw is None else -(picked * sw).astype(a.dtype)
    if reduction == "none":
        out = losses.reshape(()) if unbatched else losses
        scale = 1.0
    elif reduction == "sum":
        out, scale = losses.sum().astype(a.dtype, copy=False), 1.0
    else:
        out, scale = (losses.sum() / total).astype(a.dtype, copy=False), 1.0 / total
    r = wrap(out)
    if GRAD_ENABLED[0] and input._rg:
        coeff = xp.zeros_like(a)
        _set_at_classes(xp, coeff, safe, a.dtype.type(-scale) if sw is None else (-sw * scale).astype(a.dtype))
        g_shape = (a.shape[0], 1) + a.shape[2:] if reduction == "none" else ()
        node = NODES.NllLoss2DBackward0() if input.dim() >= 3 else NODES.NllLossBackward0()
        record(r, node, (input,), (coeff.reshape(input.shape), g_shape if not unbatched else ()))
    return r


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over the class dim (1, or 0 for unbatched input) followed by nll_loss; target is class
    indices or class probabilities (same shape as input)."""
    if "cross_entropy" in AUTOCAST_OPS[0]:
        return autocast_call("cross_entropy", cross_entropy, input, target, weight, size_average, ignore_index,
                             reduce, reduction, label_smoothing)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_tensors(input, target, "cross_entropy_loss")
    check_tensor("cross_entropy_loss", "weight", weight, 3, optional=True)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, class_dim)
    if target.is_floating_point() and tuple(target.shape) == tuple(input.shape):  # else class indices, as PyTorch
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, class_dim)
    loss = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return loss
    return (1 - label_smoothing) * loss + _smoothing_term(logp, target, weight, ignore_index, reduction,
                                                          class_dim) * (label_smoothing / input.shape[class_dim])


def _class_weight(weight, logp, class_dim):
    shape = [1] * logp.dim()
    shape[class_dim] = -1
    return weight.reshape(shape)


def _smoothing_term(logp, target, weight, ignore_index, reduction, class_dim):
    per = logp if weight is None else logp * _class_weight(weight, logp, class_dim)
    ignored = target == ignore_index
    smooth = (-per.sum(class_dim)).masked_fill(ignored, 0.0)
    if reduction == "sum":
        return smooth.sum()
    if reduction == "none":
        return smooth
    if weight is None:
        return smooth.sum() / (~ignored).sum()
    kept = target[~ignored]
    return smooth.sum() / weight[kept].sum()


def _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, class_dim):
    n_classes = logp.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    per = logp * target
    if weight is not None:
        per = per * _class_weight(weight, logp, class_dim)
    if reduction == "mean":
        return _div_scalar(-per.sum(), logp.numel() / n_classes)
    if reduction == "sum":
        return -per.sum()
    return -per.sum(class_dim)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-(y log x + (1 - y) log(1 - x)) for probabilities x, with logs clamped at -100 as in PyTorch."""
    if "binary_cross_entropy" in AUTOCAST_OPS[0]:
        return autocast_call("binary_cross_entropy", binary_cross_entropy, input, target, weight, size_average,
                             reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_tensors(input, target, "binary_cross_entropy")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    _no_grad_for(weight, "binary_cross_entropy", "weight")
    x, y = input._data, target._data
    if x.dtype != y.dtype:
        raise RuntimeError(f"Found dtype {scalar_type_name(y.dtype)} but expected {scalar_type_name(x.dtype)}")
    for name, a in (("input", x), ("target", y)):
        if a.size and not (a.min() >= 0 and a.max() <= 1):  # NaN fails too
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    xp = array_module(x)
    with np.errstate(divide="ignore"):
        loss = -(y * xp.maximum(xp.log(x), -100) + (1 - y) * xp.maximum(xp.log1p(-x), -100))
    w = None if weight is None else weight.detach().expand(input.shape)
    if w is not None:
        loss = loss * w._data
    return _pointwise_loss(NODES.BinaryCrossEntropyBackward0, loss.astype(x.dtype), (input, target),
                           lambda scale: (input, target, w, scale, input._rg, target._rg),
                           reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target) computed stably from the logits."""
    if "binary_cross_entropy_with_logits" in AUTOCAST_OPS[0]:
        return autocast_call("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, input, target,
                             weight, size_average, reduce, reduction, pos_weight)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_tensors(input, target, "binary_cross_entropy_with_logits")
    check_tensor("binary_cross_entropy_with_logits", "weight", weight, 3, optional=True)
    check_tensor("binary_cross_entropy_with_logits", "pos_weight", pos_weight, 4, optional=True)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _no_grad_for(weight, "binary_cross_entropy_with_logits", "weight")
    _no_grad_for(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    x, y = input._data, target._data
    if x.dtype.kind not in "fV":
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{scalar_type_name(x.dtype)}'")
    if y.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if y.dtype.kind not in "fcV":  # the loss is computed in the target's dtype
        raise RuntimeError(f"result type {scalar_type_name(x.dtype)} can't be cast to the desired output type "
                           f"{scalar_type_name(y.dtype)}")
    # -log sigmoid(x), without overflow; rounded from float64 to x's dtype, as PyTorch's log_sigmoid (correctly
    # rounded) gives it, since a float64 target reads it
    softplus_neg = log1p_exp(-x.astype(np.float64)).astype(x.dtype) if x.dtype == np.float32 else log1p_exp(-x)
    if pos_weight is None:
        loss = (1 - y) * x + softplus_neg
    else:
        pw = pos_weight._data
        loss = (1 - y) * x + (1 + (pw - 1) * y) * softplus_neg
    w = None if weight is None else weight.detach().expand(input.shape)
    if w is not None:
        loss = loss * w._data
    pw_t = None if pos_weight is None else pos_weight.detach()
    # PyTorch computes the loss in the target's dtype
    return _pointwise_loss(NODES.BinaryCrossEntropyWithLogitsBackward0, loss.astype(y.dtype), (input, target),
                           lambda scale: (input, target, w, pw_t, scale, input._rg, target._rg), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) for labels y in {-1, 1}."""
    if "soft_margin_loss" in AUTOCAST_OPS[0]:
        return autocast_call("soft_margin_loss", soft_margin_loss, input, target, size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_sizes(input, target, "soft_margin_loss")
    _no_grad_for(target, "soft_margin_loss", "target")
    loss = log1p_exp(-target._data * input._data).astype(input._data.dtype)
    return _pointwise_loss(NODES.SoftMarginLossBackward0, loss, (input,), lambda scale: (input, target, scale),
                           reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy with logits per class, averaged over classes."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=input.dim() - 1) / input.shape[-1]
    return _reduce(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over wrong classes of max(0, margin - x[y] + x[i])^p / C."""
    if "multi_margin_loss" in AUTOCAST_OPS[0]:
        return autocast_call("multi_margin_loss", multi_margin_loss, input, target, p, margin, weight, size_average,
                             reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    _check_tensors(input, target, "multi_margin_loss")
    a = input._data
    unbatched = a.ndim == 1
    x = a[None] if unbatched else a
    t = target._data.reshape(-1)
    n, c = x.shape
    if t.shape[0] != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    xp = array_module(x)
    rows = xp.arange(n)
    z = margin - x[rows, t][:, None] + x
    z[rows, t] = 0
    active = z > 0
    terms = xp.where(active, z if p == 1 else z * z, 0)
    w = None if weight is None else weight._data.astype(x.dtype)[t][:, None]
    if w is not None:
        terms = terms * w
    losses = (terms.sum(1) / c).astype(x.dtype)
    dterms = xp.where(active, 1.0 if p == 1 else 2 * z, 0) / c
    if w is not None:
        dterms = dterms * w
    dterms[rows, t] = -dterms.sum(1)
    return _per_sample_loss(NODES.MultiMarginLossBackward0, losses.reshape(()) if unbatched else losses, dterms,
                            input, reduction)


def _per_sample_loss(node, losses, dloss, input, reduction):
    """Reduce per-sample losses; record node with the constant per-sample input gradient dloss."""
    out, scale = _reduce_array(losses, reduction)
    r = wrap(out)
    if GRAD_ENABLED[0] and input._rg:
        g_shape = (-1,) + (1,) * (input.dim() - 1) if reduction == "none" and input.dim() > 1 else ()
        record(r, node(), (input,), ((dloss * scale).astype(input._data.dtype).reshape(input.shape), g_shape))
    return r


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Hinge loss between each target class (listed in target, ended by -1) and each non-target class."""
    if "multilabel_margin_loss" in AUTOCAST_OPS[0]:
        return autocast_call("multilabel_margin_loss", multilabel_margin_loss, input, target, size_average, reduce,
                             reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_tensors(input, target, "multilabel_margin_loss")
    a = input._data
    unbatched = a.ndim == 1
    x = a[None] if unbatched else a
    t = target._data.reshape(x.shape)
    n, c = x.shape
    xp = array_module(x)
    ended = xp.cumsum(t < 0, axis=1) > 0
    counts = xp.zeros((n, c), x.dtype)  # how often each class is listed: a repeated target counts each time
    rows, cols = xp.nonzero(~ended)
    xp.add.at(counts, (rows, t[rows, cols]), 1)
    listed = counts > 0
    # pairs (j listed, k not listed) with a positive margin, weighted by j's count
    z = 1 - x[:, :, None] + x[:, None, :]
    active = xp.where(listed[:, :, None] & ~listed[:, None, :] & (z > 0), counts[:, :, None], 0)
    losses = ((active * z).sum((1, 2)) / c).astype(x.dtype)
    grad = (active.sum(1) - active.sum(2)) / c
    return _per_sample_loss(NODES.MultilabelMarginLossBackward0, losses.reshape(()) if unbatched else losses, grad,
                            input, reduction)


# ---- embedding and ranking losses -------------------------------------------------------------------
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin)."""
    if "margin_ranking_loss" in AUTOCAST_OPS[0]:
        return autocast_call("margin_ranking_loss", margin_ranking_loss, input1, input2, target, margin, size_average,
                             reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensors("margin_ranking_loss", ("input1", input1), ("input2", input2), ("target", target))
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y == 1, max(0, margin - x) where y == -1."""
    if "hinge_embedding_loss" in AUTOCAST_OPS[0]:
        return autocast_call("hinge_embedding_loss", hinge_embedding_loss, input, target, margin, size_average,
                             reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_tensors(input, target, "hinge_embedding_loss")
    margin_part = (margin - input).clamp_min(0).masked_fill(target == 1, 0)
    self_part = input.masked_fill(target == -1, 0)
    return _reduce(self_part + margin_part, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1."""
    if "cosine_embedding_loss" in AUTOCAST_OPS[0]:
        return autocast_call("cosine_embedding_loss", cosine_embedding_loss, input1, input2, target, margin,
                             size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensors("cosine_embedding_loss", ("input1", input1), ("input2", input2), ("target", target))
    eps = 1e-12
    d = input1.dim() - 1
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + eps
    m2 = (input2 * input2).sum(d) + eps
    cos = prod / (m1 * m2).sqrt()
    pos = (1 - cos).masked_fill(target != 1, 0)
    neg = (cos - margin).clamp_min(0).masked_fill(target != -1, 0)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with pairwise p-norm distances."""
    if "triplet_margin_loss" in AUTOCAST_OPS[0]:
        return autocast_call("triplet_margin_loss", triplet_margin_loss, anchor, positive, negative, margin, p, eps,
                             swap, size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensors("triplet_margin_loss", ("anchor", anchor), ("positive", positive), ("negative", negative))
    if not anchor.dim() == positive.dim() == negative.dim():
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.dim()}D, positive {positive.dim()}D, and "
                           f"negative {negative.dim()}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """triplet_margin_loss with a distance function of your choice (pairwise_distance by default)."""
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                         "instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


# ---- connectionist temporal classification -------------------------------------------------------------
def _log_add(*terms):
    xp = array_module(terms[0])
    top = functools.reduce(xp.maximum, terms)
    safe = xp.where(xp.isneginf(top), 0, top)
    with np.errstate(divide="ignore"):
        return safe + xp.log(sum(xp.exp(t - safe) for t in terms))


def _shift(a, k):
    """a shifted right by k along the last axis, -inf filled."""
    out = array_module(a).full_like(a, -np.inf)
    out[..., k:] = a[..., :a.shape[-1] - k]
    return out


def _ctc_lattice(lp, labels, in_len, ext_len, skip):
    """Forward (alpha) and backward (beta) log-probabilities over time for each extended label position,
    vectorized over the batch; the loop runs over time only (the recurrence is sequential in t)."""
    t_max, n, s = lp.shape[0], lp.shape[1], labels.shape[1]
    xp = array_module(lp)
    emit = xp.take_along_axis(lp, xp.broadcast_to(labels[None], (t_max, n, s)), axis=2)  # (T, N, S')
    positions = xp.arange(s)[None]
    alpha = xp.full((t_max, n, s), -np.inf)
    alpha[0] = xp.where(positions < xp.minimum(2, ext_len[:, None]), emit[0], -np.inf)
    for t in range(1, t_max):
        prev = alpha[t - 1]
        alpha[t] = _log_add(prev, _shift(prev, 1), xp.where(skip, _shift(prev, 2), -np.inf)) + emit[t]
    beta = xp.full((t_max, n, s), -np.inf)
    last = in_len - 1
    end = (positions >= ext_len[:, None] - 2) & (positions < ext_len[:, None])
    skip_next = xp.zeros_like(skip)
    skip_next[:, :-2] = skip[:, 2:]
    for t in range(t_max - 1, -1, -1):
        if t < t_max - 1:
            nxt = beta[t + 1] + emit[t + 1]
            later = _log_add(nxt, _unshift(nxt, 1), xp.where(skip_next, _unshift(nxt, 2), -np.inf))
        else:
            later = xp.full((n, s), -np.inf)
        beta[t] = xp.where((t == last)[:, None], xp.where(end, 0.0, -np.inf),
                           xp.where((t < last)[:, None], later, -np.inf))
    return alpha, beta, emit


def _unshift(a, k):
    """a shifted left by k along the last axis, -inf filled."""
    out = array_module(a).full_like(a, -np.inf)
    out[..., :a.shape[-1] - k] = a[..., k:]
    return out


def _ctc_targets(targets, lengths, n):
    """The targets as an (N, S) array padded with zeros, and their lengths."""
    t = targets._data.astype(np.int64)
    if t.ndim == 2:
        return t, lengths
    xp = array_module(t)
    starts = xp.cumsum(lengths) - lengths
    width = max(int(lengths.max()) if lengths.size else 0, 1)
    padded = xp.zeros((n, width), np.int64)
    cols = xp.arange(width)[None]
    mask = cols < lengths[:, None]
    padded[mask] = t[(starts[:, None] + cols)[mask]]
    return padded, lengths


def _lengths(x, like):
    """Lengths (a tensor, or a sequence of ints) as a 1-D int64 array on the device of array `like`."""
    return array_module(like).asarray(x._data if isinstance(x, Tensor) else x, np.int64).reshape(-1)


def _ctc_posterior(joint, ext, c):
    """log sum of exp(joint[t, n, s]) over the positions s of each class ext[n, s]: (T, N, C), -inf for a class
    at no position."""
    xp = array_module(joint)
    t_max, n, s = joint.shape
    cells = ((xp.arange(t_max)[:, None, None] * n + xp.arange(n)[None, :, None]) * c + ext[None]).reshape(-1)
    values = joint.reshape(-1)
    top = xp.full(t_max * n * c, -np.inf)
    scatter_reduce_flat(top, cells, values, "amax")
    top[xp.isneginf(top)] = 0
    total = xp.zeros(t_max * n * c)
    scatter_reduce_flat(total, cells, xp.exp(values - top[cells]), "sum")
    with np.errstate(divide="ignore"):
        return (top + xp.log(total)).reshape(t_max, n, c)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss of (T, N, C) or (T, C) log-probabilities.

    NOTE [ CTC gradient ]: like PyTorch, the gradient with respect to log_probs is
    exp(log_probs) - (posterior of each class at each step); the exp(log_probs) term vanishes under
    log_softmax's backward, so gradients reaching the logits are the true ones."""
    if "ctc_loss" in AUTOCAST_OPS[0]:
        return autocast_call("ctc_loss", ctc_loss, log_probs, targets, input_lengths, target_lengths, blank,
                             reduction, zero_infinity)
    _check_reduction(reduction)
    if log_probs.dim() == 2:  # unbatched: a batch of one
        loss = ctc_loss(log_probs.unsqueeze(1), targets.unsqueeze(0), input_lengths, target_lengths, blank,
                        reduction, zero_infinity)
        return loss.squeeze(0) if reduction == "none" else loss
    lp = log_probs._data
    t_max, n, c = lp.shape
    xp = array_module(lp)
    in_len, (labels, tgt_len) = _lengths(input_lengths, lp), _ctc_targets(targets, _lengths(target_lengths, lp), n)
    if in_len.shape[0] != n or tgt_len.shape[0] != n:
        raise RuntimeError(f"ctc_loss: expected input_lengths and target_lengths of size {n} (the batch), but got "
                           f"{in_len.shape[0]} and {tgt_len.shape[0]}")
    if (in_len > t_max).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got value "
                           f"{int(in_len.max())}")
    ext = xp.full((n, 2 * labels.shape[1] + 1), blank, np.int64)
    ext[:, 1::2] = labels
    ext_len = 2 * tgt_len + 1
    skip = xp.zeros(ext.shape, bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    lp64 = lp.astype(np.float64)
    alpha, beta, emit = _ctc_lattice(lp64, ext, in_len, ext_len, skip)
    rows = xp.arange(n)
    final = alpha[xp.maximum(in_len - 1, 0), rows]
    last = xp.take_along_axis(final, (ext_len - 1)[:, None], 1)[:, 0]
    before = xp.where(ext_len >= 2, xp.take_along_axis(final, xp.maximum(ext_len - 2, 0)[:, None], 1)[:, 0], -np.inf)
    nll = -_log_add(last, before)
    infinite = xp.isinf(nll)
    if zero_infinity:
        nll = xp.where(infinite, 0.0, nll)
    r = wrap(nll.astype(lp.dtype))
    if GRAD_ENABLED[0] and log_probs._rg:
        posterior = _ctc_posterior(alpha + beta, ext, c)  # alpha + beta: the mass through (t, s), times p
        with np.errstate(invalid="ignore", over="ignore"):
            grad = xp.exp(lp64) - xp.exp(posterior + nll[None, :, None])
        active = xp.arange(t_max)[:, None] < in_len[None]
        grad = xp.where(active[:, :, None], grad, 0.0)
        if zero_infinity:
            grad = xp.where(infinite[None, :, None], 0.0, grad)
        record(r, NODES.CtcLossBackward0(), (log_probs,), (grad.astype(lp.dtype), (1, n, 1)))
    if reduction == "mean":
        return (r / wrap(xp.maximum(tgt_len, 1).astype(lp.dtype))).mean()
    return _reduce(r, reduction)


__all__ = ["ctc_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "poisson_nll_loss", "gaussian_nll_loss",
           "kl_div", "nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
           "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]
