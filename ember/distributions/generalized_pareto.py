"""The generalized Pareto distribution."""
import math
from typing import ClassVar

import ember
from ember import Tensor

from . import constraints
from .distribution import Distribution
from .utils import batch_shape_of, broadcast_all


class GeneralizedPareto(Distribution):
    """GeneralizedPareto(loc, scale, concentration): survival function (1 + xi z)^(-1/xi) for z = (x - loc) / scale
    and xi = concentration (exp(-z) at xi = 0), on z >= 0 (and z <= -1/xi when xi < 0)."""
    arg_constraints: ClassVar[dict] = {"loc": constraints.real, "scale": constraints.positive,
                                       "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, concentration: Tensor | float,
                 validate_args: bool | None = None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(batch_shape_of((loc, scale, concentration), self.loc), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "GeneralizedPareto":
        return self._expand_parameters(GeneralizedPareto, batch_shape, ("loc", "scale", "concentration"), _instance)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = self.loc - self.scale / self.concentration
        upper = ember.where(self.concentration < 0, upper, ember.full_like(upper, math.inf))
        return constraints.interval(self.loc, upper)

    def _z(self, x: Tensor) -> Tensor:
        return (x - self.loc) / self.scale

    def _zero_concentration(self) -> Tensor:
        """Where concentration is 0 (within 1e-8): where the exponential-tail formulas apply."""
        return self.concentration.abs() <= 1e-8

    def _nonzero_concentration(self) -> Tensor:
        """concentration with its zeros replaced by ones, so that the xi != 0 formulas stay finite there."""
        return ember.where(self._zero_concentration(), ember.ones_like(self.concentration), self.concentration)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return self.icdf(ember.rand(shape, dtype=self.loc.dtype, device=self.loc.device))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        xi = self._nonzero_concentration()
        power = 1 / xi + 1
        nonzero = ember.where(power == 0, power, power * ember.log1p(xi * z))  # xi = -1: uniform, log1p unused
        return -ember.log(self.scale) - ember.where(self._zero_concentration(), z, nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """log P(X > value)."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        xi = self._nonzero_concentration()
        return ember.where(self._zero_concentration(), -z, -ember.log1p(xi * z) / xi)

    def log_cdf(self, value: Tensor) -> Tensor:
        """log P(X <= value)."""
        return ember.log1p(-ember.exp(self.log_survival_function(value)))

    def cdf(self, value: Tensor) -> Tensor:
        return -ember.expm1(self.log_survival_function(value))

    def icdf(self, value: Tensor) -> Tensor:
        log_survival = ember.log1p(-value)
        xi = self._nonzero_concentration()
        z = ember.where(self._zero_concentration(), -log_survival, ember.expm1(-xi * log_survival) / xi)
        return self.loc + self.scale * z

    @property
    def mean(self) -> Tensor:
        mean = self.loc + self.scale / (1 - self.concentration)
        return ember.where(self.concentration < 1, mean, ember.full_like(mean, math.nan))

    @property
    def variance(self) -> Tensor:
        xi = self.concentration
        variance = self.scale.pow(2) / ((1 - xi).pow(2) * (1 - 2 * xi))
        return ember.where(xi < 0.5, variance, ember.full_like(variance, math.nan))

    @property
    def mode(self) -> Tensor:
        return self.loc

    def entropy(self) -> Tensor:
        return ember.log(self.scale) + self.concentration + 1
