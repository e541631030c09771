"""torchvision.transforms: image transforms on PIL images and tensors."""
from . import functional, v2  # noqa: F401
from .transforms import *  # noqa: F403 (the package re-exports the transforms, as torchvision does)
