"""The random augmentation classes of transforms (v1) and transforms.v2: RandomInvert and the other photometric
Random* classes, AutoAugment, RandAugment, TrivialAugmentWide, AugMix, ElasticTransform, v2.CutMix and v2.MixUp, and
ColorJitter.get_params.

ember draws from its own generator, so these tests fix the draw instead of comparing streams: the magnitude bins and
each operation's output are compared with torchvision's (values and SHA-1 digests of the output bytes: digests computed
with torchvision 0.28.0, torch 2.13 CPU, each one checked), and each class is checked to pick its operations and
magnitudes from the right sets, to equal the functional applied with what it picked, and to repeat itself under
ember.manual_seed. Where torchvision itself is importable, the tests at the end compare with it directly."""
import hashlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
from ember.vision import transforms as T
from ember.vision import tv_tensors
from ember.vision.transforms import autoaugment as A
from ember.vision.transforms import functional as F
from ember.vision.transforms import v2
from ember.vision.transforms.v2 import _auto_augment as A2

Image = pytest.importorskip("PIL.Image")
NEAREST = F.InterpolationMode.NEAREST
APPLY_OP = A.apply_op  # the unpatched operation: `replay` must not call the recording wrapper it replays


def digest(a) -> str:
    a = np.ascontiguousarray(a.numpy() if isinstance(a, ember.Tensor) else np.asarray(a))
    return hashlib.sha1(a.tobytes()).hexdigest()[:16]


def low_contrast() -> ember.Tensor:
    img = np.random.default_rng(7).integers(0, 256, (2, 3, 17, 19), dtype=np.uint8)
    return ember.from_numpy((img // 3 + 40).astype(np.uint8))


def pil_image():
    return Image.fromarray(low_contrast().numpy()[0].transpose(1, 2, 0))


# ---- magnitude bins --------------------------------------------------------------------------------
def test_autoaugment_bins_are_torchvisions():  # torchvision 0.28, AutoAugment()._augmentation_space(10, (37, 29))
    ranges = A.augmentation_ranges(37, 29, "autoaugment")
    assert list(ranges) == ["ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color",
                            "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize", "Invert"]
    expected = {
        "ShearX": [0.0, 0.03333333507180214, 0.06666667014360428, 0.10000000894069672, 0.13333334028720856,
                   0.1666666716337204, 0.20000000298023224, 0.23333334922790527, 0.2666666805744171,
                   0.30000001192092896],
        "TranslateX": [0.0, 1.460221529006958, 2.920443058013916, 4.380664825439453, 5.840886116027832,
                       7.301107406616211, 8.76132869720459, 10.221549987792969, 11.681772232055664,
                       13.141993522644043],
        "TranslateY": [0.0, 1.8630414009094238, 3.7260828018188477, 5.5891242027282715, 7.452165603637695,
                       9.315206527709961, 11.178247451782227, 13.041289329528809, 14.90433120727539,
                       16.767372131347656],
        "Posterize": [8, 8, 7, 7, 6, 6, 5, 5, 4, 4],
        "Solarize": [255.0, 226.6666717529297, 198.3333282470703, 170.0, 141.66665649414062, 113.33333587646484,
                     85.0, 56.66666793823242, 28.33333396911621, 0.0],
        "Invert": None,
    }
    for name, bins in expected.items():
        assert A.magnitude_bins(name, ranges[name], 10) == bins, name


def test_other_spaces_are_torchvisions():  # torchvision 0.28's _augmentation_space orders and bins
    trivial = A.augmentation_ranges(0, 0, "trivialaugment")
    assert A.magnitude_bins("Rotate", trivial["Rotate"], 31) == [4.5 * i for i in range(31)]
    assert A.magnitude_bins("Posterize", trivial["Posterize"], 31) == [
        8, 8, 8, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2]
    augmix = A.augmentation_ranges(37, 29, "augmix")
    assert list(augmix) == ["ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Posterize", "Solarize",
                            "AutoContrast", "Equalize", "Brightness", "Color", "Contrast", "Sharpness"]
    assert A.magnitude_bins("Posterize", augmix["Posterize"], 10) == [4, 4, 3, 3, 2, 2, 1, 1, 0, 0]
    assert A.magnitude_bins("TranslateX", augmix["TranslateX"], 10) == [
        0.0, 1.074074149131775, 2.14814829826355, 3.222222328186035, 4.2962965965271, 5.370370388031006,
        6.44444465637207, 7.518518447875977, 8.5925931930542, 9.666666984558105]
    assert list(A.augmentation_ranges(37, 29, "randaugment")) == [
        "Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast",
        "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"]
    v2_solarize = A.augmentation_ranges(0, 0, "trivialaugment", solarize_top=1.0)["Solarize"]
    assert A.magnitude_bins("Solarize", v2_solarize, 31)[:5] == [1.0, 0.9666666388511658, 0.9333333373069763,
                                                                 0.8999999761581421, 0.8666666746139526]


# ---- each operation --------------------------------------------------------------------------------
OP_DIGESTS = {  # torchvision 0.28: autoaugment._apply_op on low_contrast() (nearest, no fill), on its first image as
    # PIL (fill [5, 6, 7]), and v2's AutoAugment()._apply_image_or_video_transform on low_contrast()
    ("ShearX", 0.2): ("9f8ade197514f9b3", "e00d167bcfd7012f", "9f8ade197514f9b3"),
    ("ShearY", -0.25): ("67d343992c16e5ac", "a10203a51fcf5105", "67d343992c16e5ac"),
    ("TranslateX", 5.7): ("da89a3d504e7d23b", "46029459d69ae294", "da89a3d504e7d23b"),
    ("TranslateY", -4.2): ("8e6a8591675ccaa0", "eaeb7a92f368de5e", "8e6a8591675ccaa0"),
    ("Rotate", 21.0): ("293af7665962e86b", "75f255645f9b82cb", "293af7665962e86b"),
    ("Brightness", 0.5): ("ceeeab97951096c3", "46d85bfa86902ab2", "ceeeab97951096c3"),
    ("Color", -0.4): ("305d592734beed07", "84e58fe2d5678b91", "305d592734beed07"),
    ("Contrast", 0.6): ("00668a2fb314677a", "7bd013a333dabd6e", "00668a2fb314677a"),
    ("Sharpness", 0.7): ("42fd37a1694e7109", "c9c3eb3a258e3f37", "42fd37a1694e7109"),
    ("Posterize", 4.0): ("af8d3ea0e1903da1", "2a469ec0e9e419b5", "af8d3ea0e1903da1"),
    ("Solarize", 140.0): ("090a6b59d36422f1", "a25d371695b79cff", "090a6b59d36422f1"),
    ("AutoContrast", 0.0): ("dda589909d8253a1", "0b39926a87ed4ec4", "b34b5ab34715fac3"),
    ("Equalize", 0.0): ("b58509ad51f42efb", "12ce0f660b40d728", "b58509ad51f42efb"),
    ("Invert", 0.0): ("4c31ea9091643fdb", "660fb9d888e7f4c4", "4c31ea9091643fdb"),
}
V2_DIGESTS = {  # torchvision 0.28.0's v2 kernels on low_contrast(), where v2 rounds differently from v1
    "Color 0.4": (lambda x: v2.AutoAugment().apply(x, "Color", 0.4), "9d4e6545e29835e5"),
    "adjust_saturation": (lambda x: v2.functional.adjust_saturation(x, 1.7), "29ae25b17a581588"),
    "adjust_contrast": (lambda x: v2.functional.adjust_contrast(x, 1.7), "59358cae61283fbc"),
    "rgb_to_grayscale": (v2.functional.rgb_to_grayscale, "e4a869eafd86e2b6"),
}


@pytest.mark.parametrize("op", list(OP_DIGESTS))
def test_each_operation_matches_torchvision(op):
    name, magnitude = op
    tensor_digest, pil_digest, v2_digest = OP_DIGESTS[op]
    assert digest(A.apply_op(low_contrast(), name, magnitude, NEAREST, None)) == tensor_digest
    assert digest(A.apply_op(pil_image(), name, magnitude, NEAREST, [5, 6, 7])) == pil_digest
    v2_magnitude = magnitude / 255 if name == "Solarize" else magnitude  # v2's Solarize bins are fractions
    assert digest(v2.AutoAugment().apply(low_contrast(), name, v2_magnitude)) == v2_digest


@pytest.mark.parametrize("name", list(V2_DIGESTS))
def test_v2_colour_rounding_matches_torchvision(name):
    fn, expected = V2_DIGESTS[name]
    assert digest(fn(low_contrast())) == expected


def test_identity_and_unknown_operations():
    img = low_contrast()
    assert A.apply_op(img, "Identity", 0.0, NEAREST, None) is img
    with pytest.raises(ValueError, match="not recognized"):
        A.apply_op(img, "Blur", 1.0, NEAREST, None)


# ---- the random classes: what they pick, and that they apply it -------------------------------------
@pytest.fixture
def recorded(monkeypatch):
    """The (name, magnitude) of every operation applied, v1 and v2."""
    calls = []

    def record(img, name, magnitude, *args, **kwargs):
        calls.append((name, magnitude))
        return APPLY_OP(img, name, magnitude, *args, **kwargs)
    monkeypatch.setattr(A, "apply_op", record)
    monkeypatch.setattr(A2, "apply_op", record)
    return calls


def replay(img, calls, functional=F, solarize_scale=1.0):
    """The image transformed by the recorded operations, one functional call each."""
    for name, magnitude in list(calls):
        img = APPLY_OP(img, name, magnitude * (solarize_scale if name == "Solarize" else 1.0), NEAREST, None,
                         functional=functional)
    return img


def allowed(ranges: dict, name: str, magnitude: float, num_bins: int, bins_used=None) -> bool:
    bins = A.magnitude_bins(name, ranges[name], num_bins)
    if bins is None:
        return magnitude == 0.0
    candidates = bins if bins_used is None else [bins[i] for i in bins_used]
    return magnitude in candidates or (name in A._SIGNED and -magnitude in candidates)


@pytest.mark.parametrize("policy", list(A.AutoAugmentPolicy))
def test_autoaugment_applies_steps_of_one_subpolicy(recorded, policy):
    img = low_contrast()
    ranges = A.augmentation_ranges(17, 19, "autoaugment")
    subpolicies = [[name for name, _, _ in steps] for steps in A.policy_steps(policy)]
    for seed in range(12):
        recorded.clear()
        ember.manual_seed(seed)
        out = T.AutoAugment(policy)(img)
        names = [name for name, _ in recorded]
        assert any(names == [n for n in sub if n in names] and set(names) <= set(sub) for sub in subpolicies)
        assert all(allowed(ranges, name, magnitude, 10) for name, magnitude in recorded)
        np.testing.assert_array_equal(out.numpy(), replay(img, recorded).numpy())


def test_randaugment_applies_num_ops_at_the_fixed_bin(recorded):
    img = low_contrast()
    ranges = A.augmentation_ranges(17, 19, "randaugment")
    for seed in range(10):
        recorded.clear()
        ember.manual_seed(seed)
        out = T.RandAugment(num_ops=3, magnitude=12)(img)
        assert len(recorded) == 3
        assert all(allowed(ranges, name, magnitude, 31, [12]) for name, magnitude in recorded)
        np.testing.assert_array_equal(out.numpy(), replay(img, recorded).numpy())
    assert T.RandAugment(num_ops=0)(img) is img


def test_trivialaugment_applies_one_op_at_any_bin(recorded):
    img = low_contrast()
    ranges = A.augmentation_ranges(0, 0, "trivialaugment")
    names = set()
    for seed in range(40):
        recorded.clear()
        ember.manual_seed(seed)
        out = T.TrivialAugmentWide()(img)
        (name, magnitude), = recorded
        names.add(name)
        assert allowed(ranges, name, magnitude, 31)
        np.testing.assert_array_equal(out.numpy(), replay(img, recorded).numpy())
    assert len(names) > 8


def test_augmix_chains_and_severity(recorded):
    img = low_contrast()
    ranges = A.augmentation_ranges(17, 19, "augmix")
    ember.manual_seed(0)
    out = T.AugMix(severity=2, mixture_width=4, chain_depth=2)(img)
    assert out.dtype == ember.uint8 and out.shape == img.shape and len(recorded) == 8
    assert all(allowed(ranges, name, magnitude, 10, range(2)) for name, magnitude in recorded)
    recorded.clear()
    T.AugMix(all_ops=False)(img)
    assert not {name for name, _ in recorded} & {"Brightness", "Color", "Contrast", "Sharpness"}
    assert 3 <= len(recorded) <= 9
    with pytest.raises(ValueError, match="severity"):
        T.AugMix(severity=11)


def test_augmix_weights_are_convex():
    x = ember.from_numpy(np.random.default_rng(0).random((3, 2, 4, 5)).astype(np.float32))
    same = A.augmix(x, lambda i: x, alpha=1.0, mixture_width=3)
    np.testing.assert_allclose(same.numpy(), x.numpy(), rtol=1e-5)
    kept = A.augmix(x, lambda i: ember.zeros_like(x), alpha=0.5, mixture_width=2).numpy() / x.numpy()
    assert kept.min() >= 0 and kept.max() <= 1 + 1e-6
    np.testing.assert_allclose(kept, kept[:, :1, :1, :1] * np.ones_like(kept), rtol=1e-5)  # one weight per image


@pytest.mark.parametrize("make", [lambda: T.AutoAugment(), lambda: T.RandAugment(), lambda: T.TrivialAugmentWide(),
                                  lambda: T.AugMix(), lambda: v2.AutoAugment(), lambda: v2.RandAugment(),
                                  lambda: v2.TrivialAugmentWide(), lambda: v2.AugMix()])
def test_auto_augment_repeats_under_manual_seed_and_takes_pil(make):
    img = low_contrast()
    outs = []
    for _ in range(2):
        ember.manual_seed(5)
        outs.append(make()(img))
    np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())
    pil = make()(pil_image())
    assert pil.size == (19, 17) and pil.mode == "RGB"
    assert make()(img[0]).shape == (3, 17, 19)


def test_v2_auto_augment_takes_floats_and_samples(recorded):
    img = low_contrast()
    ranges = A.augmentation_ranges(17, 19, "trivialaugment", solarize_top=1.0)
    floats = img.float() / 255
    for seed in range(20):
        recorded.clear()
        ember.manual_seed(seed)
        out, label = v2.TrivialAugmentWide()(tv_tensors.Image(floats), 3)
        assert type(out) is tv_tensors.Image and out.dtype == ember.float32 and label == 3
        (name, magnitude), = recorded
        # Solarize is recorded already scaled (by 1.0 for floats)
        assert allowed(ranges, name, magnitude, 31)
        expected = replay(floats, recorded, functional=v2.functional)
        np.testing.assert_array_equal(out.as_subclass(ember.Tensor).numpy(), expected.numpy())
    with pytest.raises(TypeError, match="single image"):
        v2.RandAugment()(tv_tensors.Image(img), tv_tensors.Image(img))
    with pytest.raises(TypeError, match="no image"):
        v2.AugMix()({"label": 3})
    with pytest.raises(ValueError, match="num_ops"):
        v2.RandAugment(num_ops=-1)


def test_auto_augment_reprs_are_torchvisions():
    assert repr(T.AutoAugment()) == "AutoAugment(policy=AutoAugmentPolicy.IMAGENET, fill=None)"
    assert repr(T.RandAugment()) == ("RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31, "
                                     "interpolation=InterpolationMode.NEAREST, fill=None)")
    assert repr(T.AugMix()) == ("AugMix(severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True, "
                                "interpolation=InterpolationMode.BILINEAR, fill=None)")
    assert repr(v2.AutoAugment(A.AutoAugmentPolicy.CIFAR10, fill=3)) == (
        "AutoAugment(interpolation=nearest, fill=3, policy=AutoAugmentPolicy.CIFAR10)")
    assert repr(v2.TrivialAugmentWide()) == "TrivialAugmentWide(interpolation=nearest, num_magnitude_bins=31)"
    with pytest.raises(ValueError, match="not recognized"):
        T.AutoAugment("imagenet")


# ---- photometric Random* classes -------------------------------------------------------------------
RANDOM_PHOTOMETRIC = [  # (v1 class, v2 class, constructor args, the op it applies, torchvision's v1 repr)
    (T.RandomInvert, v2.RandomInvert, (), "invert", "RandomInvert(p={p})"),
    (T.RandomAutocontrast, v2.RandomAutocontrast, (), "autocontrast", "RandomAutocontrast(p={p})"),
    (T.RandomEqualize, v2.RandomEqualize, (), "equalize", "RandomEqualize(p={p})"),
    (T.RandomPosterize, v2.RandomPosterize, (3,), "posterize", "RandomPosterize(bits=3,p={p})"),
    (T.RandomSolarize, v2.RandomSolarize, (100.0,), "solarize", "RandomSolarize(threshold=100.0,p={p})"),
    (T.RandomAdjustSharpness, v2.RandomAdjustSharpness, (2,), "adjust_sharpness",
     "RandomAdjustSharpness(sharpness_factor=2,p={p})"),
]


@pytest.mark.parametrize("v1_cls, v2_cls, args, op, text", RANDOM_PHOTOMETRIC)
def test_random_photometric_classes(v1_cls, v2_cls, args, op, text):
    img = low_contrast()
    np.testing.assert_array_equal(v1_cls(*args, p=1.0)(img).numpy(), getattr(F, op)(img, *args).numpy())
    assert v1_cls(*args, p=0.0)(img) is img
    out, label = v2_cls(*args, p=1.0)(tv_tensors.Image(img), 7)
    assert type(out) is tv_tensors.Image and label == 7
    np.testing.assert_array_equal(out.as_subclass(ember.Tensor).numpy(), getattr(v2.functional, op)(img, *args).numpy())
    assert repr(v1_cls(*args)) == text.format(p=0.5)
    pil = v1_cls(*args, p=1.0)(pil_image())
    assert pil.size == (19, 17)
    applied = 0
    ember.manual_seed(0)
    for _ in range(200):
        applied += v1_cls(*args, p=0.3)(img) is not img
    assert 30 < applied < 90


# ---- ElasticTransform ------------------------------------------------------------------------------
def test_elastic_transform_class_applies_its_displacement():
    img = low_contrast()
    ember.manual_seed(3)
    out = T.ElasticTransform(alpha=20.0, sigma=1.5)(img)
    ember.manual_seed(3)
    d = T.ElasticTransform.get_params([20.0, 20.0], [1.5, 1.5], [17, 19])
    assert d.shape == (1, 17, 19, 2) and d.dtype == ember.float32
    np.testing.assert_array_equal(out.numpy(), F.elastic_transform(img, d, fill=[0.0]).numpy())
    assert float(d[..., 0].abs().max()) <= 20.0 / 19 and float(d[..., 1].abs().max()) <= 20.0 / 17
    ember.manual_seed(3)
    out2, label = v2.ElasticTransform(alpha=20, sigma=1.5)(tv_tensors.Image(img), 1)
    assert type(out2) is tv_tensors.Image and label == 1
    np.testing.assert_array_equal(out2.as_subclass(ember.Tensor).numpy(), out.numpy())
    still = T.ElasticTransform(alpha=0.0, sigma=1.0, interpolation=NEAREST)
    np.testing.assert_array_equal(still(img).numpy(), img.numpy())
    assert T.ElasticTransform(alpha=3.0, sigma=1.0)(pil_image()).size == (19, 17)


def test_elastic_transform_arguments_and_repr():  # torchvision 0.28.0's checks and reprs
    assert repr(T.ElasticTransform()) == ("ElasticTransform(alpha=[50.0, 50.0], sigma=[5.0, 5.0], "
                                          "interpolation=InterpolationMode.BILINEAR, fill=[0.0])")
    assert repr(v2.ElasticTransform()) == ("ElasticTransform(alpha=[50.0, 50.0], sigma=[5.0, 5.0], "
                                           "interpolation=bilinear, fill=0)")
    with pytest.raises(TypeError, match="alpha should be float"):
        T.ElasticTransform(alpha=5)
    with pytest.raises(ValueError, match="length should be 2"):
        T.ElasticTransform(sigma=[1.0])
    with pytest.raises(TypeError, match="fill should be"):
        T.ElasticTransform(fill="x")
    assert v2.ElasticTransform(alpha=5).alpha == [5.0, 5.0]
    with pytest.raises(ValueError, match="length should be 1 or 2"):
        v2.ElasticTransform(alpha=[1, 2, 3])


# ---- CutMix and MixUp ------------------------------------------------------------------------------
def batch_and_labels():
    x = ember.from_numpy(np.random.default_rng(0).random((4, 3, 8, 10)).astype(np.float32))
    return x, ember.tensor([0, 1, 2, 4])


def one_hot(labels, n=5):
    return np.eye(n, dtype=np.float32)[labels.numpy()]


def test_mixup_with_a_fixed_lam_is_torchvisions_formula(monkeypatch):
    x, y = batch_and_labels()
    mix = v2.MixUp(num_classes=5, alpha=0.7)
    monkeypatch.setattr(mix, "make_params", lambda flat: {"lam": 0.3})
    out, soft = mix(x, y)
    a = x.numpy()
    np.testing.assert_array_equal(out.numpy(), np.roll(a, 1, 0) * np.float32(0.7) + a * np.float32(0.3))
    h = one_hot(y)
    np.testing.assert_array_equal(soft.numpy(), np.roll(h, 1, 0) * np.float32(0.7) + h * np.float32(0.3))
    assert soft.dtype == ember.float32 and soft.shape == (4, 5)


def test_cutmix_with_a_fixed_box_is_torchvisions_formula(monkeypatch):
    x, y = batch_and_labels()
    cut = v2.CutMix(num_classes=5)
    monkeypatch.setattr(cut, "make_params", lambda flat: {"box": (2, 4, 10, 8), "lam": 0.6})
    out, soft = cut(tv_tensors.Image(x), y)
    assert type(out) is tv_tensors.Image
    expected = x.numpy().copy()
    expected[..., 4:8, 2:10] = np.roll(x.numpy(), 1, 0)[..., 4:8, 2:10]
    np.testing.assert_array_equal(out.as_subclass(ember.Tensor).numpy(), expected)
    h = one_hot(y)
    np.testing.assert_allclose(soft.numpy(), np.roll(h, 1, 0) * 0.4 + h * 0.6, rtol=1e-6)


def test_cutmix_box_matches_the_label_weight():
    x, y = batch_and_labels()
    ember.manual_seed(0)
    for _ in range(20):
        out, soft = v2.CutMix(num_classes=5)(x, y)
        changed = (out.numpy() != x.numpy()).any(axis=(0, 1))
        lam = soft.numpy()[1, 1]  # image 1's own class (image 0's is class 0, absent from image 1)
        assert changed.sum() == pytest.approx(80 * (1 - lam))
        np.testing.assert_allclose(soft.numpy().sum(1), 1.0, rtol=1e-6)


def test_mixup_and_cutmix_repeat_under_manual_seed_and_find_labels():
    x, y = batch_and_labels()
    for cls in (v2.MixUp, v2.CutMix):
        ember.manual_seed(1)
        first = cls(num_classes=5)(x, y)
        ember.manual_seed(1)
        second = cls(num_classes=5)(x, y)
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        sample = cls(num_classes=5)({"image": x, "Labels": y})
        assert sample["Labels"].shape == (4, 5)
        got = cls(num_classes=5, labels_getter=lambda s: s[1]["target"])((x, {"target": y}))
        assert got[1]["target"].shape == (4, 5)
        soft = cls(num_classes=None)(x, ember.softmax(ember.randn(4, 3), 1))[1]
        np.testing.assert_allclose(soft.numpy().sum(1), 1.0, rtol=1e-5)


def test_cutmix_or_mixup_recipe():  # torchvision's documented recipe
    x, y = batch_and_labels()
    out, soft = v2.RandomChoice([v2.CutMix(num_classes=5), v2.MixUp(num_classes=5)])(x, y)
    assert out.shape == (4, 3, 8, 10) and soft.shape == (4, 5)
    np.testing.assert_allclose(soft.sum(1).numpy(), 1.0, rtol=1e-6)
    assert repr(v2.CutMix(num_classes=5)) == "CutMix(alpha=1.0, num_classes=5)"


def test_mixup_errors_are_torchvisions():  # torchvision 0.28's exception types and messages
    x, y = batch_and_labels()
    cases = [(lambda: v2.MixUp()(x, y), "num_classes must be passed"),
             (lambda: v2.MixUp(num_classes=5)(x[0], y), "Expected a batched input with 4 dims"),
             (lambda: v2.CutMix(num_classes=5)(x, y[:3]), "does not match the batch size"),
             (lambda: v2.MixUp(num_classes=3)(x, ember.rand(4, 5)), "must match num_classes"),
             (lambda: v2.MixUp(num_classes=5)(x, [0, 1, 2, 3]), "must be a dictionary or a two-tuple"),
             (lambda: v2.MixUp(num_classes=5, labels_getter=lambda s: [0, 1])(x, y), "labels must be a tensor"),
             (lambda: v2.MixUp(labels_getter="x"), "labels_getter should either be"),
             (lambda: v2.MixUp(num_classes=5)({"image": x}), "Could not infer where the labels are"),
             (lambda: v2.CutMix(num_classes=5)(pil_image(), y), "does not support PIL images")]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


# ---- ColorJitter.get_params ------------------------------------------------------------------------
def test_color_jitter_get_params_returns_the_order_as_a_tensor():
    order, b, c, s, h = T.ColorJitter.get_params((0.8, 1.2), None, None, None)
    assert isinstance(order, ember.Tensor) and order.dtype == ember.int64 and sorted(order.tolist()) == [0, 1, 2, 3]
    assert 0.8 <= b <= 1.2 and c is None and s is None and h is None
    img = low_contrast()
    assert T.ColorJitter(0.5, 0.5, 0.5, 0.1)(img).shape == img.shape
    assert v2.ColorJitter(0.5, 0.5, 0.5, 0.1)(img).shape == img.shape


# ---- ember run -------------------------------------------------------------------------------------
def test_augmentation_recipe_runs_through_ember_run(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import torch
        import torchvision.transforms as T
        from PIL import Image
        from torchvision.transforms import v2

        img = Image.fromarray((np.arange(16 * 16 * 3) % 256).astype(np.uint8).reshape(16, 16, 3))
        train_tf = T.Compose([T.RandomResizedCrop(8), T.TrivialAugmentWide(), T.ToTensor()])
        x = torch.stack([train_tf(img) for _ in range(4)])
        x, y = v2.RandomChoice([v2.CutMix(num_classes=5), v2.MixUp(num_classes=5)])(x, torch.tensor([0, 1, 2, 3]))
        print(tuple(x.shape), tuple(y.shape), round(float(y.sum()), 4))
    """))
    result = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], check=False, capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(4, 3, 8, 8) (4, 5) 4.0"


# ---- direct comparison with torchvision, where it is importable ------------------------------------
@pytest.fixture(scope="module")
def tv():
    """torchvision (with torch), or a skip: it is not a dependency of ember's tests."""
    try:
        import torch
        import torchvision.transforms as tv_transforms
        import torchvision.transforms.v2 as tv_v2
    except Exception as error:  # ImportError, or a C extension that does not load against this torch
        pytest.skip(f"torchvision is not importable: {error}")
    return torch, tv_transforms, tv_v2


def as_numpy(x) -> np.ndarray:
    if isinstance(x, ember.Tensor):
        return x.as_subclass(ember.Tensor).numpy()
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def test_spaces_and_policies_equal_torchvisions(tv):
    torch, tvt, tv2 = tv
    v1 = {"autoaugment": tvt.AutoAugment(), "randaugment": tvt.RandAugment(), "augmix": tvt.AugMix(),
          "trivialaugment": tvt.TrivialAugmentWide()}
    for kind, transform in v1.items():
        for num_bins, (h, w) in [(10, (37, 29)), (31, (17, 19))]:
            args = (num_bins,) if kind == "trivialaugment" else (num_bins, (h, w))
            space, ranges = transform._augmentation_space(*args), A.augmentation_ranges(h, w, kind)
            assert list(space) == list(ranges)
            for name, (mags, signed) in space.items():
                assert A.magnitude_bins(name, ranges[name], num_bins) == (mags.tolist() if mags.ndim else None)
                assert signed == (name in A._SIGNED)
            v2_space = getattr(tv2, type(transform).__name__)()._AUGMENTATION_SPACE
            ranges = A.augmentation_ranges(h, w, kind, solarize_top=1.0)
            assert list(v2_space) == list(ranges)
            for name, (fn, _) in v2_space.items():
                mags = fn(num_bins, h, w)
                assert A.magnitude_bins(name, ranges[name], num_bins) == (None if mags is None else mags.tolist())
    for policy in A.AutoAugmentPolicy:
        theirs = tvt.AutoAugment(tvt.AutoAugmentPolicy(policy.value)).policies
        assert [tuple(map(tuple, sub)) for sub in theirs] == [tuple(map(tuple, sub)) for sub in A.policy_steps(policy)]


@pytest.mark.parametrize("name", list(A.augmentation_ranges(0, 0, "autoaugment")) + ["Identity"])
def test_each_operation_equals_torchvisions(tv, name):
    torch, tvt, tv2 = tv
    from torchvision.transforms import autoaugment as tv_autoaugment
    img = low_contrast()
    ranges = A.augmentation_ranges(17, 19, "trivialaugment")
    bins = A.magnitude_bins(name, ranges.get(name), 31)
    magnitudes = [0.0] if bins is None else [float(bins[7]), float(bins[19])]
    for magnitude in magnitudes + ([-m for m in magnitudes] if name in A._SIGNED else []):
        for mode in ("nearest", "bilinear"):
            fill = [5.0, 6.0, 7.0] if mode == "bilinear" else None
            mode_ = tvt.InterpolationMode(mode)
            theirs = tv_autoaugment._apply_op(torch.from_numpy(img.numpy()), name, magnitude, mode_, fill)
            ours = A.apply_op(img, name, magnitude, F.InterpolationMode(mode), fill)
            # bilinear sampling of integer images may round a sample on a .5 boundary the other way (one level)
            level = 1 if mode == "bilinear" else 0
            np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), rtol=0, atol=level)
            pil_fill = None if fill is None else [5, 6, 7]
            theirs = tv_autoaugment._apply_op(pil_image(), name, magnitude, tvt.InterpolationMode(mode), pil_fill)
            np.testing.assert_array_equal(np.asarray(A.apply_op(pil_image(), name, magnitude, F.InterpolationMode(mode),
                                                                pil_fill)), np.asarray(theirs))
            v2_magnitude = magnitude / 255 if name == "Solarize" else magnitude
            their_v2 = tv2.AutoAugment(interpolation=tvt.InterpolationMode(mode), fill=fill)
            our_v2 = v2.AutoAugment(interpolation=mode, fill=fill)
            for x, atol in ((img, level), (img.float() / 255, 2e-6)):
                theirs = their_v2._apply_image_or_video_transform(torch.from_numpy(x.numpy()), name, v2_magnitude,
                                                                  tvt.InterpolationMode(mode), their_v2._fill)
                np.testing.assert_allclose(as_numpy(our_v2.apply(x, name, v2_magnitude)), as_numpy(theirs), rtol=0,
                                           atol=atol)


def test_reprs_equal_torchvisions(tv):
    torch, tvt, tv2 = tv
    cases = ["AutoAugment()", "RandAugment()", "TrivialAugmentWide()", "AugMix()", "ElasticTransform()",
             "RandomInvert()", "RandomPosterize(3)", "RandomSolarize(100.0)", "RandomAdjustSharpness(2)",
             "RandomAutocontrast()", "RandomEqualize(0.3)"]
    for case in cases:
        assert repr(eval("T." + case)) == repr(eval("tvt." + case)), case
        assert repr(eval("v2." + case)) == repr(eval("tv2." + case)), case
    for case in ["CutMix(num_classes=5)", "MixUp(alpha=0.5, num_classes=5)"]:
        assert repr(eval("v2." + case)) == repr(eval("tv2." + case)), case
