"""ResNet, ResNeXt and Wide ResNet with torchvision's architecture, state_dict keys and weights enums."""
from collections.abc import Callable
from typing import Any

from ... import Tensor, flatten
from ...nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    GroupNorm,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    init,
)
from ._api import WeightsEnum, register_model
from ._meta import imagenet_weights
from ._weights import load_weights, overwrite_named_param, weights_for

__all__ = ["BasicBlock", "Bottleneck", "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights",
           "ResNeXt50_32X4D_Weights", "ResNet", "ResNet101_Weights", "ResNet152_Weights", "ResNet18_Weights",
           "ResNet34_Weights", "ResNet50_Weights", "Wide_ResNet101_2_Weights", "Wide_ResNet50_2_Weights",
           "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
           "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> Conv2d:
    """A 3x3 convolution without bias, padded to keep the size at stride 1."""
    return Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False,
                  dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """A 1x1 convolution without bias."""
    return Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(Module):
    """Two 3x3 convolutions with batch norm and a residual connection (ResNet 18 and 34)."""

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable[..., Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Bottleneck(Module):
    """1x1, 3x3 (strided) and 1x1 convolutions with batch norm and a residual connection (ResNet 50 and deeper,
    ResNeXt, Wide ResNet)."""

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable[..., Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        """relu(bn3(conv3(...)) + shortcut(x))."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += identity
        return self.relu(out)


class ResNet(Module):
    """ResNet: a 7x7 stem, four stages of `block`s (`layers` of each), global average pooling and `fc`."""

    def __init__(self, block: type[BasicBlock | Bottleneck], layers: list[int], num_classes: int = 1000,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 replace_stride_with_dilation: list[bool] | None = None,
                 norm_layer: Callable[..., Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError(f"replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (BatchNorm2d, GroupNorm)):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock):
                    init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type[BasicBlock | Bottleneck], planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """Class scores of shape (N, num_classes) for images of shape (N, 3, H, W)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(flatten(self.avgpool(x), 1))


RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#"
NEW_RECIPE = "https://github.com/pytorch/vision/issues/3995#"


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet18-f37072fd.pth", num_params=11689512, acc1=69.758, acc5=89.078,
                                     ops=1.814, file_size=44.661, recipe=RECIPE + "resnet")
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet34-b627a593.pth", num_params=21797672, acc1=73.314, acc5=91.42,
                                     ops=3.664, file_size=83.275, recipe=RECIPE + "resnet")
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet50-0676ba61.pth", num_params=25557032, acc1=76.13, acc5=92.862,
                                     ops=4.089, file_size=97.781, recipe=RECIPE + "resnet")
    IMAGENET1K_V2 = imagenet_weights("resnet50-11ad3fa6.pth", num_params=25557032, acc1=80.858, acc5=95.434,
                                     ops=4.089, file_size=97.79, recipe=NEW_RECIPE + "issuecomment-1013906621",
                                     resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet101-63fe2227.pth", num_params=44549160, acc1=77.374, acc5=93.546,
                                     ops=7.801, file_size=170.511, recipe=RECIPE + "resnet")
    IMAGENET1K_V2 = imagenet_weights("resnet101-cd907fc2.pth", num_params=44549160, acc1=81.886, acc5=95.78,
                                     ops=7.801, file_size=170.53, recipe=NEW_RECIPE + "new-recipe", resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnet152-394f9c45.pth", num_params=60192808, acc1=78.312, acc5=94.046,
                                     ops=11.514, file_size=230.434, recipe=RECIPE + "resnet")
    IMAGENET1K_V2 = imagenet_weights("resnet152-f82ba261.pth", num_params=60192808, acc1=82.284, acc5=96.002,
                                     ops=11.514, file_size=230.474, recipe=NEW_RECIPE + "new-recipe", resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnext50_32x4d-7cdf4587.pth", num_params=25028904, acc1=77.618, acc5=93.698,
                                     ops=4.23, file_size=95.789, recipe=RECIPE + "resnext")
    IMAGENET1K_V2 = imagenet_weights("resnext50_32x4d-1a0047aa.pth", num_params=25028904, acc1=81.198, acc5=95.34,
                                     ops=4.23, file_size=95.833, recipe=NEW_RECIPE + "new-recipe", resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnext101_32x8d-8ba56ff5.pth", num_params=88791336, acc1=79.312,
                                     acc5=94.526, ops=16.414, file_size=339.586, recipe=RECIPE + "resnext")
    IMAGENET1K_V2 = imagenet_weights("resnext101_32x8d-110c445d.pth", num_params=88791336, acc1=82.834,
                                     acc5=96.228, ops=16.414, file_size=339.673,
                                     recipe=NEW_RECIPE + "new-recipe-with-fixres", resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("resnext101_64x4d-173b62eb.pth", num_params=83455272, acc1=83.246,
                                     acc5=96.454, ops=15.46, file_size=319.318,
                                     recipe="https://github.com/pytorch/vision/pull/5935", resize_size=232)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("wide_resnet50_2-95faca4d.pth", num_params=68883240, acc1=78.468, acc5=94.086,
                                     ops=11.398, file_size=131.82,
                                     recipe="https://github.com/pytorch/vision/pull/912#issue-445437439")
    IMAGENET1K_V2 = imagenet_weights("wide_resnet50_2-9ba9bcbe.pth", num_params=68883240, acc1=81.602, acc5=95.758,
                                     ops=11.398, file_size=263.124, recipe=NEW_RECIPE + "new-recipe-with-fixres",
                                     resize_size=232)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("wide_resnet101_2-32ee1156.pth", num_params=126886696, acc1=78.848,
                                     acc5=94.284, ops=22.753, file_size=242.896,
                                     recipe="https://github.com/pytorch/vision/pull/912#issue-445437439")
    IMAGENET1K_V2 = imagenet_weights("wide_resnet101_2-d733dc28.pth", num_params=126886696, acc1=82.51,
                                     acc5=96.02, ops=22.753, file_size=484.747, recipe=NEW_RECIPE + "new-recipe",
                                     resize_size=232)
    DEFAULT = IMAGENET1K_V2


def _resnet(enum: type[WeightsEnum], block: type[BasicBlock | Bottleneck], layers: list[int], weights: Any,
            kwargs: dict) -> ResNet:
    weights = weights_for(enum, weights, kwargs)
    return load_weights(ResNet(block, layers, **kwargs), weights)


def _resnext(enum: type[WeightsEnum], layers: list[int], groups: int, width_per_group: int, weights: Any,
             kwargs: dict) -> ResNet:
    overwrite_named_param(kwargs, "groups", groups)
    overwrite_named_param(kwargs, "width_per_group", width_per_group)
    return _resnet(enum, Bottleneck, layers, weights, kwargs)


@register_model()
def resnet18(*, weights: ResNet18_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-18; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no download)."""
    return _resnet(ResNet18_Weights, BasicBlock, [2, 2, 2, 2], weights, kwargs)


@register_model()
def resnet34(*, weights: ResNet34_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-34; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no download)."""
    return _resnet(ResNet34_Weights, BasicBlock, [3, 4, 6, 3], weights, kwargs)


@register_model()
def resnet50(*, weights: ResNet50_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-50; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no download)."""
    return _resnet(ResNet50_Weights, Bottleneck, [3, 4, 6, 3], weights, kwargs)


@register_model()
def resnet101(*, weights: ResNet101_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-101; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no
    download)."""
    return _resnet(ResNet101_Weights, Bottleneck, [3, 4, 23, 3], weights, kwargs)


@register_model()
def resnet152(*, weights: ResNet152_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-152; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no
    download)."""
    return _resnet(ResNet152_Weights, Bottleneck, [3, 8, 36, 3], weights, kwargs)


@register_model()
def resnext50_32x4d(*, weights: ResNeXt50_32X4D_Weights | str | None = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """ResNeXt-50 32x4d (32 groups of width 4); `weights` loads torchvision's checkpoint from the hub cache
    (`progress` is unused: no download)."""
    return _resnext(ResNeXt50_32X4D_Weights, [3, 4, 6, 3], 32, 4, weights, kwargs)


@register_model()
def resnext101_32x8d(*, weights: ResNeXt101_32X8D_Weights | str | None = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """ResNeXt-101 32x8d; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no
    download)."""
    return _resnext(ResNeXt101_32X8D_Weights, [3, 4, 23, 3], 32, 8, weights, kwargs)


@register_model()
def resnext101_64x4d(*, weights: ResNeXt101_64X4D_Weights | str | None = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """ResNeXt-101 64x4d; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no
    download)."""
    return _resnext(ResNeXt101_64X4D_Weights, [3, 4, 23, 3], 64, 4, weights, kwargs)


@register_model()
def wide_resnet50_2(*, weights: Wide_ResNet50_2_Weights | str | None = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """Wide ResNet-50-2 (bottlenecks twice as wide); `weights` loads torchvision's checkpoint from the hub cache
    (`progress` is unused: no download)."""
    overwrite_named_param(kwargs, "width_per_group", 128)
    return _resnet(Wide_ResNet50_2_Weights, Bottleneck, [3, 4, 6, 3], weights, kwargs)


@register_model()
def wide_resnet101_2(*, weights: Wide_ResNet101_2_Weights | str | None = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """Wide ResNet-101-2; `weights` loads torchvision's checkpoint from the hub cache (`progress` is unused: no
    download)."""
    overwrite_named_param(kwargs, "width_per_group", 128)
    return _resnet(Wide_ResNet101_2_Weights, Bottleneck, [3, 4, 23, 3], weights, kwargs)
