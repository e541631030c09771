"""The v2 auto-augment transforms: v1's operations and magnitude bins through v2's functional (so float images work
too), on the one image of a sample; Solarize magnitudes run from 1 to 0 of the dtype's maximum, as in torchvision."""
from typing import Any

from ...._tensor import Tensor
from ...._tree import unflatten
from ... import tv_tensors
from .. import autoaugment as _v1
from ..autoaugment import AutoAugmentPolicy, apply_op, augmentation_ranges, magnitude_bins, pick_op
from ..functional import InterpolationMode, interpolation_mode
from ..functional_tensor import max_value
from ..transforms import _randint, _uniform
from . import functional as F
from ._transform import Transform
from ._utils import PIL_TYPES

__all__ = ["AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]


def _interpolation(value) -> InterpolationMode:
    """An InterpolationMode from itself, its name ("bilinear") or a Pillow constant."""
    return InterpolationMode(value) if isinstance(value, str) else interpolation_mode(value)


class _AutoAugmentBase(Transform):
    """Finds the sample's single image, hands it to `augment` and puts the result back."""
    _repr_names: tuple = ()

    def __init__(self, interpolation="nearest", fill=None) -> None:
        super().__init__()
        self.interpolation = _interpolation(interpolation)
        self.fill = fill

    def forward(self, *inputs: Any) -> Any:
        flat_inputs, spec = self._flatten(inputs)
        needs = self._needs_transform_list(flat_inputs)
        found = [i for i, (inpt, need) in enumerate(zip(flat_inputs, needs))
                 if need and isinstance(inpt, (Tensor, *PIL_TYPES))]
        if not found:
            raise TypeError("Found no image in the sample.")
        if len(found) > 1:
            raise TypeError(f"Auto augment transformations are only properly defined for a single image, but found "
                            f"{len(found)}.")
        flat_inputs[found[0]] = self.augment(flat_inputs[found[0]])
        return unflatten(flat_inputs, spec)

    def extra_repr(self) -> str:
        fields = [f"interpolation={self.interpolation.value}"] + ([] if self.fill is None else [f"fill={self.fill}"])
        return ", ".join(fields + [f"{name}={getattr(self, name)}" for name in self._repr_names])

    def augment(self, image):
        """The augmented image."""
        raise NotImplementedError

    def apply(self, image, name: str, magnitude: float):
        """`image` through operation `name`; Solarize's magnitude is a fraction of the dtype's maximum."""
        if name == "Solarize":
            magnitude *= max_value(image.dtype) if isinstance(image, Tensor) else 255.0
        return apply_op(image, name, magnitude, self.interpolation, self.fill, functional=F)

    def ranges(self, image, kind: str) -> dict:
        """The magnitude ranges of `kind` for this image's size."""
        _, height, width = F.get_dimensions(image)
        return augmentation_ranges(height, width, kind, solarize_top=1.0)


class AutoAugment(_AutoAugmentBase):
    """Apply a random sub-policy of `policy`: two operations, each with its probability and fixed magnitude."""
    _repr_names = ("policy",)

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET, interpolation="nearest",
                 fill=None) -> None:
        super().__init__(interpolation, fill)
        self.policy = policy
        self.policies = _v1.policy_steps(policy)

    def augment(self, image):
        ranges = self.ranges(image, "autoaugment")
        for name, p, bin_index in self.policies[_randint(0, len(self.policies))]:
            if _uniform(0.0, 1.0) <= p:
                bins = magnitude_bins(name, ranges[name], 10)
                magnitude = 0.0 if bins is None else float(bins[bin_index])
                image = self.apply(image, name, -magnitude if name in _v1._SIGNED and _randint(0, 2) else magnitude)
        return image


class RandAugment(_AutoAugmentBase):
    """Apply `num_ops` random operations, each at bin `magnitude` of `num_magnitude_bins`."""
    _repr_names = ("num_ops", "magnitude", "num_magnitude_bins")

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31, interpolation="nearest",
                 fill=None) -> None:
        if not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"num_ops should be a non-negative integer, but got {num_ops} instead.")
        super().__init__(interpolation, fill)
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins

    def augment(self, image):
        ranges = self.ranges(image, "randaugment")
        for _ in range(self.num_ops):
            image = self.apply(image, *pick_op(ranges, self.num_magnitude_bins, bin_index=self.magnitude))
        return image


class TrivialAugmentWide(_AutoAugmentBase):
    """Apply one random operation at a random one of `num_magnitude_bins` magnitudes."""
    _repr_names = ("num_magnitude_bins",)

    def __init__(self, num_magnitude_bins: int = 31, interpolation="nearest", fill=None) -> None:
        super().__init__(interpolation, fill)
        self.num_magnitude_bins = num_magnitude_bins

    def augment(self, image):
        return self.apply(image, *pick_op(self.ranges(image, "trivialaugment"), self.num_magnitude_bins))


class AugMix(_AutoAugmentBase):
    """Mix the image with `mixture_width` chains of 1-3 (or `chain_depth`) random operations, with Dirichlet
    weights. Differs from torchvision: the weights come from NumPy's Dirichlet sampler on ember's generator."""
    _repr_names = ("severity", "mixture_width", "chain_depth", "alpha", "all_ops")

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1, alpha: float = 1.0,
                 all_ops: bool = True, interpolation="bilinear", fill=None) -> None:
        _v1.check_severity(severity)
        super().__init__(interpolation, fill)
        self.severity, self.mixture_width, self.chain_depth = severity, mixture_width, chain_depth
        self.alpha, self.all_ops = alpha, all_ops

    def _chain(self, batch: Tensor, ranges: dict) -> Tensor:
        depth = self.chain_depth if self.chain_depth > 0 else _randint(1, 4)
        for _ in range(depth):
            batch = self.apply(batch, *pick_op(ranges, 10, max_bin=self.severity))
        return batch

    def augment(self, image):
        tensor = image if isinstance(image, Tensor) else F.pil_to_tensor(image)
        ranges = self.ranges(tensor, "augmix")
        if not self.all_ops:
            ranges = {k: v for k, v in ranges.items() if k not in ("Brightness", "Color", "Contrast", "Sharpness")}
        plain = tensor.as_subclass(Tensor)
        batch = plain.reshape((1,) * max(4 - plain.ndim, 0) + tuple(plain.shape))
        mix = _v1.augmix(batch, lambda i: self._chain(batch, ranges), self.alpha, self.mixture_width)
        mix = mix.reshape(plain.shape).to(plain.dtype)
        if isinstance(image, tv_tensors.Image):
            return tv_tensors.wrap(mix, like=image)
        return mix if isinstance(image, Tensor) else F.to_pil_image(mix)
