"""VGG 11 and 16, with and without batch norm, with torchvision's architecture and state_dict keys."""
from enum import Enum
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
from ._weights import checkpoint_for, load_checkpoint

__all__ = ["VGG", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn"]

# Output channels of each 3x3 convolution; "M" is a 2x2 max pool.
CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
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


def _vgg(arch: str, cfg: str, batch_norm: bool, weights: str | Enum | None, kwargs: dict) -> VGG:
    path = checkpoint_for(arch, weights, kwargs)
    if path is not None:
        kwargs["init_weights"] = False
    return load_checkpoint(VGG(make_layers(CFGS[cfg], batch_norm), **kwargs), path)


def vgg11(*, weights: str | Enum | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 11 (configuration "A"); `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg("vgg11", "A", False, weights, kwargs)


def vgg11_bn(*, weights: str | Enum | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 11 with batch norm; `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg("vgg11_bn", "A", True, weights, kwargs)


def vgg16(*, weights: str | Enum | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 16 (configuration "D"); `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg("vgg16", "D", False, weights, kwargs)


def vgg16_bn(*, weights: str | Enum | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG 16 with batch norm; `weights` loads torchvision's checkpoint (`progress` is unused: no download)."""
    return _vgg("vgg16_bn", "D", True, weights, kwargs)
