"""MobileNetV2 with torchvision's architecture and state_dict keys."""
from collections.abc import Callable
from typing import Any

from ... import Tensor, flatten
from ...nn import (
    BatchNorm2d,
    Conv2d,
    Dropout,
    GroupNorm,
    Linear,
    Module,
    ReLU6,
    Sequential,
    functional,
    init,
)
from ..ops.misc import Conv2dNormActivation
from ._api import WeightsEnum, register_model
from ._meta import imagenet_weights
from ._weights import load_weights, weights_for

__all__ = ["MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2"]


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """`v` rounded to the nearest multiple of `divisor` (at least `min_value`), never more than 10% below `v`."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class InvertedResidual(Module):
    """MobileNetV2's block in `.conv`: 1x1 expansion, 3x3 depthwise, 1x1 linear projection; residual when the
    shape is kept."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int,
                 norm_layer: Callable[..., Module] | None = None) -> None:
        super().__init__()
        self.stride = stride
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if norm_layer is None:
            norm_layer = BatchNorm2d
        hidden_dim = round(inp * expand_ratio)
        self.use_res_connect = self.stride == 1 and inp == oup
        layers: list[Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=ReLU6))
        layers += [
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim, norm_layer=norm_layer,
                                 activation_layer=ReLU6),
            Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ]
        self.conv = Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x: Tensor) -> Tensor:
        """x + conv(x) where the shape is kept, else conv(x)."""
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(Module):
    """MobileNetV2: `features` (a stem, inverted residual blocks, a 1x1 head), global average pooling and
    `classifier` (Dropout + Linear)."""

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0,
                 inverted_residual_setting: list[list[int]] | None = None, round_nearest: int = 8,
                 block: Callable[..., Module] | None = None, norm_layer: Callable[..., Module] | None = None,
                 dropout: float = 0.2) -> None:
        super().__init__()
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = BatchNorm2d
        if inverted_residual_setting is None:
            # expansion t, output channels c, repeats n, first stride s
            inverted_residual_setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                                         [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError(f"inverted_residual_setting should be non-empty or a 4-element list, got "
                             f"{inverted_residual_setting}")
        input_channel = _make_divisible(32 * width_mult, round_nearest)
        self.last_channel = _make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features: list[Module] = [Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer,
                                                       activation_layer=ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t,
                                      norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=ReLU6))
        self.features = Sequential(*features)
        self.classifier = Sequential(Dropout(p=dropout), Linear(self.last_channel, num_classes))

        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, (BatchNorm2d, GroupNorm)):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.normal_(m.weight, 0, 0.01)
                init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Class scores of shape (N, num_classes) for images of shape (N, 3, H, W)."""
        x = functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(flatten(x, 1))


class MobileNet_V2_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("mobilenet_v2-b0353104.pth", num_params=3504872, acc1=71.878, acc5=90.286,
                                     ops=0.301, file_size=13.555,
                                     recipe="https://github.com/pytorch/vision/tree/main/references/classification"
                                            "#mobilenetv2")
    IMAGENET1K_V2 = imagenet_weights("mobilenet_v2-7ebf99e0.pth", num_params=3504872, acc1=72.154, acc5=90.822,
                                     ops=0.301, file_size=13.598, resize_size=232,
                                     recipe="https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning")
    DEFAULT = IMAGENET1K_V2


@register_model()
def mobilenet_v2(*, weights: MobileNet_V2_Weights | str | None = None, progress: bool = True,
                 **kwargs: Any) -> MobileNetV2:
    """MobileNetV2; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no
    download)."""
    weights = weights_for(MobileNet_V2_Weights, weights, kwargs)
    return load_weights(MobileNetV2(**kwargs), weights)
