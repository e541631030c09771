"""The gamma distribution, and the standard gamma sampler with its implicit reparameterization gradient."""
from typing import ClassVar

import numpy as np

import ember
from ember import Tensor
from ember._random import rng
from ember.backend import special_functions

from . import constraints
from .exp_family import ExponentialFamily
from .utils import batch_shape_of, broadcast_all


def _standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/dalpha for x ~ Gamma(alpha, 1) held at a fixed CDF value: -(dF/dalpha) / f(x), F the regularized lower
    incomplete gamma function (dF/dalpha by a central difference in float64), f the density."""
    alpha, x = alpha.astype(np.float64), x.astype(np.float64)
    sc = special_functions(alpha)  # SciPy's (or CuPy's) kernels, imported on first use
    h = 1e-5 * alpha
    dcdf = (sc.gammainc(alpha + h, x) - sc.gammainc(alpha - h, x)) / (2 * h)
    log_pdf = (alpha - 1) * np.log(x) - x - sc.gammaln(alpha)
    with np.errstate(over="ignore", invalid="ignore"):
        grad = -dcdf * np.exp(-log_pdf)
    return np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)


class _StandardGamma(ember.autograd.Function):
    """Samples of Gamma(alpha, 1) from ember's generator, differentiable with respect to alpha."""

    @staticmethod
    def forward(ctx, alpha: Tensor, generator=None) -> Tensor:
        a = alpha.detach().cpu().numpy()
        sample = rng(generator).standard_gamma(a, size=a.shape).astype(a.dtype)  # an array for 0-dim alpha too
        sample = np.maximum(sample, np.finfo(a.dtype).tiny)
        x = ember.tensor(sample, device=alpha.device)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        alpha, x = ctx.saved_tensors
        dx = _standard_gamma_grad(alpha.detach().cpu().numpy(), x.detach().cpu().numpy())
        return grad * ember.tensor(dx, dtype=alpha.dtype, device=alpha.device), None


def standard_gamma(concentration: Tensor) -> Tensor:
    """One sample of Gamma(concentration, 1) per element, with the pathwise gradient dx/dconcentration."""
    return _StandardGamma.apply(concentration)


def _standard_gamma(input: Tensor, generator=None) -> Tensor:
    """torch._standard_gamma: one sample of Gamma(input, 1) per element, differentiable with respect to input."""
    if not isinstance(input, Tensor):
        raise TypeError(f"_standard_gamma(): argument 'input' must be Tensor, not {type(input).__name__}")
    return _StandardGamma.apply(input, generator)


class Gamma(ExponentialFamily):
    """Gamma(concentration, rate): density rate^a x^(a-1) exp(-rate x) / Gamma(a), a = concentration."""
    arg_constraints: ClassVar[dict] = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration: Tensor | float, rate: Tensor | float, validate_args: bool | None = None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(batch_shape_of((concentration, rate), self.rate), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Gamma":
        return self._expand_parameters(Gamma, batch_shape, ("concentration", "rate"), _instance)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return ember.xlogy(c, r) + ember.xlogy(c - 1, value) - r * value - ember.lgamma(c)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ember.special.gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - ember.log(self.rate) + ember.lgamma(c) + (1.0 - c) * ember.digamma(c)

    @property
    def _natural_params(self) -> tuple:
        return self.concentration - 1, -self.rate

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return ember.lgamma(x + 1) + (x + 1) * ember.log(-y.reciprocal())
