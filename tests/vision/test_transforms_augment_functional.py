"""16-bit PIL images and the photometric functional ops (invert, posterize, solarize, autocontrast, equalize,
adjust_sharpness, elastic_transform) of transforms.functional (v1) and transforms.v2.functional.

Expected digests and values: digests computed with torchvision 0.28.0 (torch 2.13, CPU) on the same inputs, each one
checked: the SHA-1 of the output bytes (first 16 hex digits), so a single differing pixel fails. Where torchvision's
v1 and v2 round differently (autocontrast, adjust_sharpness), each has its own expected digest."""
import hashlib

import numpy as np
import pytest

import ember
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F
from ember.vision.transforms import v2
from ember.vision.transforms.v2 import functional as F2

Image = pytest.importorskip("PIL.Image")


def digest(a) -> str:
    a = np.ascontiguousarray(a.numpy() if isinstance(a, ember.Tensor) else np.asarray(a))
    return hashlib.sha1(a.tobytes()).hexdigest()[:16]


def batch() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, (2, 3, 17, 19), dtype=np.uint8)


def low_contrast() -> ember.Tensor:
    return ember.from_numpy((batch() // 3 + 40).astype(np.uint8))


def low_contrast_pil():
    return Image.fromarray(low_contrast().numpy()[0].transpose(1, 2, 0))


# ---- 16-bit and other wide PIL modes ---------------------------------------------------------------
def i16_image():
    return Image.fromarray(np.array([[0, 1000], [40000, 65535]], dtype=np.uint16))


def test_pil_i16_becomes_uint16_like_torchvision():
    im = i16_image()
    assert im.mode == "I;16"
    for t in (F.pil_to_tensor(im), v2.PILToTensor()(im), v2.ToImage()(im), F2.to_image(im)):
        assert t.dtype == ember.uint16 and t.shape == (1, 2, 2) and t.flatten().tolist() == [0, 1000, 40000, 65535]


def test_to_tensor_of_i16_wraps_to_int16_like_torchvision():
    t = F.to_tensor(i16_image())
    assert t.dtype == ember.int16 and t.flatten().tolist() == [0, 1000, -25536, -1]


def test_to_dtype_scales_uint16_by_65535():
    f = v2.Compose([v2.ToImage(), v2.ToDtype(ember.float32, scale=True)])(i16_image())
    assert f.dtype == ember.float32
    expected = np.array([0, 1000, 40000, 65535], np.float32) * np.float32(1 / 65535)  # torchvision multiplies
    np.testing.assert_array_equal(f.numpy().ravel(), expected)
    np.testing.assert_allclose(F.convert_image_dtype(F.pil_to_tensor(i16_image())).numpy().ravel(),
                               [0.0, 0.015259022, 0.6103609, 1.0], rtol=1e-6)


@pytest.mark.parametrize("dtype, expected", [  # torchvision 0.28's v2.functional.to_dtype(..., scale=True)
    ("uint8", [0, 3, 156, 255]), ("int16", [0, 500, 20000, 32767]),
    ("int32", [0, 32768000, 1310720000, 2147450880]), ("uint16", [0, 1000, 40000, 65535])])
def test_uint16_to_integer_dtypes(dtype, expected):
    t = ember.tensor([[[0, 1000], [40000, 65535]]], dtype=ember.uint16)
    out = F2.to_dtype(t, getattr(ember, dtype), scale=True)
    assert out.dtype == getattr(ember, dtype) and out.flatten().tolist() == expected


def test_uint8_to_uint16_scales_by_256():
    t = ember.tensor([[[0, 100], [200, 255]]], dtype=ember.uint8)
    assert F2.to_dtype(t, ember.uint16, scale=True).flatten().tolist() == [0, 25600, 51200, 65280]


def test_pil_int32_and_float_modes_keep_their_dtype():
    ints = Image.fromarray(np.array([[0, -5], [70000, 2 ** 31 - 1]], dtype=np.int32))
    floats = Image.fromarray(np.array([[0, 0.5], [2.5, -1]], dtype=np.float32))
    for fn in (F.pil_to_tensor, F.to_tensor, F2.to_image):
        assert fn(ints).dtype == ember.int32 and fn(ints).flatten().tolist() == [0, -5, 70000, 2 ** 31 - 1]
        assert fn(floats).dtype == ember.float32 and fn(floats).flatten().tolist() == [0.0, 0.5, 2.5, -1.0]


# ---- photometric ops: exact digests ----------------------------------------------------------------
V1_DIGESTS = {  # torchvision.transforms.functional on low_contrast()
    "invert": ("4c31ea9091643fdb", F.invert), "autocontrast": ("dda589909d8253a1", F.autocontrast),
    "equalize": ("b58509ad51f42efb", F.equalize), "posterize3": ("6e23006f26b7da65", lambda x: F.posterize(x, 3)),
    "solarize100": ("4be851a2ba3ca10d", lambda x: F.solarize(x, 100)),
    "sharp0.3": ("c00c2ea1a7a04ead", lambda x: F.adjust_sharpness(x, 0.3)),
    "sharp2.7": ("87c113a260f5b12f", lambda x: F.adjust_sharpness(x, 2.7)),
}
V2_DIGESTS = {  # torchvision.transforms.v2.functional on low_contrast()
    "invert": ("4c31ea9091643fdb", F2.invert), "autocontrast": ("b34b5ab34715fac3", F2.autocontrast),
    "equalize": ("b58509ad51f42efb", F2.equalize), "posterize3": ("6e23006f26b7da65", lambda x: F2.posterize(x, 3)),
    "solarize100": ("4be851a2ba3ca10d", lambda x: F2.solarize(x, 100)),
    "sharp0.3": ("c00c2ea1a7a04ead", lambda x: F2.adjust_sharpness(x, 0.3)),
    "sharp2.7": ("39458a03091fa5f0", lambda x: F2.adjust_sharpness(x, 2.7)),
}
V2_FLOAT_DIGESTS = {  # v2: to float32, the op, back to uint8 (torchvision 0.28)
    "autocontrast": ("65f039db310d8120", F2.autocontrast), "equalize": ("b58509ad51f42efb", F2.equalize),
    "sharp0.3": ("b664733e21144190", lambda x: F2.adjust_sharpness(x, 0.3)),
    "sharp2.7": ("231e13c44d723746", lambda x: F2.adjust_sharpness(x, 2.7)),
}


@pytest.mark.parametrize("name", list(V1_DIGESTS))
def test_v1_uint8_ops_match_torchvision_exactly(name):
    expected, fn = V1_DIGESTS[name]
    out = fn(low_contrast())
    assert out.dtype == ember.uint8 and out.shape == (2, 3, 17, 19)
    assert digest(out) == expected


@pytest.mark.parametrize("name", list(V2_DIGESTS))
def test_v2_uint8_ops_match_torchvision_exactly(name):
    expected, fn = V2_DIGESTS[name]
    assert digest(fn(low_contrast())) == expected


@pytest.mark.parametrize("name", list(V2_FLOAT_DIGESTS))
def test_v2_float_ops_match_torchvision_exactly(name):
    expected, fn = V2_FLOAT_DIGESTS[name]
    out = fn(F2.to_dtype(low_contrast(), ember.float32, scale=True))
    assert out.dtype == ember.float32
    assert digest(F2.to_dtype(out, ember.uint8, scale=True)) == expected


FLOAT_VALUES = {  # torchvision 0.28 on low_contrast() / 255: (sum in float64, out[1, 2, 5, 3:7])
    "v1_autocontrast": (F.autocontrast, 965.6417731596157, [0.9285714030265808, 0.3095238506793976,
                                                            0.1190476194024086, 0.0595238097012043]),
    "v2_autocontrast": (F2.autocontrast, 965.6417737426236, [0.9285714030265808, 0.3095238506793976,
                                                             0.1190476194024086, 0.0595238097012043]),
    "v1_sharp": (lambda x: F.adjust_sharpness(x, 2.7), 624.4932457208633,
                 [0.603257954120636, 0.19779789447784424, 0.11505281925201416, 0.08006036281585693]),
    "v2_sharp": (lambda x: F2.adjust_sharpness(x, 2.7), 624.493246022641,
                 [0.6032578945159912, 0.19779790937900543, 0.11505279690027237, 0.08006034046411514]),
    "v2_posterize": (lambda x: F2.posterize(x, 3), 497.75, [0.375, 0.25, 0.125, 0.125]),
    "v2_equalize": (F2.equalize, 1158.6706333062612, [1.0, 0.38431376218795776, 0.16862745583057404,
                                                      0.07058823853731155]),
}


@pytest.mark.parametrize("name", list(FLOAT_VALUES))
def test_float_ops_match_torchvision(name):
    fn, total, row = FLOAT_VALUES[name]
    out = fn(low_contrast().float() / 255)
    assert out.dtype == ember.float32
    assert out.double().sum().item() == pytest.approx(total, rel=1e-7)
    np.testing.assert_allclose(out[1, 2, 5, 3:7].numpy(), row, rtol=1e-6)


def test_float_invert_and_solarize():
    x = ember.tensor([[[0.0, 0.25, 0.5, 1.0]]])
    assert F.invert(x).tolist() == [[[1.0, 0.75, 0.5, 0.0]]]
    assert F.solarize(x, 0.5).tolist() == [[[0.0, 0.25, 0.5, 0.0]]]
    assert F2.posterize(x, 1).tolist() == [[[0.0, 0.0, 0.5, 0.5]]]


def test_integer_dtypes_in_v2():  # torchvision 0.28's values, except solarize (torch 2.13 has no uint16 >=)
    t = ember.tensor([[[0, 1000, 40000, 65535]]], dtype=ember.uint16)
    assert F2.invert(t).tolist() == [[[65535, 64535, 25535, 0]]]
    assert F2.posterize(t, 2).tolist() == [[[0, 0, 32768, 49152]]]
    assert F2.equalize(t).tolist() == [[[0, 768, 39936, 65280]]]
    assert F2.autocontrast(t).tolist() == t.tolist()
    assert F2.solarize(t, 40000).tolist() == [[[0, 1000, 25535, 0]]]
    i16 = ember.tensor([[[0, 7, 32767]]], dtype=ember.int16)
    assert F2.invert(i16).tolist() == [[[32767, 32760, 0]]]


@pytest.mark.parametrize("name, op", [("invert", "invert"), ("equalize", "equalize"), ("posterize", "posterize")])
def test_uint8_tensor_path_equals_pillow(name, op):
    img = low_contrast()
    args = (3,) if name == "posterize" else ()
    for fn in (F, F2):
        out = getattr(fn, op)(img[0], *args)
        pil = getattr(fn, op)(Image.fromarray(img[0].numpy().transpose(1, 2, 0)), *args)
        np.testing.assert_array_equal(out.numpy().transpose(1, 2, 0), np.asarray(pil))


def test_pil_ops_match_torchvision_exactly():  # digests of torchvision 0.28 on low_contrast_pil()
    pil = low_contrast_pil()
    assert digest(F.autocontrast(pil)) == "0b39926a87ed4ec4"
    assert digest(F.equalize(pil)) == "12ce0f660b40d728"
    assert digest(F.invert(pil)) == "660fb9d888e7f4c4"
    assert digest(F.adjust_sharpness(pil, 2.7)) == "f7c677876d660f45"
    for op in ("autocontrast", "equalize", "invert"):
        assert digest(getattr(F2, op)(pil)) == digest(getattr(F, op)(pil))


def test_batched_ops_equal_per_image_ops():
    img = low_contrast()
    for fn in (F.equalize, F.autocontrast, F2.autocontrast, F2.equalize, lambda x: F.adjust_sharpness(x, 1.7),
               lambda x: F2.adjust_sharpness(x, 1.7)):
        whole = fn(img)
        for i in range(2):
            np.testing.assert_array_equal(whole[i].numpy(), fn(img[i]).numpy())
    deep = img.reshape(1, 2, 3, 17, 19)
    np.testing.assert_array_equal(F2.equalize(deep).numpy()[0], F2.equalize(img).numpy())


def test_constant_channels_are_left_alone():
    flat = ember.full((3, 4, 5), 77, dtype=ember.uint8)
    for fn in (F.autocontrast, F.equalize, F2.autocontrast, F2.equalize):
        np.testing.assert_array_equal(fn(flat).numpy(), flat.numpy())


def test_small_images_skip_sharpness():
    img = ember.from_numpy(batch()[0, :, :2, :5].copy())
    assert F.adjust_sharpness(img, 2.0) is img and F2.adjust_sharpness(img, 2.0) is img


def test_image_type_is_kept_by_v2():
    img = tv_tensors.Image(low_contrast())
    for fn in (F2.invert, F2.equalize, F2.autocontrast, lambda x: F2.posterize(x, 2), lambda x: F2.solarize(x, 9),
               lambda x: F2.adjust_sharpness(x, 2.0)):
        assert type(fn(img)) is tv_tensors.Image


def test_bad_arguments_raise_torchvisions_errors():
    img = low_contrast()
    with pytest.raises(ValueError, match="between 0 and 8"):
        F.posterize(img, 9)
    with pytest.raises(TypeError, match="uint8"):
        F.posterize(img.float(), 3)
    with pytest.raises(TypeError, match="uint8"):
        F.equalize(img.float())
    with pytest.raises(TypeError, match="3 or 4 dimensions"):
        F.equalize(img.reshape(1, 2, 3, 17, 19))
    with pytest.raises(TypeError, match="at least 3 dimensions"):
        F.invert(img[0, 0])
    with pytest.raises(TypeError, match="permitted channel values"):
        F.autocontrast(ember.zeros(2, 4, 5, 5, dtype=ember.uint8))
    with pytest.raises(TypeError, match="Threshold"):
        F.solarize(img.float(), 2.0)
    with pytest.raises(ValueError, match="not non-negative"):
        F.adjust_sharpness(img, -1.0)
    with pytest.raises(ValueError, match="not non-negative"):
        F2.adjust_sharpness(img, -1.0)
    with pytest.raises(TypeError, match="bits must be"):
        F2.posterize(img, 2.5)
    with pytest.raises(TypeError, match="1 or 3"):
        F2.adjust_sharpness(ember.zeros(4, 5, 5), 2.0)
    with pytest.raises(TypeError, match="PIL Image"):
        F.invert([1, 2])


# ---- elastic_transform -----------------------------------------------------------------------------
def displacement() -> ember.Tensor:
    return ember.from_numpy(np.random.default_rng(3).uniform(-0.15, 0.15, (1, 17, 19, 2)).astype(np.float32))


@pytest.mark.parametrize("mode, fill, expected", [  # torchvision 0.28's F.elastic_transform on batch()
    ("nearest", None, "3b4545f23abd2523"), ("nearest", [10.0, 20.0, 30.0], "eb37bc7f90b711a2"),
    ("bilinear", None, "dc2c3bdd57e26f2e"), ("bilinear", [10.0, 20.0, 30.0], "a782ec68ac4b1a4e")])
def test_elastic_transform_matches_torchvision(mode, fill, expected):
    img = ember.from_numpy(batch())
    mode = F.InterpolationMode(mode)
    assert digest(F.elastic_transform(img, displacement(), mode, fill)) == expected
    assert digest(F2.elastic(img, displacement(), mode, fill)) == expected


def test_elastic_transform_pil_and_identity():
    pil = Image.fromarray(batch()[0].transpose(1, 2, 0))
    assert digest(F.elastic_transform(pil, displacement())) == "b9b1b81f7bb415c2"  # torchvision 0.28
    img = ember.from_numpy(batch())
    still = ember.zeros(1, 17, 19, 2)
    np.testing.assert_array_equal(F.elastic_transform(img, still, F.InterpolationMode.NEAREST).numpy(), img.numpy())
    with pytest.raises(ValueError, match="displacement shape"):
        F.elastic_transform(img, ember.zeros(1, 17, 18, 2))
    with pytest.raises(TypeError, match="displacement should be a Tensor"):
        F.elastic_transform(img, np.zeros((1, 17, 19, 2)))
