"""torchvision.transforms.functional: every transform as a function of a PIL image or a (..., C, H, W) tensor.

Arguments are checked and parsed here, then the work goes to `functional_pil` (Pillow) or `functional_tensor`
(ember ops).
"""
import math
import numbers
import warnings
from enum import Enum

import numpy as np

import ember

from ..._tensor import Tensor, wrap
from . import functional_pil as FP
from . import functional_tensor as FT
from .functional_tensor import convert_image_dtype, erase, normalize

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels", "to_tensor",
           "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize", "resize", "pad", "crop",
           "center_crop", "resized_crop", "hflip", "vflip", "five_crop", "ten_crop", "rotate", "affine",
           "perspective", "to_grayscale", "rgb_to_grayscale", "adjust_brightness", "adjust_contrast",
           "adjust_saturation", "adjust_hue", "adjust_gamma", "gaussian_blur", "erase", "invert", "posterize",
           "solarize", "autocontrast", "equalize", "adjust_sharpness", "elastic_transform"]


class InterpolationMode(Enum):
    """Resampling filters, named as torchvision names them."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTER = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0, InterpolationMode.BILINEAR: 2,
               InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
               InterpolationMode.LANCZOS: 1}
_FROM_PIL = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_TO_TENSOR_DTYPE = {"I": np.int32, "I;16": np.int16, "F": np.float32}  # I;16 wraps to int16, as in torchvision
_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def interpolation_mode(mode) -> InterpolationMode:
    """An InterpolationMode from itself or a Pillow integer constant (which warns, as in torchvision)."""
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and not isinstance(mode, bool) and mode in _FROM_PIL:
        warnings.warn("Argument 'interpolation' of type int is deprecated. Please use InterpolationMode enum.",
                      stacklevel=3)
        return _FROM_PIL[mode]
    raise TypeError(f"Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                    f"constant, got {mode!r}")


def _is_tensor(img) -> bool:
    if isinstance(img, Tensor):
        return True
    FP.check_image(img)
    return False


def get_dimensions(img) -> list[int]:
    """[channels, height, width] of an image."""
    return FT.get_dimensions(img) if _is_tensor(img) else FP.get_dimensions(img)


def get_image_size(img) -> list[int]:
    """[width, height] of an image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    """The number of channels of an image."""
    return get_dimensions(img)[0]


# ---- conversion ------------------------------------------------------------------------------------
def _pil_array(pic, dtype) -> np.ndarray:
    """The pixels of a PIL image as an (H, W, bands) array in native byte order."""
    a = np.asarray(pic, dtype)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a.reshape(pic.height, pic.width, len(pic.getbands()))


def to_tensor(pic) -> Tensor:
    """A PIL image or (H, W[, C]) array as a (C, H, W) tensor; uint8 becomes the default float dtype in [0, 1]. As
    in torchvision, a 16-bit PIL image (mode I;16) becomes int16, values over 32767 wrapping to negative."""
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        a = pic[:, :, None] if pic.ndim == 2 else pic
    elif FP.is_pil_image(pic):
        a = _pil_array(pic, _TO_TENSOR_DTYPE.get(pic.mode, np.uint8))
        if pic.mode == "1":
            a = a * np.uint8(255)
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = a.transpose(2, 0, 1)
    if a.dtype != np.uint8:
        return ember.from_numpy(np.array(chw, order="C"))
    out = np.empty(chw.shape, ember.get_default_dtype().np)
    np.divide(chw, out.dtype.type(255), out=out, dtype=out.dtype)
    return wrap(out)


def pil_to_tensor(pic) -> Tensor:
    """A PIL image as a (C, H, W) tensor of its own dtype (uint16 for 16-bit images), unscaled (a permuted view, as
    in torchvision). Differs from torchvision: big-endian I;16B images are accepted."""
    FP.check_image(pic)
    return wrap(np.array(_pil_array(pic, None))).permute(2, 0, 1)


_MODES_BY_CHANNELS = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
_SINGLE_BAND_MODE = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.uint16): "I;16",
                     np.dtype(np.int32): "I", np.dtype(np.float32): "F"}


def to_pil_image(pic, mode: str | None = None):
    """A (C, H, W) tensor or (H, W, C) array as a PIL image; floats (unless mode F) are scaled by 255 and
    truncated to uint8."""
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic.detach().numpy(force=True)
        if npimg.ndim == 3:
            npimg = npimg.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if npimg.ndim == 2:
        npimg = npimg[:, :, None]
    if npimg.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    if npimg.dtype.kind in "fV" and mode != "F":
        with np.errstate(invalid="ignore"):
            npimg = (npimg * 255).astype(np.uint8)
    channels = npimg.shape[2]
    if channels == 1:
        npimg = npimg[:, :, 0]
        expected = _SINGLE_BAND_MODE.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = _MODES_BY_CHANNELS[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}-channel inputs, got {mode}")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    npimg = np.ascontiguousarray(npimg.astype(np.uint16) if mode == "I;16" else npimg)  # I;16 is unsigned
    if channels == 1 or mode == _MODES_BY_CHANNELS[channels][0]:  # the array's own mode
        return FP.Image.fromarray(npimg)
    return FP.Image.fromarray(npimg, mode=mode)


# ---- geometry --------------------------------------------------------------------------------------
def _resized_output_size(h: int, w: int, size, max_size) -> list[int]:
    """[h, w] after resizing: `size` [h, w], or the shorter edge to `size` (keeping the aspect ratio, the longer
    edge capped at `max_size`)."""
    if size is not None and len(size) == 2:
        return [int(size[0]), int(size[1])]
    short, long = (w, h) if w <= h else (h, w)
    if size is None:
        if not max_size:
            raise ValueError("max_size must be an integer when size is None, but got None instead.")
        new_short, new_long = int(max_size * short / long), max_size
    else:
        new_short, new_long = size[0], int(size[0] * long / short)
        if max_size is not None:
            if max_size <= size[0]:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if w <= h else [new_short, new_long]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True):
    """Resize to `size` ([h, w], or an int for the shorter edge); tensors use interpolate (antialiased for
    bilinear/bicubic unless antialias=False), PIL images Pillow's filters."""
    interpolation = interpolation_mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             f"tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    elif size is not None and not isinstance(size, int):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    out = _resized_output_size(h, w, [size] if isinstance(size, int) else size, max_size)
    if [h, w] == out:
        return img
    if isinstance(img, Tensor):
        return FT.resize(img, out, interpolation.value, antialias)
    if antialias is False:
        warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.",
                      stacklevel=2)
    return FP.resize(img, out, _PIL_FILTER[interpolation])


def parse_padding(padding) -> list[int]:
    """[left, top, right, bottom] from an int or a sequence of 1, 2 (left/right, top/bottom) or 4 ints."""
    if isinstance(padding, numbers.Number) and not isinstance(padding, bool):
        return [int(padding)] * 4
    if not isinstance(padding, (tuple, list)):
        raise TypeError(f"Got inappropriate padding arg: expected an int or a sequence, got {type(padding)}")
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                         f"tuple")
    p = [int(x) for x in padding]
    return p * 4 if len(p) == 1 else p * 2 if len(p) == 2 else p


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad each border (an int, [left/right, top/bottom] or [left, top, right, bottom]) with `fill` or by
    edge, reflect or symmetric extension; negative padding crops."""
    p = parse_padding(padding)
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, got {padding_mode}")
    if fill is None:
        fill = 0
    if _is_tensor(img):
        return FT.pad(img, p, fill, padding_mode)
    return FP.pad(img, p, fill, padding_mode)


def crop(img, top: int, left: int, height: int, width: int):
    """The (height, width) box with top-left corner (top, left); zeros where it leaves the image."""
    return FT.crop(img, top, left, height, width) if _is_tensor(img) else FP.crop(img, top, left, height, width)


def setup_size(size, what: str = "size") -> tuple[int, int]:
    """(h, w) from an int or a sequence of 1 or 2 ints."""
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {what}, got {size!r}")
    return int(size[0]), int(size[1])


def center_crop(img, output_size):
    """The central (h, w) box; images smaller than it are zero-padded around first."""
    ch, cw = setup_size(output_size)
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        ltrb = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if cw == w and ch == h:
            return img
    return crop(img, round((h - ch) / 2.0), round((w - cw) / 2.0), ch, cw)


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True):
    """crop, then resize to `size`."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    """Mirror left to right."""
    return FT.hflip(img) if _is_tensor(img) else FP.hflip(img)


def vflip(img):
    """Mirror top to bottom."""
    return FT.vflip(img) if _is_tensor(img) else FP.vflip(img)


def five_crop(img, size) -> tuple:
    """The four corner crops and the central crop: (top-left, top-right, bottom-left, bottom-right, centre)."""
    ch, cw = setup_size(size)
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, ch, cw), crop(img, 0, w - cw, ch, cw), crop(img, h - ch, 0, ch, cw),
            crop(img, h - ch, w - cw, ch, cw), center_crop(img, [ch, cw]))


def ten_crop(img, size, vertical_flip: bool = False) -> tuple:
    """five_crop of the image and of its mirror image (flipped vertically if `vertical_flip`)."""
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


def inverse_affine_matrix(center, angle: float, translate, scale: float, shear) -> list[float]:
    """The 6 numbers of the inverse of: translate . centre . rotate . shear . scale . centre^-1 (angles in
    degrees, clockwise rotation for positive `angle` in image coordinates)."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def _check_center(center) -> None:
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError(f"Argument center should be a sequence, got {type(center)}")


def _tensor_center(img, center) -> list[float]:
    """`center` in pixels relative to the image centre (the tensor grid's origin)."""
    if center is None:
        return [0.0, 0.0]
    _, h, w = get_dimensions(img)
    return [1.0 * (c - s * 0.5) for c, s in zip(center, (w, h))]


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
           fill=None):
    """Rotate by `angle` degrees counter-clockwise about `center` (default: the image centre)."""
    interpolation = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError(f"Argument angle should be int or float, got {type(angle)}")
    _check_center(center)
    if not _is_tensor(img):
        return FP.rotate(img, angle, _PIL_FILTER[interpolation], expand, center, fill)
    matrix = inverse_affine_matrix(_tensor_center(img, center), -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return FT.rotate(img, matrix, interpolation.value, expand, fill)


def _parse_shear(shear) -> list[float]:
    if isinstance(shear, numbers.Number):
        return [float(shear), 0.0]
    if not isinstance(shear, (list, tuple)):
        raise TypeError(f"Shear should be either a single value or a sequence of two values, got {type(shear)}")
    if len(shear) == 1:
        return [float(shear[0])] * 2
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    return [float(s) for s in shear]


def affine(img, angle: float, translate, scale: float, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate by `angle` degrees, translate by `translate` pixels, scale and shear (degrees), keeping
    `center` (default: the image centre) fixed."""
    interpolation = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError(f"Argument angle should be int or float, got {type(angle)}")
    if not isinstance(translate, (list, tuple)):
        raise TypeError(f"Argument translate should be a sequence, got {type(translate)}")
    if len(translate) != 2:
        raise ValueError(f"Argument translate should be a sequence of length 2, got {translate}")
    if scale <= 0.0:
        raise ValueError(f"Argument scale should be positive, got {scale}")
    shear = _parse_shear(shear)
    _check_center(center)
    translate = [1.0 * t for t in translate]
    if not _is_tensor(img):
        _, h, w = get_dimensions(img)
        matrix = inverse_affine_matrix(center or [w * 0.5, h * 0.5], float(angle), translate, scale, shear)
        return FP.affine(img, matrix, _PIL_FILTER[interpolation], fill)
    matrix = inverse_affine_matrix(_tensor_center(img, center), float(angle), translate, scale, shear)
    return FT.affine(img, matrix, interpolation.value, fill)


def perspective_coeffs(startpoints, endpoints) -> list[float]:
    """The 8 coefficients of the perspective map sending each of the 4 `endpoints` to its `startpoint`
    (solved in float64, rounded to float32 as torchvision does)."""
    a = np.zeros((8, 8))
    for i, ((x, y), (u, v)) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
    b = np.asarray(startpoints, np.float64).reshape(8)
    return np.linalg.lstsq(a, b, rcond=None)[0].astype(np.float32).tolist()


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Warp so that the 4 `startpoints` (corners, [x, y]) move to `endpoints`."""
    interpolation = interpolation_mode(interpolation)
    coeffs = perspective_coeffs(startpoints, endpoints)
    if _is_tensor(img):
        return FT.perspective(img, coeffs, interpolation.value, fill)
    return FP.perspective(img, coeffs, _PIL_FILTER[interpolation], fill)


# ---- colour ----------------------------------------------------------------------------------------
def to_grayscale(img, num_output_channels: int = 1):
    """A PIL image in mode L (1 channel) or RGB (3 equal channels)."""
    if isinstance(img, Tensor):
        raise TypeError("Input should be PIL Image: use rgb_to_grayscale for tensors")
    return FP.to_grayscale(img, num_output_channels)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma 0.2989 R + 0.587 G + 0.114 B (ITU-R 601-2) as 1 or 3 channels."""
    if _is_tensor(img):
        return FT.rgb_to_grayscale(img, num_output_channels)
    return FP.to_grayscale(img, num_output_channels)


def adjust_brightness(img, brightness_factor: float):
    """Scale brightness: 0 gives black, 1 the original, 2 twice as bright."""
    if _is_tensor(img):
        return FT.adjust_brightness(img, brightness_factor)
    return FP.adjust_brightness(img, brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    """Scale contrast about the mean grey: 0 gives solid grey, 1 the original."""
    if _is_tensor(img):
        return FT.adjust_contrast(img, contrast_factor)
    return FP.adjust_contrast(img, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    """Scale saturation: 0 gives greyscale, 1 the original."""
    if _is_tensor(img):
        return FT.adjust_saturation(img, saturation_factor)
    return FP.adjust_saturation(img, saturation_factor)


def adjust_hue(img, hue_factor: float):
    """Rotate the hue by `hue_factor` turns, in [-0.5, 0.5]."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    return FT.adjust_hue(img, hue_factor) if _is_tensor(img) else FP.adjust_hue(img, hue_factor)


def adjust_gamma(img, gamma: float, gain: float = 1):
    """gain * I ** gamma on intensities scaled to [0, 1]."""
    return FT.adjust_gamma(img, gamma, gain) if _is_tensor(img) else FP.adjust_gamma(img, gamma, gain)


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel of odd `kernel_size` [kx, ky] and std `sigma` (default 0.15 * k + 0.35 per
    axis); PIL images go through a uint8 tensor and back."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    kernel_size = [kernel_size] * 2 if isinstance(kernel_size, int) else list(kernel_size)
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    if any(k % 2 == 0 or k < 0 for k in kernel_size):
        raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    sigma = [float(sigma)] * 2 if isinstance(sigma, (int, float)) else [float(s) for s in sigma] * (
        2 if len(sigma) == 1 else 1)
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    if any(s <= 0.0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if _is_tensor(img):
        return FT.gaussian_blur(img, kernel_size, sigma)
    return to_pil_image(FT.gaussian_blur(pil_to_tensor(img), kernel_size, sigma), mode=img.mode)



def _color_tensor(img) -> bool:
    """True for a tensor image with 1 or 3 channels and a channel dim; False for a PIL image; TypeError otherwise."""
    if not _is_tensor(img):
        return False
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    FT.check_channels(img, (1, 3))
    return True


def invert(img):
    """Invert the colours: 255 - x for uint8, 1 - x for floats."""
    return FT.invert(img) if _color_tensor(img) else FP.invert(img)


def posterize(img, bits: int):
    """Keep the `bits` (0-8) highest bits of each uint8 value."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number of bits should be between 0 and 8. Got {bits}")
    if not _color_tensor(img):
        return FP.posterize(img, bits)
    if img.dtype != ember.uint8:
        raise TypeError(f"Only ember.uint8 image tensors are supported, but found {img.dtype}")
    return FT.posterize(img, bits)


def solarize(img, threshold: float):
    """Invert the values >= threshold."""
    return FT.solarize(img, threshold) if _color_tensor(img) else FP.solarize(img, threshold)


def autocontrast(img):
    """Stretch each channel so that its darkest value becomes black and its lightest white."""
    return FT.autocontrast(img) if _color_tensor(img) else FP.autocontrast(img)


def equalize(img):
    """Equalise the histogram of each channel of a uint8 (C, H, W) or (N, C, H, W) tensor or a PIL image."""
    if not _color_tensor(img):
        return FP.equalize(img)
    if img.ndim > 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype != ember.uint8:
        raise TypeError(f"Only ember.uint8 image tensors are supported, but found {img.dtype}")
    return FT.equalize(img)


def adjust_sharpness(img, sharpness_factor: float):
    """Blend with a smoothed image: 0 blurs, 1 keeps the image, 2 doubles the sharpness."""
    if _is_tensor(img):
        return FT.adjust_sharpness(img, sharpness_factor)
    return FP.adjust_sharpness(img, sharpness_factor)


def elastic_transform(img, displacement: Tensor, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Resample at the pixel centres moved by `displacement` (1, H, W, 2), in grid_sample's [-1, 1] units; PIL
    images go through a tensor and back."""
    interpolation = interpolation_mode(interpolation)
    if not isinstance(displacement, Tensor):
        raise TypeError(f"Argument displacement should be a Tensor, got {type(displacement).__name__}")
    tensor = img if _is_tensor(img) else pil_to_tensor(img)
    expected = (1, *tensor.shape[-2:], 2)
    if tuple(displacement.shape) != expected:
        raise ValueError(f"Argument displacement shape should be {expected}, but given {tuple(displacement.shape)}")
    out = FT.elastic_transform(tensor, displacement, interpolation.value, fill)
    return out if tensor is img else to_pil_image(out, mode=img.mode)
