"""torchvision.transforms: the transform classes, on PIL images and (..., C, H, W) tensors.

Random parameters are drawn from ember's default generator, so `ember.manual_seed` reproduces an augmentation
(the streams differ from PyTorch's). A batch of tensor images gets one draw for the whole batch, as in
torchvision. Differs from torchvision: RandomChoice and RandomOrder draw from ember's generator, not Python's
`random` module.
"""
import math
import numbers
import warnings
from collections.abc import Sequence

import ember

from ..._random import rng
from ..._tensor import Tensor
from ...nn import Module
from . import functional as F
from .functional import InterpolationMode, interpolation_mode, setup_size

__all__ = ["Compose", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize", "Resize",
           "CenterCrop", "Pad", "Lambda", "RandomApply", "RandomChoice", "RandomOrder", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomResizedCrop", "FiveCrop", "TenCrop", "ColorJitter",
           "RandomRotation", "RandomAffine", "Grayscale", "RandomGrayscale", "RandomPerspective", "RandomErasing",
           "GaussianBlur", "InterpolationMode", "RandomInvert", "RandomPosterize", "RandomSolarize",
           "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize", "ElasticTransform"]


def _uniform(low: float, high: float) -> float:
    """A float drawn uniformly from [low, high) by ember's default generator."""
    return float(rng(None).uniform(low, high))


def _randint(low: int, high: int) -> int:
    """An int drawn uniformly from [low, high) by ember's default generator."""
    return int(rng(None).integers(low, high))


def _happens(p: float) -> bool:
    """True with probability p."""
    return rng(None).random() < p


def _check_probability(p: float) -> None:
    if not isinstance(p, numbers.Number) or not 0.0 <= p <= 1.0:
        raise ValueError(f"p should be a probability between 0 and 1, got {p!r}")


def _tensor_fill(img, fill):
    """The fill as a list of floats per channel for tensor images (torchvision's convention), as is for PIL."""
    if not isinstance(img, Tensor):
        return fill
    if isinstance(fill, (int, float)):
        return [float(fill)] * F.get_dimensions(img)[0]
    return [float(f) for f in fill]


def _check_fill(fill):
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError(f"Fill should be either a sequence or a number, got {type(fill)}")
    return fill


def _sequence(x, name: str, sizes: tuple) -> list:
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {' or '.join(map(str, sizes))}, got {type(x)}")
    if len(x) not in sizes:
        raise ValueError(f"{name} should be a sequence of length {' or '.join(map(str, sizes))}, got {len(x)}")
    return [float(v) for v in x]


def _angle_range(x, name: str, sizes: tuple = (2,)) -> list:
    """[-x, x] for a number, else the sequence as floats."""
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive, got {x}")
        return [-float(x), float(x)]
    return _sequence(x, name, sizes)


# ---- containers ------------------------------------------------------------------------------------
class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms: Sequence):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RandomApply(Module):
    """Apply all of `transforms` with probability p, else none."""

    def __init__(self, transforms: Sequence, p: float = 0.5):
        super().__init__()
        _check_probability(p)
        self.transforms = transforms
        self.p = p

    def forward(self, img):
        if not _happens(self.p):
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(\n    p={self.p}" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class RandomTransforms:
    """Base of the containers that pick among `transforms` at random."""

    def __init__(self, transforms: Sequence):
        if not isinstance(transforms, Sequence):
            raise TypeError(f"Argument transforms should be a sequence, got {type(transforms)}")
        self.transforms = transforms

    def __call__(self, *args, **kwargs):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class RandomOrder(RandomTransforms):
    """Apply `transforms` in a random order."""

    def __call__(self, img):
        for i in rng(None).permutation(len(self.transforms)):
            img = self.transforms[i](img)
        return img


class RandomChoice(RandomTransforms):
    """Apply one of `transforms`, picked with probabilities proportional to `p` (default: equal)."""

    def __init__(self, transforms: Sequence, p: Sequence[float] | None = None):
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError(f"Argument p should be a sequence, got {type(p)}")
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Argument p should have one weight per transform: {len(p)} != {len(transforms)}")
        self.p = p

    def __call__(self, *args):
        n = len(self.transforms)
        weights = None if self.p is None else [w / sum(self.p) for w in self.p]
        return self.transforms[int(rng(None).choice(n, p=weights))](*args)

    def __repr__(self) -> str:
        return super().__repr__() + f"(p={self.p})"


# ---- conversion ------------------------------------------------------------------------------------
class ToTensor:
    """PIL image or (H, W, C) array -> (C, H, W) tensor; uint8 is scaled to floats in [0, 1]."""

    def __call__(self, pic) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PILToTensor:
    """PIL image -> (C, H, W) tensor of the same dtype, unscaled."""

    def __call__(self, pic) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPILImage:
    """(C, H, W) tensor or (H, W, C) array -> PIL image (`mode` inferred from dtype and channels if None)."""

    def __init__(self, mode: str | None = None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ("" if self.mode is None else f"mode={self.mode}") + ")"


class ConvertImageDtype(Module):
    """Convert a tensor image to `dtype`, rescaling intensities."""

    def __init__(self, dtype: ember.dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, image: Tensor) -> Tensor:
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dtype={self.dtype})"


class Normalize(Module):
    """(x - mean[c]) / std[c] for each channel of a float tensor image."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        super().__init__()
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor: Tensor) -> Tensor:
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


# ---- geometry --------------------------------------------------------------------------------------
class Resize(Module):
    """Resize to `size` ((h, w), or an int for the shorter edge, keeping the aspect ratio)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None,
                 antialias: bool | None = True):
        super().__init__()
        if size is not None and not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError(f"If size is a sequence, it should have 1 or 2 values, got {len(size)}")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = interpolation_mode(interpolation)

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(Module):
    """The central (h, w) box (zero-padded when the image is smaller)."""

    def __init__(self, size):
        super().__init__()
        self.size = setup_size(size)

    def forward(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class Pad(Module):
    """Pad the borders by `padding` with `fill` or by edge, reflect or symmetric extension."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        super().__init__()
        F.parse_padding(padding)
        if not isinstance(fill, (numbers.Number, tuple, list, str)):
            raise TypeError(f"Got inappropriate fill arg: {type(fill)}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, got "
                             f"{padding_mode}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop(Module):
    """A random (h, w) box, after optional padding (`pad_if_needed` pads images smaller than the box)."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        super().__init__()
        self.size = setup_size(size)
        if padding is not None:
            F.parse_padding(padding)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size) -> tuple[int, int, int, int]:
        """(top, left, h, w) of a random crop of `output_size`."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(0, h - th + 1), _randint(0, w - tw + 1), th, tw

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip(Module):
    """Mirror left to right with probability p."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        _check_probability(p)
        self.p = p

    def forward(self, img):
        return F.hflip(img) if _happens(self.p) else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(Module):
    """Mirror top to bottom with probability p."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        _check_probability(p)
        self.p = p

    def forward(self, img):
        return F.vflip(img) if _happens(self.p) else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomResizedCrop(Module):
    """A crop of random area (fraction `scale`) and aspect ratio (`ratio`), resized to `size`."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True):
        super().__init__()
        self.size = setup_size(size)
        if not isinstance(scale, Sequence):
            raise TypeError(f"Scale should be a sequence, got {type(scale)}")
        if not isinstance(ratio, Sequence):
            raise TypeError(f"Ratio should be a sequence, got {type(ratio)}")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.interpolation = interpolation_mode(interpolation)
        self.antialias, self.scale, self.ratio = antialias, scale, ratio

    @staticmethod
    def get_params(img, scale, ratio) -> tuple[int, int, int, int]:
        """(top, left, h, w): up to 10 random tries, then a central crop clamped to the ratio range."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
        for _ in range(10):
            target = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_lo, log_hi))
            w = round(math.sqrt(target * aspect))
            h = round(math.sqrt(target / aspect))
            if 0 < w <= width and 0 < h <= height:
                return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, round(width / min(ratio))
        elif in_ratio > max(ratio):
            h, w = height, round(height * max(ratio))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class FiveCrop(Module):
    """The four corner crops and the central crop, as a tuple."""

    def __init__(self, size):
        super().__init__()
        self.size = setup_size(size)

    def forward(self, img) -> tuple:
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class TenCrop(Module):
    """FiveCrop of the image and of its mirror image (vertical if `vertical_flip`)."""

    def __init__(self, size, vertical_flip: bool = False):
        super().__init__()
        self.size, self.vertical_flip = setup_size(size), vertical_flip

    def forward(self, img) -> tuple:
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class RandomRotation(Module):
    """Rotate by an angle drawn uniformly from `degrees` ((-d, d) for a number)."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None, fill=0):
        super().__init__()
        self.degrees = _angle_range(degrees, "degrees")
        if center is not None:
            _sequence(center, "center", (2,))
        self.interpolation = interpolation_mode(interpolation)
        self.expand, self.center, self.fill = expand, center, _check_fill(fill)

    @staticmethod
    def get_params(degrees) -> float:
        """A random angle from [degrees[0], degrees[1])."""
        return _uniform(degrees[0], degrees[1])

    def forward(self, img):
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, _tensor_fill(img, self.fill))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}" + ("" if self.center is None else f", center={self.center}")
                + ("" if self.fill == 0 else f", fill={self.fill}") + ")")


class RandomAffine(Module):
    """A random affine map: rotation from `degrees`, translation up to `translate` (fractions of width, height),
    scale from `scale`, shear from `shear` (x range, or x and y ranges)."""

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        super().__init__()
        self.degrees = _angle_range(degrees, "degrees")
        if translate is not None:
            _sequence(translate, "translate", (2,))
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError(f"translation values should be between 0 and 1, got {translate}")
        if scale is not None:
            _sequence(scale, "scale", (2,))
            if not all(s > 0 for s in scale):
                raise ValueError(f"scale values should be positive, got {scale}")
        if center is not None:
            _sequence(center, "center", (2,))
        self.translate, self.scale, self.center = translate, scale, center
        self.shear = None if shear is None else _angle_range(shear, "shear", (2, 4))
        self.interpolation = interpolation_mode(interpolation)
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size) -> tuple:
        """(angle, (tx, ty), scale, (shear_x, shear_y)) for an image of `img_size` [width, height]."""
        angle = _uniform(degrees[0], degrees[1])
        translations = (0, 0)
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (round(_uniform(-max_dx, max_dx)), round(_uniform(-max_dy, max_dy)))
        scale = 1.0 if scale_ranges is None else _uniform(scale_ranges[0], scale_ranges[1])
        shear = [0.0, 0.0]
        if shears is not None:
            shear[0] = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear[1] = _uniform(shears[2], shears[3])
        return angle, translations, scale, tuple(shear)

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        return F.affine(img, *params, interpolation=self.interpolation, fill=_tensor_fill(img, self.fill),
                        center=self.center)

    def __repr__(self) -> str:
        fields = [f"degrees={self.degrees}"] + [f"{k}={v}" for k, v in (
            ("translate", self.translate), ("scale", self.scale), ("shear", self.shear), ("center", self.center))
            if v is not None]
        if self.interpolation != InterpolationMode.NEAREST:
            fields.append(f"interpolation={self.interpolation.value}")
        if self.fill != 0:
            fields.append(f"fill={self.fill}")
        return f"{type(self).__name__}({', '.join(fields)})"


class RandomPerspective(Module):
    """With probability p, a random perspective warp moving each corner inwards by up to `distortion_scale`
    of half the image size."""

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5, interpolation=InterpolationMode.BILINEAR,
                 fill=0):
        super().__init__()
        _check_probability(p)
        self.p, self.distortion_scale = p, distortion_scale
        self.interpolation = interpolation_mode(interpolation)
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float) -> tuple[list, list]:
        """(startpoints, endpoints): the image corners and their random inward displacements."""
        dx, dy = int(distortion_scale * (width // 2)), int(distortion_scale * (height // 2))
        top_left = [_randint(0, dx + 1), _randint(0, dy + 1)]
        top_right = [_randint(width - dx - 1, width), _randint(0, dy + 1)]
        bottom_right = [_randint(width - dx - 1, width), _randint(height - dy - 1, height)]
        bottom_left = [_randint(0, dx + 1), _randint(height - dy - 1, height)]
        start = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return start, [top_left, top_right, bottom_right, bottom_left]

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        if not _happens(self.p):
            return img
        start, end = self.get_params(width, height, self.distortion_scale)
        return F.perspective(img, start, end, self.interpolation, _tensor_fill(img, self.fill))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


# ---- colour ----------------------------------------------------------------------------------------
class Grayscale(Module):
    """Convert to greyscale with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(Module):
    """With probability p, convert to greyscale keeping the number of channels."""

    def __init__(self, p: float = 0.1):
        super().__init__()
        _check_probability(p)
        self.p = p

    def forward(self, img):
        channels = F.get_dimensions(img)[0]
        return F.rgb_to_grayscale(img, channels) if _happens(self.p) else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


def _jitter_range(value, name: str, center: float = 1.0, bound=(0.0, float("inf")), clip_first_on_zero=True):
    """The (min, max) factor range of one ColorJitter argument, or None when it is the identity."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative, got {value}")
        value = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2, got {value!r}")
    if not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    return None if value[0] == value[1] == center else tuple(value)


class ColorJitter(Module):
    """Random brightness, contrast, saturation and hue changes, applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self.brightness = _jitter_range(brightness, "brightness")
        self.contrast = _jitter_range(contrast, "contrast")
        self.saturation = _jitter_range(saturation, "saturation")
        self.hue = _jitter_range(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue) -> tuple:
        """(order of the four adjustments as a tensor, brightness, contrast, saturation, hue factors or None)."""
        order = ember.randperm(4)
        return (order,) + tuple(None if r is None else _uniform(r[0], r[1])
                                for r in (brightness, contrast, saturation, hue))

    def forward(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for i in order.tolist():
            if factors[i] is not None:
                img = adjust[i](img, factors[i])
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class _RandomPhotometric(Module):
    """Base of the transforms that apply `self.op` with probability p."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        _check_probability(p)
        self.p = p

    def forward(self, img):
        return self.op(img) if _happens(self.p) else img

    def op(self, img):
        """The transformed image."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomInvert(_RandomPhotometric):
    """Invert the colours with probability p."""

    def op(self, img):
        return F.invert(img)


class RandomAutocontrast(_RandomPhotometric):
    """Stretch each channel to the full range with probability p."""

    def op(self, img):
        return F.autocontrast(img)


class RandomEqualize(_RandomPhotometric):
    """Equalise the histogram with probability p."""

    def op(self, img):
        return F.equalize(img)


class RandomPosterize(_RandomPhotometric):
    """Keep the `bits` highest bits of each value with probability p."""

    def __init__(self, bits: int, p: float = 0.5):
        super().__init__(p)
        self.bits = bits

    def op(self, img):
        return F.posterize(img, self.bits)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(bits={self.bits},p={self.p})"


class RandomSolarize(_RandomPhotometric):
    """Invert the values >= threshold with probability p."""

    def __init__(self, threshold: float, p: float = 0.5):
        super().__init__(p)
        self.threshold = threshold

    def op(self, img):
        return F.solarize(img, self.threshold)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(threshold={self.threshold},p={self.p})"


class RandomAdjustSharpness(_RandomPhotometric):
    """Adjust the sharpness by `sharpness_factor` with probability p."""

    def __init__(self, sharpness_factor: float, p: float = 0.5):
        super().__init__(p)
        self.sharpness_factor = sharpness_factor

    def op(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sharpness_factor={self.sharpness_factor},p={self.p})"


def _float_pair(value, name: str) -> list[float]:
    """[v, v] for a float, else a sequence of 2 floats as a list."""
    if isinstance(value, float):
        return [value, value]
    if not isinstance(value, Sequence):
        raise TypeError(f"{name} should be float or a sequence of floats. Got {type(value)}")
    if len(value) != 2:
        raise ValueError(f"If {name} is a sequence its length should be 2. Got {len(value)}")
    if not all(isinstance(v, float) for v in value):
        raise TypeError(f"{name} should be a sequence of floats. Got {[type(v) for v in value]}")
    return list(value)


def elastic_displacement(alpha: list[float], sigma: list[float], size: list[int]) -> Tensor:
    """A random (1, H, W, 2) displacement: uniform noise in [-1, 1) per axis, blurred by a Gaussian (std `sigma`,
    kernel 8 sigma + 1 rounded up to odd) and scaled by alpha / the axis length."""
    planes = []
    for axis, (a, s) in enumerate(zip(alpha, sigma)):
        d = ember.rand([1, 1] + list(size)) * 2 - 1
        if s > 0.0:
            k = int(8 * s + 1) | 1
            d = F.gaussian_blur(d, [k, k], list(sigma))
        planes.append(d * a / size[1 - axis])
    return ember.cat(planes, 1).permute(0, 2, 3, 1)


class ElasticTransform(Module):
    """Displace every pixel by smoothed random noise: `alpha` scales the displacements, `sigma` smooths them."""

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        self.alpha, self.sigma = _float_pair(alpha, "alpha"), _float_pair(sigma, "sigma")
        self.interpolation = interpolation_mode(interpolation)
        if isinstance(fill, (int, float)):
            fill = [float(fill)]
        elif isinstance(fill, (list, tuple)):
            fill = [float(f) for f in fill]
        else:
            raise TypeError(f"fill should be int or float or a list or tuple of them. Got {type(fill)}")
        self.fill = fill

    @staticmethod
    def get_params(alpha: list[float], sigma: list[float], size: list[int]) -> Tensor:
        """The random (1, H, W, 2) displacement for an image of `size` [H, W]."""
        return elastic_displacement(alpha, sigma, size)

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        return F.elastic_transform(img, displacement, self.interpolation, self.fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(alpha={self.alpha}, sigma={self.sigma}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class GaussianBlur(Module):
    """Gaussian blur with `kernel_size` and a std drawn uniformly from `sigma` (min, max)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = setup_size(kernel_size, "kernel size")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError(f"Kernel size value should be an odd and positive number, got {kernel_size}")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError(f"If sigma is a single number, it must be positive, got {sigma}")
            sigma = (sigma, sigma)
        elif not isinstance(sigma, Sequence) or len(sigma) != 2:
            raise ValueError(f"sigma should be a single number or a list/tuple with length 2, got {sigma!r}")
        elif not 0.0 < sigma[0] <= sigma[1]:
            raise ValueError(f"sigma values should be positive and of the form (min, max), got {sigma}")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        """A std drawn uniformly from [sigma_min, sigma_max)."""
        return _uniform(sigma_min, sigma_max)

    def forward(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomErasing(Module):
    """With probability p, erase a random box (area fraction `scale`, aspect ratio `ratio`) of a tensor image
    with `value` (a number, one per channel, or 'random' for normal noise)."""

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace: bool = False):
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError(f"Argument value should be either a number or str or a sequence, got {type(value)}")
        if isinstance(value, str) and value != "random":
            raise ValueError(f"If value is str, it should be 'random', got {value!r}")
        if not isinstance(scale, Sequence) or not isinstance(ratio, Sequence):
            raise TypeError("Scale and ratio should be sequences")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError(f"Scale should be between 0 and 1, got {scale}")
        _check_probability(p)
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img: Tensor, scale, ratio, value=None) -> tuple:
        """(top, left, h, w, v) of the box and its values; the whole image itself after 10 failed tries."""
        c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_lo, log_hi))
            h = round(math.sqrt(erase_area * aspect))
            w = round(math.sqrt(erase_area / aspect))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = ember.randn(c, h, w, device=img.device)
            else:
                v = ember.tensor(value, device=img.device)[:, None, None]
            return _randint(0, img_h - h + 1), _randint(0, img_w - w + 1), h, w, v
        return 0, 0, img_h, img_w, img

    def forward(self, img: Tensor) -> Tensor:
        if not isinstance(img, Tensor):
            raise TypeError(f"RandomErasing takes tensor images (apply it after ToTensor), got {type(img)}")
        if not _happens(self.p):
            return img
        i, j, h, w, v = self.get_params(img, self.scale, self.ratio, self._erase_value(img.shape[-3]))
        return F.erase(img, i, j, h, w, v, self.inplace)

    def _erase_value(self, channels: int) -> list[float] | None:
        """`value` as a list of floats (None for 'random'), checked against the number of channels."""
        if isinstance(self.value, numbers.Number):
            return [float(self.value)]
        if isinstance(self.value, str):
            return None
        if len(self.value) not in (1, channels):
            raise ValueError(f"If value is a sequence, it should have either a single value or {channels} "
                             f"(number of input channels), got {len(self.value)}")
        return [float(v) for v in self.value]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")
