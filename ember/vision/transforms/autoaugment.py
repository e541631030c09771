"""torchvision.transforms.autoaugment: AutoAugment, RandAugment, TrivialAugmentWide and AugMix.

Each picks image operations and magnitudes at random from ember's default generator (the streams differ from
PyTorch's); given the same picks the images equal torchvision's, since the magnitude bins are torch.linspace's
float32 values and the operations are `functional`'s. Tensor images should be uint8 (..., 1 or 3, H, W).
"""
import math
from enum import Enum

import numpy as np

import ember

from ..._creation import spaced
from ..._random import rng
from ..._tensor import Tensor
from ...nn import Module
from . import functional as F
from .functional import InterpolationMode, interpolation_mode
from .transforms import _randint

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]


class AutoAugmentPolicy(Enum):
    """The AutoAugment policies learned on ImageNet, CIFAR10 and SVHN."""
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# Each sub-policy: two (operation, probability, magnitude bin or None) steps (the AutoAugment paper's tables).
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}
_SIGNED = {"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast", "Sharpness"}


def policy_steps(policy: AutoAugmentPolicy) -> list:
    """The sub-policies of an AutoAugmentPolicy; ValueError for anything else."""
    if not isinstance(policy, AutoAugmentPolicy):
        raise ValueError(f"The provided policy {policy} is not recognized.")
    return _POLICIES[policy]


def augmentation_ranges(height: int, width: int, kind: str, solarize_top: float = 255.0) -> dict:
    """Operation name -> (first, last) magnitude (Posterize: (top bits, bit span)), or None when it takes none, in
    the order torchvision draws from, for `kind` "autoaugment", "randaugment", "trivialaugment" or "augmix"."""
    if kind == "trivialaugment":
        geometric = {"ShearX": (0.0, 0.99), "ShearY": (0.0, 0.99), "TranslateX": (0.0, 32.0),
                     "TranslateY": (0.0, 32.0), "Rotate": (0.0, 135.0)}
    else:
        shift = 1.0 / 3.0 if kind == "augmix" else 150.0 / 331.0
        geometric = {"ShearX": (0.0, 0.3), "ShearY": (0.0, 0.3), "TranslateX": (0.0, shift * width),
                     "TranslateY": (0.0, shift * height), "Rotate": (0.0, 30.0)}
    top = 0.99 if kind == "trivialaugment" else 0.9
    color = {name: (0.0, top) for name in ("Brightness", "Color", "Contrast", "Sharpness")}
    posterize = {"autoaugment": (8, 4), "randaugment": (8, 4), "trivialaugment": (8, 6), "augmix": (4, 4)}[kind]
    tail = {"Posterize": posterize, "Solarize": (solarize_top, 0.0), "AutoContrast": None, "Equalize": None}
    if kind == "augmix":
        return {**geometric, **tail, **color}
    ranges = {**geometric, **color, **tail}
    return {**ranges, "Invert": None} if kind == "autoaugment" else {"Identity": None, **ranges}


def magnitude_bins(name: str, value_range, num_bins: int) -> list | None:
    """The `num_bins` magnitudes of operation `name` (torch.linspace's float32 values; for Posterize the bit
    counts top - round(i / ((num_bins - 1) / span)))."""
    if value_range is None:
        return None
    if name == "Posterize":
        top, span = value_range
        steps = np.arange(num_bins, dtype=np.float32) / np.float32((num_bins - 1) / span)
        return (top - np.round(steps)).astype(int).tolist()
    return spaced(value_range[0], value_range[1], num_bins, np.dtype(np.float32)).tolist()


def check_fill(img, fill):
    """`fill` as torchvision's auto-augment transforms pass it: a list of floats per channel for tensors."""
    if fill is None or not isinstance(img, Tensor):
        return fill
    if isinstance(fill, (int, float)):
        return [float(fill)] * F.get_dimensions(img)[0]
    return [float(f) for f in fill]


def apply_op(img, op_name: str, magnitude: float, interpolation: InterpolationMode, fill, functional=F):
    """`img` transformed by the operation `op_name` at `magnitude`, through the module `functional` (v1's or
    v2's)."""
    fn = functional
    if op_name in ("ShearX", "ShearY"):
        shear = math.degrees(math.atan(magnitude))
        return fn.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                         shear=[shear, 0.0] if op_name == "ShearX" else [0.0, shear],
                         interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        shift = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return fn.affine(img, angle=0.0, translate=shift, scale=1.0, shear=[0.0, 0.0], interpolation=interpolation,
                         fill=fill)
    ops = {"Rotate": lambda: fn.rotate(img, magnitude, interpolation=interpolation, fill=fill),
           "Brightness": lambda: fn.adjust_brightness(img, 1.0 + magnitude),
           "Color": lambda: fn.adjust_saturation(img, 1.0 + magnitude),
           "Contrast": lambda: fn.adjust_contrast(img, 1.0 + magnitude),
           "Sharpness": lambda: fn.adjust_sharpness(img, 1.0 + magnitude),
           "Posterize": lambda: fn.posterize(img, int(magnitude)),
           "Solarize": lambda: fn.solarize(img, magnitude),
           "AutoContrast": lambda: fn.autocontrast(img),
           "Equalize": lambda: fn.equalize(img),
           "Invert": lambda: fn.invert(img),
           "Identity": lambda: img}
    if op_name not in ops:
        raise ValueError(f"The provided operator {op_name} is not recognized.")
    return ops[op_name]()


def _signed(name: str, magnitude: float) -> float:
    """-magnitude with probability 1/2 for the operations that take both signs."""
    return -magnitude if name in _SIGNED and _randint(0, 2) else magnitude


def pick_op(ranges: dict, num_bins: int, bin_index: int | None = None, max_bin: int | None = None) -> tuple:
    """(name, signed magnitude) of a random operation: its magnitude is bin `bin_index`, or a random bin below
    `max_bin` (default num_bins)."""
    names = list(ranges)
    name = names[_randint(0, len(names))]
    bins = magnitude_bins(name, ranges[name], num_bins)
    if bins is None:
        return name, 0.0
    index = bin_index if bin_index is not None else _randint(0, max_bin or num_bins)
    return name, _signed(name, float(bins[index]))


class AutoAugment(Module):
    """Apply a random sub-policy of `policy`: two operations, each with its probability and fixed magnitude."""

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.policy = policy
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill
        self.policies = policy_steps(policy)

    @staticmethod
    def get_params(transform_num: int) -> tuple[int, Tensor, Tensor]:
        """(sub-policy index, a uniform draw per step, a sign bit per step)."""
        return _randint(0, transform_num), ember.rand(2), ember.randint(2, (2,))

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        fill = check_fill(img, self.fill)
        index, probs, signs = self.get_params(len(self.policies))
        ranges = augmentation_ranges(height, width, "autoaugment")
        for (name, p, bin_index), prob, sign in zip(self.policies[index], probs.tolist(), signs.tolist()):
            if prob <= p:
                bins = magnitude_bins(name, ranges[name], 10)
                magnitude = 0.0 if bin_index is None else float(bins[bin_index])
                if name in _SIGNED and sign == 0:
                    magnitude = -magnitude
                img = apply_op(img, name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(Module):
    """Apply `num_ops` random operations, each at bin `magnitude` of `num_magnitude_bins`."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        fill = check_fill(img, self.fill)
        ranges = augmentation_ranges(height, width, "randaugment")
        for _ in range(self.num_ops):
            name, magnitude = pick_op(ranges, self.num_magnitude_bins, bin_index=self.magnitude)
            img = apply_op(img, name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class TrivialAugmentWide(Module):
    """Apply one random operation at a random one of `num_magnitude_bins` magnitudes."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill

    def forward(self, img):
        fill = check_fill(img, self.fill)
        name, magnitude = pick_op(augmentation_ranges(0, 0, "trivialaugment"), self.num_magnitude_bins)
        return apply_op(img, name, magnitude, self.interpolation, fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


def check_severity(severity: int) -> None:
    """ValueError unless AugMix's severity is in [1, 10]."""
    if not 1 <= severity <= 10:
        raise ValueError(f"The severity must be between [1, 10]. Got {severity} instead.")


def augmix(batch: Tensor, chains, alpha: float, mixture_width: int) -> Tensor:
    """m0 * batch + m1 * sum_i w_i * chains(i) for (N, ..., C, H, W) `batch`, with (m0, m1) ~ Dirichlet(alpha,
    alpha) and w ~ Dirichlet(alpha, ..., alpha) drawn per image; `chains(i)` is the i-th augmented copy of the batch.
    The result is float (the caller casts back)."""
    n = batch.shape[0]
    per_image = [n] + [1] * (batch.ndim - 1)
    m = ember.from_numpy(rng(None).dirichlet([alpha, alpha], size=n).astype(np.float32)).to(batch.device)
    weights = ember.from_numpy(rng(None).dirichlet([alpha] * mixture_width, size=n).astype(np.float32))
    weights = weights.to(batch.device) * m[:, 1:]
    mix = m[:, 0].view(per_image) * batch
    for i in range(mixture_width):
        mix = mix + weights[:, i].view(per_image) * chains(i)
    return mix


class AugMix(Module):
    """Mix the image with `mixture_width` chains of 1-3 (or `chain_depth`) random operations, with Dirichlet
    weights. Differs from torchvision: the weights come from NumPy's Dirichlet sampler on ember's generator."""

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1, alpha: float = 1.0,
                 all_ops: bool = True, interpolation=InterpolationMode.BILINEAR, fill=None):
        super().__init__()
        check_severity(severity)
        self.severity, self.mixture_width, self.chain_depth = severity, mixture_width, chain_depth
        self.alpha, self.all_ops = alpha, all_ops
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill

    def _chain(self, batch: Tensor, ranges: dict, fill) -> Tensor:
        depth = self.chain_depth if self.chain_depth > 0 else _randint(1, 4)
        for _ in range(depth):
            name, magnitude = pick_op(ranges, 10, max_bin=self.severity)
            batch = apply_op(batch, name, magnitude, self.interpolation, fill)
        return batch

    def forward(self, orig_img):
        _, height, width = F.get_dimensions(orig_img)
        img = orig_img if isinstance(orig_img, Tensor) else F.pil_to_tensor(orig_img)
        fill = check_fill(img, self.fill)
        ranges = augmentation_ranges(height, width, "augmix")
        if not self.all_ops:
            ranges = {k: v for k, v in ranges.items() if k not in ("Brightness", "Color", "Contrast", "Sharpness")}
        batch = img.reshape((1,) * max(4 - img.ndim, 0) + tuple(img.shape))
        mix = augmix(batch, lambda i: self._chain(batch, ranges, fill), self.alpha, self.mixture_width)
        mix = mix.reshape(img.shape).to(img.dtype)
        return mix if isinstance(orig_img, Tensor) else F.to_pil_image(mix)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(severity={self.severity}, mixture_width={self.mixture_width}, "
                f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
