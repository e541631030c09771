"""Image transforms on ember tensors of shape (..., C, H, W), composed from ember ops so they run on any
device and, where torchvision's are, are differentiable.

Random parameters are drawn by the callers (`transforms.py`); everything here is deterministic.
"""
import numbers

import numpy as np

import ember

from ... import nn
from ..._creation import spaced
from ..._tensor import Tensor

F = nn.functional
_INT_MAX = {ember.uint8: 255, ember.int8: 127, ember.int16: 32767, ember.uint16: 65535, ember.int32: 2 ** 31 - 1,
            ember.int64: 2 ** 63 - 1}
_FLOATS = (ember.float32, ember.float64)


def max_value(dtype: ember.dtype) -> int:
    """The value of full intensity for `dtype`: 255 for uint8, the integer maximum, 1 for floating point (and, as in
    torchvision, for uint32 and uint64)."""
    return _INT_MAX.get(dtype, 1)


def check_image(img: Tensor) -> None:
    """TypeError unless `img` is a tensor of at least 2 dims."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be a Tensor or a PIL Image. Got {type(img)}")
    if img.ndim < 2:
        raise TypeError(f"Tensor is not a torch image: expected a tensor of shape (..., H, W), got {img.ndim} dims")


def get_dimensions(img: Tensor) -> list[int]:
    """[channels, height, width] of a (..., C, H, W) or (H, W) tensor."""
    check_image(img)
    return [1 if img.ndim == 2 else img.shape[-3], img.shape[-2], img.shape[-1]]


def check_channels(img: Tensor, permitted) -> None:
    """TypeError unless the image has one of the `permitted` channel counts."""
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {list(permitted)}, but found {c}")


def _const(values, like: Tensor, dtype=None) -> Tensor:
    """A constant tensor on `like`'s device, in `dtype` (default: `like`'s)."""
    return ember.as_tensor(np.asarray(values), dtype=dtype or like.dtype, device=like.device)


def _batch(img: Tensor, dtypes=_FLOATS):
    """`img` as an (N, C, H, W) tensor of a dtype in `dtypes`, and the function that undoes it (rounding back to an
    integer dtype) for an output whose H, W may differ."""
    lead = tuple(img.shape[:-3]) if img.ndim > 2 else None
    x = img.reshape((-1,) + tuple(img.shape[-3:])) if img.ndim > 2 else img.reshape((1, 1) + tuple(img.shape))
    out_dtype = img.dtype
    if out_dtype not in dtypes:
        x = x.to(dtypes[0])

    def restore(y: Tensor) -> Tensor:
        y = y.reshape(tuple(y.shape[-2:])) if lead is None else y.reshape(lead + tuple(y.shape[-3:]))
        if y.dtype != out_dtype:
            y = (y if out_dtype.is_floating_point or out_dtype == ember.bool else y.round()).to(out_dtype)
        return y
    return x, restore


# ---- geometry --------------------------------------------------------------------------------------
def hflip(img: Tensor) -> Tensor:
    """Mirror left to right."""
    check_image(img)
    return img.flip(-1)


def vflip(img: Tensor) -> Tensor:
    """Mirror top to bottom."""
    check_image(img)
    return img.flip(-2)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """The (height, width) box at (top, left); parts outside the image are zeros."""
    check_image(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], ltrb, fill=0)
    return img[..., top:bottom, left:right]


def pad(img: Tensor, padding: list[int], fill: float = 0, padding_mode: str = "constant") -> Tensor:
    """Pad by (left, top, right, bottom); negative padding crops. Modes constant, edge, reflect, symmetric
    (edge, reflect and symmetric gather with index arrays, so they take any dtype and any leading dims)."""
    check_image(img)
    if not isinstance(fill, (int, float)):
        raise TypeError(f"Got inappropriate fill arg: tensor images take a number, got {type(fill).__name__}")
    left, top, right, bottom = padding
    if min(padding) < 0:
        h, w = img.shape[-2], img.shape[-1]
        img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        left, top, right, bottom = (max(p, 0) for p in padding)
    if padding_mode == "constant":
        return F.pad(img, [left, right, top, bottom], value=float(fill))
    rows = np.pad(np.arange(img.shape[-2]), (top, bottom), mode=padding_mode)
    cols = np.pad(np.arange(img.shape[-1]), (left, right), mode=padding_mode)
    img = img.index_select(-2, _const(rows, img, ember.int64))
    return img.index_select(-1, _const(cols, img, ember.int64))


def resize(img: Tensor, size: list[int], interpolation: str = "bilinear", antialias: bool = True) -> Tensor:
    """Resample to `size` = [h, w] with interpolate (align_corners=False); integer images are computed in float32
    and rounded back."""
    check_image(img)
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input: use nearest, "
                         f"nearest-exact, bilinear or bicubic")
    x, restore = _batch(img)
    smooth = interpolation in ("bilinear", "bicubic")
    x = F.interpolate(x, size=list(size), mode=interpolation, align_corners=False if smooth else None,
                      antialias=bool(antialias) and smooth)
    if interpolation == "bicubic" and img.dtype == ember.uint8:
        x = x.clamp(0, 255)
    return restore(x)


def _check_fill(img: Tensor, fill) -> None:
    c = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != c:
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number of channels of "
                         f"the image ({len(fill)} != {c})")


def _grid_transform(img: Tensor, grid: np.ndarray, mode: str, fill) -> Tensor:
    """Sample `img` at the normalised locations `grid` (1, oh, ow, 2); outside the image: zeros, or `fill` blended
    in through a mask channel as torchvision does."""
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input: use nearest or bilinear")
    _check_fill(img, fill)
    x, restore = _batch(img, (img.dtype,) if img.is_floating_point() else (ember.float32,))
    n = x.shape[0]
    g = _const(grid, x).expand(n, *grid.shape[1:])
    if fill is not None:
        x = ember.cat((x, ember.ones((n, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)), 1)
    y = F.grid_sample(x, g, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask, y = y[:, -1:], y[:, :-1]
        values = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = _const(values, y).view(1, len(values), 1, 1)
        y = ember.where(mask < 0.5, fill_img, y) if mode == "nearest" else y * mask + (1.0 - mask) * fill_img
    return restore(y)


def _grid_dtype(img: Tensor):
    return img.dtype.np if img.is_floating_point() else np.float32


def _base_grid(ow: int, oh: int, x0: float, y0: float, dtype) -> np.ndarray:
    """Homogeneous pixel-centre coordinates (oh * ow, 3) starting at (x0, y0), in `dtype`."""
    base = np.empty((oh, ow, 3), dtype)
    base[..., 0] = np.arange(ow) + x0
    base[..., 1] = (np.arange(oh) + y0)[:, None]
    base[..., 2] = 1
    return base.reshape(-1, 3)


def affine_grid(matrix: list[float], w: int, h: int, ow: int, oh: int, dtype) -> np.ndarray:
    """torchvision's affine sampling grid: output pixel centres about the centre, mapped by the inverse affine
    `matrix` (2 x 3) and normalised by the input size, with torch's float rounding."""
    theta = np.asarray(matrix, dtype).reshape(2, 3)
    scaled = theta.T / np.array([0.5 * w, 0.5 * h], dtype)
    base = _base_grid(ow, oh, -ow * 0.5 + 0.5, -oh * 0.5 + 0.5, dtype)
    # x * t0 + y * t1 + t2 rounded term by term, as torch's bmm does here (a BLAS product rounds differently and
    # moves samples that sit on pixel edges)
    grid = base[:, 0:1] * scaled[0] + base[:, 1:2] * scaled[1] + scaled[2]
    return grid.reshape(1, oh, ow, 2)


def affine(img: Tensor, matrix: list[float], interpolation: str = "nearest", fill=None) -> Tensor:
    """Apply the inverse affine `matrix` (6 numbers, about the image centre) by grid sampling."""
    check_image(img)
    h, w = img.shape[-2], img.shape[-1]
    return _grid_transform(img, affine_grid(matrix, w, h, w, h, _grid_dtype(img)), interpolation, fill)


def affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """(width, height) of the box holding the whole image after the affine map (PIL's `expand`)."""
    corners = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, -0.5 * h, 1.0]], np.float32)
    pts = corners @ np.asarray(matrix, np.float32).reshape(2, 3).T
    half = np.array([w * 0.5, h * 0.5], np.float32)
    tol = np.float32(1e-4)
    hi = np.ceil(np.trunc((pts.max(0) + half) / tol) * tol)
    lo = np.floor(np.trunc((pts.min(0) + half) / tol) * tol)
    size = hi - lo
    return int(size[0]), int(size[1])


def rotate(img: Tensor, matrix: list[float], interpolation: str = "nearest", expand: bool = False,
           fill=None) -> Tensor:
    """Rotate by the inverse affine `matrix`; `expand` grows the output to hold the whole rotated image."""
    check_image(img)
    h, w = img.shape[-2], img.shape[-1]
    ow, oh = affine_output_size(matrix, w, h) if expand else (w, h)
    return _grid_transform(img, affine_grid(matrix, w, h, ow, oh, _grid_dtype(img)), interpolation, fill)


def perspective(img: Tensor, coeffs: list[float], interpolation: str = "bilinear", fill=None) -> Tensor:
    """Apply PIL's 8-coefficient perspective map (output pixel -> input pixel) by grid sampling."""
    check_image(img)
    oh, ow = img.shape[-2], img.shape[-1]
    dt = _grid_dtype(img)
    c = np.asarray(coeffs, dt)
    base = _base_grid(ow, oh, 0.5, 0.5, dt)
    num = base @ (c[:6].reshape(2, 3).T / np.array([0.5 * ow, 0.5 * oh], dt))
    den = base @ np.array([[c[6], c[6]], [c[7], c[7]], [1, 1]], dt)
    return _grid_transform(img, (num / den - 1).reshape(1, oh, ow, 2), interpolation, fill)


def gaussian_kernel1d(size: int, sigma: float, dtype) -> np.ndarray:
    """The normalised Gaussian taps at -(size-1)/2 .. (size-1)/2."""
    x = np.linspace(-(size - 1) * 0.5, (size - 1) * 0.5, size).astype(dtype)
    pdf = np.exp(-0.5 * (x / np.asarray(sigma, dtype)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img: Tensor, kernel_size: list[int], sigma: list[float]) -> Tensor:
    """Blur with a separable Gaussian kernel [kx, ky] of std [sx, sy], reflecting at the borders (one grouped
    convolution)."""
    check_image(img)
    x, restore = _batch(img, (img.dtype,) if img.is_floating_point() else (ember.float32,))
    dt = x.dtype.np
    k = np.outer(gaussian_kernel1d(kernel_size[1], sigma[1], dt), gaussian_kernel1d(kernel_size[0], sigma[0], dt))
    c = x.shape[1]
    weight = _const(k, x).expand(c, 1, kernel_size[1], kernel_size[0])
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    x = F.pad(x, [px, px, py, py], mode="reflect")
    return restore(F.conv2d(x, weight, groups=c))


# ---- dtype and colour ---------------------------------------------------------------------------
def convert_image_dtype(image: Tensor, dtype: ember.dtype = ember.float32) -> Tensor:
    """Convert to `dtype`, rescaling to its intensity range (float [0, 1], integers [0, max])."""
    if not isinstance(image, Tensor):
        raise TypeError(f"Input img should be Tensor Image, got {type(image).__name__}")
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
                image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        return image.mul(float(max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    in_max = max_value(image.dtype)
    if dtype.is_floating_point:
        return image.to(dtype) / float(in_max)
    out_max = max_value(dtype)
    if in_max > out_max:
        return (image // ((in_max + 1) // (out_max + 1))).to(dtype)
    return image.to(dtype) * ((out_max + 1) // (in_max + 1))


_CHANNEL_CONSTANTS = {}  # (mean, std, dtype, device) -> the checked (C, 1, 1) constants, for sequences of numbers


def _channel_constants(mean, std, like: Tensor) -> tuple[Tensor, Tensor]:
    """mean and std as constants shaped to broadcast over (C, H, W) (1-D ones as (C, 1, 1)); ValueError for a zero
    std. Sequences of numbers are converted once and cached, since Normalize runs on every sample."""
    cacheable = all(isinstance(v, (tuple, list)) and all(isinstance(x, numbers.Number) for x in v)
                    for v in (mean, std))
    key = (tuple(mean), tuple(std), like.dtype, like.device) if cacheable else None
    found = _CHANNEL_CONSTANTS.get(key)
    if found is not None:
        return found
    mean, std = _const(mean, like), _const(std, like)
    if bool((std == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {like.dtype}, leading to division by zero.")
    found = tuple(t.view(-1, 1, 1) if t.ndim == 1 else t for t in (mean, std))
    if cacheable:
        if len(_CHANNEL_CONSTANTS) >= 64:
            _CHANNEL_CONSTANTS.clear()
        _CHANNEL_CONSTANTS[key] = found
    return found


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """(tensor - mean[c]) / std[c] for each channel c of a float (..., C, H, W) tensor."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}.")
    mean, std = _channel_constants(mean, std, tensor)
    if inplace:
        return tensor.sub_(mean).div_(std)
    return (tensor - mean) / std


def blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    """ratio * img1 + (1 - ratio) * img2, clamped to img1's intensity range, in img1's dtype (truncated)."""
    ratio = float(ratio)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, max_value(img1.dtype)).to(img1.dtype)


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """Luma 0.2989 R + 0.587 G + 0.114 B, as 1 or 3 (equal) channels."""
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    check_channels(img, (1, 3))
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels should be either 1 or 3, got {num_output_channels}")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    return gray.expand(tuple(img.shape)) if num_output_channels == 3 else gray


def _check_factor(value: float, name: str) -> None:
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    """Scale intensities by `brightness_factor` (blend with black)."""
    _check_factor(brightness_factor, "brightness_factor")
    check_image(img)
    check_channels(img, (1, 3))
    return blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    """Blend with the mean grey level of each image."""
    _check_factor(contrast_factor, "contrast_factor")
    check_image(img)
    check_channels(img, (1, 3))
    dtype = img.dtype if img.is_floating_point() else ember.float32
    gray = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
    return blend(img, gray.to(dtype).mean(dim=(-3, -2, -1), keepdim=True), contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    """Blend with the greyscale image (single-channel images are returned unchanged, as PIL does)."""
    _check_factor(saturation_factor, "saturation_factor")
    check_image(img)
    check_channels(img, (1, 3))
    if get_dimensions(img)[0] == 1:
        return img
    return blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb_to_hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(-3)
    maxc, minc = img.amax(-3), img.amin(-3)
    equal = maxc == minc
    chroma = maxc - minc
    ones = ember.ones_like(maxc)
    s = chroma / ember.where(equal, ones, maxc)
    divisor = ember.where(equal, ones, chroma)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    is_r, is_g = maxc == r, maxc == g
    h = (is_r * (bc - gc) + (is_g & ~is_r) * (2.0 + rc - bc) + (~is_g & ~is_r) * (4.0 + gc - rc))
    return ember.stack((ember.fmod(h / 6.0 + 1.0, 1.0), s, maxc), -3)


def _hsv_to_rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(-3)
    i = ember.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.to(ember.int32) % 6
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)
    sector = (i.unsqueeze(-3) == _const(np.arange(6).reshape(6, 1, 1), i)).to(img.dtype)   # (..., 6, H, W)
    table = ember.stack((ember.stack((v, q, p, p, t, v), -3), ember.stack((t, v, v, q, p, p), -3),
                         ember.stack((p, p, t, v, v, q), -3)), -4)                         # (..., 3, 6, H, W)
    return (sector.unsqueeze(-4) * table).sum(-3)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Rotate the hue by `hue_factor` turns (in [-0.5, 0.5]) through HSV space."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    check_image(img)
    check_channels(img, (1, 3))
    if get_dimensions(img)[0] == 1:
        return img
    hsv = _rgb_to_hsv(convert_image_dtype(img, ember.float32))
    h, s, v = hsv.unbind(-3)
    rgb = _hsv_to_rgb(ember.stack(((h + hue_factor) % 1.0, s, v), -3))
    return convert_image_dtype(rgb, img.dtype)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1) -> Tensor:
    """gain * img ** gamma on the [0, 1] scale, clamped, back in the input dtype."""
    check_image(img)
    check_channels(img, (1, 3))
    if gamma < 0:
        raise ValueError(f"Gamma should be a non-negative real number, got {gamma}")
    x = img if img.is_floating_point() else convert_image_dtype(img, ember.float32)
    return convert_image_dtype((gain * x ** gamma).clamp(0, 1), img.dtype)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Overwrite the (h, w) box at (i, j) with `v` (a copy unless `inplace`)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


# ---- photometric ops (torchvision's v1 arithmetic; v2.functional has the v2 variants) -------------------
def invert(img: Tensor) -> Tensor:
    """max - img: 1 - x for floats, the value bits flipped for integers."""
    check_image(img)
    return 1.0 - img if img.is_floating_point() else img ^ max_value(img.dtype)


def posterize(img: Tensor, bits: int) -> Tensor:
    """Keep the `bits` highest value bits of integers; floats are floored to 2 ** bits levels."""
    check_image(img)
    if img.is_floating_point():
        levels = 1 << bits
        return (img * levels).floor().clamp(0, levels - 1) * (1.0 / levels)
    value_bits = max_value(img.dtype).bit_length()
    if bits >= value_bits:
        return img
    return img & (((1 << bits) - 1) << (value_bits - bits))


def solarize(img: Tensor, threshold: float) -> Tensor:
    """Invert the values >= threshold."""
    check_image(img)
    if threshold > max_value(img.dtype):
        raise TypeError(f"Threshold should be less or equal the maximum value of the dtype, but got {threshold}")
    return ember.where(img >= threshold, invert(img), img)


def channel_range(img: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Per-channel minimum and maximum (as float) and where they are equal."""
    x = img if img.is_floating_point() else img.to(ember.float32)
    low, high = x.amin((-2, -1), keepdim=True), x.amax((-2, -1), keepdim=True)
    return low, high, high == low


def autocontrast(img: Tensor) -> Tensor:
    """Stretch each channel to the full range: (x - min) * (max_value / (max - min)); constant channels stay."""
    check_image(img)
    bound = max_value(img.dtype)
    low, high, flat = channel_range(img)
    scale = ember.where(flat, 1.0, bound / ember.where(flat, 1.0, high - low))
    return ((img - ember.where(flat, 0.0, low)) * scale).clamp(0, bound).to(img.dtype)


def equalize(img: Tensor) -> Tensor:
    """Histogram-equalise each channel of a uint8 image with PIL's lookup table: lut[v] = (cum[v - 1] + step // 2)
    // step, step = (pixels not of the top value) // 255; channels with step 0 are unchanged."""
    shape = tuple(img.shape)
    flat = img.reshape(-1, shape[-2] * shape[-1]).to(ember.int64)
    counts = ember.zeros((flat.shape[0], 256), dtype=ember.int64, device=img.device)
    counts.scatter_add_(1, flat, ember.ones_like(flat))
    cumulative = counts.cumsum(1)
    top_count = counts.gather(1, cumulative.argmax(1, keepdim=True))
    step = (flat.shape[1] - top_count) // 255
    lut = (cumulative[:, :-1] + step // 2) // step.clamp(min=1)
    lut = ember.cat((ember.zeros_like(step), lut.clamp(0, 255)), 1).to(ember.uint8)
    return ember.where(step == 0, flat.to(ember.uint8), lut.gather(1, flat)).reshape(shape)


def blur_sharpness(x: Tensor) -> Tensor:
    """The interior of float (N, C, H, W) `x` smoothed by PIL's SMOOTH kernel (1s around a 5, over 13)."""
    kernel = np.ones((3, 3), x.dtype.np)
    kernel[1, 1] = 5
    kernel /= kernel.sum()
    c = x.shape[1]
    return F.conv2d(x, _const(kernel, x).expand(c, 1, 3, 3), groups=c)


def adjust_sharpness(img: Tensor, sharpness_factor: float) -> Tensor:
    """Blend with the SMOOTH-blurred image (rounded to the dtype; the one-pixel border is kept): 0 blurs, 1 keeps,
    2 sharpens."""
    _check_factor(sharpness_factor, "sharpness_factor")
    check_image(img)
    check_channels(img, (1, 3))
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    x, restore = _batch(img)
    blurred = img.clone()
    blurred[..., 1:-1, 1:-1] = restore(blur_sharpness(x))
    return blend(img, blurred, sharpness_factor)


def elastic_transform(img: Tensor, displacement: Tensor, interpolation: str = "bilinear", fill=None) -> Tensor:
    """Sample at the pixel centres (normalised to [-1, 1]) moved by `displacement` (1, H, W, 2)."""
    check_image(img)
    h, w = img.shape[-2], img.shape[-1]
    dt = _grid_dtype(img)
    grid = np.empty((1, h, w, 2), dt)
    grid[..., 0] = spaced((1 - w) / w, (w - 1) / w, w, np.dtype(dt))
    grid[..., 1] = spaced((1 - h) / h, (h - 1) / h, h, np.dtype(dt))[:, None]
    return _grid_transform(img, grid + displacement.numpy(force=True).astype(dt), interpolation, fill)
