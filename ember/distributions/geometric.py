"""The geometric distribution: the number of failures before the first success."""
from typing import ClassVar

import ember
import ember.nn.functional as F
from ember import Tensor

from . import constraints
from .bernoulli import _probs_or_logits
from .distribution import Distribution
from .utils import BinaryEventParameters, batch_shape_of, broadcast_all


class Geometric(BinaryEventParameters, Distribution):
    """Geometric(probs=None, logits=None): P(k) = (1 - p)^k p for k = 0, 1, 2, ... (p = probs, or
    sigmoid(logits))."""
    arg_constraints: ClassVar[dict] = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Tensor | float | None = None, logits: Tensor | float | None = None,
                 validate_args: bool | None = None):
        param = _probs_or_logits(probs, logits)
        (value,) = broadcast_all(param)
        self._store_given(value, probs is not None)
        super().__init__(batch_shape_of((param,), value), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Geometric":
        return self._expand_parameters(Geometric, batch_shape, ("probs", "logits"), _instance)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return ember.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        tiny = ember.finfo(self.probs.dtype).tiny
        with ember.no_grad():
            u = ember.rand(shape, dtype=self.probs.dtype, device=self.probs.device).clamp(min=tiny)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = ember.where((probs == 1) & (value == 0), ember.zeros_like(probs), probs)  # 0 * log(0) is 0 here
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs
