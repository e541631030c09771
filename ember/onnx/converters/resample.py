"""Padding and resampling as ONNX nodes: pad, interpolate, pixel_shuffle and pixel_unshuffle."""
from __future__ import annotations

import numpy as np

from ...ops import padding as P
from ...ops import vision as V
from .._registry import converts
from ._helpers import INT64_MAX, dtype_of
from .layers import adaptive_pool

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}


# ---- pad ------------------------------------------------------------------------------------------
def _sides(input, pad) -> list[tuple[int, int, int]]:
    """(axis, before, after) for each dim `pad` names, last dim first (F.pad's order)."""
    return [(input.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]


def _crop(g, x: str, sides) -> str:
    """x without the borders that negative pads remove."""
    cropped = [(d, -b if b < 0 else 0, a if a < 0 else INT64_MAX) for d, b, a in sides if b < 0 or a < 0]
    if not cropped:
        return x
    axes, starts, ends = zip(*cropped)
    return g.op("Slice", x, g.ints(starts), g.ints(ends), g.ints(axes))


def _wrap(g, x: str, input, sides) -> str:
    """Circular padding by Slice and Concat: each axis gets its last `before` and first `after` elements
    (of the already cropped input) on the other side."""
    for d, before, after in sides:
        b, a, kept = max(0, before), max(0, after), input._data.shape[d] + min(0, before) + min(0, after)
        if max(b, a) > kept:
            raise g.unsupported(f"circular padding ({before}, {after}) of an axis cropped to {kept} wraps around "
                                f"more than once")
        parts = ([g.op("Slice", x, g.ints([-b]), g.ints([INT64_MAX]), g.ints([d]))] if b else []) + [x] + \
            ([g.op("Slice", x, g.ints([0]), g.ints([a]), g.ints([d]))] if a else [])
        x = g.op("Concat", *parts, axis=d) if len(parts) > 1 else x
    return x


@converts(P.pad)
def pad(g, out, input, pad, mode="constant", value=None):
    """F.pad: a Pad node for the borders added (Slice and Concat for circular ones), a Slice for those cropped."""
    sides, x = _sides(input, pad), g.value(input)
    if mode == "circular":
        return _wrap(g, _crop(g, x, sides), input, sides)
    begins, ends = [0] * input.ndim, [0] * input.ndim
    for d, before, after in sides:
        begins[d], ends[d] = max(0, before), max(0, after)
    if any(begins + ends):
        fill = [] if mode != "constant" or not value else [g.value(value, dtype_of(input))]
        x = g.op("Pad", x, g.ints(begins + ends), *fill, mode=_PAD_MODES[mode])
    return _crop(g, x, sides)


# ---- interpolate ----------------------------------------------------------------------------------
def _resize_attributes(g, mode: str, align_corners, antialias: bool) -> dict:
    """Resize's attributes for one of interpolate's modes: PyTorch's sampling grid in ONNX's terms."""
    if mode == "nearest":  # src = floor(dst / scale)
        return dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    if mode == "nearest-exact":  # src = floor((dst + 0.5) / scale)
        return dict(mode="nearest", coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil")
    attributes = dict(mode="cubic" if mode == "bicubic" else "linear",
                      coordinate_transformation_mode="align_corners" if align_corners else "half_pixel")
    if mode == "bicubic":
        attributes["cubic_coeff_a"] = -0.5 if antialias else -0.75
    if antialias:  # PIL's filters: taps outside the input dropped, the weights renormalized
        if g.opset < 18 or align_corners:
            raise g.unsupported("interpolate with antialias=True is exported at opset 18 or later (Resize's "
                                "antialias attribute) and with align_corners=False only")
        attributes.update(antialias=1, exclude_outside=1)
    return attributes


@converts(V.interpolate)
def interpolate(g, out, input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """F.interpolate as Resize: the given scale factors, or the output sizes where they are not used."""
    n = input.ndim - 2
    sizes, scales = V._sizes(input, n, size, scale_factor, recompute_scale_factor, mode)
    if mode == "area":
        return adaptive_pool(g, out, input, sizes, n, "Average")
    if dtype_of(input).kind != "f" and mode not in ("nearest", "nearest-exact"):
        raise g.unsupported(f"ember rounds {dtype_of(input)} images after each axis in mode {mode!r}; ONNX's "
                            f"Resize rounds once")
    attributes = _resize_attributes(g, mode, align_corners, antialias)
    if scales[0] is None:
        return g.op("Resize", g.value(input), "", "", g.ints([*input.shape[:2], *sizes]), **attributes)
    factors = g.constant(np.asarray([1.0, 1.0, *scales], dtype=np.float32))
    return g.op("Resize", g.value(input), "", factors, **attributes)


# ---- pixel shuffle --------------------------------------------------------------------------------
@converts(V.pixel_shuffle)
def pixel_shuffle(g, out, input, upscale_factor):
    """(*, C r r, H, W) -> (*, C, H r, W r): Reshape, Transpose, Reshape."""
    r, b = int(upscale_factor), input.ndim - 3
    *lead, c, h, w = input.shape
    x = g.op("Reshape", g.value(input), g.ints([*lead, c // (r * r), r, r, h, w]))
    x = g.op("Transpose", x, perm=[*range(b), b, b + 3, b + 1, b + 4, b + 2])
    return g.op("Reshape", x, g.ints([*lead, c // (r * r), h * r, w * r]))


@converts(V.pixel_unshuffle)
def pixel_unshuffle(g, out, input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r r, H, W): Reshape, Transpose, Reshape."""
    r, b = int(downscale_factor), input.ndim - 3
    *lead, c, h, w = input.shape
    x = g.op("Reshape", g.value(input), g.ints([*lead, c, h // r, r, w // r, r]))
    x = g.op("Transpose", x, perm=[*range(b), b, b + 2, b + 4, b + 1, b + 3])
    return g.op("Reshape", x, g.ints([*lead, c * r * r, h // r, w // r]))
