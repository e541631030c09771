"""The layers' functions as ONNX nodes: linear, convolution, pooling, normalization, embedding, padding and
resampling."""
from __future__ import annotations

import numpy as np

from ...backend import to_numpy
from ...ops import pooling as P
from .._registry import converts
from ._helpers import dtype_of, squeeze, tuple_of, unsqueeze


def _batched(g, input, spatial: int, write):
    """Run `write(x)` on a batched input: an unbatched (C, ...) input gets a batch axis and loses it after."""
    x = g.value(input)
    if input.ndim == spatial + 2:
        return write(x)
    return squeeze(g, write(unsqueeze(g, x, [0])), [0])


# ---- linear ---------------------------------------------------------------------------------------
@converts("linear")
def linear(g, out, input, weight, bias=None):
    dt = dtype_of(out)
    if input.ndim == 2:
        return g.op("Gemm", g.value(input, dt), g.value(weight, dt), g.value(bias, dt), transB=1)
    w = g.constant(to_numpy(weight._data).T.astype(dt)) if g.is_constant(weight) else \
        g.op("Transpose", g.value(weight, dt), perm=[1, 0])
    y = g.op("MatMul", g.value(input, dt), w)
    return y if bias is None else g.op("Add", y, g.value(bias, dt))


# ---- convolution ----------------------------------------------------------------------------------
def _conv_pads(padding, n: int, kernel, dilation) -> list[int]:
    if padding == "valid":
        return [0] * (2 * n)
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    return list(tuple_of(padding, n)) * 2


@converts("conv1d", "conv2d", "conv3d")
def conv(g, out, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    n = weight.ndim - 2
    kernel, dilation = list(weight.shape[2:]), tuple_of(dilation, n)
    attributes = dict(kernel_shape=kernel, strides=list(tuple_of(stride, n)), dilations=list(dilation),
                      pads=_conv_pads(padding, n, kernel, dilation), group=int(groups))
    w, b = g.value(weight), g.value(bias)
    return _batched(g, input, n, lambda x: g.op("Conv", x, w, b, **attributes))


@converts("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def conv_transpose(g, out, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    n = weight.ndim - 2
    attributes = dict(kernel_shape=list(weight.shape[2:]), strides=list(tuple_of(stride, n)),
                      dilations=list(tuple_of(dilation, n)), pads=list(tuple_of(padding, n)) * 2,
                      output_padding=list(tuple_of(output_padding, n)), group=int(groups))
    w, b = g.value(weight), g.value(bias)
    return _batched(g, input, n, lambda x: g.op("ConvTranspose", x, w, b, **attributes))


# ---- pooling --------------------------------------------------------------------------------------
def _pool_attributes(n, kernel_size, stride, padding, ceil_mode):
    kernel = tuple_of(kernel_size, n)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else tuple_of(stride, n)
    return dict(kernel_shape=list(kernel), strides=list(stride), pads=list(tuple_of(padding, n)) * 2,
                ceil_mode=int(bool(ceil_mode)))


def _max_pool(n: int):
    def convert(g, out, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
        if return_indices:
            raise g.unsupported("ONNX's MaxPool indices count over the whole tensor, PyTorch's over each plane; "
                                "call max pooling without return_indices")
        attributes = _pool_attributes(n, kernel_size, stride, padding, ceil_mode)
        return _batched(g, input, n, lambda x: g.op("MaxPool", x, dilations=list(tuple_of(dilation, n)),
                                                    **attributes))
    return convert


def _avg_pool(n: int):
    def convert(g, out, input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        if divisor_override is not None:
            raise g.unsupported("ONNX's AveragePool has no divisor_override")
        attributes = _pool_attributes(n, kernel_size, stride, padding, ceil_mode)
        return _batched(g, input, n, lambda x: g.op("AveragePool", x, count_include_pad=int(count_include_pad),
                                                    **attributes))
    return convert


def _adaptive(n: int, pool: str):
    def convert(g, out, input, output_size, return_indices=False):
        if return_indices:
            raise g.unsupported("adaptive max pooling with indices has no ONNX form")
        inner = tuple(input.shape[-n:])
        wanted = tuple(inner[i] if s is None else int(s) for i, s in
                       enumerate(output_size if isinstance(output_size, (tuple, list)) else (output_size,) * n))
        if all(s == 1 for s in wanted):
            return _batched(g, input, n, lambda x: g.op(f"Global{pool}Pool", x))
        if any(i % s for i, s in zip(inner, wanted)):
            raise g.unsupported(f"adaptive pooling from {inner} to {wanted} has windows of different sizes; ONNX "
                                f"can express it only when each output size divides the input size")
        kernel = [i // s for i, s in zip(inner, wanted)]
        return _batched(g, input, n, lambda x: g.op(f"{pool}Pool", x, kernel_shape=kernel, strides=kernel))
    return convert


for _n in (1, 2, 3):
    converts(getattr(P, f"max_pool{_n}d"))(_max_pool(_n))
    converts(getattr(P, f"avg_pool{_n}d"))(_avg_pool(_n))
    converts(getattr(P, f"adaptive_avg_pool{_n}d"))(_adaptive(_n, "Average"))
    converts(getattr(P, f"adaptive_max_pool{_n}d"))(_adaptive(_n, "Max"))


# ---- normalization --------------------------------------------------------------------------------
def _filled(g, tensor, size: int, value: float, dt) -> str:
    return g.value(tensor, dt) if tensor is not None else g.constant(np.full(size, value, dtype=dt))


@converts("batch_norm")
def batch_norm(g, out, input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    if training or running_mean is None:
        raise g.unsupported("batch_norm with batch statistics (training mode, or no running statistics) is not "
                            "exported; export the model in eval mode")
    dt, c = dtype_of(out), input.shape[1]
    return g.op("BatchNormalization", g.value(input, dt), _filled(g, weight, c, 1.0, dt),
                _filled(g, bias, c, 0.0, dt), g.value(running_mean, dt), g.value(running_var, dt),
                epsilon=float(eps))


@converts("instance_norm")
def instance_norm(g, out, input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    if not use_input_stats:
        return batch_norm(g, out, input, running_mean, running_var, weight, bias, eps=eps)
    dt, c = dtype_of(out), input.shape[1]
    return g.op("InstanceNormalization", g.value(input, dt), _filled(g, weight, c, 1.0, dt),
                _filled(g, bias, c, 0.0, dt), epsilon=float(eps))


@converts("layer_norm", opsets=range(17, 21))
def layer_norm(g, out, input, normalized_shape, weight=None, bias=None, eps=1e-5):
    dt = dtype_of(out)
    k = len(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else 1
    size = int(np.prod(input.shape[-k:]))
    scale = g.value(weight, dt) if weight is not None else g.constant(np.ones(input.shape[-k:], dtype=dt))
    if not size:
        return g.value(input)
    inputs = [g.value(input, dt), scale] + ([g.value(bias, dt)] if bias is not None else [])
    return g.op("LayerNormalization", *inputs, axis=-k, epsilon=float(eps))


@converts("group_norm")
def group_norm(g, out, input, num_groups, weight=None, bias=None, eps=1e-5):
    dt, c = dtype_of(out), input.shape[1]
    x = g.value(input, dt)
    grouped = g.op("Reshape", x, g.ints([0, int(num_groups), -1]))
    normed = g.op("InstanceNormalization", grouped, g.constant(np.ones(num_groups, dtype=dt)),
                  g.constant(np.zeros(num_groups, dtype=dt)), epsilon=float(eps))
    y = g.op("Reshape", normed, g.op("Shape", x))
    per_channel = [c] + [1] * (input.ndim - 2)
    if weight is not None:
        y = g.op("Mul", y, g.op("Reshape", g.value(weight, dt), g.ints(per_channel)))
    if bias is not None:
        y = g.op("Add", y, g.op("Reshape", g.value(bias, dt), g.ints(per_channel)))
    return y


@converts("local_response_norm")
def local_response_norm(g, out, input, size, alpha=1e-4, beta=0.75, k=1.0):
    return g.op("LRN", g.value(input), size=int(size), alpha=float(alpha), beta=float(beta), bias=float(k))


# ---- embedding ------------------------------------------------------------------------------------
@converts("embedding")
def embedding(g, out, input, weight, padding_idx=None, max_norm=None, *args, **kwargs):
    if max_norm is not None:
        raise g.unsupported("embedding with max_norm renormalizes the weight in place; ONNX cannot")
    return g.op("Gather", g.value(weight), g.value(input), axis=0)
