"""The v2 transform classes.

A v2 class that has a v1 counterpart inherits from it its constructor (argument checks, defaults), its repr and
its `get_params`, and from `Transform` the call on nested samples; `make_params` draws the random parameters once
per call from ember's default generator and `transform` applies v1's functional kernel to each image.
Differs from torchvision: RandomErasing takes tensor images only (as v1 does).
"""
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import ember

from ...._random import rng
from ...._tensor import Tensor
from ....nn import ModuleList
from ... import tv_tensors
from .. import transforms as _v1
from ..functional import InterpolationMode, interpolation_mode, parse_padding, to_tensor
from ..transforms import _check_probability, _happens, _randint, _tensor_fill, _uniform, elastic_displacement
from . import functional as F
from ._transform import Transform, _RandomApplyTransform
from ._utils import PIL_TYPES, query_chw

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "ElasticTransform",
    "Compose",
    "ConvertImageDtype",
    "FiveCrop",
    "GaussianBlur",
    "Grayscale",
    "Identity",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "Pad",
    "RandomAdjustSharpness",
    "RandomAffine",
    "RandomAutocontrast",
    "RandomApply",
    "RandomChoice",
    "RandomCrop",
    "RandomEqualize",
    "RandomErasing",
    "RandomGrayscale",
    "RandomHorizontalFlip",
    "RandomInvert",
    "RandomOrder",
    "RandomPerspective",
    "RandomPosterize",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomSolarize",
    "RandomVerticalFlip",
    "Resize",
    "TenCrop",
    "ToDtype",
    "ToImage",
    "ToPILImage",
    "ToPureTensor",
    "ToTensor",
]


def _sample(inputs: tuple) -> Any:
    return inputs if len(inputs) > 1 else inputs[0]


# ---- containers ------------------------------------------------------------------------------------
class Compose(Transform):
    """Apply transforms one after the other to the whole sample."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = transforms

    def forward(self, *inputs: Any) -> Any:
        unpack = len(inputs) > 1
        for t in self.transforms:
            outputs = t(*inputs)
            inputs = outputs if unpack else (outputs,)
        return outputs

    def extra_repr(self) -> str:
        return "\n".join(f"    {t}" for t in self.transforms)


class RandomApply(Transform):
    """Apply all of `transforms` with probability p, else none."""

    def __init__(self, transforms: Sequence[Callable] | ModuleList, p: float = 0.5) -> None:
        super().__init__()
        if not isinstance(transforms, (Sequence, ModuleList)):
            raise TypeError("Argument transforms should be a sequence of callables or a `nn.ModuleList`")
        _check_probability(p)
        self.transforms, self.p = transforms, p

    def forward(self, *inputs: Any) -> Any:
        sample = _sample(inputs)
        if not _happens(self.p):
            return sample
        for t in self.transforms:
            sample = t(sample)
        return sample

    def extra_repr(self) -> str:
        return "\n".join([f"    p={self.p}"] + [f"    {t}" for t in self.transforms])


class RandomChoice(Transform):
    """Apply one of `transforms`, picked with probabilities proportional to `p` (default: equal)."""

    def __init__(self, transforms: Sequence[Callable], p: Sequence[float] | None = None) -> None:
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if p is None:
            p = [1] * len(transforms)
        elif len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        self.transforms = transforms
        self.p = [w / sum(p) for w in p]

    def forward(self, *inputs: Any) -> Any:
        return self.transforms[int(rng(None).choice(len(self.transforms), p=self.p))](*inputs)


class RandomOrder(Transform):
    """Apply `transforms` in a random order."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        self.transforms = transforms

    def forward(self, *inputs: Any) -> Any:
        sample = _sample(inputs)
        for i in rng(None).permutation(len(self.transforms)):
            sample = self.transforms[i](sample)
        return sample


class Identity(Transform):
    """Return the sample unchanged."""
    _transformed_types = (object,)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return inpt


class Lambda(Transform):
    """Apply `lambd` to the leaves of the sample that are instances of `types` (default: any leaf)."""
    _transformed_types = (object,)

    def __init__(self, lambd: Callable, *types: type) -> None:
        super().__init__()
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd
        self.types = types or self._transformed_types

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.lambd(inpt) if isinstance(inpt, self.types) else inpt

    def extra_repr(self) -> str:
        return f"{getattr(self.lambd, '__name__', type(self.lambd).__name__)}, types={[t.__name__ for t in self.types]}"


# ---- conversion ------------------------------------------------------------------------------------
class ToImage(Transform):
    """PIL image, (H, W[, C]) array or tensor -> tv_tensors.Image (C, H, W), values and dtype unchanged."""
    _transformed_types = (Tensor, np.ndarray, *PIL_TYPES)

    def transform(self, inpt: Any, params: dict[str, Any]) -> tv_tensors.Image:
        return F.to_image(inpt)


class ToDtype(Transform):
    """Convert images and pure tensors to `dtype`, rescaling values if `scale`.

    `dtype` may be a dict from input type (tv_tensors.Image, ember.Tensor for pure tensors, or "others") to a
    dtype, or to None to leave those inputs alone. PIL images pass through unless the dict names their type.
    """

    def __init__(self, dtype: ember.dtype | dict, scale: bool = False) -> None:
        super().__init__()
        if not isinstance(dtype, (dict, ember.dtype)):
            raise ValueError(f"dtype must be a dict or a ember.dtype, got {type(dtype)} instead")  # noqa: TRY004
        if isinstance(dtype, dict) and Tensor in dtype and tv_tensors.Image in dtype:
            warnings.warn("Got `dtype` values for `ember.Tensor` and `tv_tensors.Image`. Note that pure tensors "
                          "are only transformed when no image is in the sample, and then the entry of "
                          "`ember.Tensor` applies.", stacklevel=2)
        self.dtype, self.scale = dtype, scale

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        is_image = isinstance(inpt, tv_tensors.Image) or type(inpt) is Tensor
        if isinstance(self.dtype, ember.dtype):
            if not is_image:
                return inpt
            dtype = self.dtype
        elif type(inpt) in self.dtype:
            dtype = self.dtype[type(inpt)]
        elif "others" in self.dtype:
            dtype = self.dtype["others"]
        else:
            raise ValueError(f"No dtype was specified for type {type(inpt)}. If you only need to convert the dtype "
                             f"of images, you can just pass e.g. dtype=ember.float32. If you're passing a dict as "
                             f"dtype, you can use \"others\" as a catch-all key, e.g. "
                             f"dtype={{tv_tensors.Image: ember.float32, \"others\": None}}.")
        if dtype is None:
            if self.scale and is_image:
                warnings.warn("scale was set to True but no dtype was specified for images: no scaling will be "
                              "done.", stacklevel=2)
            return inpt
        if not isinstance(inpt, Tensor):
            return inpt
        return F.to_dtype(inpt, dtype, self.scale)


class ToPureTensor(Transform):
    """tv_tensors -> plain ember.Tensor (sharing memory)."""
    _transformed_types = (tv_tensors.TVTensor,)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Tensor:
        return inpt.as_subclass(Tensor)


class PILToTensor(Transform):
    """PIL image -> (C, H, W) plain tensor of the same dtype, unscaled."""
    _transformed_types = PIL_TYPES

    def transform(self, inpt: Any, params: dict[str, Any]) -> Tensor:
        return F.pil_to_tensor(inpt)


class ToPILImage(Transform):
    """(C, H, W) tensor or (H, W, C) array -> PIL image (`mode` inferred from dtype and channels if None)."""
    _transformed_types = (Tensor, np.ndarray)

    def __init__(self, mode: str | None = None) -> None:
        super().__init__()
        self.mode = mode

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.to_pil_image(inpt, self.mode)


class ToTensor(Transform):
    """Deprecated (warns): PIL image or (H, W, C) array -> (C, H, W) tensor, uint8 scaled to floats in [0, 1].
    Use Compose([ToImage(), ToDtype(ember.float32, scale=True)])."""
    _transformed_types = (np.ndarray, *PIL_TYPES)

    def __init__(self) -> None:
        warnings.warn("The transform `ToTensor()` is deprecated and will be removed in a future release. Instead, "
                      "please use `v2.Compose([v2.ToImage(), v2.ToDtype(ember.float32, scale=True)])`.Output is "
                      "equivalent up to float precision.", stacklevel=2)
        super().__init__()

    def transform(self, inpt: Any, params: dict[str, Any]) -> Tensor:
        return to_tensor(inpt)


class ConvertImageDtype(Transform):
    """Deprecated: ToDtype(dtype, scale=True), for images and pure tensors only."""
    _transformed_types = (Tensor,)

    def __init__(self, dtype: ember.dtype = ember.float32) -> None:
        super().__init__()
        self.dtype = dtype

    def transform(self, inpt: Any, params: dict[str, Any]) -> Tensor:
        return F.to_dtype(inpt, self.dtype, scale=True)


class Normalize(Transform, _v1.Normalize):
    """(x - mean[c]) / std[c] for each channel of a float tensor image; PIL images raise TypeError."""

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        if any(isinstance(inpt, PIL_TYPES) for inpt in flat_inputs):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")

    def transform(self, inpt: Any, params: dict[str, Any]) -> Tensor:
        return F.normalize(inpt, self.mean, self.std, self.inplace)


# ---- geometry --------------------------------------------------------------------------------------
class Resize(Transform, _v1.Resize):
    """Resize to `size` ((h, w), or an int for the shorter edge, keeping the aspect ratio)."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.resize(inpt, self.size, self.interpolation, self.max_size, self.antialias)


class CenterCrop(Transform, _v1.CenterCrop):
    """The central (h, w) box (zero-padded when the image is smaller)."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.center_crop(inpt, self.size)


class Pad(Transform, _v1.Pad):
    """Pad the borders by `padding` with `fill` or by edge, reflect or symmetric extension."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.pad(inpt, self.padding, self.fill, self.padding_mode)


class RandomCrop(Transform, _v1.RandomCrop):
    """A random (h, w) box, after optional padding (`pad_if_needed` pads images smaller than the box)."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        _, height, width = query_chw(flat_inputs)
        left, top, right, bottom = [0] * 4 if self.padding is None else parse_padding(self.padding)
        th, tw = self.size
        if self.pad_if_needed and width + left + right < tw:
            diff = tw - (width + left + right)
            left, right = left + diff, right + diff
        if self.pad_if_needed and height + top + bottom < th:
            diff = th - (height + top + bottom)
            top, bottom = top + diff, bottom + diff
        height, width = height + top + bottom, width + left + right
        if height < th or width < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(height, width)}")
        i, j = (0, 0) if (height, width) == (th, tw) else (_randint(0, height - th + 1),
                                                           _randint(0, width - tw + 1))
        return {"padding": [left, top, right, bottom], "top": i, "left": j, "height": th, "width": tw}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if any(params["padding"]):
            inpt = F.pad(inpt, params["padding"], self.fill, self.padding_mode)
        return F.crop(inpt, params["top"], params["left"], params["height"], params["width"])


class RandomResizedCrop(Transform, _v1.RandomResizedCrop):
    """A crop of random area (fraction `scale`) and aspect ratio (`ratio`), resized to `size`."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        query_chw(flat_inputs)
        top, left, height, width = self.get_params(flat_inputs[0], self.scale, self.ratio)
        return {"top": top, "left": left, "height": height, "width": width}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.resized_crop(inpt, params["top"], params["left"], params["height"], params["width"], self.size,
                              self.interpolation, antialias=self.antialias)


class FiveCrop(Transform, _v1.FiveCrop):
    """The four corner crops and the central crop, as a tuple."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> tuple:
        return F.five_crop(inpt, self.size)


class TenCrop(Transform, _v1.TenCrop):
    """FiveCrop of the image and of its mirror image (vertical if `vertical_flip`)."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> tuple:
        return F.ten_crop(inpt, self.size, self.vertical_flip)


class RandomHorizontalFlip(_RandomApplyTransform, _v1.RandomHorizontalFlip):
    """Mirror left to right with probability p."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.hflip(inpt)


class RandomVerticalFlip(_RandomApplyTransform, _v1.RandomVerticalFlip):
    """Mirror top to bottom with probability p."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.vflip(inpt)


class RandomRotation(Transform, _v1.RandomRotation):
    """Rotate by an angle drawn uniformly from `degrees` ((-d, d) for a number)."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"angle": self.get_params(self.degrees)}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.rotate(inpt, params["angle"], self.interpolation, self.expand, self.center,
                        _tensor_fill(inpt, self.fill))


class RandomAffine(Transform, _v1.RandomAffine):
    """A random affine map: rotation from `degrees`, translation up to `translate` (fractions of width, height),
    scale from `scale`, shear from `shear` (x range, or x and y ranges)."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        _, height, width = query_chw(flat_inputs)
        angle, translate, scale, shear = self.get_params(self.degrees, self.translate, self.scale, self.shear,
                                                         [width, height])
        return {"angle": angle, "translate": translate, "scale": scale, "shear": shear}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.affine(inpt, **params, interpolation=self.interpolation, fill=_tensor_fill(inpt, self.fill),
                        center=self.center)


class RandomPerspective(_RandomApplyTransform, _v1.RandomPerspective):
    """With probability p, a random perspective warp moving each corner inwards by up to `distortion_scale`
    of half the image size."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        _, height, width = query_chw(flat_inputs)
        startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
        return {"startpoints": startpoints, "endpoints": endpoints}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.perspective(inpt, params["startpoints"], params["endpoints"], self.interpolation,
                             _tensor_fill(inpt, self.fill))


# ---- colour ----------------------------------------------------------------------------------------
class Grayscale(Transform, _v1.Grayscale):
    """Convert to greyscale with 1 or 3 output channels."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.rgb_to_grayscale(inpt, self.num_output_channels)


class RandomGrayscale(_RandomApplyTransform, _v1.RandomGrayscale):
    """With probability p, convert to greyscale keeping the number of channels."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"num_output_channels": query_chw(flat_inputs)[0]}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.rgb_to_grayscale(inpt, params["num_output_channels"])


class ColorJitter(Transform, _v1.ColorJitter):
    """Random brightness, contrast, saturation and hue changes, applied in a random order."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        return {"order": order, "factors": factors}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for i in params["order"].tolist():
            if params["factors"][i] is not None:
                inpt = adjust[i](inpt, params["factors"][i])
        return inpt


class RandomInvert(_RandomApplyTransform, _v1.RandomInvert):
    """Invert the colours with probability p."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.invert(inpt)


class RandomAutocontrast(_RandomApplyTransform, _v1.RandomAutocontrast):
    """Stretch each channel to the full range with probability p."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.autocontrast(inpt)


class RandomEqualize(_RandomApplyTransform, _v1.RandomEqualize):
    """Equalise the histogram with probability p."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.equalize(inpt)


class RandomPosterize(_RandomApplyTransform, _v1.RandomPosterize):
    """Keep the `bits` highest value bits with probability p."""
    __repr__ = Transform.__repr__  # v2's repr lists p first, as torchvision's v2 does (v1's does not)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.posterize(inpt, self.bits)


class RandomSolarize(_RandomApplyTransform, _v1.RandomSolarize):
    """Invert the values >= threshold with probability p."""
    __repr__ = Transform.__repr__  # v2's repr lists p first, as torchvision's v2 does (v1's does not)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.solarize(inpt, self.threshold)


class RandomAdjustSharpness(_RandomApplyTransform, _v1.RandomAdjustSharpness):
    """Adjust the sharpness by `sharpness_factor` with probability p."""
    __repr__ = Transform.__repr__  # v2's repr lists p first, as torchvision's v2 does (v1's does not)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.adjust_sharpness(inpt, self.sharpness_factor)


def _number_pair(value, name: str) -> list[float]:
    """[v, v] for a number, else a sequence of 1 or 2 numbers as a pair of floats."""
    if isinstance(value, (int, float)):
        return [float(value)] * 2
    if not isinstance(value, Sequence):
        raise TypeError(f"{name} should be a number or a sequence of numbers. Got {type(value)}")
    if len(value) not in (1, 2):
        raise ValueError(f"If {name} is a sequence its length should be 1 or 2. Got {len(value)}")
    return [float(value[0]), float(value[-1])]


class ElasticTransform(Transform):
    """Displace every pixel by smoothed random noise: `alpha` scales the displacements, `sigma` smooths them."""

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR, fill=0) -> None:
        super().__init__()
        self.alpha, self.sigma = _number_pair(alpha, "alpha"), _number_pair(sigma, "sigma")
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"displacement": elastic_displacement(self.alpha, self.sigma, list(query_chw(flat_inputs)[1:]))}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.elastic(inpt, params["displacement"], self.interpolation, self.fill)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, sigma={self.sigma}, interpolation={self.interpolation.value}, fill={self.fill}"


class GaussianBlur(Transform, _v1.GaussianBlur):
    """Gaussian blur with `kernel_size` and a std drawn uniformly from `sigma` (min, max)."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"sigma": _uniform(self.sigma[0], self.sigma[1])}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.gaussian_blur(inpt, self.kernel_size, [params["sigma"], params["sigma"]])


class RandomErasing(_RandomApplyTransform, _v1.RandomErasing):
    """With probability p, erase a random box (area fraction `scale`, aspect ratio `ratio`) of tensor images
    with `value` (a number, one per channel, or 'random' for normal noise); PIL images raise TypeError."""

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        if any(isinstance(inpt, PIL_TYPES) for inpt in flat_inputs):
            raise TypeError(f"{type(self).__name__}() takes tensor images (apply ToImage first), not PIL images.")

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        channels = query_chw(flat_inputs)[0]
        image = flat_inputs[0]
        top, left, height, width, v = self.get_params(image, self.scale, self.ratio, self._erase_value(channels))
        return {"top": top, "left": left, "height": height, "width": width, "v": None if v is image else v}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if params["v"] is None:
            return inpt
        return F.erase(inpt, params["top"], params["left"], params["height"], params["width"], params["v"],
                       self.inplace)
