"""vision.transforms classes: parameters drawn from ember's generator (reproducible with manual_seed), argument
checks, application to PIL images and tensors, and torchvision's printed forms."""
import math

import numpy as np
import pytest

import ember
from ember._random import rng
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image")


def tensor_image(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).random(shape).astype(np.float32))


def pil_image(h=16, w=20, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.uint8))


def same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, ember.Tensor):
        return a.shape == b.shape and np.array_equal(a.numpy(), b.numpy())
    return a.size == b.size and np.array_equal(np.asarray(a), np.asarray(b))


RANDOM = {
    "RandomCrop": lambda: T.RandomCrop(9, padding=2),
    "RandomResizedCrop": lambda: T.RandomResizedCrop(8),
    "RandomHorizontalFlip": lambda: T.RandomHorizontalFlip(),
    "RandomVerticalFlip": lambda: T.RandomVerticalFlip(),
    "RandomRotation": lambda: T.RandomRotation(40),
    "RandomAffine": lambda: T.RandomAffine(30, (0.2, 0.1), (0.7, 1.3), (-10, 10, -5, 5)),
    "RandomPerspective": lambda: T.RandomPerspective(0.4, p=0.7),
    "ColorJitter": lambda: T.ColorJitter(0.4, 0.4, 0.4, 0.2),
    "RandomGrayscale": lambda: T.RandomGrayscale(0.5),
    "GaussianBlur": lambda: T.GaussianBlur(5, (0.1, 3.0)),
    "RandomApply": lambda: T.RandomApply([T.ColorJitter(0.5)], p=0.5),
    "RandomChoice": lambda: T.RandomChoice([T.Resize(5), T.CenterCrop(6), T.Pad(1)]),
    "RandomOrder": lambda: T.RandomOrder([T.Resize(9), T.CenterCrop(7), T.RandomHorizontalFlip()]),
}


@pytest.mark.parametrize("name", list(RANDOM))
@pytest.mark.parametrize("kind", ["tensor", "pil"])
def test_manual_seed_reproduces_an_augmentation(name, kind):
    make = RANDOM[name]
    img = tensor_image(3, 16, 20) if kind == "tensor" else pil_image()
    ember.manual_seed(7)
    first = [make()(img) for _ in range(6)]
    ember.manual_seed(7)
    again = [make()(img) for _ in range(6)]
    assert all(same(a, b) for a, b in zip(first, again))
    assert not all(same(first[0], x) for x in first[1:]), "six draws gave the same result"


def test_a_batch_gets_one_draw():
    x = tensor_image(4, 3, 16, 20)
    out = T.RandomRotation(40)(x)
    ember.manual_seed(0)
    angle = T.RandomRotation.get_params([-40.0, 40.0])
    ember.manual_seed(0)
    out = T.RandomRotation(40)(x)
    np.testing.assert_array_equal(out.numpy(), F.rotate(x, angle).numpy())


@pytest.mark.parametrize("transform, fn", [
    (T.RandomHorizontalFlip, F.hflip), (T.RandomVerticalFlip, F.vflip),
    (T.RandomGrayscale, lambda x: F.rgb_to_grayscale(x, 3)),
    (lambda p: T.RandomPerspective(0.0, p=p), lambda x: x),
    (lambda p: T.RandomApply([T.Lambda(lambda x: x * 2)], p=p), lambda x: x * 2)])
def test_probability_zero_and_one(transform, fn):
    x = tensor_image(3, 8, 9)
    assert transform(0.0)(x) is x
    np.testing.assert_allclose(transform(1.0)(x).numpy(), fn(x).numpy(), atol=1e-6)


def test_random_crop_params_padding_and_pad_if_needed():
    x = tensor_image(3, 10, 12)
    for _ in range(20):
        i, j, h, w = T.RandomCrop.get_params(x, (4, 5))
        assert 0 <= i <= 6 and 0 <= j <= 7 and (h, w) == (4, 5)
    assert T.RandomCrop.get_params(x, (10, 12)) == (0, 0, 10, 12)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop.get_params(x, (11, 5))
    out = T.RandomCrop((14, 20), pad_if_needed=True, fill=0.5)(x)
    assert tuple(out.shape) == (3, 14, 20)
    assert out.numpy()[:, :, :4].max() == 0.5  # 8 columns padded on both sides: (20 - 12) = 4 + ... + 4
    padded = T.RandomCrop(16, padding=[2, 3], padding_mode="edge")(x)
    assert tuple(padded.shape) == (3, 16, 16)
    assert T.RandomCrop(4)(pil_image()).size == (4, 4)


def test_random_resized_crop_params():
    x = tensor_image(3, 30, 40)
    for _ in range(30):
        i, j, h, w = T.RandomResizedCrop.get_params(x, (0.2, 0.9), (0.5, 2.0))
        assert 0 <= i and i + h <= 30 and 0 <= j and j + w <= 40
        area = h * w / 1200
        assert 0.2 - 0.05 <= area <= 0.9 + 0.05 and 0.5 - 0.1 <= w / h <= 2.0 + 0.1
    # no box of that area fits: the central crop with the ratio clamped into range
    assert T.RandomResizedCrop.get_params(tensor_image(3, 10, 40), (1.0, 1.0), (0.9, 1.1)) == (0, 14, 10, 11)
    assert T.RandomResizedCrop.get_params(tensor_image(3, 10, 12), (4.0, 4.0), (0.5, 2.0)) == (0, 0, 10, 12)
    out = T.RandomResizedCrop((6, 7), interpolation=F.InterpolationMode.NEAREST)(x)
    assert tuple(out.shape) == (3, 6, 7)
    assert T.RandomResizedCrop(6)(pil_image()).size == (6, 6)
    with pytest.warns(UserWarning, match="min, max"):
        T.RandomResizedCrop(6, scale=(0.9, 0.1))


def test_color_jitter_ranges_and_errors():
    cj = T.ColorJitter(brightness=0.5, contrast=(0.2, 0.9), saturation=2.0, hue=0.1)
    assert cj.brightness == (0.5, 1.5) and cj.contrast == (0.2, 0.9) and cj.saturation == (0.0, 3.0)
    assert cj.hue == (-0.1, 0.1) and T.ColorJitter().brightness is None
    order, b, c, _, h = T.ColorJitter.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
    assert sorted(order) == [0, 1, 2, 3] and 0.5 <= b <= 1.5 and 0.2 <= c <= 0.9 and -0.1 <= h <= 0.1
    assert T.ColorJitter.get_params(None, None, None, None)[1:] == (None, None, None, None)
    with pytest.raises(ValueError, match="non negative"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.6)
    with pytest.raises(ValueError):
        T.ColorJitter(contrast=(0.9, 0.2))
    with pytest.raises(TypeError):
        T.ColorJitter(saturation=[1, 2, 3])
    x = tensor_image(3, 6, 7)
    assert T.ColorJitter()(x) is x


def test_color_jitter_applies_the_drawn_factors_in_order():
    x = tensor_image(3, 6, 7)
    cj = T.ColorJitter(0.3, 0.3, 0.3, 0.1)
    ember.manual_seed(3)
    order, *factors = cj.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
    want = x
    for i in order:
        want = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)[i](want, factors[i])
    ember.manual_seed(3)
    np.testing.assert_array_equal(cj(x).numpy(), want.numpy())


def test_rotation_and_affine_arguments():
    assert T.RandomRotation(30).degrees == [-30.0, 30.0]
    assert T.RandomRotation((10, 20)).degrees == [10.0, 20.0]
    with pytest.raises(ValueError, match="positive"):
        T.RandomRotation(-5)
    with pytest.raises(ValueError, match="length 2"):
        T.RandomRotation([1, 2, 3])
    with pytest.raises(TypeError, match="Fill"):
        T.RandomRotation(5, fill={1})
    with pytest.raises(ValueError, match="between 0 and 1"):
        T.RandomAffine(0, translate=(0.5, 1.5))
    with pytest.raises(ValueError, match="positive"):
        T.RandomAffine(0, scale=(0.0, 1.0))
    with pytest.raises(ValueError, match="length 2 or 4"):
        T.RandomAffine(0, shear=[1, 2, 3])
    assert T.RandomAffine(0, shear=10).shear == [-10.0, 10.0]
    for _ in range(20):
        angle, (tx, ty), scale, (shx, shy) = T.RandomAffine.get_params(
            [-5, 5], [0.1, 0.2], [0.9, 1.1], [-3, 3, 4, 6], [50, 40])
        assert -5 <= angle <= 5 and abs(tx) <= 5 and abs(ty) <= 8 and 0.9 <= scale <= 1.1
        assert -3 <= shx <= 3 and 4 <= shy <= 6
    assert T.RandomAffine.get_params([0, 0], None, None, None, [5, 5]) == (0.0, (0, 0), 1.0, (0.0, 0.0))


def test_rotation_and_affine_fill_on_both_kinds():
    x = tensor_image(3, 9, 9)
    out = T.RandomRotation((45, 45), fill=0.25)(x)
    assert out.numpy()[:, 0, 0].tolist() == [0.25] * 3
    img = T.RandomAffine((0, 0), translate=(0.5, 0.5), fill=(1, 2, 3))
    ember.manual_seed(1)
    moved = img(pil_image())
    assert moved.size == (20, 16)


def test_perspective_params():
    for _ in range(10):
        start, end = T.RandomPerspective.get_params(20, 16, 0.5)
        assert start == [[0, 0], [19, 0], [19, 15], [0, 15]]
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = end
        assert 0 <= x0 <= 5 and 0 <= y0 <= 4 and 14 <= x1 <= 19 and 0 <= y1 <= 4
        assert 14 <= x2 <= 19 and 11 <= y2 <= 15 and 0 <= x3 <= 5 and 11 <= y3 <= 15


def test_gaussian_blur_arguments():
    gb = T.GaussianBlur(3)
    assert gb.kernel_size == (3, 3) and gb.sigma == (0.1, 2.0)
    assert T.GaussianBlur((3, 5), 1.5).sigma == (1.5, 1.5)
    for bad in (4, (3, 0), -1):
        with pytest.raises(ValueError):
            T.GaussianBlur(bad)
    with pytest.raises(ValueError):
        T.GaussianBlur(3, (2.0, 1.0))
    with pytest.raises(ValueError):
        T.GaussianBlur(3, -1)
    assert 0.1 <= T.GaussianBlur.get_params(0.1, 2.0) <= 2.0


def test_random_erasing():
    x = tensor_image(3, 20, 24)
    ember.manual_seed(5)
    rng(None).random()  # forward first draws whether to erase at all
    i, j, h, w, _ = T.RandomErasing.get_params(x, (0.02, 0.33), (0.3, 3.3), [0.5])
    assert 0.02 * 480 * 0.8 <= h * w <= 0.33 * 480 * 1.2 and i + h <= 20 and j + w <= 24
    ember.manual_seed(5)
    out = T.RandomErasing(p=1.0, value=0.5)(x)
    want = x.numpy().copy()
    want[:, i:i + h, j:j + w] = 0.5
    np.testing.assert_array_equal(out.numpy(), want)
    noisy = T.RandomErasing(p=1.0, value="random")(x)
    assert not np.array_equal(noisy.numpy(), x.numpy())
    per_channel = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3), inplace=True)
    assert per_channel(x) is x
    with pytest.raises(ValueError, match="number of input channels"):
        T.RandomErasing(p=1.0, value=(0.1, 0.2))(x)
    with pytest.raises(ValueError, match="'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="between 0 and 1"):
        T.RandomErasing(scale=(0.5, 1.5))
    with pytest.raises(TypeError):
        T.RandomErasing(value={1})
    u8 = ember.tensor(np.full((3, 20, 24), 200, np.uint8))
    erased = T.RandomErasing(p=1.0, value=(10, 20, 30))(u8).numpy()
    assert erased.dtype == np.uint8 and set(np.unique(erased[0])) == {10, 200}
    with pytest.raises(TypeError, match="ToTensor"):
        T.RandomErasing(p=1.0)(pil_image())
    whole = T.RandomErasing.get_params(tensor_image(3, 2, 2), (0.9, 1.0), (1.0, 1.0), [0.0])
    assert whole[:4] == (0, 0, 2, 2)


def test_containers():
    x = tensor_image(3, 8, 9)
    pipeline = T.Compose([T.Lambda(lambda t: t * 2), T.Lambda(lambda t: t + 1)])
    np.testing.assert_allclose(pipeline(x).numpy(), x.numpy() * 2 + 1, atol=1e-6)
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)
    choice = T.RandomChoice([T.Lambda(lambda t: "a"), T.Lambda(lambda t: "b")], p=[1, 0])
    assert {choice(x) for _ in range(10)} == {"a"}
    with pytest.raises(TypeError):
        T.RandomChoice(T.Resize(3))
    with pytest.raises(ValueError):
        T.RandomChoice([T.Resize(3)], p=[0.5, 0.5])
    calls = []
    order = T.RandomOrder([T.Lambda(lambda t, k=k: calls.append(k) or t) for k in range(4)])
    order(x)
    assert sorted(calls) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="probability"):
        T.RandomApply([T.Resize(3)], p=2)


def test_conversion_and_geometry_classes_on_both_kinds():
    img = pil_image()
    t = T.ToTensor()(img)
    assert t.dtype == ember.float32 and tuple(t.shape) == (3, 16, 20)
    assert T.PILToTensor()(img).dtype == ember.uint8
    assert T.ToPILImage()(t).size == (20, 16)
    assert T.ToPILImage("HSV")(T.PILToTensor()(img)).mode == "HSV"
    assert T.ConvertImageDtype(ember.uint8)(t).dtype == ember.uint8
    assert T.Resize((5, 6))(img).size == (6, 5) and tuple(T.Resize(8)(t).shape) == (3, 8, 10)
    assert T.CenterCrop(4)(img).size == (4, 4) and tuple(T.CenterCrop((4, 6))(t).shape) == (3, 4, 6)
    assert T.Pad(2)(img).size == (24, 20) and tuple(T.Pad((1, 2))(t).shape) == (3, 20, 22)
    assert T.Grayscale()(img).mode == "L" and tuple(T.Grayscale(3)(t).shape) == (3, 16, 20)
    assert len(T.FiveCrop(4)(img)) == 5 and len(T.TenCrop(4)(t)) == 10
    with pytest.raises(TypeError):
        T.Resize(4.5)
    with pytest.raises(ValueError):
        T.Resize([1, 2, 3])
    with pytest.raises(ValueError):
        T.CenterCrop([1, 2, 3])
    with pytest.raises(ValueError):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError):
        T.Pad([1, 2, 3])
    with pytest.raises(TypeError):
        T.Pad(1, fill=None)


def test_seed_pipeline_mnist_style():
    """Seeds 002/003: Compose([ToTensor(), Normalize(...)]) on a PIL image."""
    img = Image.fromarray(np.arange(28 * 28, dtype=np.uint8).reshape(28, 28))
    out = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])(img)
    want = (np.arange(28 * 28).reshape(1, 28, 28) % 256).astype(np.float32) / np.float32(255)
    np.testing.assert_allclose(out.numpy(), (want - np.float32(0.1307)) / np.float32(0.3081), rtol=1e-6)
    rgb = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])(pil_image())
    assert rgb.dtype == ember.float32 and -1 <= rgb.numpy().min() and rgb.numpy().max() <= 1


def test_transforms_are_modules_where_torchvision_makes_them_modules():
    from ember.nn import Module
    assert isinstance(T.Normalize([0.5], [0.5]), Module) and isinstance(T.RandomCrop(3), Module)
    assert not isinstance(T.ToTensor(), Module) and not isinstance(T.Compose([]), Module)
    x = tensor_image(3, 8, 8)
    seq = ember.nn.Sequential(T.CenterCrop(6), T.Normalize([0.5] * 3, [0.5] * 3))
    assert tuple(seq(x).shape) == (3, 6, 6)


def test_printed_forms():
    assert repr(T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])) == (
        "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)")
    assert repr(T.Resize(5)) == "Resize(size=5, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(T.RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    assert repr(T.CenterCrop(3)) == "CenterCrop(size=(3, 3))"
    assert repr(T.ColorJitter(0.5)) == "ColorJitter(brightness=(0.5, 1.5), contrast=None, saturation=None, hue=None)"
    assert repr(T.RandomResizedCrop(8)) == (
        f"RandomResizedCrop(size=(8, 8), scale=(0.08, 1.0), ratio=({round(3 / 4, 4)}, {round(4 / 3, 4)}), "
        f"interpolation=bilinear, antialias=True)")
    assert repr(T.Grayscale()) == "Grayscale(num_output_channels=1)"
    assert repr(T.Lambda(abs)) == "Lambda()" and repr(T.ToPILImage()) == "ToPILImage()"
    assert repr(T.RandomApply([T.ToTensor()])) == "RandomApply(\n    p=0.5\n    ToTensor()\n)"
    assert math.isclose(T.RandomRotation(10).degrees[1], 10.0)
