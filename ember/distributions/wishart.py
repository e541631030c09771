"""The Wishart distribution over positive definite matrices."""
import math
import numbers
import warnings

import ember
from ember import Tensor

from . import constraints
from .chi2 import Chi2
from .exp_family import ExponentialFamily
from .multivariate_normal import _precision_to_scale_tril
from .utils import lazy_property, vec_to_tril_matrix


def _mvdigamma(x: Tensor, p: int) -> Tensor:
    """The multivariate digamma function: sum of digamma(x - i / 2) for i = 0 .. p-1."""
    offsets = ember.arange(p, dtype=x.dtype, device=x.device) / 2
    return ember.digamma(x.unsqueeze(-1) - offsets).sum(-1)


class Wishart(ExponentialFamily):
    """Wishart(df, covariance_matrix=None, precision_matrix=None, scale_tril=None): the distribution of
    sum_i x_i x_i^T for `df` independent x_i ~ MultivariateNormal(0, covariance) (real `df` > p - 1 allowed);
    sampled by the Bartlett decomposition."""
    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, df: Tensor | float, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None):
        given = {"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix,
                 "scale_tril": scale_tril}
        given = {k: v for k, v in given.items() if v is not None}
        if len(given) != 1:  # PyTorch's Wishart raises AssertionError here (its MultivariateNormal ValueError)
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        ((name, param),) = given.items()
        if param.dim() < 2:
            raise ValueError(f"{name.replace('_matrix', ' matrix')} must be at least two-dimensional, "
                             "with optional leading batch dimensions")
        if isinstance(df, numbers.Number):
            batch_shape = param.shape[:-2]
            self.df = ember.tensor(df, dtype=param.dtype, device=param.device)
        else:
            batch_shape = ember.broadcast_shapes(param.shape[:-2], df.shape)
            self.df = df.expand(batch_shape)
        event_shape = param.shape[-2:]
        if bool((self.df <= event_shape[-1] - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {event_shape[-1] - 1}.")
        setattr(self, name, param.expand(batch_shape + (-1, -1)))
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = ember.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)
        self._dist_chi2 = self._chi2()

    def _chi2(self) -> Chi2:
        """The chi-squared distributions of the squared diagonal of the Bartlett factor: df - i, i = 0 .. p-1."""
        p = self._event_shape[-1]
        offsets = ember.arange(p, dtype=self.df.dtype, device=self.df.device)
        return Chi2(self.df.unsqueeze(-1) - offsets.expand(self._batch_shape + (-1,)))

    @property
    def arg_constraints(self) -> dict:
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self._event_shape[-1] - 1)}

    def expand(self, batch_shape, _instance=None) -> "Wishart":
        new = self._expand_parameters(Wishart, batch_shape,
                                      ("df", "covariance_matrix", "precision_matrix", "scale_tril"), _instance)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        new._dist_chi2 = new._chi2()
        return new

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the scale (covariance) matrix."""
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The scale matrix V."""
        lower = self._unbroadcasted_scale_tril
        return (lower @ lower.mT).expand(self._batch_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The inverse of the scale matrix."""
        return ember.cholesky_inverse(self._unbroadcasted_scale_tril).expand(self._batch_shape + self._event_shape)

    def _df_matrix(self) -> Tensor:
        """df shaped to broadcast against batches of matrices."""
        return self.df.view(self._batch_shape + (1, 1))

    @property
    def mean(self) -> Tensor:
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = ember.where(factor <= 0, ember.full_like(factor, math.nan), factor)
        return factor.view(self._batch_shape + (1, 1)) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        v = self.covariance_matrix
        diagonal = v.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (v.pow(2) + diagonal.unsqueeze(-1) * diagonal.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape) -> Tensor:
        """L A A^T L^T, with A lower triangular: sqrt(Chi2(df - i)) on the diagonal, standard normals below."""
        p = self._event_shape[-1]
        shape = self._extended_shape(sample_shape)
        diagonal = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=ember.finfo(self.df.dtype).eps)
        below = ember.randn(shape[:-2] + (p * (p - 1) // 2,), dtype=self.df.dtype, device=self.df.device)
        factor = self._unbroadcasted_scale_tril @ (ember.diag_embed(diagonal) + vec_to_tril_matrix(below, diag=-1))
        return factor @ factor.mT

    def rsample(self, sample_shape=(), max_try_correction: int | None = None) -> Tensor:
        """A reparameterized sample; samples that are numerically singular are redrawn up to
        `max_try_correction` times (3 when validating arguments, else 0) and a warning says if any remain."""
        if max_try_correction is None:
            max_try_correction = 3 if self._validate_args else 0
        sample = self._bartlett_sampling(sample_shape)
        singular = ember.linalg.cholesky_ex(sample).info != 0
        for _ in range(max_try_correction):
            if not bool(singular.any()):
                break
            sample = ember.where(singular[..., None, None], self._bartlett_sampling(sample_shape), sample)
            singular = ember.linalg.cholesky_ex(sample).info != 0
        if bool(singular.any()):
            warnings.warn("Singular sample detected.")
        return sample

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        lower = self._unbroadcasted_scale_tril
        log_det_scale = 2 * lower.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = ember.cholesky_solve(value, lower).diagonal(dim1=-2, dim2=-1).sum(-1)
        log_det_value = ember.linalg.slogdet(value).logabsdet
        return (-(nu * (p * math.log(2) + log_det_scale) - (nu - p - 1) * log_det_value + trace) / 2
                - ember.mvlgamma(nu / 2, p))

    def entropy(self) -> Tensor:
        nu = self.df
        p = self._event_shape[-1]
        half_log_det_scale = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * math.log(2) / 2 + half_log_det_scale) + ember.mvlgamma(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self) -> tuple:
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        p = self._event_shape[-1]
        return (y + (p + 1) / 2) * (-ember.linalg.slogdet(-2 * x).logabsdet + math.log(2) * p) + ember.mvlgamma(
            y + (p + 1) / 2, p)
