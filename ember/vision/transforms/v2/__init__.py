"""torchvision.transforms.v2: transforms that take a whole sample (an image with its label, nested tuples, lists
and dicts) and transform every image in it with the same random parameters; see `Transform`.

Differs from torchvision: images only (PIL images, `tv_tensors.Image`, tensors); `Mask`, `BoundingBoxes`,
`KeyPoints` and `Video` raise NotImplementedError (MixUp and CutMix raise ValueError for them, as torchvision does).
Random parameters come from ember's default generator.
"""
from ..autoaugment import AutoAugmentPolicy  # noqa: F401
from ..functional import InterpolationMode  # noqa: F401
from . import functional  # noqa: F401
from ._augment import *  # noqa: F403
from ._auto_augment import *  # noqa: F403
from ._transform import Transform  # noqa: F401
from ._transforms import *  # noqa: F403 (the package re-exports the transforms, as torchvision does)
