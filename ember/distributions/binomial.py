"""The binomial distribution."""
from typing import ClassVar

import ember
from ember import Size, Tensor

from . import constraints
from .bernoulli import _probs_or_logits
from .distribution import Distribution
from .utils import BinaryEventParameters, broadcast_all


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) with gradient 1/2 at 0."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(BinaryEventParameters, Distribution):
    """Binomial(total_count=1, probs=None, logits=None): the number of successes in `total_count` independent
    trials with success probability `probs` (or sigmoid(logits))."""
    arg_constraints: ClassVar[dict] = {"total_count": constraints.nonnegative_integer,
                                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Tensor | int = 1, probs: Tensor | float | None = None,
                 logits: Tensor | float | None = None, validate_args: bool | None = None):
        param = _probs_or_logits(probs, logits)
        self.total_count, value = broadcast_all(total_count, param)
        self.total_count = self.total_count.type_as(value)
        self._store_given(value, probs is not None)
        super().__init__(value.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Binomial":
        new = self._expand_parameters(Binomial, batch_shape, ("total_count", "probs", "logits"), _instance)
        new._param = new.probs if "probs" in self.__dict__ else new.logits
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            return ember.binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_binomial_coefficient = (n + 1).lgamma() - (value + 1).lgamma() - (n - value + 1).lgamma()
        log_normalizer = n * _clamp_by_zero(logits) + n * ember.log1p(ember.exp(-logits.abs()))
        return log_binomial_coefficient + value * logits - log_normalizer

    def _homogeneous_count(self, what: str) -> int:
        """The total count, which `what` needs to be the same across the batch."""
        total_count = int(self.total_count.max())
        if not int(self.total_count.min()) == total_count:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total_count

    def entropy(self) -> Tensor:
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(ember.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total_count = self._homogeneous_count("enumerate_support")
        values = ember.arange(1 + total_count, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
