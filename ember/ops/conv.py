"""Convolution ops: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold and fold, as BLAS matrix products.

A convolution is bilinear in its input and weight, and so are its two gradients. The three products
(the forward, the input gradient that is also the transposed convolution, and the weight gradient)
are kernels in backend/conv.py; each one's gradients are the other two, so the backward of every
product is made of products and double backward works by composition.
"""
import math

import numpy as np

from .._dtype import scalar_type_name
from ..autograd.graph import node_classes
from ..backend import array_module
from ..backend import conv as kernels
from .arguments import int_tuple
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, Tensor, check_tensor, keep_if, record, wrap
from .padding import pad

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
           "fold"]

GRADIENTS = {
    "ConvolutionBackward0": lambda g, a, b, kind, shapes, params, bias: (
        *_product_grads(g, a, b, kind, shapes, params), g.sum((0, *range(2, g.ndim))) if bias else None),
    "ConvolutionBackwardBackward0": lambda g, a, b, kind, shapes, params: _product_grads(g, a, b, kind, shapes, params),
    "Im2ColBackward0": lambda g, size, kernel, dilation, padding, stride: (
        fold(g, size, kernel, dilation, padding, stride),),
    "Col2ImBackward0": lambda g, kernel, dilation, padding, stride: (unfold(g, kernel, dilation, padding, stride),),
}
NODES = node_classes(GRADIENTS, reads_inputs={"ConvolutionBackward0": "no grad"})

Ints = int | tuple[int, ...]  # an int for every spatial dim, or one int each

_KERNELS = {"forward": kernels.conv_forward, "input": kernels.conv_input_grad, "weight": kernels.conv_weight_grad}


def _product_grads(g, a, b, kind, shapes, params):
    """Gradients of the product `kind`(a, b) given its output gradient g: the gradient of `a` needs `b`
    (None when `a` needs none) and the gradient of `b` needs `a`.

    forward(x, w) = y:   dx = input(g, w),   dw = weight(x, g)
    input(gy, w) = gx:   dgy = forward(g, w), dw = weight(g, gy)
    weight(x, gy) = gw:  dx = input(gy, g),  dgy = forward(x, g)
    """
    a_shape, b_shape = shapes
    g = g.contiguous()  # a gradient from sum() is a broadcast, which the kernels' reshapes would copy chunk by chunk
    if kind == "forward":
        return (None if b is None else _product("input", g, b, a_shape, params),
                None if a is None else _product("weight", a, g, b_shape, params))
    if kind == "input":
        return (None if b is None else _product("forward", g, b, a_shape, params),
                None if a is None else _product("weight", g, a, b_shape, params))
    return (None if b is None else _product("input", b, g, a_shape, params),
            None if a is None else _product("forward", a, g, b_shape, params))


def _compute(kind, a, b, shape, params, bias=None):
    """The array of product `kind` of Tensors a and b, of `shape`, plus the bias (O,) when given."""
    extra = {} if bias is None else {"bias": bias._data}
    return _KERNELS[kind](a._data, b._data, shape, *params, **extra)


def _product(kind, a, b, shape, params):
    """A product inside a backward formula, recorded for double backward."""
    r = wrap(_compute(kind, a, b, shape, params))
    if GRAD_ENABLED[0] and (a._rg or b._rg):
        record(r, NODES.ConvolutionBackwardBackward0(), (a, b),
               (keep_if(a, b._rg), keep_if(b, a._rg), kind, (a._data.shape, b._data.shape), params))
    return r


def _convolution(kind, x, w, bias, shape, params):
    """A (transposed, for kind 'input') convolution with bias, recorded as ConvolutionBackward0."""
    r = wrap(_compute(kind, x, w, shape, params, bias))
    bias_rg = bias is not None and bias._rg
    if GRAD_ENABLED[0] and (x._rg or w._rg or bias_rg):
        record(r, NODES.ConvolutionBackward0(), (x, w, bias),
               (keep_if(x, w._rg), keep_if(w, x._rg), kind, (x._data.shape, w._data.shape), params, bias_rg))
    return r


# ---- argument checks -----------------------------------------------------------------------------
def _check_params(stride, padding, dilation, groups, output_padding=()):
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"argument 'groups' must be int, not {type(groups).__name__}")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _batched(name, nd, x):
    """Whether `x` has a batch dim; RuntimeError unless it has nd + 1 or nd + 2 dims."""
    if x._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(x._data.shape)}")
    return x._data.ndim == nd + 2


def _check_shapes(x, w, bias, groups, transposed):
    """PyTorch's errors for a weight, input channels or bias that do not fit together."""
    xs, ws = list(x._data.shape), list(w._data.shape)
    if ws[0] < 1:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at dimension 0, but got weight "
                           f"of size {ws} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{ws}] instead")
    channels = ws[0] if transposed else ws[1] * groups
    given = f"Given transposed=1, weight of size {ws}" if transposed else f"Given groups={groups}, weight of size {ws}"
    if xs[1] != channels:
        raise RuntimeError(f"{given}, expected input{xs} to have {channels} channels, but got {xs[1]} channels instead")
    out_channels = ws[1] * groups if transposed else ws[0]
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != out_channels):
        given = f"Given transposed=1, weight of size {ws}" if transposed else f"Given weight of size {ws}"
        raise RuntimeError(f"{given}, expected bias to be 1-dimensional with {out_channels} elements, but got bias of "
                           f"size {list(bias._data.shape)} instead")
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"Input type ({scalar_type_name(x._data.dtype)}) and weight type "
                           f"({scalar_type_name(w._data.dtype)}) should be the same")
    if bias is not None and bias._data.dtype != x._data.dtype:
        raise RuntimeError(f"Input type ({scalar_type_name(x._data.dtype)}) and bias type "
                           f"({scalar_type_name(bias._data.dtype)}) should be the same")
    if x._data.dtype == np.bool_:
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for 'Bool'")


def _sizes(values):
    return " x ".join(map(str, values))


# ---- convolution ---------------------------------------------------------------------------------
def _check_arguments(name, nd, input, weight, bias, stride):
    """The tensors and stride of a (transposed) convolution; returns whether the input is batched and the stride
    as an nd-tuple, which the weight's kernel dims must match."""
    for arg, value, position in (("input", input, 1), ("weight", weight, 2)):
        check_tensor(name, arg, value, position)
    check_tensor(name, "bias", bias, 3, optional=True)
    batched, stride = _batched(name, nd, input), int_tuple(stride, nd, "stride", name)
    if weight._data.ndim - 2 != nd:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {weight._data.ndim - 2} "
                           f"values to match the convolution dimensions, but got stride={list(stride)}")
    return batched, stride


def _conv(name, nd, input, weight, bias, stride, padding, dilation, groups):
    """conv1d/2d/3d: checks, 'same'/'valid' padding and the unbatched form around one product."""
    if name in AUTOCAST_OPS[0]:
        return autocast_call(name, _conv, name, nd, input, weight, bias, stride, padding, dilation, groups)
    batched, stride = _check_arguments(name, nd, input, weight, bias, stride)
    dilation = int_tuple(dilation, nd, "dilation", name)
    x = input if batched else input.unsqueeze(0)
    if isinstance(padding, str):
        x, padding = _padding_mode(x, weight, padding, stride, dilation)
    else:
        padding = int_tuple(padding, nd, "padding", name)
    _check_params(stride, padding, dilation, groups)
    _check_shapes(x, weight, bias, groups, transposed=False)
    size, kernel = x._data.shape[2:], weight._data.shape[2:]
    padded = [n + 2 * p for n, p in zip(size, padding)]
    span = [d * (kk - 1) + 1 for kk, d in zip(kernel, dilation)]
    if any(p < s for p, s in zip(padded, span)):
        raise RuntimeError(f"Calculated padded input size per channel: ({_sizes(padded)}). Kernel size: "
                           f"({_sizes(span)}). Kernel size can't be greater than actual input size")
    out = [(p - s) // st + 1 for p, s, st in zip(padded, span, stride)]
    shape = (x._data.shape[0], weight._data.shape[0], *out)
    r = _convolution("forward", x, weight, bias, shape, (stride, padding, dilation, groups))
    return r if batched else r.squeeze(0)


def _padding_mode(x, weight, mode, stride, dilation):
    """Padding 'valid' (none) or 'same' (output size = input size; an odd total pads one more on the right,
    through F.pad, as PyTorch does); returns the input and the symmetric padding."""
    if mode == "valid":
        return x, (0,) * len(stride)
    if mode != "same":
        raise RuntimeError(f"Invalid padding string: '{mode}'")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for k, d in zip(weight._data.shape[2:], dilation)]
    if any(t % 2 for t in total):
        x = pad(x, [p for t in reversed(total) for p in (0, t % 2)])
    return x, tuple(t // 2 for t in total)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Ints = 1, padding: Ints | str = 0,
           dilation: Ints = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) or unbatched (C, L) input; padding may be 'same' or 'valid'."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Ints = 1, padding: Ints | str = 0,
           dilation: Ints = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of (N, C, H, W) or unbatched (C, H, W) input; padding may be 'same'
    or 'valid'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Ints = 1, padding: Ints | str = 0,
           dilation: Ints = 1, groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation) of (N, C, D, H, W) or unbatched (C, D, H, W) input."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ---- transposed convolution ----------------------------------------------------------------------
def _conv_transpose(name, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """conv_transpose1d/2d/3d: the input gradient of a convolution, plus bias."""
    if name in AUTOCAST_OPS[0]:
        return autocast_call(name, _conv_transpose, name, nd, input, weight, bias, stride, padding, output_padding,
                             groups, dilation)
    batched, stride = _check_arguments(name, nd, input, weight, bias, stride)
    padding = int_tuple(padding, nd, "padding", name)
    output_padding = int_tuple(output_padding, nd, "output_padding", name)
    dilation = int_tuple(dilation, nd, "dilation", name)
    _check_params(stride, padding, dilation, groups, output_padding)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got output_padding="
                           f"{list(output_padding)}, stride={list(stride)}, dilation={list(dilation)}")
    x = input if batched else input.unsqueeze(0)
    _check_shapes(x, weight, bias, groups, transposed=True)
    size, kernel = x._data.shape[2:], weight._data.shape[2:]
    out = [(n - 1) * s - 2 * p + d * (kk - 1) + op + 1
           for n, s, p, d, kk, op in zip(size, stride, padding, dilation, kernel, output_padding)]
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input size per channel: ({_sizes(size)}). Calculated output size per channel: "
                           f"({_sizes(out)}). Output size is too small")
    shape = (x._data.shape[0], weight._data.shape[1] * groups, *out)
    r = _convolution("input", x, weight, bias, shape, (stride, padding, dilation, groups))
    return r if batched else r.squeeze(0)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Ints = 1, padding: Ints = 0,
                     output_padding: Ints = 0, groups: int = 1, dilation: Ints = 1) -> Tensor:
    """1-D transposed convolution of (N, C, L) or unbatched (C, L) input; weight is (C, out_channels/groups, k)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Ints = 1, padding: Ints = 0,
                     output_padding: Ints = 0, groups: int = 1, dilation: Ints = 1) -> Tensor:
    """2-D transposed convolution of (N, C, H, W) or unbatched (C, H, W) input; weight is (C, out/groups, kh, kw)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Ints = 1, padding: Ints = 0,
                     output_padding: Ints = 0, groups: int = 1, dilation: Ints = 1) -> Tensor:
    """3-D transposed convolution of (N, C, D, H, W) or unbatched (C, D, H, W) input."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# ---- unfold / fold -------------------------------------------------------------------------------
def _block_args(fname, kernel_size, dilation, padding, stride):
    """kernel_size, dilation, padding and stride of unfold/fold as pairs, with PyTorch's checks."""
    kernel, dilation, padding, stride = (int_tuple(value, 2, arg, fname, single=False) for arg, value in (
        ("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding), ("stride", stride)))
    for what, (h, w), short in (("kernel size", kernel, "kernel"), ("stride", stride, "stride"),
                                ("dilation", dilation, "dilation")):
        if h <= 0 or w <= 0:
            raise RuntimeError(f"{what} should be greater than zero, but got {short}_height: {h} {short}_width: {w}")
    if min(padding) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} pad_width: {padding[1]}")
    return kernel, dilation, padding, stride


def _blocks(size, kernel, dilation, padding, stride):
    """The number of sliding blocks along each spatial dim."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride))


def _check_float(a, kernel_name):
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{scalar_type_name(a.dtype)}'")


def unfold(input: Tensor, kernel_size: Ints, dilation: Ints = 1, padding: Ints = 0, stride: Ints = 1) -> Tensor:
    """Sliding blocks of (N, C, H, W) or unbatched (C, H, W) input as columns: (N, C * kh * kw, L) (im2col)."""
    check_tensor("unfold", "input", input, 1)
    a = input._data
    if a.ndim < 3:
        raise IndexError(f"Dimension out of range: unfold expects a 3-D (unbatched) or 4-D (batched) input, but got "
                         f"input of size: {list(a.shape)}")
    if a.ndim > 4 or 0 in a.shape[-3:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(a.shape)}")
    args = _block_args("unfold", kernel_size, dilation, padding, stride)
    kernel, dilation, padding, stride = args
    blocks = _blocks(a.shape[-2:], kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(a.shape[-2:])}, kernel_size={kernel}, dilation="
                           f"{dilation}, padding={padding}, calculated shape of the array of sliding blocks as "
                           f"{blocks}, but its components must be at least one.")
    _check_float(a, "im2col_out_cpu")
    batch = a if a.ndim == 4 else a[None]
    cols = kernels.windows(batch, kernel, stride, padding, dilation, blocks)
    cols = cols.reshape(batch.shape[0], batch.shape[1] * math.prod(kernel), math.prod(blocks))
    r = wrap(cols if a.ndim == 4 else cols[0])
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.Im2ColBackward0(), (input,), (tuple(a.shape[-2:]), *args))
    return r


def fold(input: Tensor, output_size: Ints, kernel_size: Ints, dilation: Ints = 1, padding: Ints = 0,
         stride: Ints = 1) -> Tensor:
    """Sum columns (N, C * kh * kw, L) or unbatched (C * kh * kw, L) back into (N, C, H, W) images (col2im);
    the adjoint of unfold."""
    check_tensor("fold", "input", input, 1)
    a = input._data
    if a.ndim not in (2, 3) or 0 in a.shape[-2:]:
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(a.shape)}")
    size = int_tuple(output_size, 2, "output_size", "fold", single=False)
    args = _block_args("fold", kernel_size, dilation, padding, stride)
    kernel, dilation, padding, stride = args
    if a.shape[-2] % math.prod(kernel):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={a.shape[-2]} and kernel_size={kernel}.")
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if a.shape[-1] != math.prod(blocks) or min(blocks) < 1:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
                           f"stride={stride}, expected size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but got "
                           f"input.size(2)={a.shape[-1]}.")
    _check_float(a, "col2im_out_cpu")
    batch = a if a.ndim == 3 else a[None]
    n, c = batch.shape[0], batch.shape[1] // math.prod(kernel)
    out = array_module(a).zeros((n, c, *size), a.dtype)
    kernels.add_windows(out, batch.reshape(n, c, *kernel, *blocks), stride, padding, dilation)
    r = wrap(out if a.ndim == 3 else out[0])
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.Col2ImBackward0(), (input,), args)
    return r
