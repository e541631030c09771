"""torch.nn._reduction: the reduction names of the losses, and the legacy size_average/reduce arguments."""
import warnings

from ..ops.loss import _legacy, legacy_reduction

_ENUM = {"none": 0, "mean": 1, "elementwise_mean": 1, "sum": 2}


def get_enum(reduction: str) -> int:
    """The number PyTorch's kernels take for a reduction name: none 0, mean 1, sum 2."""
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=2)
    if reduction not in _ENUM:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _ENUM[reduction]


def legacy_get_string(size_average, reduce, emit_warning: bool = True) -> str:
    """The reduction name for the deprecated size_average and reduce arguments (warning as PyTorch does)."""
    return legacy_reduction(size_average, reduce) if emit_warning else _legacy(size_average, reduce)


def legacy_get_enum(size_average, reduce, emit_warning: bool = True) -> int:
    """get_enum of legacy_get_string."""
    return get_enum(legacy_get_string(size_average, reduce, emit_warning))
