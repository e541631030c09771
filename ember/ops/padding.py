"""Padding: F.pad in every mode (constant, reflect, replicate, circular).

`pad` lists (before, after) pairs from the last dim backwards; negative values crop. Constant padding
is its own adjoint with the pads negated. Reflect and replicate padding build each padded dim from
three slices of the input (left pad, kept middle, right pad) and their adjoints add the gradient back
through the same slices. Circular padding gathers the kept part periodically; its gradient is composed
of constant padding and a sum over the periods.
"""
import numpy as np

from ..autograd.graph import node_classes
from ..backend import array_module
from .arguments import int_sequence
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, Tensor, check_tensor, record, wrap

__all__ = ["pad"]

_NODE_WORD = {"reflect": "Reflection", "replicate": "Replication"}

GRADIENTS = {
    "ConstantPadNdBackward0": lambda g, pad: (_constant(g, [-p for p in pad], 0),),
    "CircularPadCopySlices": lambda g, pad, shape: (_circular_grad(g, pad, shape),),
}
GRADIENTS.update({f"{word}Pad{k}DBackward0": lambda g, mode, pad, shape: (_edge_adjoint(g, mode, pad, shape),)
                  for word in _NODE_WORD.values() for k in (1, 2, 3)})
GRADIENTS.update({f"{word}Pad{k}DBackwardBackward0": lambda g, mode, pad: (_edge(g, mode, pad),)
                  for word in _NODE_WORD.values() for k in (1, 2, 3)})
# circular padding is a composite op in PyTorch, recorded as CopySlices
NODES = node_classes(GRADIENTS, reads_inputs=dict.fromkeys(
    [f"{word}Pad{k}DBackward0" for word in _NODE_WORD.values() for k in (1, 2, 3)], "zeros"),
    printed={"CircularPadCopySlices": "ember::autograd::CopySlices"})


def pad(input: Tensor, pad: tuple[int, ...], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative values, crop) the last len(pad) // 2 dims of `input`.

    `pad` = (last_before, last_after, second_last_before, ...); mode 'constant' fills with `value`
    (default 0); 'reflect', 'replicate' and 'circular' pad the last 1, 2 or 3 dims of a batched or
    unbatched input.
    """
    check_tensor("pad", "input", input, 1)
    pad = int_sequence(pad, "pad", "pad")
    ndim = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {ndim}")
    if mode == "constant":
        return _constant(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    _check_edge_pad(input._data.shape, mode, pad)
    kernel = f"{'reflection' if mode == 'reflect' else 'replication'}_pad{len(pad) // 2}d"
    if kernel in AUTOCAST_OPS[0]:
        return autocast_call(kernel, _edge, input, mode, pad)
    return _edge(input, mode, pad)


def _dims(shape, pad):
    """(dim, before, after) for each padded dim, last dim first."""
    return [(len(shape) - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _check_edge_pad(shape, mode, pad):
    """PyTorch's errors for reflect, replicate and circular padding."""
    k = len(pad) // 2
    if len(shape) not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {len(shape)}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode != "circular" and 0 in shape[-k - 1:]:
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(shape)}")
    for (d, before, after), letter in zip(_dims(shape, pad), "WHD"):
        n = shape[d]
        kept = n - max(0, -before) - max(0, -after)
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"Argument #{2 * k + 2}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({before}, {after}) at dimension {d} of input "
                               f"{list(shape)}")
        if mode == "circular" and (before > n or after > n or (kept <= 0 and max(before, after) > 0)):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "circular" and kept < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
        if mode != "circular" and n + before + after < 1:
            raise RuntimeError(f"input ({letter}: {n}) is too small. Calculated output {letter}: {n + before + after}")


# ---- constant ------------------------------------------------------------------------------------
def _fill_value(value, dtype):
    """`value` as PyTorch casts a fill value to `dtype`: truncated for integers, RuntimeError on overflow."""
    if dtype.kind == "b":
        return bool(value)
    if dtype.kind in "iu":
        v = int(value)
        info = np.iinfo(dtype)
        if not info.min <= v <= info.max:
            raise RuntimeError(f"value cannot be converted to type {dtype.name}_t without overflow")
        return v
    return value


def _constant(x, pad, value):
    """Constant padding of Tensor `x` (negative pads crop), recorded as ConstantPadNdBackward0."""
    a = x._data
    shape, dst, src = list(a.shape), [slice(None)] * a.ndim, [slice(None)] * a.ndim
    for d, before, after in _dims(a.shape, pad):
        n = a.shape[d] + before + after
        if n < 0:
            raise RuntimeError(f"pad: padding ({before}, {after}) crops dimension {d} of size {a.shape[d]} to a "
                               f"negative size {n}")
        src[d] = slice(max(0, -before), a.shape[d] - max(0, -after))
        dst[d] = slice(max(0, before), n - max(0, after))
        shape[d] = n
    out = array_module(a).full_like(a, _fill_value(value, a.dtype), shape=shape, order="C")  # C order, as PyTorch's
    out[tuple(dst)] = a[tuple(src)]
    r = wrap(out)
    if GRAD_ENABLED[0] and x._rg:
        record(r, NODES.ConstantPadNdBackward0(), (x,), (pad,))
    return r


# ---- reflect, replicate, circular ----------------------------------------------------------------
def _reversed(start, count):
    """The slice of `count` elements from `start` going down."""
    stop = start - count
    return slice(start, stop if stop >= 0 else None, -1)


def _pieces(mode, n, before, after):
    """The slices of a dim of size `n` that form its reflect or replicate padding: left pad, kept middle, right pad."""
    middle = slice(max(0, -before), n - max(0, -after))
    if mode == "reflect":
        return _reversed(before, before), middle, _reversed(n - 2, after)
    return slice(0, 1), middle, slice(n - 1, n)  # replicate


def _pad_dim(a, mode, d, before, after):
    """`a` padded along dim `d`: one concatenation of the three pieces, or for circular padding one gather
    that repeats the kept part periodically (as PyTorch does where a pad is longer than the kept part)."""
    xp = array_module(a)
    if mode == "circular":
        start = max(0, -before)
        kept = a.shape[d] - start - max(0, -after)
        index = xp.arange(-max(0, before), kept + max(0, after)) % max(kept, 1) + start
        return xp.take(a, index, axis=d)
    left, middle, right = _pieces(mode, a.shape[d], before, after)
    parts = []
    for piece, count in ((left, before), (middle, None), (right, after)):
        if count is not None and count <= 0:
            continue
        part = a[(slice(None),) * d + (piece,)]
        if mode == "replicate" and count is not None:
            part = xp.broadcast_to(part, part.shape[:d] + (count,) + part.shape[d + 1:])
        parts.append(part)
    return xp.concatenate(parts, d)


def _unpad_dim(g, mode, d, n, before, after):
    """Adjoint of `_pad_dim` for a dim of size `n`: add each piece of `g` back where it was read."""
    left, middle, right = _pieces(mode, n, before, after)
    out = array_module(g).zeros(g.shape[:d] + (n,) + g.shape[d + 1:], g.dtype)
    at = (slice(None),) * d
    start, kept = max(0, before), middle.stop - middle.start
    out[at + (middle,)] = g[at + (slice(start, start + kept),)]
    for piece, lo, hi in ((left, 0, before), (right, start + kept, start + kept + after)):
        if hi > lo:
            part = g[at + (slice(lo, hi),)]
            out[at + (piece,)] += part.sum(d, keepdims=True) if mode == "replicate" else part
    return out


def _edge(x, mode, pad):
    """Reflect, replicate or circular padding of Tensor `x`, recorded under PyTorch's node name."""
    a = x._data
    for d, before, after in _dims(a.shape, pad):
        a = _pad_dim(a, mode, d, before, after)
    r = wrap(a)
    if GRAD_ENABLED[0] and x._rg:
        if mode == "circular":
            record(r, NODES.CircularPadCopySlices(), (x,), (pad, x._data.shape))
        else:
            record(r, NODES[f"{_NODE_WORD[mode]}Pad{len(pad) // 2}DBackward0"](), (x,), (mode, pad, x._data.shape))
    return r


def _edge_adjoint(g, mode, pad, shape):
    """The gradient of reflect or replicate padding of an input of `shape`; differentiable (its adjoint is `_edge`)."""
    a = g._data
    for d, before, after in _dims(shape, pad):
        a = _unpad_dim(a, mode, d, shape[d], before, after)
    r = wrap(a)
    if GRAD_ENABLED[0] and g._rg:
        record(r, NODES[f"{_NODE_WORD[mode]}Pad{len(pad) // 2}DBackwardBackward0"](), (g,), (mode, pad))
    return r


def _circular_grad(g, pad, shape):
    """The gradient of circular padding, composed of differentiable ops: in each padded dim the gradient
    is laid over whole periods of the kept part and the periods are summed; then the crop is undone."""
    periods, wide = {}, []
    for d, before, after in _dims(shape, pad):
        kept = shape[d] - max(0, -before) - max(0, -after)
        left, right = (-(-p // kept) if p > 0 else 0 for p in (before, after))  # periods each side
        periods[d] = (left + 1 + right, kept)
        wide += [left * kept - max(0, before), right * kept - max(0, after)]
    view, sums = [], []
    for d, n in enumerate(shape):
        if d in periods:
            sums.append(len(view))
            view += periods[d]
        else:
            view.append(n)
    kept_grad = _constant(g, wide, 0).reshape(view).sum(tuple(sums))
    return _constant(kept_grad, [-min(0, p) for p in pad], 0)
