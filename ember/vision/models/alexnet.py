"""AlexNet with torchvision's architecture and state_dict keys."""
from enum import Enum
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
from ._weights import checkpoint_for, load_checkpoint

__all__ = ["AlexNet", "alexnet"]


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


def alexnet(*, weights: str | Enum | None = None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """AlexNet; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no download)."""
    path = checkpoint_for("alexnet", weights, kwargs)
    return load_checkpoint(AlexNet(**kwargs), path)
