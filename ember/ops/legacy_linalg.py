"""PyTorch's linear algebra from before `torch.linalg`, kept in its namespace: `torch.cholesky`, `torch.qr`,
`torch.svd`, `torch.slogdet`, `torch.lu`, `torch.lu_solve` and `torch.cross` (whose default dim is the first of
size 3). Each is a form of its `linalg` counterpart, with the older arguments and result types."""
import warnings

import numpy as np

from .. import return_types as RT
from .._dtype import scalar_type_name
from .._tensor import Tensor
from ..backend import array_module
from . import decomposition as D
from . import linalg as M
from . import lu as L
from .autocast import AUTOCAST_OPS, autocast_call
from .base import broadcast_error, check_tensor, wrap, write_out, write_outs, written
from .keywords import numpy_keywords

__all__ = ["cholesky", "qr", "svd", "slogdet", "lu", "lu_solve", "cross"]


def slogdet(input: Tensor):
    """(sign, logabsdet) of the determinant: torch.slogdet (its result type is named slogdet)."""
    check_tensor("slogdet", "input", input, 1)
    return D._slogdet(input, "linalg.slogdet", RT.slogdet)


def cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """torch.cholesky: the Cholesky factor (deprecated in PyTorch in favour of linalg.cholesky)."""
    if "cholesky" in AUTOCAST_OPS[0]:
        return autocast_call("cholesky", cholesky, input, upper, out=out)
    check_tensor("cholesky", "input", input, 1)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"cholesky_cpu\" not implemented for '{scalar_type_name(input._data.dtype)}'")
    r = D._cholesky_op(input, upper, "cholesky", D.NODES.CholeskyBackward0, True)[0]
    return r if out is None else write_out(out, r, "cholesky")


def qr(input: Tensor, some: bool = True, *, out=None):
    """torch.qr: (Q, R), reduced when `some`, else complete."""
    check_tensor("qr", "input", input, 1)
    return written(RT.qr(D.qr(input, "reduced" if some else "complete")), out, "qr")


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """torch.svd: (U, S, V) with input = U diag(S) V^T; without compute_uv, U and V are zero matrices."""
    check_tensor("svd", "input", input, 1)
    if not compute_uv:
        a = input._data
        xp = array_module(a)
        m, n = a.shape[-2:]
        batch = a.shape[:-2]
        result = RT.svd((wrap(xp.zeros(batch + (m, m), a.dtype)), D.svdvals(input),
                         wrap(xp.zeros(batch + (n, n), a.dtype))))
        return written(result, out, "svd")
    U, S, Vh = D.svd(input, full_matrices=not some)
    return written(RT.svd((U, S, Vh.mT)), out, "svd")


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """torch.lu: (LU, pivots) or (LU, pivots, infos); deprecated in PyTorch, with its warning."""
    if "lu" in AUTOCAST_OPS[0]:
        return autocast_call("lu", lu, A, pivot, get_infos, out)
    check_tensor("_lu_with_info", "input", A, 1)
    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will "
                  "be removed in a future PyTorch release.", UserWarning, stacklevel=2)
    LU, piv, info = L.lu_factor_ex(A, pivot=pivot)
    result = (LU, piv, info) if get_infos else (LU, piv)
    return result if out is None else write_outs(out, result, "lu")


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """torch.lu_solve: X with A X = b from lu_factor's output; deprecated in PyTorch, with its warning."""
    if "lu_solve" in AUTOCAST_OPS[0]:
        return autocast_call("lu_solve", lu_solve, b, LU_data, LU_pivots, out=out)
    check_tensor("lu_solve", "input", b, 1)
    check_tensor("lu_solve", "LU_data", LU_data, 2)
    check_tensor("lu_solve", "LU_pivots", LU_pivots, 3)
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solve and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return L.lu_solve(LU_data, LU_pivots, b, out=out)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None, **aliases) -> Tensor:
    """Cross product along `dim`; without it, along the first dim of size 3 (as PyTorch's deprecated default)."""
    if "cross" in AUTOCAST_OPS[0]:
        return autocast_call("cross", cross, input, other, dim, out=out, **aliases)
    if aliases:
        dim = numpy_keywords("cross", aliases, dim)[0]
    check_tensor("cross", "input", input, 1)
    check_tensor("cross", "other", other, 2)
    if dim is None:
        try:
            shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        except ValueError:
            raise broadcast_error(input._data.shape, other._data.shape) from None
        if 3 not in shape:
            raise RuntimeError("no dimension of size 3 in input")
        dim = shape.index(3)
    return M.cross(input, other, dim=dim, out=out)


METHODS = {"cholesky": cholesky, "qr": qr, "svd": svd, "slogdet": slogdet, "lu": lu, "lu_solve": lu_solve,
           "cross": cross}
