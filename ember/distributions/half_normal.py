"""The half-normal distribution: |X| for X ~ Normal(0, scale)."""
import math

from ember import Tensor

from .half import HalfDistribution
from .normal import Normal


class HalfNormal(HalfDistribution):
    """HalfNormal(scale): |X| for X ~ Normal(0, scale)."""

    def __init__(self, scale: Tensor | float, validate_args: bool | None = None):
        super().__init__(Normal(0, scale, validate_args=False), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "HalfNormal":
        return super().expand(batch_shape, self._get_checked_instance(HalfNormal, _instance))

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)
