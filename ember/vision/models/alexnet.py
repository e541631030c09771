"""AlexNet with torchvision's architecture and state_dict keys."""
from typing import Any

from ... import Tensor, flatten
from ...nn import (
    AdaptiveAvgPool2d,
    Conv2d,
    Dropout,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
)
from ._api import WeightsEnum, register_model
from ._meta import imagenet_weights
from ._weights import load_weights, weights_for

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(Module):
    """AlexNet ("One weird trick" variant): five convolutions, then three linear layers on 6x6 pooled features."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = Sequential(
            Conv2d(3, 64, kernel_size=11, stride=4, padding=2), ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(64, 192, kernel_size=5, padding=2), ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(192, 384, kernel_size=3, padding=1), ReLU(inplace=True),
            Conv2d(384, 256, kernel_size=3, padding=1), ReLU(inplace=True),
            Conv2d(256, 256, kernel_size=3, padding=1), ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = Sequential(
            Dropout(p=dropout), Linear(256 * 6 * 6, 4096), ReLU(inplace=True),
            Dropout(p=dropout), Linear(4096, 4096), ReLU(inplace=True),
            Linear(4096, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Class scores of shape (N, num_classes) for images of shape (N, 3, H, W), H and W at least 63."""
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("alexnet-owt-7be5be79.pth", num_params=61100840, acc1=56.522, acc5=79.066,
                                     ops=0.714, file_size=233.087, min_size=(63, 63),
                                     recipe="https://github.com/pytorch/vision/tree/main/references/classification"
                                            "#alexnet-and-vgg")
    DEFAULT = IMAGENET1K_V1


@register_model()
def alexnet(*, weights: AlexNet_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """AlexNet; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no download)."""
    weights = weights_for(AlexNet_Weights, weights, kwargs)
    return load_weights(AlexNet(**kwargs), weights)
