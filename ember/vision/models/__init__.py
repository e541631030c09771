"""ember.vision.models: torchvision's classification models with their state_dict keys, so torchvision
checkpoints load; pretrained weights are read from PyTorch's hub cache, never downloaded."""
from .alexnet import AlexNet, alexnet
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .squeezenet import Fire, SqueezeNet, squeezenet1_0, squeezenet1_1
from .vgg import VGG, vgg11, vgg11_bn, vgg16, vgg16_bn

__all__ = ["VGG", "AlexNet", "BasicBlock", "Bottleneck", "Fire", "MobileNetV2", "ResNet", "SqueezeNet", "alexnet",
           "mobilenet_v2", "resnet18", "resnet34", "resnet50", "squeezenet1_0", "squeezenet1_1", "vgg11", "vgg11_bn",
           "vgg16", "vgg16_bn"]
