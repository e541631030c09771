"""vision.models' registry (list_models, get_model, get_model_builder, get_model_weights, get_weight) and weights
enums (url, meta, the ImageClassification preset, get_state_dict from the hub cache), against torchvision 0.28's
answers recorded here."""
import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import models
from ember.vision.models._presets import ImageClassification

BUILDERS = ["alexnet", "mobilenet_v2", "resnet101", "resnet152", "resnet18", "resnet34", "resnet50",
            "resnext101_32x8d", "resnext101_64x4d", "resnext50_32x4d", "squeezenet1_0", "squeezenet1_1", "vgg11",
            "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "wide_resnet101_2",
            "wide_resnet50_2"]


def test_list_models():
    assert models.list_models() == BUILDERS
    assert models.list_models(module=models) == BUILDERS
    assert models.list_models(module=ember.vision) == []
    # torchvision gives the same for these patterns
    assert models.list_models(include="resnet*", exclude=["*50*"]) == ["resnet101", "resnet152", "resnet18",
                                                                       "resnet34"]
    assert models.list_models(include=["vgg1?", "alex*"], exclude="vgg16") == ["alexnet", "vgg11", "vgg13",
                                                                                "vgg19"]


def test_get_model_and_builder():
    model = models.get_model("resnet18", num_classes=10)
    assert isinstance(model, models.ResNet) and model.fc.out_features == 10
    assert models.get_model_builder("ResNeXt50_32x4d") is models.resnext50_32x4d
    with pytest.raises(ValueError, match="Unknown model mobilenet_v3_small"):
        models.get_model("mobilenet_v3_small")


def test_get_model_weights_and_get_weight():
    assert models.get_model_weights("resnet50") is models.ResNet50_Weights
    assert models.get_model_weights(models.vgg13_bn) is models.VGG13_BN_Weights
    with pytest.raises(ValueError, match="missing the 'weights' argument"):
        models.get_model_weights(lambda: None)
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V1") is models.ResNet50_Weights.IMAGENET1K_V1
    assert models.get_weight("Wide_ResNet50_2_Weights.DEFAULT") is models.Wide_ResNet50_2_Weights.IMAGENET1K_V2
    with pytest.raises(ValueError, match="Invalid weight name provided: 'ResNet50_Weights'"):
        models.get_weight("ResNet50_Weights")
    with pytest.raises(ValueError, match="'ConvNeXt_Tiny_Weights'"):
        models.get_weight("ConvNeXt_Tiny_Weights.DEFAULT")
    with pytest.raises(KeyError):
        models.get_weight("ResNet50_Weights.IMAGENET1K_V9")


def test_every_builder_has_its_weights_enum():
    for name in BUILDERS:
        enum = models.get_model_weights(name)
        assert issubclass(enum, models.WeightsEnum)
        for member in enum:
            assert isinstance(member.value, models.Weights)
            assert member.url.startswith("https://download.pytorch.org/models/") and member.url.endswith(".pth")


def test_weights_fields():
    """url, repr, meta and verify as torchvision has them."""
    w = models.ResNet101_Weights.DEFAULT
    assert repr(w) == "ResNet101_Weights.IMAGENET1K_V2"
    assert w.url == "https://download.pytorch.org/models/resnet101-cd907fc2.pth"
    meta = w.meta
    assert len(meta["categories"]) == 1000
    assert meta["categories"][:3] == ["tench", "goldfish", "great white shark"]
    assert meta["categories"][-1] == "toilet tissue"
    assert meta["num_params"] == 44549160 and meta["min_size"] == (1, 1)
    assert meta["_metrics"] == {"ImageNet-1K": {"acc@1": 81.886, "acc@5": 95.78}}
    assert (meta["_ops"], meta["_file_size"]) == (7.801, 170.53)
    assert meta["recipe"] == "https://github.com/pytorch/vision/issues/3995#new-recipe"
    assert models.SqueezeNet1_1_Weights.DEFAULT.meta["min_size"] == (17, 17)
    features = models.VGG16_Weights.IMAGENET1K_FEATURES
    assert features.meta["categories"] is None and np.isnan(features.meta["_metrics"]["ImageNet-1K"]["acc@1"])
    assert models.ResNet50_Weights.verify("ResNet50_Weights.IMAGENET1K_V1") is models.ResNet50_Weights.IMAGENET1K_V1
    assert models.ResNet50_Weights.verify(None) is None
    with pytest.raises(TypeError, match="expected ResNet50_Weights but received ResNet18_Weights"):
        models.ResNet50_Weights.verify(models.ResNet18_Weights.DEFAULT)


def test_transforms_preset():
    """The preset's repr and values are torchvision's (values recorded from torchvision 0.28)."""
    preset = models.ResNet50_Weights.IMAGENET1K_V2.transforms()
    assert repr(preset) == ("ImageClassification(\n    crop_size=[224]\n    resize_size=[232]\n"
                            "    mean=[0.485, 0.456, 0.406]\n    std=[0.229, 0.224, 0.225]\n"
                            "    interpolation=InterpolationMode.BILINEAR\n)")
    assert "resized to ``resize_size=[232]``" in preset.describe()
    assert models.ResNet18_Weights.DEFAULT.transforms().resize_size == [256]
    features = models.VGG16_Weights.IMAGENET1K_FEATURES.transforms()
    assert features.mean == [0.48235, 0.45882, 0.40784] and features.std == [1 / 255] * 3

    small = ImageClassification(crop_size=4, resize_size=6)
    x = (ember.arange(2 * 3 * 8 * 10) % 251).to(ember.uint8).reshape(2, 3, 8, 10)
    out = small(x)
    assert out.shape == (2, 3, 4, 4) and out.dtype == ember.float32
    np.testing.assert_allclose(out[1, 2, 0].numpy(), [1.1062311, 1.1236603, 1.1585187, 1.1759479], rtol=1e-5)
    np.testing.assert_allclose(out[1, 2, :, 3].numpy(), [1.1759479, 1.4199566, 1.6465361, 1.8731157], rtol=1e-5)
    image = Image.fromarray(x[0].permute(1, 2, 0).numpy())
    np.testing.assert_allclose(small(image)[0, 0].numpy(), [-1.8096584, -1.7754089, -1.7582842, -1.7411594],
                               rtol=1e-5)


def test_get_state_dict_reads_the_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    hub = tmp_path / "hub" / "checkpoints"
    hub.mkdir(parents=True)
    w = models.ResNeXt101_64X4D_Weights.DEFAULT
    with pytest.raises(RuntimeError, match="resnext101_64x4d-173b62eb.pth") as info:
        w.get_state_dict(progress=False)
    assert str(hub) in str(info.value) and w.url in str(info.value)
    ember.save({"a": ember.ones(2)}, hub / "resnext101_64x4d-173b62eb.pth")
    assert w.get_state_dict()["a"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="vgg16_features-amdegroot-88682ab5.pth"):
        models.vgg16(weights="IMAGENET1K_FEATURES", num_classes=10)  # no categories: num_classes is free
    with pytest.raises(RuntimeError, match="wide_resnet50_2-9ba9bcbe.pth"):
        models.get_model("wide_resnet50_2", weights="DEFAULT")


def test_weights_enums_live_in_their_model_modules():
    from ember.vision.models.resnet import ResNet50_Weights
    from ember.vision.models.vgg import VGG19_BN_Weights
    assert ResNet50_Weights is models.ResNet50_Weights and VGG19_BN_Weights is models.VGG19_BN_Weights
