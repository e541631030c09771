"""The layers' functions as ONNX nodes: linear, convolution, pooling, normalization and embedding (padding and
resampling are in resample.py)."""
from __future__ import annotations

import math

import numpy as np

from ...backend import to_numpy
from ...ops import pooling as P
from .._registry import converts
from .._trace import tensors_in
from ._helpers import dtype_of, reduce, squeeze, tuple_of, unsqueeze


def _batched(g, input, spatial: int, write):
    """Run `write(x)` on a batched input: an unbatched (C, ...) input gets a batch axis and loses it after
    (from each output, where `write` returns several)."""
    x = g.value(input)
    if input.ndim == spatial + 2:
        return write(x)
    y = write(unsqueeze(g, x, [0]))
    return squeeze(g, y, [0]) if isinstance(y, str) else tuple(squeeze(g, v, [0]) for v in y)


# ---- linear ---------------------------------------------------------------------------------------
@converts("linear")
def linear(g, out, input, weight, bias=None):
    """F.linear: Gemm for 2-D input, else MatMul by the transposed weight (folded where it is constant)."""
    dt = dtype_of(out)
    if input.ndim == 2:
        return g.op("Gemm", g.value(input, dt), g.value(weight, dt), g.value(bias, dt), transB=1)
    w = g.constant(to_numpy(weight._data).T.astype(dt)) if g.is_constant(weight) else \
        g.op("Transpose", g.value(weight, dt), perm=[1, 0])
    y = g.op("MatMul", g.value(input, dt), w)
    return y if bias is None else g.op("Add", y, g.value(bias, dt))


# ---- convolution ----------------------------------------------------------------------------------
def _conv_pads(padding, n: int, kernel, dilation) -> list[int]:
    """Conv's pads (all begins, then all ends) for an int, tuple, 'valid' or 'same' padding (the odd extra
    padding of 'same' goes at the end, as in PyTorch)."""
    if padding == "valid":
        return [0] * (2 * n)
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    return list(tuple_of(padding, n)) * 2


@converts("conv1d", "conv2d", "conv3d")
def conv(g, out, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """F.conv1d/2d/3d as Conv, for batched or unbatched input."""
    n = weight.ndim - 2
    kernel, dilation = list(weight._data.shape[2:]), tuple_of(dilation, n)
    attributes = dict(kernel_shape=kernel, strides=list(tuple_of(stride, n)), dilations=list(dilation),
                      pads=_conv_pads(padding, n, kernel, dilation), group=int(groups))
    inputs = [g.value(weight), g.value(bias)]
    return _batched(g, input, n, lambda x: g.op("Conv", x, *inputs, **attributes))


@converts("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def conv_transpose(g, out, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """F.conv_transpose1d/2d/3d as ConvTranspose, for batched or unbatched input."""
    n = weight.ndim - 2
    attributes = dict(kernel_shape=list(weight._data.shape[2:]), strides=list(tuple_of(stride, n)),
                      dilations=list(tuple_of(dilation, n)), pads=list(tuple_of(padding, n)) * 2,
                      output_padding=list(tuple_of(output_padding, n)), group=int(groups))
    inputs = [g.value(weight), g.value(bias)]
    return _batched(g, input, n, lambda x: g.op("ConvTranspose", x, *inputs, **attributes))


# ---- pooling --------------------------------------------------------------------------------------
def _pool_geometry(n, kernel_size, stride, padding, dilation=1) -> tuple:
    """Kernel, stride, padding and dilation of a pooling call as tuples of `n` ints."""
    kernel = tuple_of(kernel_size, n)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else tuple_of(stride, n)
    return kernel, stride, tuple_of(padding, n), tuple_of(dilation, n)


def _pool(g, op_type: str, input, out, n: int, geometry, ceil_mode: bool, indices: bool = False, **attributes):
    """A MaxPool or AveragePool node (values, and indices per plane when asked) on a batched or unbatched input.

    With ceil_mode ONNX keeps a last window that starts in the right padding, where PyTorch drops it: the
    extra outputs are sliced off."""
    kernel, stride, padding, dilation = geometry
    shape = tensors_in(out)[0]._data.shape[-n:]
    spatial = input._data.shape[-n:]
    full = tuple((L + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
                 for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))

    def write(x):
        y = g.op(op_type, x, outputs=2 if indices else 1, kernel_shape=list(kernel), strides=list(stride),
                 pads=list(padding) * 2, ceil_mode=int(bool(ceil_mode)), **attributes)
        y = list(y) if indices else [y]
        if indices:  # ONNX counts over the whole tensor, PyTorch within each plane
            y[1] = g.op("Mod", y[1], g.value(math.prod(spatial)))
        if full != shape:
            y = [g.op("Slice", v, g.ints([0] * n), g.ints(shape), g.ints(range(2, n + 2))) for v in y]
        return tuple(y) if indices else y[0]
    return _batched(g, input, n, write)


def _max_pool(n: int, always_indices: bool = False):
    def convert(g, out, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
        geometry = _pool_geometry(n, kernel_size, stride, padding, dilation)
        return _pool(g, "MaxPool", input, out, n, geometry, ceil_mode, return_indices or always_indices,
                     dilations=list(geometry[3]))
    return convert


def _avg_pool(n: int):
    def convert(g, out, input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        if dtype_of(input).kind != "f":
            raise g.unsupported("ONNX's AveragePool takes floating point input only")
        geometry = _pool_geometry(n, kernel_size, stride, padding)
        if divisor_override is None:
            return _pool(g, "AveragePool", input, out, n, geometry, ceil_mode, count_include_pad=int(count_include_pad))
        if ceil_mode:
            raise g.unsupported("avg_pool with divisor_override and ceil_mode: the windows past the padding have "
                                "no fixed size to undo")
        mean = _pool(g, "AveragePool", input, out, n, geometry, False, count_include_pad=1)
        return g.op("Mul", mean, g.value(math.prod(geometry[0]) / divisor_override, dtype_of(out)))
    return convert


def adaptive_pool(g, out, input, output_size, n: int, pool: str, return_indices: bool = False):
    """Adaptive average ("Average") or max ("Max") pooling: a global pool, or a pool whose windows tile the
    input (each output size divides the input size); ONNX has no windows of varying size."""
    inner = input._data.shape[-n:]
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * n
    wanted = tuple(i if s is None else int(s) for i, s in zip(inner, sizes))
    if all(s == 1 for s in wanted) and not return_indices:
        return _batched(g, input, n, lambda x: g.op(f"Global{pool}Pool", x))
    if any(s == 0 or i % s for i, s in zip(inner, wanted)):
        if pool == "Average" and not return_indices and all(wanted):
            return _averaging_products(g, out, input, inner, wanted)
        raise g.unsupported(f"adaptive max pooling from {inner} to {wanted} has windows of different sizes; ONNX "
                            f"can express it only when each output size divides the input size")
    kernel = tuple(i // s for i, s in zip(inner, wanted))
    geometry = (kernel, kernel, (0,) * n, (1,) * n)
    return _pool(g, f"{pool}Pool", input, out, n, geometry, False, return_indices)


def _averaging_matrix(length: int, size: int, dt) -> np.ndarray:
    """(length, size): column j averages adaptive pooling's window j, rows floor(j L / S) to ceil((j + 1) L / S)."""
    matrix = np.zeros((length, size), dtype=dt)
    for j in range(size):
        start, end = (j * length) // size, -((-(j + 1) * length) // size)
        matrix[start:end, j] = 1.0 / (end - start)
    return matrix


def _averaging_products(g, out, input, inner, wanted) -> str:
    """Adaptive average pooling with windows of different sizes: the windows of each spatial axis are averaged
    by a matrix product, one axis at a time (the mean over a box is the mean over each of its axes)."""
    dt, ndim = dtype_of(out), input.ndim
    x = g.value(input, dt)
    for k, (length, size) in enumerate(zip(inner, wanted)):
        axis = ndim - len(inner) + k
        perm = list(range(ndim))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        moved = x if axis == ndim - 1 else g.op("Transpose", x, perm=perm)
        x = g.op("MatMul", moved, g.constant(_averaging_matrix(length, size, dt)))
        x = x if axis == ndim - 1 else g.op("Transpose", x, perm=perm)
    return x


def _adaptive(n: int, pool: str, always_indices: bool = False):
    def convert(g, out, input, output_size, return_indices=False):
        return adaptive_pool(g, out, input, output_size, n, pool, return_indices or always_indices)
    return convert


for _n in (1, 2, 3):
    converts(getattr(P, f"max_pool{_n}d"))(_max_pool(_n))
    converts(getattr(P, f"max_pool{_n}d_with_indices"))(_max_pool(_n, always_indices=True))
    converts(getattr(P, f"avg_pool{_n}d"))(_avg_pool(_n))
    converts(getattr(P, f"adaptive_avg_pool{_n}d"))(_adaptive(_n, "Average"))
    converts(getattr(P, f"adaptive_max_pool{_n}d"))(_adaptive(_n, "Max"))
    converts(getattr(P, f"adaptive_max_pool{_n}d_with_indices"))(_adaptive(_n, "Max", always_indices=True))


# ---- normalization --------------------------------------------------------------------------------
def _filled(g, tensor, size: int, value: float, dt) -> str:
    """A per-channel parameter, or `value` repeated where it is None."""
    return g.value(tensor, dt) if tensor is not None else g.constant(np.full(size, value, dtype=dt))


def _per_channel(g, y: str, tensor, op_type: str, ndim: int, dt) -> str:
    """y (N, C, ...) combined with a (C,) parameter by `op_type`; y itself where the parameter is None."""
    if tensor is None:
        return y
    return g.op(op_type, y, g.op("Reshape", g.value(tensor, dt), g.ints([-1] + [1] * (ndim - 2))))


def _batch_statistics(g, x: str, input, weight, bias, eps, dt) -> str:
    """Batch norm with the batch's own mean and biased variance over every axis but 1."""
    axes = [0, *range(2, input.ndim)]
    centered = g.op("Sub", x, reduce(g, "ReduceMean", x, axes, True))
    var = reduce(g, "ReduceMean", g.op("Mul", centered, centered), axes, True)
    y = g.op("Div", centered, g.op("Sqrt", g.op("Add", var, g.value(float(eps), dt))))
    return _per_channel(g, _per_channel(g, y, weight, "Mul", input.ndim, dt), bias, "Add", input.ndim, dt)


@converts("batch_norm")
def batch_norm(g, out, input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """F.batch_norm: BatchNormalization with the running statistics, or the batch's statistics (training, or a
    module without running statistics; the update of running statistics is not part of the graph)."""
    dt, c = dtype_of(out), input._data.shape[1]
    x = g.value(input, dt)
    if training:
        return _batch_statistics(g, x, input, weight, bias, eps, dt)
    return g.op("BatchNormalization", x, _filled(g, weight, c, 1.0, dt), _filled(g, bias, c, 0.0, dt),
                g.value(running_mean, dt), g.value(running_var, dt), epsilon=float(eps))


@converts("instance_norm")
def instance_norm(g, out, input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """F.instance_norm: InstanceNormalization, or BatchNormalization with running statistics."""
    if not use_input_stats:
        return batch_norm(g, out, input, running_mean, running_var, weight, bias, eps=eps)
    dt, c = dtype_of(out), input._data.shape[1]
    return g.op("InstanceNormalization", g.value(input, dt), _filled(g, weight, c, 1.0, dt),
                _filled(g, bias, c, 0.0, dt), epsilon=float(eps))


@converts("layer_norm", opsets=range(17, 21))
def layer_norm(g, out, input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """F.layer_norm as LayerNormalization over the trailing axes (opset 17)."""
    dt = dtype_of(out)
    k = len(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else 1
    trailing = input._data.shape[input.ndim - k:]
    if not math.prod(trailing):
        return g.value(input)
    scale = g.value(weight, dt) if weight is not None else g.constant(np.ones(trailing, dtype=dt))
    return g.op("LayerNormalization", g.value(input, dt), scale, g.value(bias, dt), axis=-k,
                epsilon=float(eps))


@converts("group_norm")
def group_norm(g, out, input, num_groups, weight=None, bias=None, eps=1e-5):
    """F.group_norm: InstanceNormalization of the (N, groups, -1) view, then the per-channel affine."""
    dt, groups = dtype_of(out), int(num_groups)
    x = g.value(input, dt)
    grouped = g.op("Reshape", x, g.ints([0, groups, -1]))
    normed = g.op("InstanceNormalization", grouped, g.constant(np.ones(groups, dtype=dt)),
                  g.constant(np.zeros(groups, dtype=dt)), epsilon=float(eps))
    y = g.op("Reshape", normed, g.op("Shape", x))
    return _per_channel(g, _per_channel(g, y, weight, "Mul", input.ndim, dt), bias, "Add", input.ndim, dt)


@converts("local_response_norm")
def local_response_norm(g, out, input, size, alpha=1e-4, beta=0.75, k=1.0):
    """F.local_response_norm: LRN for odd sizes; for even ones (which ONNX Runtime's LRN refuses, and where
    ONNX centres the window one channel off PyTorch) the mean of squares over `size` channels, size // 2 before
    and the rest after, by AveragePool."""
    x, size = g.value(input), int(size)
    if size % 2:
        return g.op("LRN", x, size=size, alpha=float(alpha), beta=float(beta), bias=float(k))
    squares = g.op("Unsqueeze", g.op("Mul", x, x), g.ints([1]))
    flat = g.op("Reshape", squares, g.ints([0, 1, 0, -1]))
    mean = g.op("AveragePool", flat, kernel_shape=[size, 1], pads=[size // 2, 0, (size - 1) // 2, 0],
                count_include_pad=1)
    mean = g.op("Reshape", mean, g.op("Shape", x))
    dt = dtype_of(out)
    scale = g.op("Add", g.op("Mul", mean, g.value(float(alpha), dt)), g.value(float(k), dt))
    return g.op("Div", x, g.op("Pow", scale, g.value(float(beta), dt)))


# ---- embedding ------------------------------------------------------------------------------------
@converts("embedding")
def embedding(g, out, input, weight, padding_idx=None, max_norm=None, *args, **kwargs):
    """F.embedding as Gather of the weight's rows (padding_idx only changes the gradient)."""
    if max_norm is not None:
        raise g.unsupported("embedding with max_norm renormalizes the weight in place; ONNX cannot")
    return g.op("Gather", g.value(weight), g.value(input), axis=0)
