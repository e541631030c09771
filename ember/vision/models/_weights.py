"""Pretrained weights: torchvision's checkpoint files, looked for in PyTorch's hub cache and never downloaded."""
import os
import warnings
from enum import Enum

from ... import hub, load
from ...nn import Module

URL_PREFIX = "https://download.pytorch.org/models/"


class Weights(Enum):
    """A model's pretrained weights, as torchvision's `*_Weights` enums name them; the value is the checkpoint
    file. Unlike torchvision's, a member carries no `transforms` or `meta`."""

    @property
    def url(self) -> str:
        """Where torchvision publishes the checkpoint."""
        return URL_PREFIX + self.value


class AlexNet_Weights(Weights):
    IMAGENET1K_V1 = "alexnet-owt-7be5be79.pth"
    DEFAULT = IMAGENET1K_V1


class VGG11_Weights(Weights):
    IMAGENET1K_V1 = "vgg11-8a719046.pth"
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(Weights):
    IMAGENET1K_V1 = "vgg11_bn-6002323d.pth"
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(Weights):
    IMAGENET1K_V1 = "vgg16-397923af.pth"
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(Weights):
    IMAGENET1K_V1 = "vgg16_bn-6c64b313.pth"
    DEFAULT = IMAGENET1K_V1


class ResNet18_Weights(Weights):
    IMAGENET1K_V1 = "resnet18-f37072fd.pth"
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(Weights):
    IMAGENET1K_V1 = "resnet34-b627a593.pth"
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(Weights):
    IMAGENET1K_V1 = "resnet50-0676ba61.pth"
    IMAGENET1K_V2 = "resnet50-11ad3fa6.pth"
    DEFAULT = IMAGENET1K_V2


class MobileNet_V2_Weights(Weights):
    IMAGENET1K_V1 = "mobilenet_v2-b0353104.pth"
    IMAGENET1K_V2 = "mobilenet_v2-7ebf99e0.pth"
    DEFAULT = IMAGENET1K_V2


class SqueezeNet1_0_Weights(Weights):
    IMAGENET1K_V1 = "squeezenet1_0-b66bff10.pth"
    DEFAULT = IMAGENET1K_V1


class SqueezeNet1_1_Weights(Weights):
    IMAGENET1K_V1 = "squeezenet1_1-b8a52dc0.pth"
    DEFAULT = IMAGENET1K_V1


# each builder's weights
WEIGHTS = {"alexnet": AlexNet_Weights, "vgg11": VGG11_Weights, "vgg11_bn": VGG11_BN_Weights,
           "vgg16": VGG16_Weights, "vgg16_bn": VGG16_BN_Weights, "resnet18": ResNet18_Weights,
           "resnet34": ResNet34_Weights, "resnet50": ResNet50_Weights, "mobilenet_v2": MobileNet_V2_Weights,
           "squeezenet1_0": SqueezeNet1_0_Weights, "squeezenet1_1": SqueezeNet1_1_Weights}
IMAGENET_CLASSES = 1000


def checkpoint_dir() -> str:
    """The folder checkpoints are read from: the hub's, PyTorch's `$TORCH_HOME/hub/checkpoints` (`~/.cache/torch/...`)
    unless hub.set_dir chose another."""
    return os.path.join(hub.get_dir(), "checkpoints")


def checkpoint_file(arch: str, weights: str | Enum | None) -> str | None:
    """The checkpoint file name of `weights` ("IMAGENET1K_V1", "DEFAULT", a `*_Weights` member) for `arch`."""
    if weights is None:
        return None
    enum = WEIGHTS[arch]
    if isinstance(weights, enum):
        return weights.value
    name = weights if isinstance(weights, str) else getattr(weights, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"weights must be None, a weights name such as 'DEFAULT' or a {enum.__name__} member, "
                        f"but got {weights!r}")
    name = name.rsplit(".", 1)[-1]
    if name not in enum.__members__:
        raise KeyError(f"Unknown weights {name!r} for {arch}: expected one of {list(enum.__members__)}")
    return enum[name].value


def checkpoint_for(arch: str, weights: str | Enum | None, kwargs: dict) -> str | None:
    """The path of the checkpoint a builder must load, or None without weights.

    Like torchvision, the legacy `pretrained=True` in `kwargs` means IMAGENET1K_V1, and weights fix
    `kwargs["num_classes"]` to ImageNet's 1000. Raises RuntimeError naming the file and folder when the file
    is absent, since ember does not download.
    """
    if "pretrained" in kwargs:
        warnings.warn("The parameter 'pretrained' is deprecated, please use 'weights' instead.", UserWarning)
        if kwargs.pop("pretrained"):
            weights = "IMAGENET1K_V1"
    filename = checkpoint_file(arch, weights)
    if filename is None:
        return None
    num_classes = kwargs.setdefault("num_classes", IMAGENET_CLASSES)
    if num_classes != IMAGENET_CLASSES:
        raise ValueError(f"The parameter 'num_classes' expected value {IMAGENET_CLASSES} but got {num_classes} "
                         f"instead.")
    folder = checkpoint_dir()
    path = os.path.join(folder, filename)
    if not os.path.isfile(path):
        raise RuntimeError(f"{arch}(weights={weights!r}) needs the checkpoint file {filename} in {folder}, "
                           f"which is not there: ember does not download weights. Download "
                           f"{URL_PREFIX}{filename} and place it at {path} (the folder follows $TORCH_HOME).")
    return path


def load_checkpoint(model: Module, path: str | None) -> Module:
    """Load the checkpoint at `path` into `model` (nothing when `path` is None) and return the model."""
    if path is not None:
        model.load_state_dict(load(path, map_location="cpu"))
    return model
