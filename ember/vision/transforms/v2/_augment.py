"""v2.MixUp and v2.CutMix: mix each image of a batch with the next one (rolled by one) and the labels alike.

The mixing weight lam is drawn from Beta(alpha, alpha) by ember's default generator. Index labels (N,) become
one-hot float rows; (N, num_classes) label tensors are mixed as they are.
"""
import math
from collections.abc import Callable, Mapping
from typing import Any

from ...._random import rng
from ...._tensor import Tensor
from ...._tree import flatten, unflatten
from ....nn import functional as nnF
from ... import tv_tensors
from ..transforms import _randint
from ._transform import Transform, _is_pure_tensor
from ._utils import PIL_TYPES, query_size

__all__ = ["CutMix", "MixUp"]


def default_labels(sample: Any) -> Any:
    """The labels of a sample: the second item of a tuple or list (a tensor, or a dict holding them), or the
    "labels" (else first "label"-like, case-insensitive) entry of a dict."""
    if isinstance(sample, (tuple, list)):
        sample = sample[1]
    if _is_pure_tensor(sample):
        return sample
    if not isinstance(sample, Mapping):
        raise ValueError(f"When using the default labels_getter, the input passed to forward must be a dictionary or "
                         f"a two-tuple whose second item is a dictionary or a tensor, but got {sample} instead.")
    keys = [k for k in sample if k.lower() == "labels"] or [k for k in sample if "label" in k.lower()]
    if not keys:
        raise ValueError("Could not infer where the labels are in the sample. Try passing a callable as the "
                         "labels_getter parameter? If there are no labels in the sample by design, pass "
                         "labels_getter=None.")
    return sample[keys[0]]


def labels_getter_fn(labels_getter) -> Callable[[Any], Any]:
    """The function that finds the labels: the default heuristic, a user callable, or one returning None."""
    if labels_getter == "default":
        return default_labels
    if callable(labels_getter):
        return labels_getter
    if labels_getter is None:
        return lambda _: None
    raise ValueError(f"labels_getter should either be 'default', a callable, or None, but got {labels_getter}.")


class _BaseMixUpCutMix(Transform):
    """Finds the labels, checks them against the batch, and mixes labels by `lam` (set by the subclass)."""

    def __init__(self, *, alpha: float = 1.0, num_classes: int | None = None, labels_getter="default") -> None:
        super().__init__()
        self.alpha = float(alpha)
        self.num_classes = num_classes
        self._labels_getter = labels_getter_fn(labels_getter)

    def forward(self, *inputs: Any) -> Any:
        sample = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = flatten(sample)
        if any(isinstance(x, (*PIL_TYPES, tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints))
               for x in flat_inputs):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding boxes, keypoints and "
                             f"masks.")
        labels = self._check_labels(self._labels_getter(sample))
        needs = self._needs_transform_list(flat_inputs)
        params = {"labels": labels, "batch_size": labels.shape[0],
                  **self.make_params([x for x, need in zip(flat_inputs, needs) if need])}
        outputs = [self.mix_labels(x, params) if x is labels else self.transform(x, params) if need else x
                   for x, need in zip(flat_inputs, needs)]
        return unflatten(outputs, spec)

    def _check_labels(self, labels) -> Tensor:
        if not isinstance(labels, Tensor):
            raise ValueError(f"The labels must be a tensor, but got {type(labels)} instead.")
        if labels.ndim not in (1, 2):
            raise ValueError(f"labels should be index based with shape (batch_size,) or probability based with shape "
                             f"(batch_size, num_classes), but got a tensor of shape {labels.shape} instead.")
        if labels.ndim == 2 and self.num_classes is not None and labels.shape[-1] != self.num_classes:
            raise ValueError(f"When passing 2D labels, the number of elements in last dimension must match "
                             f"num_classes: {labels.shape[-1]} != {self.num_classes}. You can Leave num_classes to "
                             f"None.")
        if labels.ndim == 1 and self.num_classes is None:
            raise ValueError("num_classes must be passed if the labels are index-based (1D)")
        return labels

    def check_batch(self, inpt: Tensor, batch_size: int) -> None:
        """ValueError unless `inpt` is an (N, C, H, W) batch of `batch_size` images."""
        if inpt.ndim != 4:
            raise ValueError(f"Expected a batched input with 4 dims, but got {inpt.ndim} dimensions instead.")
        if inpt.shape[0] != batch_size:
            raise ValueError(f"The batch size of the image or video does not match the batch size of the labels: "
                             f"{inpt.shape[0]} != {batch_size}.")

    def mix_labels(self, labels: Tensor, params: dict[str, Any]) -> Tensor:
        """lam * labels + (1 - lam) * labels rolled by one, as float rows (one-hot for index labels)."""
        lam = params["lam"]
        if labels.ndim == 1:
            labels = nnF.one_hot(labels, num_classes=self.num_classes)
        if not labels.is_floating_point():
            labels = labels.float()
        return labels.roll(1, 0) * (1.0 - lam) + labels * lam

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + ("" if self.num_classes is None else f", num_classes={self.num_classes}")


class MixUp(_BaseMixUpCutMix):
    """Blend each image with the next in the batch: lam * x + (1 - lam) * x rolled by one, lam ~ Beta(alpha,
    alpha); the labels are mixed by the same lam."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"lam": float(rng(None).beta(self.alpha, self.alpha))}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if not isinstance(inpt, Tensor):
            return inpt
        self.check_batch(inpt, params["batch_size"])
        lam = params["lam"]
        plain = inpt.as_subclass(Tensor)
        out = plain.roll(1, 0) * (1.0 - lam) + plain * lam
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.Image) else out


class CutMix(_BaseMixUpCutMix):
    """Paste into each image a box of the next image in the batch: the box is centred at a random pixel, its sides
    sqrt(1 - lam) of the image's (lam ~ Beta(alpha, alpha)), clipped to the image; the labels are mixed by the
    fraction of the image left."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        lam = float(rng(None).beta(self.alpha, self.alpha))
        height, width = query_size(flat_inputs)
        cx, cy = _randint(0, width), _randint(0, height)
        r = 0.5 * math.sqrt(1.0 - lam)
        half_w, half_h = int(r * width), int(r * height)
        x1, y1 = max(cx - half_w, 0), max(cy - half_h, 0)
        x2, y2 = min(cx + half_w, width), min(cy + half_h, height)
        return {"box": (x1, y1, x2, y2), "lam": float(1.0 - (x2 - x1) * (y2 - y1) / (width * height))}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if not isinstance(inpt, Tensor):
            return inpt
        self.check_batch(inpt, params["batch_size"])
        x1, y1, x2, y2 = params["box"]
        out = inpt.as_subclass(Tensor).clone()
        out[..., y1:y2, x1:x2] = out.roll(1, 0)[..., y1:y2, x1:x2]
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.Image) else out
