"""torchvision's ImageClassification preset: the transform a classification checkpoint expects."""
from typing import Any

import ember

from ..._tensor import Tensor
from ...nn import Module
from ..transforms import functional as F
from ..transforms.functional import InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification(Module):
    """Resize the shorter edge to `resize_size`, center-crop `crop_size`, scale to float in [0, 1] and normalize
    with `mean` and `std`; takes a PIL image or a (..., C, H, W) tensor."""

    def __init__(self, *, crop_size: int, resize_size: int = 256, mean: tuple[float, ...] = (0.485, 0.456, 0.406),
                 std: tuple[float, ...] = (0.229, 0.224, 0.225),
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img: Any) -> Tensor:
        """The normalized float32 crop of `img`."""
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, ember.float32)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self) -> str:
        fields = [f"crop_size={self.crop_size}", f"resize_size={self.resize_size}", f"mean={self.mean}",
                  f"std={self.std}", f"interpolation={self.interpolation}"]
        return type(self).__name__ + "(" + "".join("\n    " + f for f in fields) + "\n)"

    def describe(self) -> str:
        """torchvision's one-paragraph description of the preset."""
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image ``torch.Tensor`` "
                f"objects. The images are resized to ``resize_size={self.resize_size}`` using "
                f"``interpolation={self.interpolation}``, followed by a central crop of "
                f"``crop_size={self.crop_size}``. Finally the values are first rescaled to ``[0.0, 1.0]`` and then "
                f"normalized using ``mean={self.mean}`` and ``std={self.std}``.")
