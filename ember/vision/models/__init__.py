"""ember.vision.models: torchvision's classification models with their state_dict keys, so torchvision
checkpoints load; pretrained weights are read from PyTorch's hub cache, never downloaded."""
from ._weights import (
    AlexNet_Weights,
    MobileNet_V2_Weights,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    SqueezeNet1_0_Weights,
    SqueezeNet1_1_Weights,
    VGG11_BN_Weights,
    VGG11_Weights,
    VGG16_BN_Weights,
    VGG16_Weights,
    Weights,
)
from .alexnet import AlexNet, alexnet
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .squeezenet import Fire, SqueezeNet, squeezenet1_0, squeezenet1_1
from .vgg import VGG, vgg11, vgg11_bn, vgg16, vgg16_bn

__all__ = [
                       "VGG",
                       "AlexNet",
                       "AlexNet_Weights",
                       "BasicBlock",
                       "Bottleneck",
                       "Fire",
                       "MobileNetV2",
                       "MobileNet_V2_Weights",
                       "ResNet",
                       "ResNet18_Weights",
                       "ResNet34_Weights",
                       "ResNet50_Weights",
                       "SqueezeNet",
                       "SqueezeNet1_0_Weights",
                       "SqueezeNet1_1_Weights",
                       "VGG11_BN_Weights",
                       "VGG11_Weights",
                       "VGG16_BN_Weights",
                       "VGG16_Weights",
                       "Weights",
                       "alexnet",
                       "mobilenet_v2",
                       "resnet18",
                       "resnet34",
                       "resnet50",
                       "squeezenet1_0",
                       "squeezenet1_1",
                       "vgg11",
                       "vgg11_bn",
                       "vgg16",
                       "vgg16_bn",
]
