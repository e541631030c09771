"""The LDL^T factorization of symmetric (or Hermitian) matrices with Bunch-Kaufman pivoting: linalg.ldl_factor,
ldl_factor_ex and ldl_solve.

Both run in SciPy's LAPACK (sytrf/hetrf, sytrs/hetrs), matrix by matrix over the batch, reading only the lower
triangle of A. LD is LAPACK's compact form, as PyTorch returns it: below the diagonal the unit lower triangular L,
on and next to the diagonal D's 1x1 and 2x2 blocks, zeros above. The pivots are LAPACK's: int32, counted from 1,
negative where a 2x2 block starts. As in PyTorch, neither op has a derivative: results that would require grad
record a node whose backward raises.
"""
import numpy as np

from .. import return_types as RT
from .._dtype import scalar_type_name
from .._tensor import Tensor
from ..backend import asarray_like, to_numpy
from .base import GRAD_ENABLED, check_tensor, not_implemented, wrap, write_out, write_outs
from .decomposition import _check_matrix, _raise_failed, check_precision


def _lapack(kind: str, dtype, hermitian: bool):
    """SciPy's LAPACK routine `kind` ('trf' factors, 'trs' solves) for `dtype`: the Hermitian one for complex
    matrices with `hermitian`, else the symmetric one."""
    import scipy.linalg.lapack  # lazy: SciPy loads on first use, not with ember
    prefix = {np.float32: "s", np.float64: "d", np.complex64: "c", np.complex128: "z"}[dtype.type]
    shape = "he" if hermitian and dtype.kind == "c" else "sy"
    return getattr(scipy.linalg.lapack, prefix + shape + kind)


def _factor(a, hermitian: bool):  # host: LAPACK factors NumPy arrays
    """(LD, pivots, info) arrays of the matrices `a` (a NumPy array)."""
    n = a.shape[-1]
    batch = a.shape[:-2]
    ld = np.zeros(a.shape, a.dtype)
    pivots = np.zeros(batch + (n,), np.int32)
    info = np.zeros(batch, np.int32)
    if n:
        factor = _lapack("trf", a.dtype, hermitian)
        for index in np.ndindex(batch):
            packed, ipiv, info[index] = factor(a[index], lower=1)
            ld[index] = np.tril(packed)
            pivots[index] = ipiv
    return ld, pivots, info


def _solve(ld, pivots, b, hermitian: bool):  # host: LAPACK solves with NumPy arrays
    """X with A X = b for the factorizations (ld, pivots) (NumPy arrays), their batch dims broadcasting with b's."""
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    ld = np.broadcast_to(ld, batch + ld.shape[-2:])
    pivots = np.broadcast_to(pivots.astype(np.int32), batch + pivots.shape[-1:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    x = np.zeros(b.shape, b.dtype)
    if ld.shape[-1] and b.shape[-1]:
        solve = _lapack("trs", ld.dtype, hermitian)
        for index in np.ndindex(batch):
            x[index] = solve(ld[index], pivots[index], b[index], lower=1)[0]
    return x


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out=None):
    """(LD, pivots, info): the compact LDL^T factorization of A's lower triangle, LAPACK's pivots, and per matrix
    LAPACK's info (i > 0: D[i-1, i-1] is exactly zero, so A is singular). `check_errors` raises LinAlgError there
    (PyTorch 2.13 fails an internal assert instead)."""
    name = "torch.linalg.ldl_factor_ex"
    check_tensor("linalg_ldl_factor_ex", "A", A, 1)
    a = _check_matrix(name, A, half=True, complex_ok=True)
    check_precision(a, "ldl_factor_kernel_cpu")
    ld, pivots, info = _factor(to_numpy(a), hermitian)
    if check_errors and info.any():
        _raise_failed(name, info, "The factorization could not be completed because the input is singular: D[{0}, "
                      "{0}] (counted from 1) is zero.")
    LD = wrap(asarray_like(ld, a))
    if GRAD_ENABLED[0] and A._rg:
        not_implemented(LD, "linalg_ldl_factor_ex", (A,))
    result = RT.linalg_ldl_factor_ex((LD, wrap(asarray_like(pivots, a)), wrap(asarray_like(info, a))))
    return result if out is None else write_outs(out, result, "linalg_ldl_factor_ex")


def ldl_factor(A: Tensor, *, hermitian: bool = False, out=None):
    """(LD, pivots): ldl_factor_ex's factorization; LinAlgError where a matrix is singular (PyTorch 2.13 fails an
    internal assert)."""
    check_tensor("linalg_ldl_factor", "A", A, 1)
    LD, pivots, _ = ldl_factor_ex(A, hermitian=hermitian, check_errors=True)
    result = RT.linalg_ldl_factor((LD, pivots))
    return result if out is None else write_outs(out, result, "linalg_ldl_factor")


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None) -> Tensor:
    """X with A X = B, from ldl_factor's LD and pivots of A; the batch dims of LD and B broadcast."""
    name = "torch.linalg.ldl_solve"
    check_tensor("linalg_ldl_solve", "LD", LD, 1)
    check_tensor("linalg_ldl_solve", "pivots", pivots, 2)
    check_tensor("linalg_ldl_solve", "B", B, 3)
    ld = _check_matrix(name, LD, half=True, complex_ok=True)
    p, b = pivots._data, B._data
    if p.shape != ld.shape[:-1]:
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with "
                           f"shape {list(p.shape)} instead")
    if p.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: Expected pivots to be integers. Got {scalar_type_name(p.dtype)}")
    if b.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(b.ndim, 1)}, "
                         f"{max(b.ndim, 1) - 1}], but got -2)")
    if b.dtype != ld.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {scalar_type_name(b.dtype)}"
                           f" and A of type {scalar_type_name(ld.dtype)} instead.")
    n = ld.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is {n} by {n} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    check_precision(ld, "ldl_solve_cpu")
    X = wrap(asarray_like(_solve(to_numpy(ld), to_numpy(p), to_numpy(b), hermitian), b))
    if GRAD_ENABLED[0] and (LD._rg or B._rg):
        not_implemented(X, "linalg_ldl_solve", (LD, B))
    return X if out is None else write_out(out, X, "linalg_ldl_solve")
