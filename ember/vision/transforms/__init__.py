"""torchvision.transforms: image transforms on PIL images and tensors."""
from . import autoaugment, functional, v2  # noqa: F401
from .autoaugment import *  # noqa: F403
from .transforms import *  # noqa: F403 (the package re-exports the transforms, as torchvision does)
