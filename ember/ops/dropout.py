"""Dropout: zero random elements (or whole channels) in training and rescale the rest."""

from .._random import rng
from ..backend import asarray_like
from .base import Tensor, check_tensor, tensor_type_error, wrap


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(a, p, shape, generator=None):
    """A 0/1 mask of `shape` in array a's dtype, on its device, scaled by 1/(1-p) (all zeros when p == 1)."""
    keep = rng(generator).random(shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1 - p)
    mask = (keep * scale).astype(a.dtype)
    return wrap(asarray_like(mask, a))


def _apply(input, mask, inplace):
    return input.mul_(mask) if inplace else input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p in training, scaling the kept ones by 1/(1-p)."""
    _check_p(p)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("dropout", "input", input) from None
    if not training or p == 0:
        return input
    return _apply(input, _keep_mask(a, p, a.shape), inplace)


def _feature_dropout(input, p, training, inplace, spatial, name):
    _check_p(p)
    check_tensor(name, "input", input, 1)
    d = input.dim()
    if d not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but received a "
                           f"{d}D input.")
    if not training or p == 0:
        return input
    channels = tuple(input.shape[:d - spatial]) + (1,) * spatial
    return _apply(input, _keep_mask(input._data, p, channels), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p."""
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability p."""
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


_SELU_ALPHA_PRIME = -1.7580993408473766  # -scale * alpha of SELU


def _alpha(input, p, training, shape):
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    keep = _keep_mask(input._data, p, shape) * (1 - p)  # a 0/1 mask
    a = ((1 - p) * (1 + p * _SELU_ALPHA_PRIME ** 2)) ** -0.5
    b = -a * _SELU_ALPHA_PRIME * p
    return (input * keep + (1 - keep) * _SELU_ALPHA_PRIME) * a + b


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps the mean and variance of SELU activations (dropped values go to SELU's minimum)."""
    _check_p(p)
    check_tensor("alpha_dropout", "input", input, 1)
    out = _alpha(input, p, training, tuple(input.shape))
    return input.copy_(out) if inplace and out is not input else out


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout of whole channels."""
    _check_p(p)
    check_tensor("feature_alpha_dropout", "input", input, 1)
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    out = _alpha(input, p, training, shape)
    return input.copy_(out) if inplace and out is not input else out


__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]
