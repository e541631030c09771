"""VGG 11, 13, 16 and 19, with and without batch norm, with torchvision's architecture, state_dict keys and weights
enums."""
from typing import Any

from ... import Tensor, flatten
from ...nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    init,
)
from ._api import WeightsEnum, register_model
from ._meta import imagenet_weights
from ._weights import load_weights, weights_for

__all__ = ["VGG", "VGG11_BN_Weights", "VGG11_Weights", "VGG13_BN_Weights", "VGG13_Weights", "VGG16_BN_Weights",
           "VGG16_Weights", "VGG19_BN_Weights", "VGG19_Weights", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"]

# Output channels of each 3x3 convolution; "M" is a 2x2 max pool.
CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG(Module):
    """VGG: the convolutional `features`, 7x7 adaptive average pooling, and three linear layers."""

    def __init__(self, features: Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(512 * 7 * 7, 4096), ReLU(True), Dropout(p=dropout),
            Linear(4096, 4096), ReLU(True), Dropout(p=dropout),
            Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.constant_(m.bias, 0)
                elif isinstance(m, BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        """Class scores of shape (N, num_classes) for images of shape (N, 3, H, W), H and W at least 32."""
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


def make_layers(cfg: list[int | str], batch_norm: bool = False) -> Sequential:
    """VGG's `features`: a 3x3 convolution (+ BatchNorm2d) + ReLU per number in `cfg`, a max pool per "M"."""
    layers: list[Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(BatchNorm2d(v))
        layers.append(ReLU(inplace=True))
        in_channels = v
    return Sequential(*layers)


RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg"


def _vgg_weights(filename: str, num_params: int, acc1: float, acc5: float, ops: float, file_size: float):
    """The Weights of one of torchvision's VGG ImageNet checkpoints."""
    return imagenet_weights(filename, num_params=num_params, acc1=acc1, acc5=acc5, ops=ops, file_size=file_size,
                            recipe=RECIPE, min_size=(32, 32))


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg11-8a719046.pth", 132863336, 69.02, 88.628, 7.609, 506.84)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg11_bn-6002323d.pth", 132868840, 70.37, 89.81, 7.609, 506.881)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg13-19584684.pth", 133047848, 69.928, 89.246, 11.308, 507.545)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg13_bn-abd245e5.pth", 133053736, 71.586, 90.374, 11.308, 507.59)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg16-397923af.pth", 138357544, 71.592, 90.382, 15.47, 527.796)
    # the features of the SSD port: the classifier is not trained, inputs are scaled to [0, 255] around the mean
    IMAGENET1K_FEATURES = imagenet_weights(
        "vgg16_features-amdegroot-88682ab5.pth", num_params=138357544, acc1=float("nan"), acc5=float("nan"),
        ops=15.47, file_size=527.802, recipe="https://github.com/amdegroot/ssd.pytorch#training-ssd",
        min_size=(32, 32), categories=None, mean=(0.48235, 0.45882, 0.40784), std=(1 / 255, 1 / 255, 1 / 255))
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg16_bn-6c64b313.pth", 138365992, 73.36, 91.516, 15.47, 527.866)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg19-dcbb9e9d.pth", 143667240, 72.376, 90.876, 19.632, 548.051)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _vgg_weights("vgg19_bn-c79401a0.pth", 143678248, 74.218, 91.842, 19.632, 548.143)
    DEFAULT = IMAGENET1K_V1


def _vgg(enum: type[WeightsEnum], cfg: str, batch_norm: bool, weights: Any, kwargs: dict) -> VGG:
    weights = weights_for(enum, weights, kwargs)
    if weights is not None:
        kwargs["init_weights"] = False
    return load_weights(VGG(make_layers(CFGS[cfg], batch_norm), **kwargs), weights)


@register_model()
def vgg11(*, weights: VGG11_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 11 (configuration "A"); `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG11_Weights, "A", False, weights, kwargs)


@register_model()
def vgg11_bn(*, weights: VGG11_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 11 with batch norm; `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG11_BN_Weights, "A", True, weights, kwargs)


@register_model()
def vgg13(*, weights: VGG13_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 13 (configuration "B"); `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG13_Weights, "B", False, weights, kwargs)


@register_model()
def vgg13_bn(*, weights: VGG13_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 13 with batch norm; `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG13_BN_Weights, "B", True, weights, kwargs)


@register_model()
def vgg16(*, weights: VGG16_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 16 (configuration "D"); `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG16_Weights, "D", False, weights, kwargs)


@register_model()
def vgg16_bn(*, weights: VGG16_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 16 with batch norm; `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG16_BN_Weights, "D", True, weights, kwargs)


@register_model()
def vgg19(*, weights: VGG19_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 19 (configuration "E"); `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG19_Weights, "E", False, weights, kwargs)


@register_model()
def vgg19_bn(*, weights: VGG19_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 19 with batch norm; `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg(VGG19_BN_Weights, "E", True, weights, kwargs)
