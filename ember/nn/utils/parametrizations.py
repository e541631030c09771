"""Built-in parametrizations: weight_norm, spectral_norm and orthogonal."""
from enum import Enum, auto

from ... import linalg
from ..._creation import eye, randn, zeros_like
from ..._info import finfo
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.householder import geqrf
from ...ops.shape import cat
from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..modules.module import Module
from .parametrize import register_parametrization


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of v over every dim but `dim`, shaped to broadcast against v (all dims if dim == -1)."""
    if dim == -1:
        return v.norm()
    keep = [1] * v.dim()
    keep[dim] = v.shape[dim]
    return v.transpose(0, dim).reshape(v.shape[dim], -1).norm(2, 1).reshape(keep)


def _weight_norm(g: Tensor, v: Tensor, dim: int) -> Tensor:
    """g * v / |v|, the norm taken over every dim of v but `dim` (all dims if dim == -1)."""
    return v * (g / _norm_except_dim(v, dim))


def _weight_to_matrix(weight: Tensor, dim: int) -> Tensor:
    """`weight` as a matrix whose rows run along `dim` (the output dim of spectral normalization)."""
    if dim != 0:
        weight = weight.movedim(dim, 0)
    return weight.reshape(weight.shape[0], -1)


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_g, weight_v, self.dim)

    def right_inverse(self, weight: Tensor):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """Reparametrize module.<name> as g * v / |v| (magnitude and direction learned separately); a state dict saved
    with the old nn.utils.weight_norm (<name>_g and <name>_v) loads into it.

    Differs from PyTorch: the weight's grad_fn is the composition of ops, not WeightNormInterfaceBackward0."""
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    module._register_load_state_dict_pre_hook(_OldWeightNormKeys(name))
    return module


class _OldWeightNormKeys:
    """The load_state_dict pre-hook that renames the old weight_norm's <name>_g and <name>_v to the originals of the
    parametrization."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs) -> None:
        g, v = f"{prefix}{self.name}_g", f"{prefix}{self.name}_v"
        if g in state_dict and v in state_dict:
            state_dict[f"{prefix}parametrizations.{self.name}.original0"] = state_dict.pop(g)
            state_dict[f"{prefix}parametrizations.{self.name}.original1"] = state_dict.pop(v)


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations="
                             f"{n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = self._reshape_weight_to_matrix(weight)
            h, w = matrix.shape
            u = matrix.new_empty(h).normal_(0, 1)
            v = matrix.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", self._normalize(u))
            self.register_buffer("_v", self._normalize(v))
            self._power_method(matrix, 15)

    def _normalize(self, x):
        return x / x.norm().clamp_min(self.eps)

    def _reshape_weight_to_matrix(self, weight):
        return _weight_to_matrix(weight, self.dim)

    def _power_method(self, matrix, n_power_iterations):
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(self._normalize(matrix.mv(self._v)))
                self._v.copy_(self._normalize(matrix.t().mv(self._u)))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.dim() == 1:
            return weight / weight.norm().clamp_min(self.eps)
        matrix = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(matrix.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = u.dot(matrix.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Reparametrize module.<name> as W / sigma(W), sigma estimated by power iteration in training."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    return register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _is_orthogonal(Q: Tensor) -> bool:
    """Whether the columns of Q (n x k, n >= k) are orthonormal, to 10 n machine epsilons."""
    n, k = Q.shape[-2:]
    tolerance = 10.0 * n * finfo(Q.real.dtype).eps
    return bool(((Q.mH @ Q) - eye(k, dtype=Q.dtype, device=Q.device)).abs().max() <= tolerance)


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A's QR decomposition, its signs chosen so that R has a positive diagonal (the one such Q)."""
    reflectors, tau = geqrf(A)
    Q = linalg.householder_product(reflectors, tau)
    return Q * reflectors.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    """Maps an unconstrained tensor (n x k, batched) to one with orthonormal columns (or rows, where n < k): through
    the matrix exponential or the Cayley map of a skew-symmetric matrix built from its lower triangle, or through
    Householder reflectors stored below its diagonal; with trivialization, the result multiplies buffer `base`."""

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.mT
        Q = self._householder(X) if self.orthogonal_map == _OrthMaps.householder else self._skew_map(X)
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def _skew_map(self, X: Tensor) -> Tensor:
        """exp(A) or the Cayley map (I - A/2)^-1 (I + A/2) of the skew-Hermitian A made from X's lower triangle
        (padded with zero columns to n x n), its first k columns."""
        n, k = X.shape[-2:]
        A = X.tril()
        if n != k:
            A = cat([A, A.new_zeros(*A.shape[:-1], n - k)], dim=-1)
        A = A - A.mH
        if self.orthogonal_map == _OrthMaps.matrix_exp:
            Q = linalg.matrix_exp(A)
        else:
            identity = eye(n, dtype=A.dtype, device=A.device)
            Q = linalg.solve(identity - A * 0.5, identity + A * 0.5)
        return Q[..., :k] if n != k else Q

    @staticmethod
    def _householder(X: Tensor) -> Tensor:
        """The product of the reflectors whose vectors lie below X's diagonal, each column's sign taken from X's
        diagonal (truncated to an integer, as PyTorch does)."""
        A = X.tril(diagonal=-1)
        tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
        Q = linalg.householder_product(A, tau)
        return Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)

    @no_grad()
    def right_inverse(self, Q: Tensor) -> Tensor:
        """An original whose image is Q: with trivialization, `base` becomes Q made orthogonal (completed to n x n
        with random columns where Q is not square) and the original minus the identity; without, Q's reflectors."""
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape "
                             f"{Q.shape}.")
        n, k = Q.shape[-2:]
        transposed = n < k
        M = Q.mT if transposed else Q
        n, k = M.shape[-2:]
        if "base" not in self._buffers:
            return self._reflectors(M).mT if transposed else self._reflectors(M)
        if n == k:
            self.base = M.clone() if _is_orthogonal(M) else _make_orthogonal(M)
        else:
            completion = randn(*M.shape[:-2], n, n - k, dtype=M.dtype, device=M.device)
            self.base = _make_orthogonal(cat([M, completion], dim=-1))
        minus_identity = zeros_like(Q)
        minus_identity.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return minus_identity

    def _reflectors(self, M: Tensor) -> Tensor:
        """M's Householder reflectors (geqrf) with the signs of R's diagonal on the diagonal (flipped where a
        reflector is the identity, which the forward map cannot make): the householder map's preimage of M."""
        if self.orthogonal_map != _OrthMaps.householder:
            raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                      "parametrizations when use_trivialization=False.")
        A, tau = geqrf(M)
        signs = A.diagonal(dim1=-2, dim2=-1).sign()
        A.diagonal(dim1=-2, dim2=-1).copy_(signs.where(tau != 0, -signs))
        return A


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Keep module.<name> (a matrix, or a batch of them) orthogonal: orthonormal columns, or rows where it is wide.

    orthogonal_map is "matrix_exp" (default for square or complex weights), "cayley" or "householder" (default
    otherwise); with use_trivialization, the map's result multiplies an orthogonal buffer `base`, and the initial
    weight is the original weight made orthogonal (its QR's Q).

    Differs from PyTorch: a complex weight takes use_trivialization=False (ember has no complex QR yet)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    if orthogonal_map not in _OrthMaps.__members__:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f'{orthogonal_map}')
    if weight.is_complex() and use_trivialization and orthogonal_map != "householder":
        raise NotImplementedError("orthogonal: making a complex weight unitary takes a complex QR decomposition, "
                                  "which ember's linear algebra lacks so far; pass use_trivialization=False")
    parametrization = _Orthogonal(weight, _OrthMaps[orthogonal_map], use_trivialization=use_trivialization)
    return register_parametrization(module, name, parametrization, unsafe=True)
