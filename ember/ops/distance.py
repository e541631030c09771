"""Distances and similarities between rows of tensors, composed from other ops."""
from .. import _dtype
from .._creation import triu_indices
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, check_tensor
from .elementwise import where
from .keywords import numpy_keywords
from .rearrange import broadcast_shapes
from .reduction import p_norm


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of x1 - x2 + eps along the last dim."""
    check_tensor("pairwise_distance", "x1", x1, 1)
    check_tensor("pairwise_distance", "x2", x2, 2)
    return p_norm(x1 - x2 + eps, p, -1, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8, **aliases) -> Tensor:
    """sum(x1 / |x1| * x2 / |x2|) along dim, each norm at least eps (inputs broadcast, before the norms)."""
    if "cosine_similarity" in AUTOCAST_OPS[0]:
        return autocast_call("cosine_similarity", cosine_similarity, x1, x2, dim, eps, **aliases)
    if aliases:
        dim = numpy_keywords("cosine_similarity", aliases, dim)[0]
    check_tensor("cosine_similarity", "x1", x1, 1)
    check_tensor("cosine_similarity", "x2", x2, 2)
    if x1.shape != x2.shape:
        shape = broadcast_shapes(x1.shape, x2.shape)
        x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances between every pair of rows (i < j) of a 2-D input, as a flat vector.

    Differs from PyTorch: the grad_fn is the composition of the ops below, not PdistBackward0."""
    if "pdist" in AUTOCAST_OPS[0]:
        return autocast_call("pdist", pdist, input, p)
    check_tensor("pdist", "input", input, 1)
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    _check_distance_dtype("pdist", input)
    n = input.shape[0]
    i, j = triu_indices(n, n, 1)
    return (input[i] - input[j]).norm(p, dim=-1)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
          ) -> Tensor:
    """The p-norm distance between each row of x1 and each row of x2 (batched); for p = 2 with more than 25 rows (or
    compute_mode 'use_mm_for_euclid_dist'), through one matrix product, as PyTorch.

    Differs from PyTorch: the grad_fn is the composition of the ops below, not CdistBackward0."""
    if "cdist" in AUTOCAST_OPS[0]:
        return autocast_call("cdist", cdist, x1, x2, p, compute_mode)
    check_tensor("cdist", "x1", x1, 1)
    check_tensor("cdist", "x2", x2, 2)
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    _check_distance_dtype("cdist", x1, "X1")
    _check_distance_dtype("cdist", x2, "X2")
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (compute_mode == _COMPUTE_MODES[0] and
                                                                 max(x1.shape[-2], x2.shape[-2]) > 25)):
        return _euclidean(x1, x2)
    return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).norm(p, dim=-1)


def _check_distance_dtype(name: str, x: Tensor, argument: str | None = None) -> None:
    """PyTorch's errors for a distance of integer or complex rows (naming `argument`'s dtype where PyTorch does), or
    of half precision rows on the CPU."""
    dt = x.dtype
    if not dt.is_floating_point:
        got = f", {argument} got: {_dtype.scalar_type_name(dt.np)}" if argument else ""
        raise RuntimeError(f"{name} only supports floating-point dtypes{got}")
    if x.device.type == "cpu" and dt.itemsize == 2:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_dtype.scalar_type_name(dt.np)}'")


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _euclidean(x1: Tensor, x2: Tensor) -> Tensor:
    """The Euclidean distances from |x1|^2 - 2 x1 x2^T + |x2|^2, one matrix product and no (N, M, D) differences;
    0 (with a zero gradient) where rounding leaves no positive square."""
    squares = (x1 * x1).sum(-1, keepdim=True) - 2 * (x1 @ x2.mT) + (x2 * x2).sum(-1, keepdim=True).mT
    positive = squares > 0
    return where(positive, where(positive, squares, 1.0).sqrt(), 0.0)


__all__ = ["pairwise_distance", "cosine_similarity", "pdist", "cdist"]
