"""The v2 Transform base class: one call transforms every image in a nested sample with the same parameters."""
from typing import Any

from ...._tensor import Tensor
from ...._tree import flatten, unflatten
from ....nn import Module
from ... import tv_tensors
from ..transforms import _happens
from ._utils import PIL_TYPES
from .functional import check_supported


def _is_pure_tensor(inpt) -> bool:
    return isinstance(inpt, Tensor) and not isinstance(inpt, tv_tensors.TVTensor)


class Transform(Module):
    """Base class of the v2 transforms; subclasses override `make_params` and `transform`.

    Calling it on any nesting of tuples, lists and dicts transforms the leaves whose type is in
    `_transformed_types`: PIL images, `tv_tensors.Image`, and the first pure tensor when the sample has no
    Image or PIL image; other leaves pass through unchanged. `make_params` is called once per call with the leaves
    to transform, so random parameters are shared by all of them. Differs from torchvision: `Mask`,
    `BoundingBoxes`, `KeyPoints` and `Video` leaves raise NotImplementedError.
    """
    _transformed_types: tuple = (Tensor, *PIL_TYPES)

    def forward(self, *inputs: Any) -> Any:
        flat_inputs, spec = self._flatten(inputs)
        return unflatten(self._transform_flat(flat_inputs), spec)

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        """Raise for a sample the transform cannot take (all leaves, flattened); by default accept any."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        """The parameters shared by this call's transformed leaves (`flat_inputs`); by default none."""
        return {}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        """One leaf, transformed with `params`."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.__dict__.items()
                         if not name.startswith("_") and name != "training"
                         and isinstance(value, (bool, int, float, str, tuple, list)))

    def _flatten(self, inputs: tuple) -> tuple[list, Any]:
        flat_inputs, spec = flatten(inputs if len(inputs) > 1 else inputs[0])
        for inpt in flat_inputs:
            check_supported(inpt)
        self.check_inputs(flat_inputs)
        return flat_inputs, spec

    def _transform_flat(self, flat_inputs: list) -> list:
        needs = self._needs_transform_list(flat_inputs)
        params = self.make_params([inpt for inpt, need in zip(flat_inputs, needs) if need])
        return [self.transform(inpt, params) if need else inpt for inpt, need in zip(flat_inputs, needs)]

    def _needs_transform_list(self, flat_inputs: list) -> list[bool]:
        transform_pure_tensor = not any(isinstance(inpt, (tv_tensors.Image, *PIL_TYPES)) for inpt in flat_inputs)
        needs = []
        for inpt in flat_inputs:
            need = isinstance(inpt, self._transformed_types)
            if need and _is_pure_tensor(inpt):
                need, transform_pure_tensor = transform_pure_tensor, False
            needs.append(need)
        return needs


class _RandomApplyTransform(Transform):
    """A Transform applied to the whole sample with probability `self.p` (set by the subclass), else the sample is
    returned unchanged."""

    def forward(self, *inputs: Any) -> Any:
        flat_inputs, spec = self._flatten(inputs)
        if not _happens(self.p):
            return inputs if len(inputs) > 1 else inputs[0]
        return unflatten(self._transform_flat(flat_inputs), spec)
