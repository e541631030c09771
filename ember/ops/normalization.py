"""Normalization: batch, layer, group, instance, RMS and local response norm.

Batch, layer and group norm share one forward (subtract the mean, divide by the standard deviation
over some axes: `_moments`, `_standardize`) and one backward formula for the input:
    dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),   dxhat = grad * weight
with the means over the same axes as the statistics. Batch norm in float32/float64 computes the same
on arrays in fewer passes (`_batch_stats`, `_batch_norm_grads`) unless create_graph is on.
"""
import numpy as np

from ..autograd.graph import node_classes
from ..backend import array_module, c_order, widened, widened_dtype
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, Tensor, check_tensor, record, tensor_type_error, wrap
from .padding import pad
from .pooling import avg_pool2d, avg_pool3d

GRADIENTS = {
    "NativeBatchNormBackward0": lambda g, x, mean, invstd, w, axes, eps, training: _batch_norm_grads(
        g, x, mean, invstd, w, axes, eps, training),
    "NativeLayerNormBackward0": lambda g, x, mean, invstd, w, axes, eps, param_axes: _grads(
        g, x, _stats(x, axes, eps, mean, invstd, True), w, axes, param_axes, True),
    "NativeGroupNormBackward0": lambda g, x, mean, invstd, w, eps, groups: _group_grads(
        g, x, mean, invstd, w, eps, groups),
}
NODES = node_classes(GRADIENTS, reads_inputs=dict.fromkeys(GRADIENTS, "no grad"),
                     in_float32=dict.fromkeys(GRADIENTS, "fV"))


def _stats(x, axes, eps, mean, invstd, from_batch):
    """The mean and 1/std of the forward as tensors. When the backward itself is being recorded
    (create_graph) and the statistics came from x, they are recomputed from x, so that a second
    derivative sees how they depend on x."""
    if from_batch and GRAD_ENABLED[0]:
        m = x.mean(axes, keepdim=True)
        centered = x - m
        return m, (centered * centered).mean(axes, keepdim=True).add(eps).rsqrt()
    return wrap(mean), wrap(invstd)


def _input_grad(gh, xhat, invstd, axes, training):
    if not training:
        return gh * invstd
    return invstd * (gh - gh.mean(axes, keepdim=True) - xhat * (gh * xhat).mean(axes, keepdim=True))


def _grads(g, x, stats, w, axes, param_axes, training):
    mean, invstd = stats
    xhat = (x - mean) * invstd
    gh = g if w is None else g * w
    dw = (g * xhat).sum(param_axes) if w is not None else None
    db = g.sum(param_axes)
    return _input_grad(gh, xhat, invstd, axes, training), dw, db


def _channel_sums(a):
    """Sums of `a` (N, C, *) over every dim but 1, as (C,): for a contiguous `a`, a matrix-vector product
    over the rows of (N * C, rest), faster than NumPy's reduction over (0, 2, ...)."""
    n, c = a.shape[:2]
    if a.ndim == 2 or not a.flags.c_contiguous:  # (a reshape would copy)
        return a.sum(axis=(0,) + tuple(range(2, a.ndim)))
    rows = a.reshape(n * c, -1)
    return (rows @ array_module(a).ones(rows.shape[1], a.dtype)).reshape(n, c).sum(0)


def _fast(a) -> bool:
    """Whether the array-level batch norm paths apply: float32/float64 with channels and batch."""
    return a.dtype in (np.float32, np.float64) and a.ndim >= 2


def _batch_norm_grads(g, x, mean, invstd, w, axes, eps, training):
    """The gradients of batch norm. Without create_graph, computed on arrays in a few passes:
    with per-channel sums Sg = sum(g) and Sgx = sum(g * x) and M values per channel,
        dw = invstd * (Sgx - mean * Sg),  db = Sg,  dx = k1 * g + k2 * x + k3,
    where k1 = w * invstd and, in training, k2 = -k1 * invstd * dw / M, k3 = -k1 * Sg / M - k2 * mean."""
    if GRAD_ENABLED[0] or not _fast(x._data):
        return _grads(g, x, _stats(x, axes, eps, mean, invstd, training), w, axes, axes, training)
    ga, xa = g._data, x._data
    c = xa.shape[1]
    shape = (c,) + (1,) * (xa.ndim - 2)
    m, s = mean.reshape(c), invstd.reshape(c)
    sum_g = _channel_sums(ga)
    gx = ga * xa
    dw = s * (_channel_sums(gx) - m * sum_g)
    k1 = s if w is None else s * w._data.reshape(c)
    dx = array_module(ga).multiply(ga, k1.reshape(shape), out=gx)
    if training:
        count = xa.size // c
        k2 = -k1 * s * dw / count
        dx += xa * k2.reshape(shape)
        dx += (-k1 * sum_g / count - k2 * m).reshape(shape)
    return wrap(dx), None if w is None else wrap(dw.astype(w._data.dtype)), wrap(sum_g)


def _group_grads(g, x, mean, invstd, w, eps, groups):
    n = g.shape[0]
    channel_axes = (0,) + tuple(range(2, g.dim()))
    xg = x.reshape(n, groups, -1)
    mean, invstd = _stats(xg, (2,), eps, mean, invstd, True)
    xhat_g = (xg - mean) * invstd
    gh = g if w is None else g * w
    dx = _input_grad(gh.reshape(n, groups, -1), xhat_g, invstd, (2,), True).reshape(g.shape)
    dw = (g * xhat_g.reshape(g.shape)).sum(channel_axes) if w is not None else None
    return dx, dw, g.sum(channel_axes)


def _moments(a, axes):
    """The mean and biased variance of `a` over `axes` (kept dims), and a - mean; half precision in float32 (the
    callers round the output and the saved statistics once, as PyTorch does)."""
    wide = widened(a)
    mean = wide.mean(axis=axes, keepdims=True)
    centered = wide - mean
    var = array_module(a).square(centered).mean(axis=axes, keepdims=True)
    return mean, var, centered


def _standardize(a, axes, eps):
    """(a - mean) / sqrt(var + eps) over `axes` (half precision in float32), 1/sqrt(var + eps) and the mean, with
    kept dims, in a's dtype."""
    mean, var, centered = _moments(a, axes)
    invstd = 1 / array_module(a).sqrt(var + var.dtype.type(eps))
    return centered * invstd, invstd.astype(a.dtype, copy=False), mean.astype(a.dtype, copy=False)


def _affine(xhat, weight, bias, shape):
    out = xhat
    if weight is not None:
        out = out * weight._data.reshape(shape)
    if bias is not None:
        out = out + bias._data.reshape(shape)
    return out


def _record(out, node, input, weight, bias, mean, invstd, *extra):
    inputs = (input, weight, bias)
    if GRAD_ENABLED[0] and any(t is not None and t._rg for t in inputs):
        w_view = None if weight is None else weight.reshape(_weight_shape(weight, input, node))
        record(out, node, inputs, (input, mean, invstd, w_view) + extra)
    return out


def _weight_shape(weight, input, node):
    """The shape that broadcasts the weight against the normalized input."""
    if isinstance(node, NODES.NativeLayerNormBackward0):
        return tuple(weight.shape)
    return (-1,) + (1,) * (input.dim() - 2)


def _check_float(input, name):
    try:
        dt = input._data.dtype
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if dt.kind not in "fV":
        raise RuntimeError(f"{name}: expected a floating point input, but got {input.dtype}")


def _check_optional(name: str, **arguments) -> None:
    """PyTorch's TypeError for an optional tensor argument given as something else than a tensor or None;
    `arguments` maps each argument's name to (value, position)."""
    for arg, (value, position) in arguments.items():
        check_tensor(name, arg, value, position, optional=True)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalize over every dim but 1 with batch statistics (training) or running ones (eval)."""
    _check_float(input, "batch_norm")
    _check_optional("batch_norm", weight=(weight, 2), bias=(bias, 3), running_mean=(running_mean, 4),
                    running_var=(running_var, 5))
    a = input._data
    if a.ndim < 2:
        raise ValueError(f"Expected 2D or higher input to batch_norm (got {a.ndim}D input)")
    c = a.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"batch_norm: expected {name} to have {c} elements (the input's channels), "
                               f"but got {t.numel()}")
    axes = (0,) + tuple(range(2, a.ndim))
    shape = (c,) + (1,) * (a.ndim - 2)
    if training:
        n = a.size // max(c, 1)
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{input.shape}")
        mean, var, centered = _batch_stats(a, axes)
        if running_mean is not None:
            _update(running_mean, mean, momentum)
        if running_var is not None:
            _update(running_var, var * (n / (n - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        mean = running_mean._data.reshape(shape).astype(widened_dtype(a.dtype))
        var = running_var._data.reshape(shape).astype(widened_dtype(a.dtype))
        centered = None
    xp = array_module(a)
    invstd = 1 / xp.sqrt(var + var.dtype.type(eps))
    if _fast(a):  # (a - mean) * invstd * weight + bias, with one scale and one shift per channel
        scale = invstd if weight is None else invstd * weight._data.reshape(shape).astype(a.dtype)
        shift = 0 if bias is None else bias._data.reshape(shape).astype(a.dtype)
        if centered is None:
            out = xp.multiply(a, scale)
            out += shift - mean * scale
        else:
            out = xp.multiply(centered, scale, out=centered)
            out += shift
    else:  # half precision: in float32, the output and the saved statistics rounded once
        xhat = (a - mean if centered is None else centered) * invstd
        out = _affine(xhat, weight, bias, shape).astype(a.dtype, copy=False)
        mean, invstd = mean.astype(a.dtype, copy=False), invstd.astype(a.dtype, copy=False)
    return _record(wrap(c_order(out)), NODES.NativeBatchNormBackward0(), input, weight, bias, mean, invstd, axes, eps,
                   training)


def _batch_stats(a, axes):
    """Per-channel mean and biased variance of `a` (N, C, *) over `axes` (every dim but 1), shaped to
    broadcast against it, and a - mean."""
    if not _fast(a):
        return _moments(a, axes)
    n, c = a.shape[:2]
    count = a.size // c
    shape = (c,) + (1,) * (a.ndim - 2)
    mean = (_channel_sums(a) / count).reshape(shape)
    centered = a - mean
    rows = centered.reshape(n * c, -1)
    squares = array_module(a).einsum("ij,ij->i", rows, rows).reshape(n, c).sum(0)
    return mean, (squares / count).reshape(shape), centered


def _update(running, stat, momentum):
    """running = (1 - momentum) * running + momentum * stat, in place (NumPy arrays sharing it see it)."""
    r = running._data
    r *= r.dtype.type(1 - momentum)
    r += (stat.reshape(r.shape) * momentum).astype(r.dtype)
    running._vc[0] += 1


def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing `normalized_shape` dims of each sample."""
    if "layer_norm" in AUTOCAST_OPS[0]:
        return autocast_call("layer_norm", layer_norm, input, normalized_shape, weight, bias, eps)
    _check_float(input, "layer_norm")
    _check_optional("layer_norm", weight=(weight, 3), bias=(bias, 4))
    shape = _normalized_shape(normalized_shape)
    a = input._data
    k = len(shape)
    if k == 0 or a.shape[a.ndim - k:] != shape or a.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in shape)}], but got input of size{list(a.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"layer_norm: expected {name} of shape {list(shape)}, but got {list(t.shape)}")
    axes = tuple(range(a.ndim - k, a.ndim))
    xhat, invstd, mean = _standardize(a, axes, eps)
    out = wrap(c_order(_affine(xhat, weight, bias, shape).astype(a.dtype, copy=False)))
    param_axes = tuple(range(a.ndim - k))
    return _record(out, NODES.NativeLayerNormBackward0(), input, weight, bias, mean, invstd, axes, eps, param_axes)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize each sample over groups of channels (and all spatial positions)."""
    if "group_norm" in AUTOCAST_OPS[0]:
        return autocast_call("group_norm", group_norm, input, num_groups, weight, bias, eps)
    _check_float(input, "group_norm")
    _check_optional("group_norm", weight=(weight, 3), bias=(bias, 4))
    a = input._data
    if a.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {a.ndim}")
    n, c = a.shape[0], a.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {input.shape} and num_groups={num_groups}")
    xg, invstd, mean = _standardize(a.reshape(n, num_groups, -1), (2,), eps)
    out = wrap(_affine(xg.reshape(a.shape), weight, bias, (c,) + (1,) * (a.ndim - 2)).astype(a.dtype, copy=False))
    return _record(out, NODES.NativeGroupNormBackward0(), input, weight, bias, mean, invstd, eps, num_groups)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of each sample over its spatial positions (batch norm on a (1, N*C, ...) view)."""
    try:
        shape = input._data.shape
    except AttributeError:
        raise tensor_type_error("instance_norm", "input", input) from None
    _check_optional("instance_norm", weight=(weight, 2), bias=(bias, 3), running_mean=(running_mean, 4),
                    running_var=(running_var, 5))
    n, c = shape[0], shape[1]
    folded = input.reshape((1, n * c) + shape[2:])
    rm = None if running_mean is None else running_mean.repeat(n)
    rv = None if running_var is None else running_var.repeat(n)
    w = None if weight is None else weight.repeat(n)
    b = None if bias is None else bias.repeat(n)
    out = batch_norm(folded, rm, rv, w, b, use_input_stats, momentum, eps)
    for running, folded_stats in ((running_mean, rm), (running_var, rv)):
        if running is not None:
            running._data[...] = folded_stats._data.reshape(n, c).mean(0)
            running._vc[0] += 1
    return out.view(shape)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """input / sqrt(mean(input^2) + eps) over the trailing dims, times weight; in input's dtype (eps defaults to
    float32's machine epsilon for half precision, which computes in float32)."""
    if "rms_norm" in AUTOCAST_OPS[0]:
        return autocast_call("rms_norm", rms_norm, input, normalized_shape, weight, eps)
    check_tensor("rms_norm", "input", input, 1)
    _check_optional("rms_norm", weight=(weight, 3))
    shape = _normalized_shape(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.dim() - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    dt = input._data.dtype
    wide = widened_dtype(dt)
    if eps is None:
        eps = float(np.finfo(wide).eps)
    dims = tuple(range(-k, 0))
    x = input if wide == dt else input.float()  # half precision in float32, rounded once, as PyTorch's
    out = x * (x * x).mean(dims, keepdim=True).add(eps).rsqrt()
    if weight is not None:
        out = out * weight
    return (out if out._data.dtype == dt else out.to(input.dtype)).contiguous()


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Normalize each channel by the squared activity of its `size` neighbouring channels."""
    check_tensor("local_response_norm", "input", input, 1)
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = (input * input).unsqueeze(1)
    if dim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        shape = input.shape
        div = div.view(shape[0], 1, shape[1], shape[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(shape)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm"]
