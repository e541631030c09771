"""The half-Cauchy distribution: |X| for X ~ Cauchy(0, scale)."""
import math

import ember
from ember import Tensor

from .cauchy import Cauchy
from .half import HalfDistribution


class HalfCauchy(HalfDistribution):
    """HalfCauchy(scale): |X| for X ~ Cauchy(0, scale)."""

    def __init__(self, scale: Tensor | float, validate_args: bool | None = None):
        super().__init__(Cauchy(0, scale, validate_args=False), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "HalfCauchy":
        return super().expand(batch_shape, self._get_checked_instance(HalfCauchy, _instance))

    @property
    def mean(self) -> Tensor:
        return ember.full(self._extended_shape(), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance
