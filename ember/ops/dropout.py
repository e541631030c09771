"""Dropout: zero random elements (or whole channels) in training and rescale the rest."""
import warnings

from .._random import rng
from ..backend import asarray_like, meta
from .base import Tensor, check_tensor, tensor_type_error, wrap


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(a, p, shape, generator=None):
    """A 0/1 mask of `shape` in array a's dtype, on its device, scaled by 1/(1-p) (all zeros when p == 1); for a
    meta array, a meta mask, drawn from nothing (NOTE [ Meta tensors ] in backend/meta.py)."""
    if a.__class__ is meta.MetaArray:
        return wrap(meta.empty(shape, a.dtype))
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


def _feature_dropout(input, p, training, inplace, mask_shape):
    """Dropout of whole channels: one draw per element of `mask_shape` (input's shape with 1 for the dims a channel
    spans)."""
    if not training or p == 0:
        return input
    return _apply(input, _keep_mask(input._data, p, mask_shape), inplace)


def _channels_first(shape, batched: bool) -> tuple:
    """The mask shape of channel dropout: one draw per (batch, channel) or, unbatched, per channel (dim 0)."""
    kept = 2 if batched else 1
    return tuple(shape[:kept]) + (1,) * (len(shape) - kept)


def _deprecated_rank_warning(name: str, d: int, spatial: int) -> None:
    warnings.warn(f"{name}: Received a {d}-D input to {name}, which is deprecated and will result in an error in a "
                  f"future release. To retain the behavior and silence this warning, please use dropout instead. "
                  f"Note that {name} exists to provide channel-wise dropout on inputs with {spatial} spatial "
                  f"dimensions, a channel dimension, and an optional batch dimension (i.e. {spatial + 1}D or "
                  f"{spatial + 2}D inputs).", UserWarning, stacklevel=3)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p."""
    _check_p(p)
    check_tensor("dropout1d", "input", input, 1)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {d}D input. Note that dropout1d "
                           f"exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           f"dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, _channels_first(input.shape, d == 3))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p. As PyTorch 2.13: 3-D input is taken as
    (N, C, L), with a warning; other ranks warn and drop per element of the first two dims."""
    _check_p(p)
    check_tensor("dropout2d", "input", input, 1)
    d = input.dim()
    if d not in (3, 4):
        _deprecated_rank_warning("dropout2d", d, 2)
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", UserWarning, stacklevel=2)
    return _feature_dropout(input, p, training, inplace, _channels_first(input.shape, True))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p (other ranks warn, and are
    taken as unbatched, as PyTorch 2.13 does)."""
    _check_p(p)
    check_tensor("dropout3d", "input", input, 1)
    d = input.dim()
    if d not in (4, 5):
        _deprecated_rank_warning("dropout3d", d, 3)
    return _feature_dropout(input, p, training, inplace, _channels_first(input.shape, d == 5))


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
