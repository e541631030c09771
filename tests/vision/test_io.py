"""vision.io: images written by Pillow (and, for 16-bit PNGs, by a NumPy PNG writer here that uses every filter
type) read back against Pillow's own decode and a NumPy transcription of libpng's colour transforms; encode/decode
round trips, read_file/write_file, the errors torchvision raises, and the tutorial's Dataset + DataLoader."""
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, Dataset
from ember.vision import io as tio
from ember.vision.io import ImageReadMode

Image = pytest.importorskip("PIL.Image")
from PIL import ImageOps, features  # noqa: E402

M = ImageReadMode
H, W = 9, 13


def pixels(channels, dtype=np.uint8, h=H, w=W, seed=0):
    """Random (h, w, channels) pixels whose first row is grey."""
    top = np.iinfo(dtype).max
    a = np.random.RandomState(seed).randint(0, top + 1, (h, w, channels)).astype(dtype)
    a[0, :, :] = a[0, :, :1]  # a row of grey pixels (r == g == b)
    return a


def hwc(t):
    """A (C, H, W) tensor as an (H, W, C) array."""
    return t.numpy().transpose(1, 2, 0)


def pil_bytes(img, fmt, **options):
    import io
    buf = io.BytesIO()
    img.save(buf, format=fmt, **options)
    return buf.getvalue()


def as_tensor(data: bytes):
    return ember.from_numpy(np.frombuffer(data, np.uint8).copy())


def pil_decoded(data: bytes):
    import io
    return Image.open(io.BytesIO(data))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def make_png(a, bit_depth=8, chunks=(), interlace=False):
    """A PNG of (H, W, C) pixels, C = 1 (gray), 2 (gray+alpha), 3 (RGB), 4 (RGBA); row y uses filter y % 5;
    `interlace` writes the seven Adam7 passes."""
    h, w, c = a.shape
    passes = [a[y0::dy, x0::dx] for x0, y0, dx, dy in ADAM7] if interlace else [a]
    body = b"".join(filtered_rows(p, bit_depth) for p in passes if p.size)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, {1: 0, 2: 4, 3: 2, 4: 6}[c], 0, 0, int(interlace))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(chunk(k, b) for k, b in chunks)
            + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b""))


def filtered_rows(a, bit_depth):
    """The filtered scanlines of (h, w, c) pixels: a filter-type byte, then the row's bytes minus the prediction."""
    h, w, c = a.shape
    raw = np.ascontiguousarray(a.astype(">u2" if bit_depth == 16 else np.uint8)).reshape(h, -1).view(np.uint8)
    bpp = c * bit_depth // 8
    rows, prev = [], np.zeros(raw.shape[1], np.int64)
    for y in range(h):
        x = raw[y].astype(np.int64)
        left = np.concatenate([np.zeros(bpp, np.int64), x[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int64), prev[:-bpp]])
        f = y % 5
        if f == 0:
            pred = 0
        elif f == 1:
            pred = left
        elif f == 2:
            pred = prev
        elif f == 3:
            pred = (left + prev) // 2
        else:
            p = left + prev - upleft
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        rows.append(bytes([f]) + ((x - pred) % 256).astype(np.uint8).tobytes())
        prev = x
    return b"".join(rows)


def ref_gray(rgb):
    """libpng's png_do_rgb_to_gray without gamma, for torchvision's weights (0.2989, 0.587): 8-bit truncates,
    16-bit rounds."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    bias = 16384 if rgb.dtype == np.uint16 else 0
    return ((9794 * r + 19234 * g + 3740 * b + bias) >> 15).astype(rgb.dtype)[..., None]


def ref_convert(a, mode):
    """libpng's transforms as torchvision sets them up, on (H, W, C) gray/gray+alpha/RGB/RGBA pixels."""
    c, top = a.shape[-1], np.iinfo(a.dtype).max
    alpha = a[..., -1:] if c in (2, 4) else np.full(a.shape[:-1] + (1,), top, a.dtype)
    gray = ref_gray(a[..., :3]) if c >= 3 else a[..., :1]
    rgb = a[..., :3] if c >= 3 else np.concatenate([a[..., :1]] * 3, -1)
    return {M.UNCHANGED: a, M.GRAY: gray, M.GRAY_ALPHA: np.concatenate([gray, alpha], -1), M.RGB: rgb,
            M.RGB_ALPHA: np.concatenate([rgb, alpha], -1)}[mode]


# ------------------------------------------------------------------------------------------------ PNG

PIL_MODES = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}


@pytest.mark.parametrize("pil_mode", list(PIL_MODES))
@pytest.mark.parametrize("mode", list(M.__members__.values())[:5])
def test_png_8bit_matches_pillow_and_libpng_transforms(tmp_path, pil_mode, mode):
    a = pixels(PIL_MODES[pil_mode])
    path = tmp_path / "img.png"
    Image.fromarray(a[..., 0] if pil_mode == "L" else a, pil_mode).save(path)
    out = tio.read_image(path, mode)
    assert out.dtype == ember.uint8 and out.dim() == 3
    expected = ref_convert(a, mode)
    assert tuple(out.shape) == (expected.shape[2], H, W)
    np.testing.assert_array_equal(hwc(out), expected)
    if mode is M.UNCHANGED:  # exactly what Pillow decodes
        np.testing.assert_array_equal(hwc(out), np.array(Image.open(path)).reshape(H, W, -1))
    if mode in (M.GRAY, M.GRAY_ALPHA) and pil_mode in ("RGB", "RGBA"):  # libpng's weights vs Pillow's ITU-R 601-2
        pil_l = np.array(Image.open(path).convert("L")).astype(int)
        assert np.abs(hwc(out)[..., 0].astype(int) - pil_l).max() <= 1


def test_png_decode_image_decode_png_and_read_image_agree(tmp_path):
    a = pixels(3)
    path = tmp_path / "img.png"
    Image.fromarray(a).save(path)
    data = tio.read_file(path)
    for out in (tio.decode_png(data), tio.decode_image(data), tio.decode_image(str(path)), tio.read_image(str(path))):
        np.testing.assert_array_equal(hwc(out), a)


def test_output_layout_is_torchvisions_permuted_hwc_buffer(tmp_path):
    Image.fromarray(pixels(3)).save(tmp_path / "rgb.png")
    Image.fromarray(pixels(1)[..., 0]).save(tmp_path / "l.png")
    rgb, gray = tio.read_image(tmp_path / "rgb.png"), tio.read_image(tmp_path / "l.png")
    assert rgb.stride() == (1, W * 3, 3) and not rgb.is_contiguous()
    assert gray.shape == (1, H, W) and gray.is_contiguous()
    rgb[0, 0, 0] = 7  # a writable tensor
    assert rgb[0, 0, 0].item() == 7


@pytest.mark.parametrize("transparency", [False, True])
def test_png_palette(tmp_path, transparency):
    img = Image.fromarray(pixels(3)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    options = {"transparency": 3} if transparency else {}
    path = tmp_path / "p.png"
    img.save(path, **options)
    indices = tio.read_image(path)  # torchvision: UNCHANGED keeps the palette indices, one channel
    assert indices.shape == (1, H, W)
    np.testing.assert_array_equal(indices[0].numpy(), np.array(Image.open(path)))
    rgba = np.array(Image.open(path).convert("RGBA"))  # the palette (and tRNS alpha) applied
    assert (rgba[..., 3] < 255).any() == transparency
    np.testing.assert_array_equal(hwc(tio.read_image(path, M.RGB_ALPHA)), rgba)
    np.testing.assert_array_equal(hwc(tio.read_image(path, M.RGB)), rgba[..., :3])
    np.testing.assert_array_equal(hwc(tio.read_image(path, M.GRAY)), ref_gray(rgba[..., :3]))
    np.testing.assert_array_equal(hwc(tio.read_image(path, M.GRAY_ALPHA)),
                                  np.concatenate([ref_gray(rgba[..., :3]), rgba[..., 3:]], -1))


def test_png_1bit_gray_expands_to_0_255(tmp_path):
    bits = np.random.RandomState(0).rand(H, W) > 0.5
    Image.fromarray(bits).save(tmp_path / "b.png")
    out = tio.read_image(tmp_path / "b.png")
    np.testing.assert_array_equal(out[0].numpy(), bits.astype(np.uint8) * 255)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("mode", list(M.__members__.values())[:5])
def test_png_16bit_is_uint16(channels, mode):
    a = pixels(channels, np.uint16)
    data = as_tensor(make_png(a, 16))
    out = tio.decode_png(data, mode)
    assert out.dtype == ember.uint16
    np.testing.assert_array_equal(hwc(out), ref_convert(a, mode))
    if channels == 3:  # Pillow keeps the high bytes of 16-bit RGB
        np.testing.assert_array_equal(np.array(pil_decoded(make_png(a, 16))), (a >> 8).astype(np.uint8))


@pytest.mark.parametrize("bit_depth", [8, 16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_interlaced(bit_depth, channels):
    a = pixels(channels, np.uint16 if bit_depth == 16 else np.uint8, h=11, w=10)
    data = make_png(a, bit_depth, interlace=True)
    np.testing.assert_array_equal(hwc(tio.decode_png(as_tensor(data))), a)
    if bit_depth == 8:  # the writer here against Pillow's reader
        np.testing.assert_array_equal(np.array(pil_decoded(data)).reshape(a.shape), a)


def test_png_16bit_gray_written_by_pillow(tmp_path):
    a = pixels(1, np.uint16)[..., 0]
    Image.fromarray(a).save(tmp_path / "g16.png")
    out = tio.read_image(tmp_path / "g16.png")
    assert out.dtype == ember.uint16 and out.shape == (1, H, W)
    np.testing.assert_array_equal(out[0].numpy(), a)


def test_png_8bit_writer_here_matches_pillow():
    a = pixels(4)
    data = make_png(a)
    np.testing.assert_array_equal(np.array(pil_decoded(data)), a)
    np.testing.assert_array_equal(hwc(tio.decode_png(as_tensor(data))), a)


def test_png_gray_conversion_is_linear_light_with_a_gamma_chunk():
    a = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [90, 90, 90], [200, 100, 50]]], np.uint8)
    gama = [(b"gAMA", struct.pack(">I", 45455))]
    got = tio.decode_png(as_tensor(make_png(a, chunks=gama)), M.GRAY)[0, 0].numpy()
    to_1 = np.floor(255 * (np.arange(256) / 255) ** 2.19998 + 0.5).astype(np.int64)
    from_1 = np.floor(255 * (np.arange(256) / 255) ** 0.45455 + 0.5).astype(np.int64)
    r, g, b = (to_1[a[0, :, i]] for i in range(3))
    expected = from_1[(9794 * r + 19234 * g + 3740 * b + 16384) >> 15]
    expected[3] = 90  # grey pixels are kept as they are
    np.testing.assert_array_equal(got, expected)
    assert got[0] == 147  # pure red: 147 in linear light (76 without the gAMA chunk)
    srgb = [(b"sRGB", b"\x00")]
    np.testing.assert_array_equal(tio.decode_png(as_tensor(make_png(a, chunks=srgb)), M.GRAY)[0, 0].numpy(), got)
    plain = tio.decode_png(as_tensor(make_png(a)), M.GRAY)[0, 0].numpy()
    np.testing.assert_array_equal(plain, ref_gray(a)[0, :, 0])
    red16 = np.array([[[65535, 0, 0]]], np.uint16)  # 16-bit: the same in 65536-entry tables
    got16 = tio.decode_png(as_tensor(make_png(red16, 16, chunks=gama)), M.GRAY).item()
    assert got16 == np.floor(65535 * (((9794 * 65535 + 16384) >> 15) / 65535) ** 0.45455 + 0.5)


# ------------------------------------------------------------------------------------------------ JPEG

@pytest.mark.parametrize("pil_mode", ["L", "RGB"])
def test_jpeg_matches_pillows_decode(tmp_path, pil_mode):
    a = pixels(3)
    path = tmp_path / "img.jpg"
    Image.fromarray(a).convert(pil_mode).save(path, quality=90)
    decoded = np.array(Image.open(path)).reshape(H, W, -1)
    out = tio.read_image(path)
    assert out.dtype == ember.uint8 and out.shape == (decoded.shape[2], H, W)
    np.testing.assert_array_equal(hwc(out), decoded)
    np.testing.assert_array_equal(hwc(tio.decode_jpeg(tio.read_file(path))), decoded)
    rgb = tio.read_image(path, M.RGB)
    np.testing.assert_array_equal(hwc(rgb), np.array(Image.open(path).convert("RGB")))
    gray = tio.read_image(path, "gray")
    assert gray.shape == (1, H, W)
    draft = Image.open(path)
    draft.draft("L", None)  # libjpeg's own gray output, which torchvision asks libjpeg for
    np.testing.assert_array_equal(gray[0].numpy(), np.array(draft))
    diff = np.abs(gray[0].numpy().astype(int) - np.array(Image.open(path).convert("L")))  # Y vs clipped RGB's luma
    assert diff.mean() < 0.5


def test_jpeg_cmyk(tmp_path):
    Image.fromarray(pixels(4), "CMYK").save(tmp_path / "cmyk.jpg")
    with Image.open(tmp_path / "cmyk.jpg") as im:
        cmyk, rgb = np.array(im), np.array(im.convert("RGB"))
    np.testing.assert_array_equal(hwc(tio.read_image(tmp_path / "cmyk.jpg")), cmyk)
    np.testing.assert_array_equal(hwc(tio.read_image(tmp_path / "cmyk.jpg", M.RGB)), rgb)
    assert tio.read_image(tmp_path / "cmyk.jpg", M.GRAY).shape == (1, H, W)


def test_jpeg_list_and_device(tmp_path):
    datas = []
    for i in range(3):
        Image.fromarray(pixels(3, seed=i)).save(tmp_path / f"{i}.jpg")
        datas.append(tio.read_file(tmp_path / f"{i}.jpg"))
    outs = tio.decode_jpeg(datas, mode=M.RGB, device=ember.device("cpu"))
    assert isinstance(outs, list) and len(outs) == 3
    for out, data in zip(outs, datas):
        np.testing.assert_array_equal(out.numpy(), tio.decode_jpeg(data, device="cpu").numpy())


@pytest.mark.parametrize("mode", [M.GRAY_ALPHA, M.RGB_ALPHA])
def test_jpeg_alpha_modes_are_runtime_errors(tmp_path, mode):
    Image.fromarray(pixels(3)).save(tmp_path / "img.jpg")
    with pytest.raises(RuntimeError, match="not supported for JPEG"):
        tio.read_image(tmp_path / "img.jpg", mode)


# ------------------------------------------------------------------------------------------------ EXIF orientation

@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation(tmp_path, fmt, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"img.{fmt.lower()}"
    Image.fromarray(pixels(3)).save(path, format=fmt, exif=exif.tobytes())
    raw = np.array(Image.open(path))
    np.testing.assert_array_equal(hwc(tio.read_image(path)), raw)  # not applied unless asked
    out = tio.read_image(path, apply_exif_orientation=True)
    np.testing.assert_array_equal(hwc(out), np.array(ImageOps.exif_transpose(Image.open(path))))
    if orientation >= 5:
        assert out.shape == (3, W, H)


# ------------------------------------------------------------------------------------------------ GIF, WebP

def test_gif_single_and_animated(tmp_path):
    frames = [Image.fromarray(pixels(3, seed=i)).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
              for i in range(3)]
    frames[0].save(tmp_path / "one.gif")
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=10, disposal=1)
    one = tio.decode_gif(tio.read_file(tmp_path / "one.gif"))
    assert one.shape == (3, H, W) and one.dtype == ember.uint8
    with Image.open(tmp_path / "one.gif") as im:
        np.testing.assert_array_equal(hwc(one), np.array(im.convert("RGB")))
    anim = tio.read_image(tmp_path / "anim.gif")
    assert anim.shape == (3, 3, H, W)
    with Image.open(tmp_path / "anim.gif") as im:
        for i in range(3):
            im.seek(i)
            np.testing.assert_array_equal(anim[i].numpy().transpose(1, 2, 0), np.array(im.convert("RGB")))
    assert tio.read_image(tmp_path / "one.gif", M.GRAY).shape == (1, H, W)


@pytest.mark.skipif(not features.check("webp"), reason="Pillow without WebP")
def test_webp(tmp_path):
    a = pixels(4)
    Image.fromarray(a).save(tmp_path / "a.webp", lossless=True)
    Image.fromarray(a[..., :3]).save(tmp_path / "b.webp", lossless=True)
    rgba = tio.decode_webp(tio.read_file(tmp_path / "a.webp"))
    np.testing.assert_array_equal(hwc(rgba), np.array(Image.open(tmp_path / "a.webp")))
    np.testing.assert_array_equal(hwc(tio.read_image(tmp_path / "a.webp", M.RGB)), hwc(rgba)[..., :3])
    rgb = tio.read_image(tmp_path / "b.webp")
    assert rgb.shape == (3, H, W)
    np.testing.assert_array_equal(hwc(rgb), a[..., :3])


# ------------------------------------------------------------------------------------------------ encoding

@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("level", [0, 6, 9])
def test_encode_png_round_trip(tmp_path, channels, level):
    img = ember.from_numpy(pixels(channels).transpose(2, 0, 1).copy())
    data = tio.encode_png(img, compression_level=level)
    assert data.dtype == ember.uint8 and data.dim() == 1
    assert bytes(data.numpy()[:8]) == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(tio.decode_png(data).numpy(), img.numpy())
    tio.write_png(img, tmp_path / "w.png", level)
    np.testing.assert_array_equal(tio.read_image(tmp_path / "w.png").numpy(), img.numpy())


@pytest.mark.parametrize("channels", [1, 3])
def test_encode_jpeg_round_trip(tmp_path, channels):
    smooth = np.linspace(0, 255, H * W * channels).reshape(channels, H, W).astype(np.uint8)
    img = ember.from_numpy(smooth)
    data = tio.encode_jpeg(img, quality=95)
    assert bytes(data.numpy()[:3]) == b"\xff\xd8\xff"
    back = tio.decode_jpeg(data)
    assert back.shape == img.shape
    assert np.abs(back.numpy().astype(int) - smooth).mean() < 3
    assert len(tio.encode_jpeg(img, quality=10).numpy()) < len(data.numpy())
    datas = tio.encode_jpeg([img, img])
    assert isinstance(datas, list) and len(datas) == 2
    tio.write_jpeg(img, str(tmp_path / "w.jpg"), quality=95)
    np.testing.assert_array_equal(tio.read_image(tmp_path / "w.jpg").numpy(), back.numpy())


def test_read_file_write_file_round_trip(tmp_path):
    payload = bytes(range(256)) * 3
    (tmp_path / "f.bin").write_bytes(payload)
    data = tio.read_file(tmp_path / "f.bin")
    assert data.dtype == ember.uint8 and data.shape == (768,)
    assert bytes(data.numpy()) == payload
    tio.write_file(str(tmp_path / "g.bin"), data)
    assert (tmp_path / "g.bin").read_bytes() == payload


# ------------------------------------------------------------------------------------------------ errors

def test_errors(tmp_path):
    with pytest.raises(RuntimeError, match="No such file"):
        tio.read_file(tmp_path / "missing.png")
    with pytest.raises(RuntimeError, match="No such file"):
        tio.read_image(str(tmp_path / "missing.png"))
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(RuntimeError, match="non empty file"):
        tio.read_file(tmp_path / "empty")
    good = tio.encode_png(ember.zeros(3, 4, 5, dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="uint8"):
        tio.decode_image(good.float())
    with pytest.raises(RuntimeError, match="1-dimensional"):
        tio.decode_png(good.reshape(1, -1))
    with pytest.raises(RuntimeError, match="non empty"):
        tio.decode_jpeg(ember.zeros(0, dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="Unsupported image file"):
        tio.decode_image(as_tensor(b"BM not an image at all"))
    with pytest.raises(RuntimeError, match="Content is not png"):
        tio.decode_png(as_tensor(b"\xff\xd8\xff" + bytes(20)))
    with pytest.raises(RuntimeError, match="too small"):
        tio.decode_png(as_tensor(b"\x89PN"))
    with pytest.raises(RuntimeError):
        tio.decode_png(good[: len(good) // 2].clone())  # truncated
    with pytest.raises(RuntimeError, match="Not a JPEG file: starts with 0x89 0x50"):
        tio.decode_jpeg(good)
    with pytest.raises(RuntimeError, match="expects a 1-D uint8 tensor"):
        tio.decode_png(b"\x89PNG")
    with pytest.raises(KeyError):
        tio.decode_png(good, mode="CMYK")
    with pytest.raises(ValueError, match="Unknown image read mode 'CMYK'"):
        tio.decode_image(good, mode="CMYK")


def test_encode_errors():
    img = ember.zeros(3, 4, 5, dtype=ember.uint8)
    with pytest.raises(RuntimeError, match="dtype should be uint8"):
        tio.encode_png(img.float())
    with pytest.raises(RuntimeError, match="3-dimensional"):
        tio.encode_png(img[0])
    with pytest.raises(RuntimeError, match="number of channels should be 1 or 3, got: 4"):
        tio.encode_jpeg(ember.zeros(4, 4, 5, dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="Compression level"):
        tio.encode_png(img, compression_level=10)
    with pytest.raises(ValueError, match="between 1 and 100"):
        tio.encode_jpeg(img, quality=0)
    with pytest.raises(ValueError, match="at least one"):
        tio.encode_jpeg([])
    with pytest.raises(ValueError, match="at least one"):
        tio.decode_jpeg([])
    with pytest.raises(RuntimeError, match="1-dimensional"):
        tio.write_file("unused", img)


def test_without_pillow_decoding_says_what_to_install(tmp_path, monkeypatch):
    Image.fromarray(pixels(3)).save(tmp_path / "img.png")
    monkeypatch.setattr("ember.vision.io.image.Image", None)
    assert tio.read_file(tmp_path / "img.png").numel() > 0  # files need no Pillow
    with pytest.raises(ImportError, match=r"pip install 'ember\[vision\]'"):
        tio.read_image(tmp_path / "img.png")
    with pytest.raises(ImportError, match="Pillow"):
        tio.encode_png(ember.zeros(1, 2, 2, dtype=ember.uint8))


def test_modes_and_video_stubs():
    assert M.RGBA is M.RGB_ALPHA and M["RGB"] is M.RGB and M.UNCHANGED.value == 0 and M.RGB_ALPHA.value == 4
    with pytest.raises(RuntimeError, match="does not decode or encode video"):
        tio.read_video("clip.mp4")
    with pytest.raises(RuntimeError, match="does not decode or encode video"):
        tio.VideoReader("clip.mp4")
    with pytest.raises(RuntimeError, match="AVIF"):
        tio.decode_avif(ember.zeros(4, dtype=ember.uint8))


# ------------------------------------------------------------------------------------------------ the tutorial

class ImageFiles(Dataset):
    """The "Datasets & DataLoaders" tutorial's CustomImageDataset, without the CSV."""

    def __init__(self, paths, labels, transform=None):
        self.paths, self.labels, self.transform = paths, labels, transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, idx):
        image = tio.read_image(self.paths[idx])
        if self.transform:
            image = self.transform(image)
        return image, self.labels[idx]


def test_tutorial_dataset_and_dataloader(tmp_path):
    from ember.vision.transforms import v2
    paths = []
    for i in range(6):
        paths.append(str(tmp_path / f"{i}.{'png' if i % 2 else 'jpg'}"))
        Image.fromarray(pixels(3, seed=i)).save(paths[-1])
    data = ImageFiles(paths, list(range(6)), transform=v2.ToDtype(ember.float32, scale=True))
    images, labels = next(iter(DataLoader(data, batch_size=4, shuffle=True)))
    assert images.shape == (4, 3, H, W) and images.dtype == ember.float32
    assert 0 <= images.min().item() and images.max().item() <= 1
    assert labels.shape == (4,)
    raw = next(iter(DataLoader(ImageFiles(paths, list(range(6))), batch_size=6)))[0]
    assert raw.dtype == ember.uint8 and raw.shape == (6, 3, H, W)


def test_torchvision_io_under_ember_run(tmp_path):
    Image.fromarray(pixels(3)).save(tmp_path / "img.png")
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        import torchvision
        from torchvision.io import ImageReadMode, read_image
        from torchvision.io.image import decode_image
        image = read_image({str(tmp_path / "img.png")!r}, ImageReadMode.GRAY)
        print(tuple(image.shape), image.dtype, torchvision.io.read_image is read_image)
    """))
    result = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["(1,", f"{H},", f"{W})", "ember.uint8", "True"]
