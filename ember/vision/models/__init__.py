"""ember.vision.models: torchvision's classification models with their state_dict keys, so torchvision
checkpoints load, their weights enums (presets and metadata) and the model registry; pretrained weights are read
from PyTorch's hub cache, never downloaded."""
from ._api import Weights, WeightsEnum, get_model, get_model_builder, get_model_weights, get_weight, list_models
from .alexnet import AlexNet, AlexNet_Weights, alexnet
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2
from .resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    ResNet101_Weights,
    ResNet152_Weights,
    ResNeXt50_32X4D_Weights,
    ResNeXt101_32X8D_Weights,
    ResNeXt101_64X4D_Weights,
    Wide_ResNet50_2_Weights,
    Wide_ResNet101_2_Weights,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    resnext101_32x8d,
    resnext101_64x4d,
    wide_resnet50_2,
    wide_resnet101_2,
)
from .squeezenet import Fire, SqueezeNet, SqueezeNet1_0_Weights, SqueezeNet1_1_Weights, squeezenet1_0, squeezenet1_1
from .vgg import (
    VGG,
    VGG11_BN_Weights,
    VGG11_Weights,
    VGG13_BN_Weights,
    VGG13_Weights,
    VGG16_BN_Weights,
    VGG16_Weights,
    VGG19_BN_Weights,
    VGG19_Weights,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)

__all__ = [
    "VGG", "AlexNet", "AlexNet_Weights", "BasicBlock", "Bottleneck", "Fire", "MobileNetV2", "MobileNet_V2_Weights",
    "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights", "ResNeXt50_32X4D_Weights", "ResNet", "ResNet101_Weights",
    "ResNet152_Weights", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "SqueezeNet",
    "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights", "VGG11_BN_Weights", "VGG11_Weights", "VGG13_BN_Weights",
    "VGG13_Weights", "VGG16_BN_Weights", "VGG16_Weights", "VGG19_BN_Weights", "VGG19_Weights", "Weights",
    "WeightsEnum", "Wide_ResNet101_2_Weights", "Wide_ResNet50_2_Weights", "alexnet", "get_model",
    "get_model_builder", "get_model_weights", "get_weight", "list_models", "mobilenet_v2", "resnet18", "resnet34",
    "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
    "squeezenet1_0", "squeezenet1_1", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
    "vgg19_bn", "wide_resnet50_2", "wide_resnet101_2",
]
