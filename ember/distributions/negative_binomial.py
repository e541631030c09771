"""The negative binomial distribution."""
from typing import ClassVar

import ember
import ember.nn.functional as F
from ember import Tensor

from . import constraints
from .bernoulli import _probs_or_logits
from .distribution import Distribution
from .gamma import Gamma
from .utils import BinaryEventParameters, broadcast_all


class NegativeBinomial(BinaryEventParameters, Distribution):
    """NegativeBinomial(total_count, probs=None, logits=None): the number of successes (probability `probs` each)
    before `total_count` failures."""
    arg_constraints: ClassVar[dict] = {"total_count": constraints.greater_than_eq(0),
                                       "probs": constraints.half_open_interval(0.0, 1.0),
                                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Tensor | float, probs: Tensor | float | None = None,
                 logits: Tensor | float | None = None, validate_args: bool | None = None):
        param = _probs_or_logits(probs, logits)
        self.total_count, value = broadcast_all(total_count, param)
        self.total_count = self.total_count.type_as(value)
        self._store_given(value, probs is not None)
        super().__init__(value.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "NegativeBinomial":
        new = self._expand_parameters(NegativeBinomial, batch_shape, ("total_count", "probs", "logits"), _instance)
        new._param = new.probs if "probs" in self.__dict__ else new.logits
        return new

    @property
    def mean(self) -> Tensor:
        return self.total_count * ember.exp(self.logits)

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / ember.sigmoid(-self.logits)

    def sample(self, sample_shape=()) -> Tensor:
        with ember.no_grad():
            rate = Gamma(self.total_count, ember.exp(-self.logits), validate_args=False).sample(sample_shape)
            return ember.poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized = self.total_count * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = -ember.lgamma(self.total_count + value) + ember.lgamma(1.0 + value) + ember.lgamma(
            self.total_count)
        log_normalization = ember.where(self.total_count + value == 0, ember.zeros_like(log_normalization),
                                        log_normalization)  # NegativeBinomial(0, p) puts mass 1 on 0
        return log_unnormalized - log_normalization
