"""Image transforms on PIL images, by Pillow's own operations (which is what torchvision does)."""
import numpy as np

try:
    from PIL import Image, ImageEnhance, ImageOps
except ImportError:  # Pillow is the optional `vision` extra; tensor transforms work without it
    Image = ImageEnhance = ImageOps = None


def is_pil_image(img) -> bool:
    """True for a PIL image."""
    return Image is not None and isinstance(img, Image.Image)


def check_image(img) -> None:
    """TypeError unless `img` is a PIL image."""
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img) -> list[int]:
    """[channels, height, width]."""
    check_image(img)
    width, height = img.size
    return [len(img.getbands()), height, width]


def parse_fill(fill, img, name: str = "fillcolor") -> dict:
    """Pillow's keyword for a fill colour: one value per band, integers except for mode F."""
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = (fill,) * bands
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of bands of the image "
                             f"({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def hflip(img):
    """Mirror left to right."""
    check_image(img)
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    """Mirror top to bottom."""
    check_image(img)
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    """The (height, width) box at (top, left); parts outside the image are zeros."""
    check_image(img)
    return img.crop((left, top, left + width, top + height))


def pad(img, padding: list[int], fill=0, padding_mode: str = "constant"):
    """Pad by (left, top, right, bottom); negative padding crops."""
    check_image(img)
    left, top, right, bottom = padding
    if min(padding) < 0:
        img = img.crop((max(-left, 0), max(-top, 0), img.width - max(-right, 0), img.height - max(-bottom, 0)))
        left, top, right, bottom = (max(p, 0) for p in padding)
    palette = img.getpalette() if img.mode == "P" else None
    if padding_mode == "constant":
        out = ImageOps.expand(img, border=(left, top, right, bottom), **parse_fill(fill, img, "fill"))
    else:
        a = np.asarray(img)
        widths = ((top, bottom), (left, right)) + ((0, 0),) * (a.ndim - 2)
        out = Image.fromarray(np.pad(a, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def resize(img, size: list[int], interpolation: int):
    """Resample to `size` = [h, w] with Pillow's filter `interpolation` (always antialiased)."""
    check_image(img)
    return img.resize((size[1], size[0]), interpolation)


def rotate(img, angle: float, interpolation: int = 0, expand: bool = False, center=None, fill=None):
    """Pillow's rotate (counter-clockwise, degrees)."""
    check_image(img)
    return img.rotate(angle, interpolation, expand, center, **parse_fill(fill, img))


def affine(img, matrix: list[float], interpolation: int = 0, fill=None):
    """Pillow's affine transform with the inverse `matrix` (output pixel -> input pixel)."""
    check_image(img)
    return img.transform(img.size, Image.Transform.AFFINE, matrix, interpolation, **parse_fill(fill, img))


def perspective(img, coeffs: list[float], interpolation: int = 3, fill=None):
    """Pillow's perspective transform with 8 coefficients (output pixel -> input pixel)."""
    check_image(img)
    return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, interpolation, **parse_fill(fill, img))


def to_grayscale(img, num_output_channels: int = 1):
    """Mode L, or RGB with three equal channels."""
    check_image(img)
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    if num_output_channels == 3:
        return Image.merge("RGB", (gray, gray, gray))
    raise ValueError(f"num_output_channels should be either 1 or 3, got {num_output_channels}")


def adjust_brightness(img, factor: float):
    """Pillow's ImageEnhance.Brightness."""
    check_image(img)
    return ImageEnhance.Brightness(img).enhance(factor)


def adjust_contrast(img, factor: float):
    """Pillow's ImageEnhance.Contrast."""
    check_image(img)
    return ImageEnhance.Contrast(img).enhance(factor)


def adjust_saturation(img, factor: float):
    """Pillow's ImageEnhance.Color."""
    check_image(img)
    return ImageEnhance.Color(img).enhance(factor)


def adjust_hue(img, hue_factor: float):
    """Shift the H band of the HSV image by hue_factor * 255 (wrapping); L, 1, I and F images are unchanged."""
    check_image(img)
    if img.mode in ("L", "1", "I", "F"):
        return img
    h, s, v = img.convert("HSV").split()
    shift = int(np.int32(hue_factor * 255))
    h = Image.fromarray(((np.asarray(h).astype(np.int32) + shift) % 256).astype(np.uint8), mode="L")
    return Image.merge("HSV", (h, s, v)).convert(img.mode)


def adjust_gamma(img, gamma: float, gain: float = 1):
    """Per-value lookup table int(255.999 * gain * (v / 255) ** gamma)."""
    check_image(img)
    if gamma < 0:
        raise ValueError(f"Gamma should be a non-negative real number, got {gamma}")
    mode = img.mode
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def invert(img):
    """Pillow's ImageOps.invert."""
    check_image(img)
    return ImageOps.invert(img)


def posterize(img, bits: int):
    """Pillow's ImageOps.posterize."""
    check_image(img)
    return ImageOps.posterize(img, bits)


def solarize(img, threshold: float):
    """Pillow's ImageOps.solarize."""
    check_image(img)
    return ImageOps.solarize(img, threshold)


def autocontrast(img):
    """Pillow's ImageOps.autocontrast."""
    check_image(img)
    return ImageOps.autocontrast(img)


def equalize(img):
    """Pillow's ImageOps.equalize."""
    check_image(img)
    return ImageOps.equalize(img)


def adjust_sharpness(img, factor: float):
    """Pillow's ImageEnhance.Sharpness."""
    check_image(img)
    return ImageEnhance.Sharpness(img).enhance(factor)
