"""SqueezeNet 1.0 and 1.1 with torchvision's architecture and state_dict keys."""
from typing import Any

from ... import Tensor, cat, flatten
from ...nn import (
    AdaptiveAvgPool2d,
    Conv2d,
    Dropout,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    init,
)
from ._api import WeightsEnum, register_model
from ._meta import imagenet_weights
from ._weights import load_weights, weights_for

__all__ = ["Fire", "SqueezeNet", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights", "squeezenet1_0", "squeezenet1_1"]


class Fire(Module):
    """A 1x1 squeeze convolution, then 1x1 and 3x3 expand convolutions whose outputs are concatenated."""

    def __init__(self, inplanes: int, squeeze_planes: int, expand1x1_planes: int, expand3x3_planes: int) -> None:
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = ReLU(inplace=True)
        self.expand1x1 = Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = ReLU(inplace=True)
        self.expand3x3 = Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        """The expand outputs concatenated along channels."""
        x = self.squeeze_activation(self.squeeze(x))
        return cat([self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(Module):
    """SqueezeNet `version` "1_0" or "1_1": Fire modules, then a 1x1 convolution to classes and global pooling."""

    def __init__(self, version: str = "1_0", num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.num_classes = num_classes
        if version == "1_0":
            self.features = Sequential(
                Conv2d(3, 96, kernel_size=7, stride=2), ReLU(inplace=True),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(512, 64, 256, 256),
            )
        elif version == "1_1":
            self.features = Sequential(
                Conv2d(3, 64, kernel_size=3, stride=2), ReLU(inplace=True),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(64, 16, 64, 64), Fire(128, 16, 64, 64),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(128, 32, 128, 128), Fire(256, 32, 128, 128),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 256, 256),
            )
        else:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        final_conv = Conv2d(512, self.num_classes, kernel_size=1)
        self.classifier = Sequential(Dropout(p=dropout), final_conv, ReLU(inplace=True), AdaptiveAvgPool2d((1, 1)))

        for m in self.modules():
            if isinstance(m, Conv2d):
                if m is final_conv:
                    init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        """Class scores of shape (N, num_classes) for images of shape (N, 3, H, W)."""
        return flatten(self.classifier(self.features(x)), 1)


RECIPE = "https://github.com/pytorch/vision/pull/49#issuecomment-277560717"


class SqueezeNet1_0_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("squeezenet1_0-b66bff10.pth", num_params=1248424, acc1=58.092, acc5=80.42,
                                     ops=0.819, file_size=4.778, recipe=RECIPE, min_size=(21, 21))
    DEFAULT = IMAGENET1K_V1


class SqueezeNet1_1_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("squeezenet1_1-b8a52dc0.pth", num_params=1235496, acc1=58.178, acc5=80.624,
                                     ops=0.349, file_size=4.729, recipe=RECIPE, min_size=(17, 17))
    DEFAULT = IMAGENET1K_V1


def _squeezenet(version: str, enum: type[WeightsEnum], weights: Any, kwargs: dict) -> SqueezeNet:
    weights = weights_for(enum, weights, kwargs)
    return load_weights(SqueezeNet(version, **kwargs), weights)


@register_model()
def squeezenet1_0(*, weights: SqueezeNet1_0_Weights | str | None = None, progress: bool = True,
                  **kwargs: Any) -> SqueezeNet:
    """SqueezeNet 1.0; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no
    download)."""
    return _squeezenet("1_0", SqueezeNet1_0_Weights, weights, kwargs)


@register_model()
def squeezenet1_1(*, weights: SqueezeNet1_1_Weights | str | None = None, progress: bool = True,
                  **kwargs: Any) -> SqueezeNet:
    """SqueezeNet 1.1 (2.4x less computation than 1.0); `weights` loads torchvision's checkpoint from the hub
    cache (`progress` is unused: no download)."""
    return _squeezenet("1_1", SqueezeNet1_1_Weights, weights, kwargs)
