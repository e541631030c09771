"""lobpcg: the extreme eigenpairs of a symmetric positive definite (generalized) eigenproblem."""
from ._tensor import Tensor
from .linalg import cholesky, eigh, solve_triangular
from .ops.base import check_tensor


def lobpcg(A: Tensor, k: int | None = None, B: Tensor | None = None, X: Tensor | None = None, n: int | None = None,
           iK: Tensor | None = None, niter: int | None = None, tol: float | None = None, largest: bool | None = None,
           method: str | None = None, tracker=None, ortho_iparams=None, ortho_fparams=None,
           ortho_bparams=None) -> tuple[Tensor, Tensor]:
    """The k largest (or smallest) eigenvalues of A x = E B x (B the identity when None) and their eigenvectors,
    B-orthonormal columns of X, for A (*, m, m) symmetric and B positive definite.

    Differs from PyTorch: solved directly (eigh of A, or of L^-1 A L^-T for B = L L^T) instead of iterated, so the
    pairs are exact to rounding; X, iK, niter, tol, method, tracker and the ortho options only size the problem
    or are unused. The eigenvectors' signs are arbitrary, as in PyTorch; the grad_fn is that of the composition,
    not LOBPCGAutogradFunctionBackward."""
    check_tensor("lobpcg", "A", A, 1)
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise AssertionError(f"A must be square, got shape {A.shape}")
    if B is not None and tuple(B.shape) != tuple(A.shape):
        raise AssertionError(f"A and B must have the same shapes, got {A.shape} and {B.shape}")
    m = A.shape[-1]
    k = (1 if X is None else X.shape[-1]) if k is None else k
    n = max(k, n or k) if X is None else X.shape[-1]
    if m < 3 * n:
        raise ValueError(f"LOBPCG algorithm is not applicable when the number of A rows (={m}) is smaller than 3 x "
                         f"the number of requested eigenpairs (={n})")
    if A.requires_grad:
        A = (A + A.mT) / 2  # as PyTorch: the gradient of a symmetric input is symmetric
    if B is None:
        values, vectors = eigh(A)
    else:
        L = cholesky(B)
        C = solve_triangular(L, solve_triangular(L, A, upper=False).mT, upper=False)  # L^-1 A L^-T
        values, Y = eigh(C)
        vectors = solve_triangular(L.mT, Y, upper=True)
    picked = slice(m - k, None) if largest is None or largest else slice(0, k)
    values, vectors = values[..., picked], vectors[..., picked]
    if largest is None or largest:
        values, vectors = values.flip(-1), vectors.flip(-1)
    return values, vectors
