"""vision.models: torchvision's parameter counts, state_dict keys, printed form and outputs (against torch.nn
copies in torch_models.py), initialisation statistics, and checkpoints read from PyTorch's hub cache."""
import math
import os
from enum import Enum

import numpy as np
import pytest

import ember
from ember.vision import models

# torchvision's published parameter counts
NUM_PARAMS = {
    "alexnet": 61_100_840,
    "vgg11": 132_863_336,
    "vgg11_bn": 132_868_840,
    "vgg16": 138_357_544,
    "vgg16_bn": 138_365_992,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "mobilenet_v2": 3_504_872,
    "squeezenet1_0": 1_248_424,
    "squeezenet1_1": 1_235_496,
}


def torch_models():
    """The torch.nn copies of torchvision's models (skips the test where PyTorch is absent)."""
    pytest.importorskip("torch")
    import torch_models as module
    return module


@pytest.fixture(scope="module", params=list(NUM_PARAMS))
def built(request):
    """(name, ember model) with its default initialisation, built once per architecture: VGG has 138M
    parameters."""
    return request.param, getattr(models, request.param)()


def test_parameter_count(built):
    name, model = built
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS[name]


def test_matches_torchvision(built):
    """Keys, shapes, order and printed form equal the torch copy's; with the same weights and random
    batch-norm statistics, eval-mode outputs agree."""
    name, model = built
    tm = torch_models()
    import torch
    with torch.device("meta"):
        reference = tm.build(name)
    reference = reference.to_empty(device="cpu")
    assert sum(p.numel() for p in reference.parameters()) == NUM_PARAMS[name]
    assert [(k, tuple(v.shape)) for k, v in model.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in reference.state_dict().items()]
    assert repr(model) == repr(reference)
    if name in ("vgg11", "vgg16_bn"):
        return  # their forward is vgg11_bn's and vgg16's with the other batch_norm flag: 138M weights to copy

    rng = np.random.default_rng(0)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    for k, v in state.items():
        if k.endswith("running_mean"):
            state[k] = rng.normal(0, 0.1, v.shape).astype(np.float32)
        elif k.endswith("running_var"):
            state[k] = rng.uniform(0.5, 2.0, v.shape).astype(np.float32)
    model.load_state_dict({k: ember.from_numpy(v) for k, v in state.items()})
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})

    size = 64 if name == "alexnet" else 32
    x = rng.standard_normal((2, 3, size, size)).astype(np.float32)
    with ember.no_grad(), torch.no_grad():
        out = model.eval()(ember.from_numpy(x)).numpy()
        expected = reference.eval()(torch.from_numpy(x)).numpy()
    assert out.shape == expected.shape == (2, 1000)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def _conv_and_linear(model):
    return [m for m in model.modules() if isinstance(m, (ember.nn.Conv2d, ember.nn.Linear))]


def test_initialisation(built):
    """The initialisation torchvision gives each architecture."""
    name, model = built
    layers = _conv_and_linear(model)
    for m in layers:
        w = m.weight.detach().numpy()
        fan_in = w[0].size
        fan_out = w.shape[0] * w[0, 0].size
        w = w.ravel()[:1_000_000]
        if name == "alexnet":
            expected_std, bias = 1 / math.sqrt(3 * fan_in), None  # nn's default kaiming_uniform_(a=sqrt(5))
        elif name.startswith("squeezenet"):
            final = m is layers[-1]
            expected_std, bias = (0.01 if final else math.sqrt(2 / fan_in)), 0  # kaiming_uniform_ else
        elif isinstance(m, ember.nn.Conv2d):
            expected_std, bias = math.sqrt(2 / fan_out), 0
        elif name.startswith("resnet"):
            expected_std, bias = 1 / math.sqrt(3 * fan_in), None  # fc keeps nn's default
        else:
            expected_std, bias = 0.01, 0
        assert abs(w.std() / expected_std - 1) < (0.2 if w.size < 1000 else 0.05), f"{name} {m}"
        if bias is not None and m.bias is not None:
            assert not m.bias.detach().numpy().any(), f"{name} {m} bias"
    for m in model.modules():
        if isinstance(m, ember.nn.BatchNorm2d):
            assert (m.weight.detach().numpy() == 1).all() and not m.bias.detach().numpy().any()


def test_zero_init_residual():
    model = models.resnet18(zero_init_residual=True)
    assert not model.layer1[0].bn2.weight.detach().numpy().any()
    assert (model.layer1[0].bn1.weight.detach().numpy() == 1).all()


def test_train_step_gradients_resnet18():
    """Train mode on torch's weights: same loss, parameter gradients and running statistics. In float64:
    batch norm over 2x2 maps of a batch of 2 makes float32 gradients differ by 1% between any two
    implementations."""
    tm = torch_models()
    import torch
    torch.manual_seed(0)
    reference = tm.build("resnet18", num_classes=10).double()
    model = models.resnet18(num_classes=10)
    model.load_state_dict({k: ember.tensor(v.numpy()) for k, v in reference.state_dict().items()})
    model.double()
    x = np.random.default_rng(1).standard_normal((2, 3, 48, 48))
    target = np.array([3, 7])
    loss = ember.nn.functional.cross_entropy(model(ember.tensor(x)), ember.tensor(target))
    t_loss = torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(target))
    loss.backward()
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    for key, p in reference.named_parameters():
        np.testing.assert_allclose(model.get_parameter(key).grad.numpy(), p.grad.numpy(), rtol=1e-9,
                                   atol=1e-12 * np.abs(p.grad.numpy()).max(), err_msg=key)
    for key, b in reference.named_buffers():
        np.testing.assert_allclose(model.get_buffer(key).numpy(), b.numpy(), rtol=1e-10, atol=1e-14, err_msg=key)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty checkpoint folder under a temporary $TORCH_HOME."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize("builder, weights, filename", [
    ("resnet18", "DEFAULT", "resnet18-f37072fd.pth"),
    ("resnet50", "IMAGENET1K_V1", "resnet50-0676ba61.pth"),
    ("resnet50", "ResNet50_Weights.DEFAULT", "resnet50-11ad3fa6.pth"),
    ("mobilenet_v2", "IMAGENET1K_V2", "mobilenet_v2-7ebf99e0.pth"),
    ("vgg16_bn", "DEFAULT", "vgg16_bn-6c64b313.pth"),
    ("alexnet", "IMAGENET1K_V1", "alexnet-owt-7be5be79.pth"),
    ("squeezenet1_1", "DEFAULT", "squeezenet1_1-b8a52dc0.pth"),
])
def test_missing_checkpoint_names_file_and_folder(hub, builder, weights, filename):
    with pytest.raises(RuntimeError) as info:
        getattr(models, builder)(weights=weights)
    assert filename in str(info.value) and str(hub) in str(info.value)
    assert "download.pytorch.org/models/" + filename in str(info.value)


def test_checkpoint_folder_defaults_to_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match="resnet34-b627a593.pth"):
        models.resnet34(weights="DEFAULT")
    monkeypatch.delenv("XDG_CACHE_HOME")
    folder = os.path.join(os.path.expanduser("~"), ".cache", "torch", "hub", "checkpoints")
    assert models._weights.checkpoint_dir() == folder


def test_legacy_pretrained_and_bad_weights(hub):
    with pytest.warns(UserWarning, match="pretrained"), pytest.raises(RuntimeError, match="resnet50-0676ba61.pth"):
        models.resnet50(pretrained=True)
    with pytest.warns(UserWarning, match="pretrained"):
        assert isinstance(models.squeezenet1_1(pretrained=False), models.SqueezeNet)
    with pytest.raises(KeyError, match="IMAGENET1K_V3"):
        models.resnet18(weights="IMAGENET1K_V3")
    with pytest.raises(ValueError, match="'num_classes' expected value 1000 but got 10"):
        models.resnet18(weights="DEFAULT", num_classes=10)
    with pytest.raises(TypeError):
        models.resnet18(weights=1)


def test_checkpoint_saved_by_torch_loads(hub):
    """A torchvision checkpoint (torch.save of the state_dict, batch-norm buffers included) in the hub folder is
    loaded by the builder, by weights name or enum member."""
    tm = torch_models()
    import torch
    torch.manual_seed(0)
    reference = tm.build("mobilenet_v2").eval()
    with torch.no_grad():
        for name, b in reference.named_buffers():
            if name.endswith("running_mean"):
                b.normal_(0, 0.1)
            elif name.endswith("running_var"):
                b.uniform_(0.5, 2.0)
    torch.save(reference.state_dict(), hub / "mobilenet_v2-7ebf99e0.pth")

    class MobileNet_V2_Weights(Enum):
        IMAGENET1K_V2 = "v2"

    x = np.random.default_rng(2).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    for weights in ["DEFAULT", MobileNet_V2_Weights.IMAGENET1K_V2, models.MobileNet_V2_Weights.DEFAULT]:
        model = models.mobilenet_v2(weights=weights).eval()
        with ember.no_grad():
            out = model(ember.from_numpy(x)).numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_weights_enums_name_torchvisions_checkpoints(hub):
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert models.ResNet18_Weights.DEFAULT.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert [w.name for w in models.MobileNet_V2_Weights] == ["IMAGENET1K_V1", "IMAGENET1K_V2"]
    with pytest.raises(RuntimeError, match="vgg16-397923af.pth"):
        models.vgg16(weights=models.VGG16_Weights.IMAGENET1K_V1)
    with pytest.raises(RuntimeError, match="squeezenet1_0-b66bff10.pth"):
        models.squeezenet1_0(weights=models.SqueezeNet1_0_Weights.DEFAULT)


def test_other_arguments():
    model = models.mobilenet_v2(num_classes=10, width_mult=0.5, dropout=0.0)
    assert model.features[0][0].out_channels == 16 and model.last_channel == 1280
    assert model(ember.randn(2, 3, 32, 32)).shape == (2, 10)
    assert models.squeezenet1_1(num_classes=5)(ember.randn(1, 3, 32, 32)).shape == (1, 5)
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version"):
        models.SqueezeNet("2_0")


def test_namespace():
    import ember.vision
    assert ember.vision.models.resnet18 is models.resnet18
    assert set(models.__all__) >= {"AlexNet", "VGG", "ResNet", "BasicBlock", "Bottleneck", "MobileNetV2",
                                   "SqueezeNet", "Fire"}
