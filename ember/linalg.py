"""ember.linalg: PyTorch's torch.linalg namespace (decompositions, solvers, norms and products)."""

from . import _creation, _unsupported
from . import return_types as RT
from .backend import is_half as _is_half
from .ops.autocast import AUTOCAST_OPS, autocast_call
from .ops.base import check_tensor as _check_tensor
from .ops.base import write_outs as _write_outs
from .ops.decomposition import (  # noqa
    LinAlgError,
    cholesky,
    cholesky_ex,
    det,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    matrix_exp,
    matrix_rank,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
)
from .ops.decomposition import check_precision as _check_precision
from .ops.householder import householder_product  # noqa: F401
from .ops.ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: F401
from .ops.linalg import cross, matmul, matrix_power, multi_dot  # noqa: F401
from .ops.lu import lu, lu_factor, lu_factor_ex, lu_solve  # noqa: F401
from .ops.reduction import amax, amin, norm_dtype
from .ops.reduction import norm as _vector_norm

__all__ = ["LinAlgError", "det", "slogdet", "inv", "inv_ex", "solve", "cholesky", "cholesky_ex", "qr", "svd",
           "svdvals", "eig", "eigvals", "eigh", "eigvalsh", "pinv", "lstsq", "matrix_rank", "matrix_exp", "cross",
           "multi_dot", "matrix_power", "matmul", "norm", "vector_norm", "matrix_norm", "vecdot", "diagonal", "vander",
           "solve_ex", "solve_triangular", "tensorinv", "tensorsolve", "cond", "lu", "lu_factor", "lu_factor_ex",
           "lu_solve", "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve"]

_INF = float("inf")


def _float_input(name, x):
    if x._data.dtype.kind == "c":
        raise NotImplementedError(f"{name}: ember's linear algebra takes complex matrices only in det, inv, solve "
                                  "and matrix_exp (and eig, eigvals of real ones) so far")
    if x._data.dtype.kind not in "fV":
        from ._dtype import scalar_type_name  # lazy: keeps scalar_type_name out of ember.linalg
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(x._data.dtype)}")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """Vector ord-norm over `dim` (all elements when None): sum(|x|^ord)^(1/ord), max/min |x| for +-inf, and the
    count of nonzeros for 0."""
    if "vector_norm" in AUTOCAST_OPS[0]:
        return autocast_call("vector_norm", vector_norm, x, ord, dim, keepdim, dtype=dtype, out=out)
    _check_tensor("linalg_vector_norm", "input", x, 1)
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    if x._data.dtype.kind == "c":
        x = x.abs()
    _float_input("linalg.vector_norm", x)
    r = _vector_norm(x, ord, dim, keepdim, dtype)
    return r if out is None else _write(out, r, "linalg.vector_norm")


def _write(out, r, name):
    from .ops.base import write_out  # lazy: keeps write_out out of ember.linalg
    return write_out(out, r, name)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims `dim`: 'fro', 'nuc', +-1 (max column sum), +-inf (max row sum), +-2 (largest
    or smallest singular value)."""
    if "matrix_norm" in AUTOCAST_OPS[0]:
        return autocast_call("matrix_norm", matrix_norm, A, ord, dim, keepdim, dtype=dtype, out=out)
    from ._tensor import wrap_dim  # lazy: keeps wrap_dim out of ember.linalg
    _check_tensor("linalg_matrix_norm", "input", A, 1)
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _float_input("linalg.matrix_norm", A)
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim if isinstance(dim, int) else dim}")
    d0, d1 = (wrap_dim(d, nd) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord not in ("fro", "nuc", 1, -1, 2, -2, _INF, -_INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    A = norm_dtype("linalg.matrix_norm", A, dtype)
    if ord == "fro":
        r = _vector_norm(A, 2, (d0, d1), keepdim)
    elif ord in (1, -1, _INF, -_INF):
        summed, reduced = (d0, d1) if ord in (1, -1) else (d1, d0)
        extreme = amax if ord > 0 else amin
        r = extreme(A.abs().sum(summed, keepdim=True), (reduced, summed), keepdim)
    else:
        if _is_half(A._data):  # singular values need LAPACK
            from ._dtype import scalar_type_name  # lazy: keeps scalar_type_name out of ember.linalg
            raise RuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got "
                               f"{scalar_type_name(A._data.dtype)}")
        rest = [d for d in range(nd) if d not in (d0, d1)]
        s = svdvals(A.permute(rest + [d0, d1]))
        r = s.sum(-1) if ord == "nuc" else (amax if ord == 2 else amin)(s, -1)
        if keepdim:
            perm = [0] * nd
            for i, d in enumerate(rest + [d0, d1]):
                perm[d] = i
            r = r.unsqueeze(-1).unsqueeze(-1).permute(perm)
    return r if out is None else _write(out, r, "linalg.matrix_norm")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """Vector norm (dim an int or 1-tuple, or a 1-D input) or matrix norm (dim a 2-tuple, or a 2-D input given ord);
    without ord and dim, the 2-norm of all elements."""
    _check_tensor("linalg_norm", "input", A, 1)
    nd = A._data.ndim
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            r = matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        else:
            if isinstance(ord, str):
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {', '.join(map(str, dims))}")
            r = vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    elif ord is None:
        r = vector_norm(A, 2, None, keepdim, dtype=dtype)
    elif isinstance(ord, str) or nd == 2:
        r = matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    elif nd == 1:
        r = vector_norm(A, ord, None, keepdim, dtype=dtype)
    else:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.")
    return r if out is None else _write(out, r, "linalg.norm")


def vecdot(x, y, *, dim=-1, out=None):
    """Dot products of vectors along `dim`, the other dims broadcast."""
    if "vecdot" in AUTOCAST_OPS[0]:
        return autocast_call("vecdot", vecdot, x, y, dim=dim, out=out)
    _check_tensor("linalg_vecdot", "x", x, 1)
    _check_tensor("linalg_vecdot", "y", y, 2)
    _float_input("linalg.vecdot", x)
    if x._data.dtype != y._data.dtype:
        from ._dtype import scalar_type_name  # lazy: keeps scalar_type_name out of ember.linalg
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{scalar_type_name(x._data.dtype)} and y of type {scalar_type_name(y._data.dtype)} "
                           "instead")
    r = (x * y).sum(dim)
    return r if out is None else _write(out, r, "linalg.vecdot")


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of each matrix (a view), as A.diagonal with the last two dims by default."""
    _check_tensor("linalg_diagonal", "A", A, 1)
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)


def vander(x, N: int | None = None):
    """The Vandermonde matrix of x along its last dim: columns x ** 0, x ** 1, ..., x ** (N - 1)."""
    from .ops import cumulative, shape  # lazy: keeps these modules out of ember.linalg
    _check_tensor("linalg_vander", "x", x, 1)
    if x.dim() < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    if _is_half(x._data):
        from ._dtype import scalar_type_name  # lazy: keeps scalar_type_name out of ember.linalg
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer tensors, but got "
                           f"{scalar_type_name(x._data.dtype)}")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    ones = _creation.ones_like(x).unsqueeze(-1)
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1)
    return cumulative.cumprod(shape.cat([ones, powers], -1), -1)


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False, out=None):
    """(solution, info) of A X = B, info 0 (ember raises for a singular A, as check_errors=True does)."""
    from ._creation import zeros  # lazy: keeps zeros out of ember.linalg
    from ._dtype import int32  # lazy: keeps int32 out of ember.linalg
    _check_tensor("linalg_solve_ex", "A", A, 1)
    _check_tensor("linalg_solve_ex", "B", B, 2)
    X = solve(A, B, left=left)
    info = zeros(tuple(A.shape[:-2]), dtype=int32)
    result = RT.linalg_solve_ex((X, info))
    return result if out is None else _write_outs(out, result, "linalg_solve_ex")


def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False, out=None):
    """X with A X = B (X A = B when not `left`) for a triangular A, reading only its upper or lower triangle (and
    taking its diagonal as ones with `unitriangular`)."""
    from ._creation import eye  # lazy: keeps eye out of ember.linalg
    from .ops import rearrange  # lazy: keeps rearrange out of ember.linalg
    if A.dim() < 2 or B.dim() < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor A must have at least 2 dimensions.")
    _check_precision(A._data, "triangular_solve_cpu")
    n = A.shape[-1]
    part = rearrange.triu if upper else rearrange.tril
    T = part(A, 1 if upper else -1) + eye(n, dtype=A.dtype) if unitriangular else part(A)
    X = solve(T, B) if left else solve(T.transpose(-2, -1), B.transpose(-2, -1)).transpose(-2, -1)
    return X if out is None else _write(out, X, "linalg.solve_triangular")


def tensorinv(A, ind: int = 2, *, out=None):
    """The inverse of A for tensordot over its first `ind` dims: tensordot(tensorinv(A), A, ind) is the identity."""
    _check_tensor("linalg_tensorinv", "input", A, 1)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    size = 1
    for s in rows:
        size *= s
    inverse = inv(A.reshape(size, -1))
    r = inverse.reshape(cols + rows)
    return r if out is None else _write(out, r, "linalg.tensorinv")


def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B."""
    _check_tensor("linalg_tensorsolve", "input", A, 1)
    _check_tensor("linalg_tensorsolve", "other", B, 2)
    if dims is not None:
        A = A.movedim(list(dims), list(range(A.dim() - len(dims), A.dim())))
    unknowns = tuple(A.shape[B.dim():])
    X = solve(A.reshape(B.numel(), -1), B.reshape(-1))
    r = X.reshape(unknowns)
    return r if out is None else _write(out, r, "linalg.tensorsolve")


def cond(A, p=None, *, out=None):
    """The condition number of A in norm `p` (2 by default: the ratio of its extreme singular values)."""
    _check_tensor("linalg_cond", "input", A, 1)
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s[..., 0], s[..., -1]
        r = big / small if p in (None, 2) else small / big
    else:
        r = matrix_norm(A, p) * matrix_norm(inv(A), p)
    return r if out is None else _write(out, r, "linalg.cond")


def __getattr__(name: str):
    """PyTorch's names that ember lacks on purpose raise an AttributeError that says why."""
    raise _unsupported.missing("ember.linalg", name, _unsupported.LINALG,
                               f"module 'ember.linalg' has no attribute {name!r}")
