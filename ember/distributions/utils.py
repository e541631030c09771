"""Helpers shared by the distributions: broadcasting parameters, probabilities <-> logits, cached properties."""
import numbers

import ember
from ember import Size, Tensor


def batch_shape_of(values, broadcast) -> Size:
    """The batch shape of a distribution of parameters `values` (as given), broadcast to the tensor `broadcast`:
    () when every value is a Python number."""
    return Size() if all(isinstance(v, numbers.Number) for v in values) else broadcast.size()


def broadcast_all(*values) -> tuple:
    """Broadcast numbers and tensors to one shape; numbers become tensors of the first tensor's dtype and device
    (ember's default dtype when there is none)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number or ember.Tensor.")
    like = next((v for v in values if isinstance(v, Tensor)), None)
    if like is None:
        dtype, device = ember.get_default_dtype(), None
    else:
        dtype, device = like.dtype, like.device
    tensors = [v if isinstance(v, Tensor) else ember.tensor(v, dtype=dtype, device=device) for v in values]
    return tuple(ember.broadcast_tensors(*tensors))


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum out the `dim` rightmost dimensions of `value`."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp probabilities into [eps, 1 - eps] of their dtype, so that their logarithms stay finite."""
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: a sigmoid for binary events, a softmax over the last dimension otherwise."""
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, dim=-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities (clamped away from 0 and 1): log-odds for binary events, log-probabilities
    otherwise."""
    clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(clamped) - ember.log1p(-clamped)
    return ember.log(clamped)


def _tril_mask(n: int, diag: int, device) -> Tensor:
    """The boolean mask of the entries on or below diagonal `diag` of an n x n matrix."""
    arange = ember.arange(n, device=device)
    return arange < arange.view(-1, 1) + (diag + 1)


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The square matrix whose entries on and below diagonal `diag` are `vec` (row by row), zeros elsewhere."""
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > ember.finfo(vec.dtype).eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as the lower "
                         "triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(vec.shape[:-1] + (n, n))
    mat[..., _tril_mask(n, diag, vec.device)] = vec
    return mat


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The entries of `mat` on and below diagonal `diag`, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


class lazy_property:
    """A property computed on first access and then stored on the instance (read on the class, the descriptor
    itself). The value is computed with gradients enabled, so it stays differentiable."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class BinaryEventParameters:
    """The `probs`/`logits` pair of a distribution built on a binary event: a distribution is given one of them,
    and the other is computed from it on first use."""

    def _store_given(self, value: Tensor, probs_given: bool) -> None:
        """Keep `value` as the parameter given, `probs` or `logits` (the other is computed on first use), and as
        `_param`."""
        if probs_given:
            self.probs = value
        else:
            self.logits = value
        self._param = value

    @lazy_property
    def logits(self) -> Tensor:
        """Log-odds of the event."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """Probability of the event."""
        return logits_to_probs(self.logits, is_binary=True)
