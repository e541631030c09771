"""DropBlock: drops contiguous square (cubic) blocks of feature maps while training."""
import math

from ..._tensor import Tensor
from ...nn import Module, functional

__all__ = ["DropBlock2d", "DropBlock3d", "drop_block2d", "drop_block3d"]


def _drop_block(input: Tensor, p: float, block_size: int, inplace: bool, eps: float, training: bool,
                dims: int) -> Tensor:
    """DropBlock over the last `dims` dimensions of a (N, C, *spatial) tensor."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.dim() != dims + 2:
        raise ValueError(f"input should be {dims + 2} dimensional. Got {input.dim()} dimensions.")
    if not training or p == 0.0:
        return input
    spatial = list(input.shape[2:])
    block_size = min(block_size, *spatial)
    gamma = p * math.prod(spatial) / (block_size ** dims * math.prod(s - block_size + 1 for s in spatial))
    seeds = input.new_empty(list(input.shape[:2]) + [s - block_size + 1 for s in spatial]).bernoulli_(gamma)
    seeds = functional.pad(seeds, [block_size // 2] * (2 * dims), value=0)
    pool = functional.max_pool2d if dims == 2 else functional.max_pool3d
    mask = 1 - pool(seeds, kernel_size=block_size, stride=1, padding=block_size // 2)
    scale = mask.numel() / (eps + mask.sum())
    if inplace:
        return input.mul_(mask).mul_(scale)
    return input * mask * scale


def drop_block2d(input: Tensor, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06,
                 training: bool = True) -> Tensor:
    """DropBlock on (N, C, H, W): zeroes block_size x block_size squares around seeds drawn so that about a share
    `p` of the map is dropped, then rescales by the kept share; the identity outside training or when p is 0."""
    return _drop_block(input, p, block_size, inplace, eps, training, 2)


def drop_block3d(input: Tensor, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06,
                 training: bool = True) -> Tensor:
    """DropBlock on (N, C, D, H, W) with cubic blocks."""
    return _drop_block(input, p, block_size, inplace, eps, training, 3)


class DropBlock2d(Module):
    """The module form of drop_block2d, active in training mode."""

    def __init__(self, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06) -> None:
        super().__init__()
        self.p = p
        self.block_size = block_size
        self.inplace = inplace
        self.eps = eps

    def forward(self, input: Tensor) -> Tensor:
        """drop_block2d(input, ...) with this module's settings and training flag."""
        return drop_block2d(input, self.p, self.block_size, self.inplace, self.eps, self.training)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p}, block_size={self.block_size}, inplace={self.inplace})"


class DropBlock3d(DropBlock2d):
    """The module form of drop_block3d, active in training mode."""

    def forward(self, input: Tensor) -> Tensor:
        """drop_block3d(input, ...) with this module's settings and training flag."""
        return drop_block3d(input, self.p, self.block_size, self.inplace, self.eps, self.training)
