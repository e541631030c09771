"""torchvision.io.image: read and write image files as (C, H, W) tensors, with Pillow as the codec.

Decoding follows torchvision's libpng/libjpeg conventions rather than Pillow's: a PNG's colour conversions are
libpng's (its integer RGB-to-gray weights 0.2989/0.587/0.114, done in linear light when the file has a gAMA or sRGB
chunk), a JPEG read as GRAY is libjpeg's own luma (Pillow's draft mode asks libjpeg for it), a palette PNG read
UNCHANGED gives its palette indices (1 channel, as torchvision), 16-bit PNGs give uint16, and the output is a
permuted (H, W, C) buffer, so a multi-channel result is not contiguous, as in torchvision.
Differs from torchvision: the bytes written by `encode_png`/`encode_jpeg` are Pillow's (same pixels, other bytes);
GIF and WebP honour every `mode` (torchvision ignores it for GIF and warns for gray WebP), converting to gray with
libpng's weights; a CMYK JPEG read as GRAY goes through Pillow's CMYK->RGB->L (ITU-R 601-2 luma), within a level or
two of torchvision's own CMYK conversion; AVIF and HEIC are not decoded; `decode_jpeg(device="cuda")` decodes on the
CPU and moves the result.
"""
import enum
import functools
import os
import warnings
from io import BytesIO

import numpy as np

import ember

from ..._tensor import Tensor
from ..transforms.functional_pil import Image  # None without Pillow (the optional `vision` extra)

__all__ = ["ImageReadMode", "decode_avif", "decode_gif", "decode_heic", "decode_image", "decode_jpeg", "decode_png",
           "decode_webp", "encode_jpeg", "encode_png", "read_file", "read_image", "write_file", "write_jpeg",
           "write_png"]


class ImageReadMode(enum.Enum):
    """The channels to decode to: UNCHANGED (as stored), GRAY, GRAY_ALPHA, RGB, RGB_ALPHA (alias RGBA); every
    `mode` argument also takes these names as strings, in any case ("RGB", "gray")."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


class _ModeError(KeyError, ValueError):
    """An unknown mode name: a KeyError as torchvision's `ImageReadMode[name]` raises, and a ValueError."""

    def __str__(self) -> str:
        return str(self.args[0])


def _read_mode(mode) -> ImageReadMode:
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            pass
        names = ", ".join(repr(name) for name in ImageReadMode.__members__)
        raise _ModeError(f"Unknown image read mode {mode!r}: expected an ImageReadMode or one of {names}")
    raise TypeError(f"mode should be an ImageReadMode or a string, got {type(mode).__name__}")


def _require_pil(fn: str) -> None:
    if Image is None:
        raise ImportError(f"torchvision.io.{fn} decodes and encodes images with Pillow: install it "
                          f"(pip install 'ember[vision]')")


def _path(path) -> str:
    return os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)


# ---------------------------------------------------------------------------------------------------- files

def read_file(path) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor."""
    path = _path(path)
    try:
        with open(path, "rb") as f:
            data = np.empty(os.fstat(f.fileno()).st_size, np.uint8)
            n = f.readinto(data)
    except OSError as e:
        raise RuntimeError(f"[Errno {e.errno}] {e.strerror}: '{path}'") from None
    if n == 0:
        raise RuntimeError(f"Expected a non empty file: '{path}' is empty")
    return ember.from_numpy(data[:n])


def write_file(filename, data: Tensor) -> None:
    """Write the bytes in a 1-D uint8 tensor to a file."""
    _check_cpu_uint8(data, "write_file expects a 1-D uint8 tensor of bytes")
    if data.dim() != 1:
        raise RuntimeError(f"Input data should be a 1-dimensional tensor, got shape {tuple(data.shape)}")
    with open(_path(filename), "wb") as f:
        f.write(np.ascontiguousarray(data.numpy(force=True)).tobytes())


# ---------------------------------------------------------------------------------------------------- helpers

def _check_cpu_uint8(t, expected: str) -> None:
    """torchvision's checks of a tensor to write or encode (RuntimeError): a Tensor (else `expected`, got ...), on
    the CPU, of uint8."""
    if not isinstance(t, Tensor):
        raise RuntimeError(f"{expected}, got {type(t).__name__}")
    if t.device.type != "cpu":
        raise RuntimeError(f"Input tensor should be on CPU, got a tensor on {t.device}")
    if t.dtype != ember.uint8:
        raise RuntimeError(f"Input tensor dtype should be uint8, got {t.dtype}")


def _encoded_bytes(input, fn: str) -> bytes:
    """The bytes of a 1-D uint8 CPU tensor, with torchvision's checks (RuntimeError)."""
    if not isinstance(input, Tensor):
        raise RuntimeError(f"{fn} expects a 1-D uint8 tensor of encoded bytes (read_file(path) gives one), got "
                           f"{type(input).__name__}")
    if input.device.type != "cpu":
        raise RuntimeError(f"Expected a CPU tensor, got a tensor on {input.device}")
    if input.dtype != ember.uint8:
        raise RuntimeError(f"Expected an ember.uint8 tensor of encoded bytes, got {input.dtype}")
    if input.dim() != 1 or input.numel() == 0:
        raise RuntimeError(f"Expected a non empty 1-dimensional tensor, got shape {tuple(input.shape)}")
    return input.numpy(force=True).tobytes()


def _open(data: bytes, fmt: str, what: str):
    from PIL import UnidentifiedImageError
    try:
        return Image.open(BytesIO(data), formats=[fmt])
    except UnidentifiedImageError:
        raise RuntimeError(f"Could not decode the {what} image: the data is not a valid {what} file (it starts "
                           f"with {data[:8]!r})") from None
    except Exception as e:  # Pillow's SyntaxError, OSError, ... for a corrupt header
        raise RuntimeError(f"Could not decode the {what} image: {e}") from None


def _load(im, what: str) -> None:
    try:
        im.load()
    except Exception as e:
        raise RuntimeError(f"Could not decode the {what} image: {e}") from None


def _to_tensor(a: np.ndarray) -> Tensor:
    """(..., H, W, C) -> (..., C, H, W), a permuted view of the (H, W, C) buffer as torchvision returns."""
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    if not (a.flags.c_contiguous and a.flags.writeable):
        a = np.array(a, order="C")
    if a.shape[-1] == 1:  # nothing to permute: a contiguous (..., 1, H, W) view
        return ember.from_numpy(a.reshape(*a.shape[:-3], 1, *a.shape[-3:-1]))
    n = a.ndim
    return ember.from_numpy(a).permute(*range(n - 3), n - 1, n - 3, n - 2)


# libpng's fixed-point weights for png_set_rgb_to_gray(png, 1, 0.2989, 0.587), as torchvision calls it
_RC, _GC = 29890 * 32768 // 100000, 58700 * 32768 // 100000
_BC = 32768 - _RC - _GC


def _reciprocal(gamma: int) -> int:
    return int(np.floor(1e10 / gamma + 0.5))


def _significant(gamma: int) -> bool:
    return not 95000 <= gamma <= 105000


@functools.lru_cache(maxsize=8)
def _gamma_lut(gamma: int, bits: int) -> np.ndarray:
    """libpng's png_build_8bit_table / png_build_16bit_table (no sBIT): v -> round(max * (v / max) ** gamma)."""
    top = (1 << bits) - 1
    v = np.arange(top + 1, dtype=np.float64)
    if not _significant(gamma):
        return v.astype(np.uint32)
    lut = np.floor(top * np.power(v / top, gamma * 1e-5) + 0.5)
    lut[0], lut[top] = 0, top
    return lut.astype(np.uint32)


def _png_gamma(info: dict) -> int | None:
    """The file gamma libpng uses (sRGB chunk, else gAMA), times 100000; None when it is 1 (no tables)."""
    if "srgb" in info:
        gamma = 45455
    elif info.get("gamma"):
        gamma = int(round(info["gamma"] * 100000))
    else:
        return None
    return gamma if _significant(gamma) else None


def _gray(rgb: np.ndarray, gamma: int | None = None) -> np.ndarray:
    """libpng's png_do_rgb_to_gray: (..., 3) uint8/uint16 -> (..., 1), in linear light if the file has a gamma."""
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    bits = rgb.dtype.itemsize * 8
    if gamma is None:  # 8-bit truncates, 16-bit rounds (libpng 1.5.5+)
        y = (_RC * r + _GC * g + _BC * b + (16384 if bits == 16 else 0)) >> 15
    else:
        to_1, from_1 = _gamma_lut(_reciprocal(gamma), bits), _gamma_lut(_reciprocal(_reciprocal(gamma)), bits)
        y = from_1[(_RC * to_1[r] + _GC * to_1[g] + _BC * to_1[b] + 16384) >> 15]
        y = np.where((r == g) & (r == b), r, y)
    return y.astype(rgb.dtype)[..., None]


_CHANNELS = {ImageReadMode.GRAY: 1, ImageReadMode.GRAY_ALPHA: 2, ImageReadMode.RGB: 3, ImageReadMode.RGB_ALPHA: 4}


def _convert(a: np.ndarray, mode: ImageReadMode, gray=_gray) -> np.ndarray:
    """(..., C) gray / gray+alpha / RGB / RGBA pixels -> the channels of `mode`, as libpng's transforms do: alpha
    added opaque, dropped, gray replicated, RGB weighted to gray."""
    c = a.shape[-1]
    if mode is ImageReadMode.UNCHANGED or c == _CHANNELS[mode]:
        return a
    want = _CHANNELS[mode]
    alpha = a[..., -1:] if c in (2, 4) else np.full(a.shape[:-1] + (1,), np.iinfo(a.dtype).max, a.dtype)
    if want <= 2:
        body = gray(a[..., :3]) if c >= 3 else a[..., :1]
    else:
        body = a[..., :3] if c >= 3 else np.repeat(a[..., :1], 3, axis=-1)
    return body if want in (1, 3) else np.concatenate([body, alpha], axis=-1)


_ORIENT = {  # EXIF orientation -> the (H, W, C) transform that undoes it (torchvision's exif_orientation_transform)
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: a.transpose(1, 0, 2)[:, ::-1],
    7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1],
    8: lambda a: a.transpose(1, 0, 2)[::-1],
}


def _orient(a: np.ndarray, im) -> np.ndarray:
    try:
        orientation = int(im.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block is ignored, as libexif-less readers do
        return a
    return _ORIENT[orientation](a) if orientation in _ORIENT else a


# ---------------------------------------------------------------------------------------------------- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_rawmode(data: bytes, rawmode: str) -> np.ndarray:
    """Decode a PNG with Pillow's unfiltering but another unpacker (same bits per pixel), to reach the bytes that
    Pillow's 16-bit colour modes drop."""
    im = Image.open(BytesIO(data), formats=["PNG"])
    (tile,) = im.tile
    im.tile = [tile._replace(args=rawmode) if hasattr(tile, "_replace") else (*tile[:3], rawmode)]
    im.load()
    return np.array(im)


def _png16_color(data: bytes, im, color_type: int) -> np.ndarray:
    """The uint16 (H, W, C) pixels of a 16-bit gray+alpha, RGB or RGBA PNG (Pillow keeps only 8 bits of these)."""
    try:
        if color_type == 4:  # 32 bits a pixel, read as raw RGBA bytes: L hi, L lo, A hi, A lo
            return _png_rawmode(data, "RGBA").view(">u2").astype(np.uint16)
        base = "RGB" if color_type == 2 else "RGBA"
        high, low = _png_rawmode(data, base + ";16B"), _png_rawmode(data, base + ";16L")  # big-endian data
        return (high.astype(np.uint16) << 8) | low
    except Exception as e:  # a Pillow without these unpackers: the 8 bits it keeps, scaled
        warnings.warn(f"decode_png: this Pillow cannot give the low bytes of a 16-bit PNG ({e}); they are "
                      f"approximated from the high bytes", stacklevel=3)
        a = np.array(im)
        return (a[..., [0, 3]] if color_type == 4 else a).astype(np.uint16) * 257


def _png_array(data: bytes, mode: ImageReadMode, apply_exif_orientation: bool) -> np.ndarray:
    if len(data) < 8:
        raise RuntimeError("Content is too small for png!")
    if data[:8] != _PNG_SIGNATURE:
        raise RuntimeError("Content is not png!")
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise RuntimeError("Could not decode the PNG image: its IHDR header is missing or truncated")
    bit_depth, color_type = data[24], data[25]
    im = _open(data, "PNG", "PNG")
    _load(im, "PNG")
    if bit_depth == 16 and color_type in (2, 4, 6):
        a = _png16_color(data, im, color_type)
    elif im.mode == "P" and mode is not ImageReadMode.UNCHANGED:
        a = np.array(im.convert("RGBA"))  # libpng's palette_to_rgb, with the tRNS alpha
    elif im.mode == "1":
        a = np.array(im, dtype=np.uint8) * np.uint8(255)  # libpng's expand_gray_1_2_4_to_8
    elif im.mode.startswith("I"):
        a = np.array(im).astype(np.uint16)
    else:  # L (Pillow scales 2- and 4-bit gray as libpng does), LA, RGB, RGBA, P (indices)
        a = np.array(im)
    if a.ndim == 2:
        a = a[:, :, None]
    a = _convert(a, mode, functools.partial(_gray, gamma=_png_gamma(im.info)))
    return _orient(a, im) if apply_exif_orientation else a


def decode_png(input: Tensor, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Decode PNG bytes (a 1-D uint8 tensor) to a (C, H, W) tensor: uint8, or uint16 for a 16-bit PNG; a palette
    PNG read UNCHANGED gives its palette indices (1 channel), as in torchvision."""
    mode = _read_mode(mode)
    data = _encoded_bytes(input, "decode_png")
    _require_pil("decode_png")
    return _to_tensor(_png_array(data, mode, apply_exif_orientation))


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """Encode a (C, H, W) uint8 tensor with 1 or 3 channels as PNG bytes in a 1-D uint8 tensor.

    Differs from torchvision: the bytes are Pillow's (zlib level `compression_level`); the pixels are the same."""
    a = _image_to_encode(input, "encode_png", compression_level=compression_level)
    return _save(a, "PNG", compress_level=compression_level)


def write_png(input: Tensor, filename, compression_level: int = 6) -> None:
    """Write a (C, H, W) uint8 tensor with 1 or 3 channels to a PNG file."""
    write_file(filename, encode_png(input, compression_level))


# ---------------------------------------------------------------------------------------------------- JPEG

def _jpeg_array(data: bytes, mode: ImageReadMode, apply_exif_orientation: bool) -> np.ndarray:
    if mode in (ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA):
        raise RuntimeError(f"The provided mode is not supported for JPEG files: {mode} (JPEG has no alpha channel; "
                           f"use UNCHANGED, GRAY or RGB)")
    if data[:2] != b"\xff\xd8":
        raise RuntimeError(f"Not a JPEG file: starts with 0x{data[0]:02x} 0x{data[1] if len(data) > 1 else 0:02x}")
    im = _open(data, "JPEG", "JPEG")
    if mode is ImageReadMode.GRAY and im.mode == "RGB":
        im.draft("L", None)  # libjpeg's own YCbCr -> gray (the Y channel), as torchvision asks of libjpeg
    _load(im, "JPEG")
    if mode is ImageReadMode.GRAY and im.mode != "L":  # CMYK
        im = im.convert("RGB").convert("L")
    elif mode is ImageReadMode.RGB and im.mode != "RGB":
        im = im.convert("RGB")
    a = np.array(im)
    if a.ndim == 2:
        a = a[:, :, None]
    return _orient(a, im) if apply_exif_orientation else a


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation: bool = False):
    """Decode JPEG bytes (a 1-D uint8 tensor, or a list of them) to (C, H, W) uint8 tensors.

    Differs from torchvision: a `device` other than the CPU gets the CPU decode moved to it (no nvjpeg)."""
    mode = _read_mode(mode)
    device = ember.device(device) if isinstance(device, str) else device
    if isinstance(input, (list, tuple)):
        if len(input) == 0:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        if not all(t.device.type == "cpu" for t in input):
            raise ValueError("Input list must contain tensors on CPU.")
        return [decode_jpeg(t, mode, device, apply_exif_orientation) for t in input]
    if isinstance(input, Tensor) and input.device.type != "cpu":
        raise ValueError("Input tensor must be a CPU tensor")
    data = _encoded_bytes(input, "decode_jpeg")
    _require_pil("decode_jpeg")
    out = _to_tensor(_jpeg_array(data, mode, apply_exif_orientation))
    return out if device is None or device.type == "cpu" else out.to(device)


def encode_jpeg(input, quality: int = 75):
    """Encode a (C, H, W) uint8 tensor with 1 or 3 channels (or a list of them) as JPEG bytes in 1-D uint8 tensors.

    Differs from torchvision: the bytes are Pillow's libjpeg output (4:2:0 subsampling, as torchvision)."""
    if quality < 1 or quality > 100:
        raise ValueError(f"Image quality should be a positive number between 1 and 100, got {quality}")
    if isinstance(input, (list, tuple)):
        if len(input) == 0:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [encode_jpeg(t, quality) for t in input]
    return _save(_image_to_encode(input, "encode_jpeg"), "JPEG", quality=quality)


def write_jpeg(input: Tensor, filename, quality: int = 75) -> None:
    """Write a (C, H, W) uint8 tensor with 1 or 3 channels to a JPEG file."""
    write_file(filename, encode_jpeg(input, quality))


def _image_to_encode(input, fn: str, compression_level: int | None = None) -> np.ndarray:
    """The (H, W[, 3]) uint8 array of a (C, H, W) tensor to encode, with torchvision's checks (RuntimeError)."""
    _check_cpu_uint8(input, f"{fn} expects a (C, H, W) uint8 tensor")
    if compression_level is not None and not 0 <= compression_level <= 9:
        raise RuntimeError(f"Compression level should be between 0 and 9, got {compression_level}")
    if input.dim() != 3:
        raise RuntimeError(f"Input data should be a 3-dimensional tensor, got shape {tuple(input.shape)}")
    if input.shape[0] not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {input.shape[0]}")
    if input.shape[1] == 0 or input.shape[2] == 0:
        raise RuntimeError(f"{fn}: cannot encode an empty image of shape {tuple(input.shape)}")
    _require_pil(fn)
    a = input.numpy(force=True)
    return np.ascontiguousarray(a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0))


def _save(a: np.ndarray, fmt: str, **options) -> Tensor:
    buf = BytesIO()
    Image.fromarray(a).save(buf, format=fmt, **options)
    return ember.from_numpy(np.frombuffer(buf.getbuffer(), np.uint8).copy())


# ---------------------------------------------------------------------------------------------------- GIF, WebP

def _gif_array(data: bytes, mode: ImageReadMode) -> np.ndarray:
    im = _open(data, "GIF", "GIF")
    alpha = mode in (ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA)
    frames = []
    try:
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(np.array(im.convert("RGBA" if alpha else "RGB")))
    except Exception as e:
        raise RuntimeError(f"Could not decode the GIF image: {e}") from None
    a = _convert(np.stack(frames), mode)
    return a[0] if len(a) == 1 else a


def decode_gif(input: Tensor) -> Tensor:
    """Decode GIF bytes (a 1-D uint8 tensor) to a (3, H, W) uint8 tensor, or (N, 3, H, W) for N frames."""
    data = _encoded_bytes(input, "decode_gif")
    _require_pil("decode_gif")
    return _to_tensor(_gif_array(data, ImageReadMode.UNCHANGED))


def _webp_array(data: bytes, mode: ImageReadMode) -> np.ndarray:
    from PIL import features
    if not features.check("webp"):
        raise RuntimeError("decode_webp: this Pillow was built without WebP support")
    im = _open(data, "WEBP", "WebP")
    if getattr(im, "n_frames", 1) > 1:
        raise RuntimeError("Animated webp files are not supported.")
    _load(im, "WebP")
    rgba = "A" in im.getbands()
    a = np.array(im.convert("RGBA" if rgba else "RGB"))
    return _convert(a, mode)


def decode_webp(input: Tensor, mode=ImageReadMode.UNCHANGED) -> Tensor:
    """Decode WebP bytes (a 1-D uint8 tensor) to a (C, H, W) uint8 tensor: RGB, or RGBA when the image has alpha.

    Differs from torchvision: GRAY and GRAY_ALPHA convert (torchvision warns and returns colour)."""
    mode = _read_mode(mode)
    data = _encoded_bytes(input, "decode_webp")
    _require_pil("decode_webp")
    return _to_tensor(_webp_array(data, mode))


def decode_avif(input: Tensor, mode=ImageReadMode.UNCHANGED) -> Tensor:
    """Not supported: ember decodes PNG, JPEG, GIF and WebP only (RuntimeError)."""
    raise RuntimeError("ember does not decode AVIF images (torchvision needs torchvision-extra-decoders for it); "
                       "decode PNG, JPEG, GIF or WebP, or open the file with PIL.Image.open")


def decode_heic(input: Tensor, mode=ImageReadMode.UNCHANGED) -> Tensor:
    """Not supported: ember decodes PNG, JPEG, GIF and WebP only (RuntimeError)."""
    raise RuntimeError("ember does not decode HEIC images (torchvision needs torchvision-extra-decoders for it); "
                       "decode PNG, JPEG, GIF or WebP, or open the file with PIL.Image.open")


# ---------------------------------------------------------------------------------------------------- any format

def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Decode a JPEG, PNG, GIF or WebP image, from its bytes (a 1-D uint8 tensor) or a path, to a (C, H, W)
    tensor (uint8; uint16 for a 16-bit PNG; (N, C, H, W) for an animated GIF).

    Differs from torchvision: GIF and WebP honour every `mode` (torchvision returns GIFs as RGB whatever the mode)."""
    if not isinstance(input, Tensor):
        input = read_file(input)
    mode = _read_mode(mode)
    data = _encoded_bytes(input, "decode_image")
    _require_pil("decode_image")
    if data[:3] == b"\xff\xd8\xff":
        a = _jpeg_array(data, mode, apply_exif_orientation)
    elif data[:4] == b"\x89PNG":
        a = _png_array(data, mode, apply_exif_orientation)
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        a = _gif_array(data, mode)
    elif data[:4] == b"RIFF" and data[8:15] == b"WEBPVP8":
        a = _webp_array(data, mode)
    else:
        raise RuntimeError(f"Unsupported image file. Only jpeg, png, webp and gif are currently supported (the data "
                           f"starts with {data[:8]!r}).")
    return _to_tensor(a)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Read a JPEG, PNG, GIF or WebP file as a (C, H, W) uint8 tensor (`decode_image(read_file(path), ...)`)."""
    return decode_image(read_file(path), mode, apply_exif_orientation)
