"""torchvision.transforms.v2.functional: v1's functional kernels, returning a `tv_tensors.Image` for an `Image`,
plus `to_image`, `to_dtype` and the kernels whose arithmetic differs from v1's (autocontrast, equalize, posterize and
adjust_sharpness take any dtype, and round as torchvision's v2 does).

Differs from torchvision: PIL images and (..., C, H, W) tensors only; a `Mask`, `BoundingBoxes`, `KeyPoints` or
`Video` raises NotImplementedError.
"""
import functools
import warnings

import numpy as np

import ember

from ...._tensor import Tensor
from ... import tv_tensors
from .. import functional as _F
from .. import functional_pil as FP
from .. import functional_tensor as FT
from ..functional import (
    InterpolationMode,
    get_dimensions,
    get_image_num_channels,
    get_image_size,
    pil_to_tensor,
    to_pil_image,
)

__all__ = [
    "InterpolationMode",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "adjust_sharpness",
    "affine",
    "autocontrast",
    "center_crop",
    "convert_image_dtype",
    "crop",
    "elastic",
    "elastic_transform",
    "equalize",
    "erase",
    "five_crop",
    "gaussian_blur",
    "get_dimensions",
    "get_image_num_channels",
    "get_image_size",
    "get_num_channels",
    "get_size",
    "hflip",
    "horizontal_flip",
    "invert",
    "normalize",
    "pad",
    "perspective",
    "pil_to_tensor",
    "posterize",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "solarize",
    "ten_crop",
    "to_dtype",
    "to_grayscale",
    "to_image",
    "to_pil_image",
    "to_tensor",
    "vertical_flip",
    "vflip",
]

UNSUPPORTED = (tv_tensors.Mask, tv_tensors.BoundingBoxes, tv_tensors.KeyPoints, tv_tensors.Video)


def check_supported(inpt) -> None:
    """NotImplementedError for the tv_tensors that ember's v2 transforms cannot transform correctly yet."""
    if isinstance(inpt, UNSUPPORTED):
        raise NotImplementedError(
            f"ember's v2 transforms take images only (PIL images, tv_tensors.Image, tensors): got "
            f"tv_tensors.{type(inpt).__name__}. Detection, segmentation and video transforms are not in ember yet.")


def _keeps_image_type(kernel):
    """`kernel`, returning a tv_tensors.Image (or a tuple of them) for a tv_tensors.Image."""
    @functools.wraps(kernel)
    def functional(inpt, *args, **kwargs):
        check_supported(inpt)
        out = kernel(inpt, *args, **kwargs)
        if not isinstance(inpt, tv_tensors.Image):
            return out
        if isinstance(out, tuple):
            return tuple(tv_tensors.wrap(o, like=inpt) for o in out)
        return tv_tensors.wrap(out, like=inpt)
    return functional


def get_size(inpt) -> list[int]:
    """[height, width] of an image."""
    return get_dimensions(inpt)[1:]


def get_num_channels(inpt) -> int:
    """The number of channels of an image."""
    return get_dimensions(inpt)[0]


def to_image(inpt) -> tv_tensors.Image:
    """A PIL image, (H, W[, C]) array or (..., C, H, W) tensor as a tv_tensors.Image, values and dtype unchanged."""
    if isinstance(inpt, np.ndarray):
        image = ember.from_numpy(np.atleast_3d(inpt)).permute(2, 0, 1).contiguous()
    elif isinstance(inpt, Tensor):
        check_supported(inpt)
        image = inpt
    else:
        image = pil_to_tensor(inpt)
    return tv_tensors.Image(image)


@_keeps_image_type
def to_dtype(inpt: Tensor, dtype: ember.dtype = ember.float32, scale: bool = False) -> Tensor:
    """The image as `dtype`; with scale=True, values are rescaled to the range of `dtype` (floats [0, 1],
    integers [0, max]), as `convert_image_dtype`."""
    if not isinstance(inpt, Tensor):
        raise TypeError(f"to_dtype takes tensor images, got {type(inpt).__name__} (apply ToImage first)")
    if scale and dtype.is_floating_point and not inpt.is_floating_point():
        return inpt.to(dtype) * (1.0 / FT.max_value(inpt.dtype))  # torchvision v2 multiplies by the reciprocal
    return _F.convert_image_dtype(inpt, dtype) if scale else inpt.to(dtype)


def convert_image_dtype(image: Tensor, dtype: ember.dtype = ember.float32) -> Tensor:
    """Deprecated: to_dtype(image, dtype, scale=True)."""
    return to_dtype(image, dtype, scale=True)


def to_tensor(inpt) -> Tensor:
    """Deprecated: to_image followed by to_dtype(..., scale=True); warns."""
    warnings.warn("The function `to_tensor(...)` is deprecated and will be removed in a future release. Instead, "
                  "please use `to_image(...)` followed by `to_dtype(..., dtype=ember.float32, scale=True)`.",
                  stacklevel=2)
    return _F.to_tensor(inpt)


normalize = _keeps_image_type(_F.normalize)
resize = _keeps_image_type(_F.resize)
pad = _keeps_image_type(_F.pad)
crop = _keeps_image_type(_F.crop)
center_crop = _keeps_image_type(_F.center_crop)
resized_crop = _keeps_image_type(_F.resized_crop)
hflip = horizontal_flip = _keeps_image_type(_F.hflip)
vflip = vertical_flip = _keeps_image_type(_F.vflip)
five_crop = _keeps_image_type(_F.five_crop)
ten_crop = _keeps_image_type(_F.ten_crop)
rotate = _keeps_image_type(_F.rotate)
affine = _keeps_image_type(_F.affine)
perspective = _keeps_image_type(_F.perspective)
to_grayscale = _keeps_image_type(_F.to_grayscale)
adjust_brightness = _keeps_image_type(_F.adjust_brightness)
adjust_hue = _keeps_image_type(_F.adjust_hue)
adjust_gamma = _keeps_image_type(_F.adjust_gamma)
gaussian_blur = _keeps_image_type(_F.gaussian_blur)
erase = _keeps_image_type(_F.erase)
elastic = elastic_transform = _keeps_image_type(_F.elastic_transform)


def _check_channels(image: Tensor) -> None:
    """TypeError unless the tensor image has 1 or 3 channels (at dim -3)."""
    if image.ndim < 3 or image.shape[-3] not in (1, 3):
        found = image.shape[-3] if image.ndim >= 3 else f"a {image.ndim}-d tensor"
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {found}")


@_keeps_image_type
def invert(inpt):
    """Invert the colours: 1 - x for floats, the value bits flipped for integers."""
    return FP.invert(inpt) if FP.is_pil_image(inpt) else FT.invert(inpt)


@_keeps_image_type
def posterize(inpt, bits: int):
    """Keep the `bits` (0-8) highest value bits of integers; floats are floored to 2 ** bits levels."""
    if not isinstance(bits, int) or not 0 <= bits <= 8:
        raise TypeError(f"bits must be a positive integer in the range [0, 8], got {bits} instead.")
    return FP.posterize(inpt, bits) if FP.is_pil_image(inpt) else FT.posterize(inpt, bits)


@_keeps_image_type
def solarize(inpt, threshold: float):
    """Invert the values >= threshold."""
    return FP.solarize(inpt, threshold) if FP.is_pil_image(inpt) else FT.solarize(inpt, threshold)


@_keeps_image_type
def autocontrast(inpt):
    """Stretch each channel to the full range, dividing by (max - min) / max_value as torchvision's v2 does."""
    if FP.is_pil_image(inpt):
        return FP.autocontrast(inpt)
    _check_channels(inpt)
    if inpt.numel() == 0:
        return inpt
    bound = FT.max_value(inpt.dtype)
    low, high, flat = FT.channel_range(inpt)
    inv_scale = ember.where(flat, 1.0, (high - low) * (1.0 / bound))
    x = inpt if inpt.is_floating_point() else inpt.to(ember.float32)
    return ((x - ember.where(flat, 0.0, low)) / inv_scale).clamp(0, bound).to(inpt.dtype)


@_keeps_image_type
def equalize(inpt):
    """Histogram-equalise each channel (as PIL does), through uint8 for other dtypes."""
    if FP.is_pil_image(inpt):
        return FP.equalize(inpt)
    FT.check_image(inpt)
    if inpt.numel() == 0:
        return inpt
    return to_dtype(FT.equalize(to_dtype(inpt, ember.uint8, scale=True)), inpt.dtype, scale=True)


@_keeps_image_type
def adjust_sharpness(inpt, sharpness_factor: float):
    """Blend with the SMOOTH-blurred image (the one-pixel border kept): 0 blurs, 1 keeps, 2 sharpens; integer
    images round the blur and truncate the blend, as torchvision's v2 does."""
    if FP.is_pil_image(inpt):
        return FP.adjust_sharpness(inpt, sharpness_factor)
    _check_channels(inpt)
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    c, h, w = inpt.shape[-3:]
    if inpt.numel() == 0 or h <= 2 or w <= 2:
        return inpt
    dtype = inpt.dtype if inpt.is_floating_point() else ember.float32
    x = inpt.reshape(-1, c, h, w).to(dtype, copy=True)
    blurred = FT.blur_sharpness(x)
    if not inpt.is_floating_point():
        blurred = blurred.round()
    inner = x[..., 1:-1, 1:-1]
    alpha = float(np.float32(1.0 - sharpness_factor)) if dtype == ember.float32 else 1.0 - sharpness_factor
    # inner + alpha * (blurred - inner) with one rounding, as torch's fused add
    x[..., 1:-1, 1:-1] = (inner.double() + alpha * (blurred - inner).double()).to(dtype)
    return x.clamp(0, FT.max_value(inpt.dtype)).to(inpt.dtype).reshape(inpt.shape)


# ---- v2's colour arithmetic: torch's `a.add_(b, alpha=k)` rounds a + k * b once (a fused multiply-add), so v2's
# grey levels and blends can differ from v1's in the last float32 bit, and by one level after truncation to uint8.
def _fused_add(a: Tensor, b: Tensor, alpha: float) -> Tensor:
    """a + alpha * b with one rounding to a's float dtype (float32 through float64, where it is exact)."""
    if a.dtype != ember.float32:
        return a + alpha * b
    return (a.double() + float(np.float32(alpha)) * b.double()).to(ember.float32)


def _float_image(image: Tensor) -> Tensor:
    return image if image.is_floating_point() else image.to(ember.float32)


def _grey(image: Tensor) -> Tensor:
    """The (..., 1, H, W) float luma of an RGB image, rounded as torchvision's v2 computes it."""
    r, g, b = _float_image(image.as_subclass(Tensor)).unbind(-3)
    weight = 0.2989 if r.dtype != ember.float32 else float(np.float32(0.2989))
    return _fused_add(_fused_add(r * weight, g, 0.587), b, 0.114).unsqueeze(-3)


def _blend(image1: Tensor, image2: Tensor, ratio: float) -> Tensor:
    """image1 * ratio + (1 - ratio) * image2 (one rounding), clamped, truncated to image1's dtype."""
    ratio = float(ratio)
    x = _float_image(image1.as_subclass(Tensor))
    x = x * (ratio if x.dtype != ember.float32 else float(np.float32(ratio)))
    out = _fused_add(x, image2.expand(tuple(x.shape)), 1.0 - ratio).clamp(0, FT.max_value(image1.dtype))
    return out.to(image1.dtype)


def _check_color_tensor(image: Tensor) -> int:
    """The channel count (1 or 3) of a tensor image; TypeError otherwise."""
    FT.check_image(image)
    _check_channels(image)
    return image.shape[-3]


@_keeps_image_type
def rgb_to_grayscale(inpt, num_output_channels: int = 1):
    """Luma 0.2989 R + 0.587 G + 0.114 B as 1 or 3 channels, truncated to the dtype (rounded as torchvision's v2
    does)."""
    if not isinstance(inpt, Tensor):
        return _F.rgb_to_grayscale(inpt, num_output_channels)
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}.")
    if _check_color_tensor(inpt) == 1:
        grey = inpt.as_subclass(Tensor).clone()
    else:
        grey = _grey(inpt).to(inpt.dtype)
    return grey.expand(tuple(inpt.shape[:-3]) + (3,) + tuple(inpt.shape[-2:])) if num_output_channels == 3 else grey


@_keeps_image_type
def adjust_saturation(inpt, saturation_factor: float):
    """Blend with the greyscale image (floored for integer images): 0 gives grey, 1 the original."""
    if not isinstance(inpt, Tensor):
        return _F.adjust_saturation(inpt, saturation_factor)
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    if _check_color_tensor(inpt) == 1:
        return inpt
    grey = _grey(inpt)
    return _blend(inpt, grey if inpt.is_floating_point() else grey.floor(), saturation_factor)


@_keeps_image_type
def adjust_contrast(inpt, contrast_factor: float):
    """Blend with the mean grey level of each image: 0 gives solid grey, 1 the original."""
    if not isinstance(inpt, Tensor):
        return _F.adjust_contrast(inpt, contrast_factor)
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    if _check_color_tensor(inpt) == 3:
        grey = _grey(inpt)
        grey = grey if inpt.is_floating_point() else grey.floor()
    else:
        grey = _float_image(inpt.as_subclass(Tensor))
    return _blend(inpt, grey.mean(dim=(-3, -2, -1), keepdim=True), contrast_factor)
