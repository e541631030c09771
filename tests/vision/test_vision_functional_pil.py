"""vision.transforms.functional on PIL images: conversions for every mode, and agreement with the tensor path
(exact where torchvision's two paths agree exactly, within torchvision's own tolerances elsewhere)."""
import numpy as np
import pytest

import ember
from ember.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image")
IM = F.InterpolationMode


def pixels(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).integers(0, 256, shape).astype(np.uint8)


def rgb(h=9, w=11, seed=0):
    return Image.fromarray(pixels(h, w, 3, seed=seed))


def chw(img):
    """A PIL image's pixels as a (C, H, W) int array."""
    return F.pil_to_tensor(img).numpy().astype(np.int64)


# ---- conversions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, channels", [("L", 1), ("RGB", 3), ("RGBA", 4), ("LA", 2), ("P", 1), ("CMYK", 4),
                                            ("YCbCr", 3)])
def test_to_tensor_uint8_modes(mode, channels):
    img = rgb().convert(mode)
    a = np.asarray(img).reshape(9, 11, channels)
    t = F.to_tensor(img)
    assert t.dtype == ember.float32 and tuple(t.shape) == (channels, 9, 11) and t.is_contiguous()
    np.testing.assert_array_equal(t.numpy(), a.transpose(2, 0, 1).astype(np.float32) / np.float32(255))


def test_to_tensor_wide_modes_and_bilevel():
    ints = np.arange(-6, 6, dtype=np.int32).reshape(3, 4) * 100000
    t = F.to_tensor(Image.fromarray(ints, mode="I"))
    assert t.dtype == ember.int32 and t.numpy().tolist() == [ints.tolist()]
    floats = np.linspace(-2, 3, 12, dtype=np.float32).reshape(3, 4)
    t = F.to_tensor(Image.fromarray(floats, mode="F"))
    assert t.dtype == ember.float32 and np.array_equal(t.numpy()[0], floats)
    wide = np.array([[0, 1000, 65535]], np.uint16)
    t = F.to_tensor(Image.fromarray(wide))
    assert t.dtype == ember.int16 and t.numpy().tolist() == [[[0, 1000, -1]]]  # torchvision 0.28.0: I;16 wraps
    bits = Image.fromarray(np.array([[0, 255, 255], [255, 0, 0]], np.uint8)).convert("1")
    t = F.to_tensor(bits)
    assert t.dtype == ember.float32 and t.numpy().tolist() == [[[0, 1, 1], [1, 0, 0]]]


def test_pil_to_tensor_keeps_dtype_and_is_a_permuted_view():
    img = rgb()
    t = F.pil_to_tensor(img)
    assert t.dtype == ember.uint8 and tuple(t.shape) == (3, 9, 11) and not t.is_contiguous()
    np.testing.assert_array_equal(t.numpy(), np.asarray(img).transpose(2, 0, 1))
    assert F.pil_to_tensor(img.convert("1")).dtype == ember.bool
    assert F.pil_to_tensor(img.convert("F")).dtype == ember.float32
    with pytest.raises(TypeError, match="PIL Image"):
        F.pil_to_tensor(np.zeros((2, 2), np.uint8))


@pytest.mark.parametrize("channels, mode", [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")])
def test_to_pil_image_from_float_and_uint8_tensors(channels, mode):
    x = np.random.default_rng(channels).random((channels, 5, 6)).astype(np.float32)
    img = F.to_pil_image(ember.tensor(x))
    assert img.mode == mode and img.size == (6, 5)
    np.testing.assert_array_equal(chw(img), (x * 255).astype(np.uint8))  # scaled and truncated
    u = pixels(channels, 5, 6)
    np.testing.assert_array_equal(chw(F.to_pil_image(ember.tensor(u))), u)
    np.testing.assert_array_equal(chw(F.to_pil_image(u.transpose(1, 2, 0))), u)  # arrays are (H, W, C)


def test_to_pil_image_single_band_dtypes_and_modes():
    assert F.to_pil_image(ember.tensor(np.zeros((4, 5), np.int32))).mode == "I"
    assert F.to_pil_image(ember.tensor(np.zeros((1, 4, 5), np.int16))).mode == "I;16"
    f = np.linspace(-1, 2, 20, dtype=np.float32).reshape(1, 4, 5)
    img = F.to_pil_image(ember.tensor(f), mode="F")
    assert img.mode == "F" and np.array_equal(np.asarray(img), f[0])
    assert F.to_pil_image(pixels(4, 5, 3), mode="HSV").mode == "HSV"
    assert F.to_pil_image(pixels(4, 5, 4), mode="CMYK").mode == "CMYK"


def test_to_pil_image_bad_input():
    with pytest.raises(ValueError, match="Incorrect mode"):
        F.to_pil_image(ember.tensor(pixels(1, 4, 5)), mode="F")
    with pytest.raises(ValueError, match="Only modes"):
        F.to_pil_image(ember.tensor(pixels(3, 4, 5)), mode="RGBA")
    with pytest.raises(ValueError, match="2/3 dimensional"):
        F.to_pil_image(ember.tensor(pixels(1, 1, 4, 5)))
    with pytest.raises(ValueError, match="> 4 channels"):
        F.to_pil_image(ember.tensor(pixels(5, 4, 5)))
    with pytest.raises(TypeError, match="not supported"):
        F.to_pil_image(np.zeros((4, 5, 3), np.int64))
    with pytest.raises(TypeError, match="Tensor or ndarray"):
        F.to_pil_image([[1]])


def test_round_trips():
    img = rgb()
    assert chw(F.to_pil_image(F.to_tensor(img))).tolist() == chw(img).tolist()
    assert chw(F.to_pil_image(F.pil_to_tensor(img))).tolist() == chw(img).tolist()


# ---- PIL and tensor paths agree -----------------------------------------------------------------
EXACT = {
    "hflip": F.hflip, "vflip": F.vflip,
    "crop": lambda x: F.crop(x, 2, 3, 5, 6),
    "crop_outside": lambda x: F.crop(x, -3, 5, 14, 9),
    "center_crop": lambda x: F.center_crop(x, [5, 4]),
    "center_crop_larger": lambda x: F.center_crop(x, [12, 14]),
    "pad_constant": lambda x: F.pad(x, [1, 2, 3, 4], fill=9),
    "pad_edge": lambda x: F.pad(x, [3, 1], padding_mode="edge"),
    "pad_reflect": lambda x: F.pad(x, 2, padding_mode="reflect"),
    "pad_symmetric": lambda x: F.pad(x, [2, 0, 1, 3], padding_mode="symmetric"),
    "pad_negative": lambda x: F.pad(x, [-1, 2, -3, 1], padding_mode="reflect"),
    "resize_nearest_exact": lambda x: F.resize(x, [5, 7], IM.NEAREST_EXACT if isinstance(x, ember.Tensor)
                                               else IM.NEAREST),
    "rotate_90": lambda x: F.rotate(x, 90),
    "rotate_180_expand": lambda x: F.rotate(x, 180, IM.BILINEAR, expand=True),
    "affine_translate": lambda x: F.affine(x, 0, [3, -2], 1.0, 0.0),
    "affine_rotate_scale_shear": lambda x: F.affine(x, 30, [2, 1], 1.1, [5, 3]),
    "blur": lambda x: F.gaussian_blur(x, [5, 3], [1.5, 0.8]),
    "brightness": lambda x: F.adjust_brightness(x, 1.6),
    "gamma": lambda x: F.adjust_gamma(x, 0.6),
}


@pytest.mark.parametrize("name", list(EXACT))
def test_pil_and_tensor_paths_agree_exactly(name):
    fn = EXACT[name]
    img = rgb(13, 17)
    np.testing.assert_array_equal(chw(fn(img)), fn(F.pil_to_tensor(img)).numpy())


CLOSE = {  # (function, the largest difference, the smallest fraction of equal values)
    "resize_bilinear": (lambda x: F.resize(x, [7, 9]), 1, 0.8),
    "resize_bicubic_up": (lambda x: F.resize(x, 24, IM.BICUBIC), 12, 0.7),
    "rotate_nearest": (lambda x: F.rotate(x, 30, expand=True), 255, 0.95),
    "rotate_bilinear": (lambda x: F.rotate(x, -30, IM.BILINEAR), 255, 0.45),
    "perspective": (lambda x: F.perspective(x, [[0, 0], [16, 0], [16, 12], [0, 12]],
                                            [[1, 2], [15, 0], [16, 11], [0, 10]], IM.NEAREST), 255, 0.95),
    "contrast": (lambda x: F.adjust_contrast(x, 0.5), 1, 0.4),
    "saturation": (lambda x: F.adjust_saturation(x, 1.7), 1, 0.6),
    "hue": (lambda x: F.adjust_hue(x, 0.2), 16, 0.4),  # torchvision's own test allows 16.1
    "grayscale": (lambda x: F.rgb_to_grayscale(x, 3), 1, 0.4),
}


@pytest.mark.parametrize("name", list(CLOSE))
def test_pil_and_tensor_paths_agree_closely(name):
    fn, max_diff, equal_fraction = CLOSE[name]
    img = rgb(13, 17)
    diff = np.abs(chw(fn(img)) - fn(F.pil_to_tensor(img)).numpy().astype(np.int64))
    assert diff.max() <= max_diff and (diff == 0).mean() >= equal_fraction


def test_resize_pil_sizes_and_interpolation_ints():
    img = rgb(9, 20)
    assert F.resize(img, 6).size == (13, 6)
    assert F.resize(img, [6]).size == (13, 6)
    assert F.resize(img, [5, 8]).size == (8, 5)
    assert F.resize(img, 6, max_size=10).size == (10, 4)
    assert F.resize(img, 9) is img
    with pytest.warns(UserWarning, match="antialias"):
        F.resize(img, 5, antialias=False)
    with pytest.warns(UserWarning, match="InterpolationMode"):
        assert F.resize(img, 6, Image.NEAREST).size == (13, 6)
    np.testing.assert_array_equal(chw(F.resize(img, [4, 6], IM.LANCZOS)),
                                  chw(img.resize((6, 4), Image.Resampling.LANCZOS)))


def test_color_ops_on_pil_modes():
    img = rgb()
    gray = img.convert("L")
    assert F.adjust_hue(gray, 0.3) is gray
    assert F.to_grayscale(img).mode == "L" and F.to_grayscale(img, 3).mode == "RGB"
    np.testing.assert_array_equal(chw(F.to_grayscale(img, 3)), np.repeat(chw(gray), 3, 0))
    with pytest.raises(ValueError):
        F.to_grayscale(img, 2)
    with pytest.raises(TypeError, match="PIL Image"):
        F.to_grayscale(F.pil_to_tensor(img))
    table = [int(255.999 * 1.2 * (v / 255.0) ** 0.7) for v in range(256)]
    np.testing.assert_array_equal(chw(F.adjust_gamma(img, 0.7, 1.2)), np.minimum(table, 255)[chw(img)])
    assert F.gaussian_blur(gray, 3).mode == "L"


def test_pad_pil_fill_and_palette():
    img = rgb()
    out = F.pad(img, 2, fill=(10, 20, 30))
    assert out.size == (15, 13) and out.getpixel((0, 0)) == (10, 20, 30)
    with pytest.raises(ValueError, match="bands"):
        F.pad(img, 1, fill=(1, 2))
    pal = img.convert("P")
    padded = F.pad(pal, 1, padding_mode="edge")
    assert padded.mode == "P" and padded.getpalette() == pal.getpalette()
    f = img.convert("F")
    assert F.pad(f, 1, fill=0.5).getpixel((0, 0)) == 0.5


def test_rotate_and_affine_fill_on_pil():
    img = rgb()
    out = F.rotate(img, 45, fill=(1, 2, 3))
    assert out.getpixel((0, 0)) == (1, 2, 3)
    out = F.affine(img, 0, [5, 0], 1.0, 0, fill=7)
    assert out.getpixel((0, 0)) == (7, 7, 7)
    with pytest.raises(TypeError, match="PIL Image"):
        F.rotate(np.zeros((4, 4)), 10)
