"""Exponential families: distributions whose density is exp(<t(x), theta> - F(theta) + k(x))."""
import ember
from ember import Tensor

from .distribution import Distribution


class ExponentialFamily(Distribution):
    """The base of exponential-family distributions; subclasses give `_natural_params` (theta), `_log_normalizer`
    (F) and `_mean_carrier_measure` (E[k(x)]), from which the entropy and the KL divergence between two members of
    one family follow (the Bregman divergence of F)."""

    @property
    def _natural_params(self) -> tuple:
        """The natural parameters theta, a tuple of tensors."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """The log normalizer F(theta)."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        """The expectation of the carrier measure k(x)."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """The entropy, F(theta) - <theta, grad F(theta)> - E[k(x)], with grad F from autograd."""
        result = -self._mean_carrier_measure
        natural_params = [p.detach().requires_grad_() for p in self._natural_params]
        with ember.enable_grad():
            lg_normal = self._log_normalizer(*natural_params)
            gradients = ember.autograd.grad(lg_normal.sum(), natural_params, create_graph=True)
        result = result + lg_normal
        for np_, g in zip(natural_params, gradients):
            result = result - (np_ * g).reshape(self._batch_shape + (-1,)).sum(-1)
        return result
