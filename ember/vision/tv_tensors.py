"""torchvision.tv_tensors: tensor subclasses that tell the v2 transforms what an input is.

`Image` is a Tensor subclass: the v2 transforms and `transforms.v2.functional` return an `Image` for an `Image`,
and `clone`, `to`, `detach` keep the type, while every other op returns a plain Tensor (as in torchvision).
Differs from torchvision: `Mask`, `BoundingBoxes`, `KeyPoints` and `Video` can be built, but the v2 transforms raise
NotImplementedError for them (ember has no detection, segmentation or video transforms yet); wrapping a tensor
that has a grad_fn gives a new leaf (ember's `Tensor.as_subclass`).
"""
from enum import Enum
from typing import Self

import ember

from .._tensor import Tensor, wrap_as
from ..backend import to_numpy

__all__ = ["BoundingBoxFormat", "BoundingBoxes", "Image", "KeyPoints", "Mask", "TVTensor", "Video", "wrap"]


class TVTensor(Tensor):
    """Base class of the tv_tensors."""

    @classmethod
    def _from_data(cls, data, dtype=None, device=None, requires_grad: bool | None = None) -> "TVTensor":
        if requires_grad is None:
            requires_grad = isinstance(data, Tensor) and data.requires_grad
        tensor = ember.as_tensor(data, dtype=dtype, device=device)
        return tensor.as_subclass(cls).requires_grad_(requires_grad)

    def __init__(self, *args, **kwargs) -> None:
        pass  # __new__ built the tensor; Tensor.__init__ would rebuild it from the arguments

    def _metadata(self) -> dict:
        """The non-tensor attributes (format, canvas_size) that a copy keeps."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def clone(self, *args, **kwargs) -> "TVTensor":
        """A copy of the values, of the same tv_tensor type."""
        return wrap(Tensor.clone(self, *args, **kwargs), like=self)

    def to(self, *args, **kwargs) -> "TVTensor":
        """`Tensor.to`, keeping the tv_tensor type."""
        out = Tensor.to(self, *args, **kwargs)
        return out if out is self else wrap(out, like=self)

    def detach(self) -> "TVTensor":
        """`Tensor.detach`, keeping the tv_tensor type."""
        return wrap(Tensor.detach(self), like=self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (type(self), to_numpy(self._data), self.requires_grad, self._metadata()))

    def __deepcopy__(self, memo):
        return _rebuild(type(self), self._data.copy(), self.requires_grad, self._metadata())

    def __repr__(self, *, tensor_contents=None) -> str:
        plain = Tensor.__repr__(self)
        extra = "".join(f"{k}={v}, " for k, v in self._metadata().items())
        return f"{type(self).__name__}{plain[len('tensor'):-1]}, {extra})"


def _rebuild(cls, array, requires_grad: bool, metadata: dict) -> TVTensor:
    t = wrap_as(cls, array, requires_grad)
    t.__dict__.update(metadata)
    return t


def wrap(wrappee: Tensor, *, like: TVTensor, **kwargs) -> TVTensor:
    """`wrappee` as a tv_tensor of the type of `like`, with like's metadata unless overridden by `kwargs`."""
    out = wrappee.as_subclass(type(like))
    out.__dict__.update(like._metadata(), **kwargs)
    return out


class Image(TVTensor):
    """A (..., C, H, W) image; a 2-D input becomes (1, H, W) and a PIL image is read as by `pil_to_tensor`."""

    def __new__(cls, data, *, dtype: ember.dtype | None = None, device=None,
                requires_grad: bool | None = None) -> Self:
        from .transforms.functional import pil_to_tensor  # cycle: ember.vision.transforms imports this one
        from .transforms.functional_pil import is_pil_image  # cycle: ember.vision.transforms imports this one
        if is_pil_image(data):
            data = pil_to_tensor(data)
        image = cls._from_data(data, dtype, device, requires_grad)
        if image.ndim < 2:
            raise ValueError(f"Image expects a tensor with at least 2 dimensions, got {image.ndim}")
        if image.ndim == 2:
            image = image.unsqueeze(0).as_subclass(cls).requires_grad_(image.requires_grad)
        return image


class Video(TVTensor):
    """A (..., T, C, H, W) video. The v2 transforms do not take it in ember yet."""

    def __new__(cls, data, *, dtype: ember.dtype | None = None, device=None,
                requires_grad: bool | None = None) -> Self:
        video = cls._from_data(data, dtype, device, requires_grad)
        if video.ndim < 4:
            raise ValueError(f"Video expects a tensor with at least 4 dimensions, got {video.ndim}")
        return video


class Mask(TVTensor):
    """A (..., H, W) segmentation mask. The v2 transforms do not take it in ember yet."""

    def __new__(cls, data, *, dtype: ember.dtype | None = None, device=None,
                requires_grad: bool | None = None) -> Self:
        return cls._from_data(data, dtype, device, requires_grad)


class BoundingBoxFormat(Enum):
    """The coordinate layout of bounding boxes."""
    XYXY = "XYXY"
    XYWH = "XYWH"
    CXCYWH = "CXCYWH"


class BoundingBoxes(TVTensor):
    """(N, 4) boxes in `format` on an image of `canvas_size` (H, W). The v2 transforms do not take them in ember
    yet."""

    def __new__(cls, data, *, format: BoundingBoxFormat | str, canvas_size: tuple[int, int],
                dtype: ember.dtype | None = None, device=None, requires_grad: bool | None = None) -> Self:
        boxes = cls._from_data(data, dtype, device, requires_grad)
        if boxes.ndim == 1:
            boxes = boxes.unsqueeze(0).as_subclass(cls)
        boxes.format = BoundingBoxFormat[format.upper()] if isinstance(format, str) else format
        boxes.canvas_size = tuple(canvas_size)
        return boxes


class KeyPoints(TVTensor):
    """(..., 2) key points on an image of `canvas_size` (H, W). The v2 transforms do not take them in ember yet."""

    def __new__(cls, data, *, canvas_size: tuple[int, int], dtype: ember.dtype | None = None, device=None,
                requires_grad: bool | None = None) -> Self:
        points = cls._from_data(data, dtype, device, requires_grad)
        points.canvas_size = tuple(canvas_size)
        return points

