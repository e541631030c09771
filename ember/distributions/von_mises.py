"""The von Mises distribution: a normal distribution wrapped onto the circle."""
import math
from typing import ClassVar

import ember
from ember import Tensor

from . import constraints
from .distribution import Distribution
from .utils import batch_shape_of, broadcast_all


def _log_i0(x: Tensor) -> Tensor:
    """log I0(x), the modified Bessel function of order 0, stable for large x."""
    return ember.log(ember.special.i0e(x)) + x.abs()


class VonMises(Distribution):
    """VonMises(loc, concentration): density exp(k cos(x - loc)) / (2 pi I0(k)) on [-pi, pi).

    Sampling is Best and Fisher's rejection method, vectorised: each round redraws only the rejected entries.
    """
    arg_constraints: ClassVar[dict] = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Tensor | float, concentration: Tensor | float, validate_args: bool | None = None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(batch_shape_of((loc, concentration), self.loc), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "VonMises":
        return self._expand_parameters(VonMises, batch_shape, ("loc", "concentration"), _instance)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        k = self.concentration
        return k * ember.cos(value - self.loc) - math.log(2 * math.pi) - _log_i0(k)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The circular variance, 1 - I1(k) / I0(k)."""
        k = self.concentration
        return 1 - ember.special.i1e(k) / ember.special.i0e(k)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            k = self.concentration.double().expand(shape)
            tau = 1 + ember.sqrt(1 + 4 * k ** 2)
            rho = 2 * k / (tau + ember.sqrt(2 * tau))
            r = (1 + rho ** 2) / (2 * rho)
            theta = ember.zeros(shape, dtype=ember.float64, device=k.device)
            pending = ember.ones(shape, dtype=ember.bool, device=k.device)
            while bool(pending.any()):
                u1, u2, u3 = (ember.rand(shape, dtype=ember.float64, device=k.device) for _ in range(3))
                z = ember.cos(math.pi * u1)
                f = (1 + r * z) / (r + z)
                c = k * (r - f)
                accept = pending & ((c * (2 - c) - u2 > 0) | (ember.log(c / u2) + 1 - c >= 0))
                theta = ember.where(accept, ember.sign(u3 - 0.5) * ember.acos(f.clamp(-1, 1)), theta)
                pending = pending & ~accept
            x = theta + self.loc.double()
            return (ember.remainder(x + math.pi, 2 * math.pi) - math.pi).to(self.loc.dtype)
