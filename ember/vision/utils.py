"""torchvision.utils: tile images into a grid (make_grid), write it to a file (save_image), draw boxes."""
import math
import warnings

import numpy as np

import ember

from .. import nn
from .._tensor import Tensor
from .transforms import functional as F
from .transforms.functional_pil import Image

__all__ = ["make_grid", "save_image", "draw_bounding_boxes"]


def _normalized(tensor: Tensor, value_range, scale_each: bool) -> Tensor:
    """Map [low, high] to [0, 1] (clamping), with low and high from `value_range` or the min and max of the whole
    batch or, with `scale_each`, of each image; the span is computed in float64 as torchvision does."""
    if value_range is not None:
        low = ember.tensor(float(value_range[0]), dtype=ember.float64, device=tensor.device)
        high = ember.tensor(float(value_range[1]), dtype=ember.float64, device=tensor.device)
    elif scale_each:
        low, high = tensor.amin((1, 2, 3), keepdim=True).double(), tensor.amax((1, 2, 3), keepdim=True).double()
    else:
        low, high = tensor.amin().double(), tensor.amax().double()
    span = (high - low).clamp_min(1e-5).to(tensor.dtype)
    low, high = low.to(tensor.dtype), high.to(tensor.dtype)
    return (ember.minimum(ember.maximum(tensor, low), high) - low) / span


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Tile a batch (N, C, H, W) or list of images into one (C, rows * (H + padding) + padding, ...) image with
    `nrow` images per row, separated by `pad_value`; 1-channel images become 3-channel. Differentiable."""
    if not isinstance(tensor, Tensor):
        if not isinstance(tensor, list):
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        tensor = ember.stack(tensor, 0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = ember.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(f"make_grid expects images of shape (H, W), (C, H, W) or (N, C, H, W), got "
                         f"{tuple(tensor.shape)}")
    if tensor.size(1) == 1:
        tensor = ember.cat((tensor, tensor, tensor), 1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        tensor = _normalized(tensor, value_range, scale_each)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    n, c, h, w = tensor.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    if rows * cols > n:
        tensor = ember.cat((tensor, tensor.new_full((rows * cols - n, c, h, w), pad_value)), 0)
    cells = nn.functional.pad(tensor, [padding, 0, padding, 0], value=pad_value)
    hp, wp = h + padding, w + padding
    grid = cells.reshape(rows, cols, c, hp, wp).permute(2, 0, 3, 1, 4).reshape(c, rows * hp, cols * wp)
    return nn.functional.pad(grid, [0, padding, 0, padding], value=pad_value)


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """make_grid(tensor, **kwargs), then write it as an 8-bit image (floats in [0, 1] are scaled by 255 and
    rounded; uint8 grids are written as they are)."""
    grid = make_grid(tensor, **kwargs).detach()
    a = grid.numpy(force=True).transpose(1, 2, 0)
    if grid.dtype != ember.uint8:
        a = np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8)
    Image.fromarray(np.ascontiguousarray(a)).save(fp, format=format)


def _palette(n: int) -> list[tuple]:
    base = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [tuple(int(v) for v in (i * base) % 255) for i in range(n)]


def _box_colors(colors, n: int) -> list:
    from PIL import ImageColor  # optional: pillow
    if colors is None:
        colors = _palette(n)
    elif isinstance(colors, list):
        if len(colors) < n:
            raise ValueError(f"Number of colors must be equal or larger than the number of objects, but got "
                             f"{len(colors)} < {n}.")
    else:
        colors = [colors] * n
    return [ImageColor.getrgb(c) if isinstance(c, str) else tuple(c) for c in colors[:n]]


def draw_bounding_boxes(image: Tensor, boxes: Tensor, labels: list[str] | None = None, colors=None,
                        fill: bool = False, width: int = 1, font: str | None = None,
                        font_size: int | None = None) -> Tensor:
    """A copy of a (C, H, W) uint8 or float image with the (xmin, ymin, xmax, ymax) `boxes` outlined (filled
    translucent with `fill`) and labelled; grey images come back RGB."""
    from PIL import ImageDraw, ImageFont  # optional: pillow
    if not isinstance(image, Tensor):
        raise TypeError(f"Tensor expected, got {type(image)}")
    if not (image.dtype == ember.uint8 or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError(f"Pass individual images, not batches: expected (C, H, W), got {tuple(image.shape)}")
    if image.size(0) not in (1, 3):
        raise ValueError(f"Only grayscale and RGB images are supported, got {image.size(0)} channels")
    b = boxes.detach().numpy(force=True)
    if b.ndim != 2 or b.shape[1] != 4 or (b[:, 0] > b[:, 2]).any() or (b[:, 1] > b[:, 3]).any():
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format, an (N, 4) tensor")
    if len(b) == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is not None and len(labels) != len(b):
        raise ValueError(f"Number of boxes ({len(b)}) and labels ({len(labels)}) mismatch. Please specify labels "
                         f"for each box.")
    text_font = ImageFont.load_default() if font is None else ImageFont.truetype(font=font, size=font_size or 10)
    img = image.detach().expand(3, -1, -1) if image.size(0) == 1 else image.detach()
    if image.is_floating_point():
        img = F.convert_image_dtype(img, ember.uint8)
    canvas = F.to_pil_image(img)
    draw = ImageDraw.Draw(canvas, "RGBA" if fill else None)
    for box, color, label in zip(b.astype(np.int64).tolist(), _box_colors(colors, len(b)),
                                 labels or [None] * len(b)):
        draw.rectangle(box, width=width, outline=color, fill=color + (100,) if fill else None)
        if label is not None:
            draw.text((box[0] + width + 1, box[1] + width + 1), label, fill=color, font=text_font)
    out = F.pil_to_tensor(canvas)
    return F.convert_image_dtype(out, image.dtype) if image.is_floating_point() else out
