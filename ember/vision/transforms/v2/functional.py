"""torchvision.transforms.v2.functional: v1's functional kernels, returning a `tv_tensors.Image` for an `Image`,
plus `to_image` and `to_dtype`.

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
    "affine",
    "center_crop",
    "convert_image_dtype",
    "crop",
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
    "normalize",
    "pad",
    "perspective",
    "pil_to_tensor",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
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
rgb_to_grayscale = _keeps_image_type(_F.rgb_to_grayscale)
adjust_brightness = _keeps_image_type(_F.adjust_brightness)
adjust_contrast = _keeps_image_type(_F.adjust_contrast)
adjust_saturation = _keeps_image_type(_F.adjust_saturation)
adjust_hue = _keeps_image_type(_F.adjust_hue)
adjust_gamma = _keeps_image_type(_F.adjust_gamma)
gaussian_blur = _keeps_image_type(_F.gaussian_blur)
erase = _keeps_image_type(_F.erase)
