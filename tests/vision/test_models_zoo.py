"""vision.models' deeper ResNets, ResNeXts, Wide ResNets and VGG 13/19: torchvision's parameter counts and
state_dict keys (so its checkpoints load), fixed builder arguments, and a grouped bottleneck against torch.nn."""
import hashlib

import numpy as np
import pytest

import ember
from ember.vision import models

# From torchvision 0.28: (parameter count, number of state_dict entries, first 16 hex digits of the sha256 of
# "key (shape)" lines of its state_dict in order).
TORCHVISION = {
    "resnet101": (44549160, 626, "02c0f34f4842751f"),
    "resnet152": (60192808, 932, "685c66205bc823aa"),
    "resnext50_32x4d": (25028904, 320, "e3bad165c034e60f"),
    "resnext101_32x8d": (88791336, 626, "da7dd7525807e2ee"),
    "resnext101_64x4d": (83455272, 626, "90caac80ae24c51d"),
    "wide_resnet50_2": (68883240, 320, "41203d1d536c02ed"),
    "wide_resnet101_2": (126886696, 626, "4f088c0a152b8f5c"),
    "vgg13": (133047848, 26, "67c1dc8b57fde74b"),
    "vgg13_bn": (133053736, 76, "f6b0597d18a7e4d2"),
    "vgg19": (143667240, 38, "4723255af8f6c485"),
    "vgg19_bn": (143678248, 118, "fc3ff6fab2b5cc09"),
}


def _digest(state: dict) -> str:
    lines = "\n".join(f"{k} {tuple(v.shape)}" for k, v in state.items())
    return hashlib.sha256(lines.encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", list(TORCHVISION))
def test_architecture_matches_torchvision(name):
    # VGG's initialisation (tested on vgg11/16 in test_models.py) is skipped: it is most of the time here
    model = getattr(models, name)(**({"init_weights": False} if name.startswith("vgg") else {}))
    count, entries, digest = TORCHVISION[name]
    assert sum(p.numel() for p in model.parameters()) == count
    state = model.state_dict()
    assert (len(state), _digest(state)) == (entries, digest)
    assert models.get_model_weights(name).DEFAULT.meta["num_params"] == count


def test_resnext_forward_and_grouped_block_against_torch():
    """resnext50_32x4d runs on a small image; its first bottleneck (32 groups of width 4) equals the same
    computation in torch with the same weights."""
    torch = pytest.importorskip("torch")
    model = models.resnext50_32x4d(num_classes=10).eval()
    block = model.layer1[0]
    assert block.conv2.groups == 32 and block.conv2.out_channels == 128
    x = np.random.default_rng(0).standard_normal((1, 64, 8, 8)).astype(np.float32)
    with ember.no_grad():
        assert model(ember.randn(1, 3, 32, 32)).shape == (1, 10)
        out = block(ember.from_numpy(x)).numpy()
    w = {k: torch.from_numpy(v.numpy().copy()) for k, v in block.state_dict().items()}
    F = torch.nn.functional

    def bn(t, name):
        return F.batch_norm(t, w[f"{name}.running_mean"], w[f"{name}.running_var"], w[f"{name}.weight"],
                            w[f"{name}.bias"])

    t = torch.from_numpy(x)
    y = F.relu(bn(F.conv2d(t, w["conv1.weight"]), "bn1"))
    y = F.relu(bn(F.conv2d(y, w["conv2.weight"], padding=1, groups=32), "bn2"))
    y = bn(F.conv2d(y, w["conv3.weight"]), "bn3")
    expected = F.relu(y + bn(F.conv2d(t, w["downsample.0.weight"]), "downsample.1")).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_builder_fixed_arguments():
    with pytest.raises(ValueError, match="The parameter 'groups' expected value 32 but got 16 instead."):
        models.resnext50_32x4d(groups=16)
    with pytest.raises(ValueError, match="'width_per_group' expected value 128 but got 64"):
        models.wide_resnet50_2(width_per_group=64)
    assert models.resnet152(num_classes=3).fc.out_features == 3
