"""The LU factorization A = P L U with partial pivoting: linalg.lu, lu_factor(_ex), lu_solve, lu_unpack, and
PyTorch's older torch.lu / torch.lu_solve.

The factorization runs in SciPy's LAPACK over the whole batch. Pivots are LAPACK's: int32, counted from 1,
row i swapped with row pivots[i] in turn. The gradient of (L, U) for square A is
    gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T,
written with ember ops so that it can itself be differentiated; L and U of lu_factor get theirs by unpacking.
Rectangular matrices factor, but their gradient raises NotImplementedError.
"""

import numpy as np

from .. import return_types as RT
from .._dtype import scalar_type_name
from .._tensor import Tensor
from ..autograd.graph import node_classes
from ..backend import array_module, asarray_like, to_numpy
from .base import GRAD_ENABLED, _MultiNode, check_tensor, record, record_outputs, wrap, write_out, write_outs
from .decomposition import _check_matrix, _shadow, solve


def _lu_backward(grads, A, P, L, U):
    """The gradient of A from those of L and U (grads[1], grads[2]; P has none). Under create_graph the factors
    are computed again from A, recorded, so that the gradient's own gradient flows through them."""
    if GRAD_ENABLED[0]:
        P, L, U = lu(A)
    gL, gU = grads[1], grads[2]
    if L.shape[-2] != L.shape[-1] or U.shape[-2] != U.shape[-1]:
        raise NotImplementedError("ember differentiates the LU factorization of square matrices only")
    terms = []
    if gL is not None:
        terms.append((L.mT @ gL).tril(-1))
    if gU is not None:
        terms.append((gU @ U.mT).triu())
    inner = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    left = solve(L.mT, inner)  # L^-T inner, then times U^-T: (U^-1 left^T)^T
    return (P @ solve(U, left.mT).mT,)


def _lu_factor_backward(grads, A, P, L, U):
    """lu_factor's LU packs L (below the diagonal) and U: its gradient splits into theirs."""
    g = grads[0]
    if g is None:
        return (None,)
    return _lu_backward((None, g.tril(-1), g.triu()), A, P, L, U)


NODES = node_classes({})
for _name, (_k, _f) in {"LinalgLuBackward0": (3, _lu_backward),
                        "LinalgLuFactorExBackward0": (3, _lu_factor_backward)}.items():
    NODES[_name] = type(_name, (_MultiNode,), {"__slots__": (), "formula": staticmethod(_f), "n_outputs": _k})


def _factor(A: Tensor, name: str):  # host: SciPy's LAPACK factors on the host
    """(P, unit-lower L, upper U, LAPACK pivots) of A's LU factorization, as arrays on A's device."""
    import scipy.linalg  # lazy: SciPy loads on first use, not with ember
    if A._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{scalar_type_name(A._data.dtype)}'")
    a = _check_matrix(name, A, square=False, kernel="lu_cpu")
    m, n = a.shape[-2:]
    k = min(m, n)
    packed, pivots = scipy.linalg.lu_factor(to_numpy(a), check_finite=False)
    pivots = (pivots + 1).astype(np.int32)
    lower = np.tril(packed[..., :, :k], -1) + np.eye(m, k, dtype=packed.dtype)
    upper = np.triu(packed[..., :k, :])
    return tuple(asarray_like(v, a) for v in (_permutations(pivots, m).astype(a.dtype), lower, upper, pivots))


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """(P, L, U) with A = P L U, L unit lower triangular and U upper triangular."""
    check_tensor("linalg_lu", "A", A, 1)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    p, lower, upper, _ = _factor(A, "linalg.lu")
    P, L, U = wrap(p), wrap(lower), wrap(upper)
    if GRAD_ENABLED[0] and A._rg:  # L and U are outputs 1 and 2 of the node; P is constant
        node = NODES["LinalgLuBackward0"]()
        record_outputs((L, U), node, (A,), (A, P, _shadow(L), _shadow(U)), start=1)
    result = RT.linalg_lu((P, L, U))
    return result if out is None else write_outs(out, result, "linalg_lu")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """(LU, pivots, info): L and U packed in one matrix, LAPACK's pivots, and 0 (ember raises for a failure)."""
    check_tensor("linalg_lu_factor_ex", "A", A, 1)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    p, lower, upper, pivots = _factor(A, "linalg.lu_factor_ex")
    xp = array_module(lower)
    k = min(A.shape[-2:])
    packed = xp.zeros(tuple(A.shape), lower.dtype)
    packed[..., :, :k] += xp.tril(lower, -1)
    packed[..., :k, :] += upper
    LU = wrap(packed)
    piv, info = wrap(pivots), wrap(xp.zeros(tuple(A.shape[:-2]), np.int32))
    if GRAD_ENABLED[0] and A._rg:
        saved = (A, wrap(p), wrap(lower), wrap(upper))
        record(LU, NODES["LinalgLuFactorExBackward0"](), (A,), saved)
    result = RT.linalg_lu_factor_ex((LU, piv, info))
    return result if out is None else write_outs(out, result, "linalg_lu_factor_ex")


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """(LU, pivots): L and U packed in one matrix (L's unit diagonal left out), and LAPACK's pivots."""
    check_tensor("linalg_lu_factor", "A", A, 1)
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    result = RT.linalg_lu_factor((LU, pivots))
    return result if out is None else write_outs(out, result, "linalg_lu_factor")


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out=None):
    """(P, L, U) from lu_factor's packed LU and pivots (empty tensors for the parts not asked for)."""
    check_tensor("lu_unpack", "LU_data", LU_data, 1)
    check_tensor("lu_unpack", "LU_pivots", LU_pivots, 2)
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    xp = array_module(LU_data._data)
    if unpack_data:
        eye = wrap(xp.eye(m, k, dtype=LU_data._data.dtype))
        L = LU_data[..., :, :k].tril(-1) + eye
        U = LU_data[..., :k, :].triu()
    else:
        L = U = LU_data.new_empty((0,))
    if unpack_pivots:
        P = wrap(asarray_like(_permutations(to_numpy(LU_pivots._data), m).astype(LU_data._data.dtype), LU_data._data))
    else:
        P = LU_data.new_empty((0,))
    result = RT.lu_unpack((P, L, U))
    return result if out is None else write_outs(out, result, "lu_unpack")


def _permutations(pivots: np.ndarray, m: int) -> np.ndarray:  # host: a loop over LAPACK's host pivots
    """P with A = P L U, from LAPACK's pivots (swaps applied in turn to the rows of the identity)."""
    batch = pivots.reshape(-1, pivots.shape[-1])
    out = np.empty((batch.shape[0], m, m))
    for b, piv in enumerate(batch):
        rows = list(range(m))
        for i, p in enumerate(piv):
            rows[i], rows[p - 1] = rows[p - 1], rows[i]
        out[b] = np.eye(m)[:, rows]
    return out.reshape(pivots.shape[:-1] + (m, m))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None):
    """X with A X = B (X A = B when not `left`; A^T in place of A with `adjoint`), A given by lu_factor."""
    check_tensor("linalg_lu_solve", "LU", LU, 1)
    check_tensor("linalg_lu_solve", "pivots", pivots, 2)
    check_tensor("linalg_lu_solve", "B", B, 3)
    P, L, U = lu_unpack(LU, pivots)
    if left and not adjoint:
        x = solve(U, solve(L, P.mT @ B))
    elif left:
        x = P @ solve(L.mT, solve(U.mT, B))
    else:  # X A = B is A^T X^T = B^T
        x = lu_solve(LU, pivots, B.mT, left=True, adjoint=not adjoint).mT
    return x if out is None else write_out(out, x, "linalg_lu_solve")
