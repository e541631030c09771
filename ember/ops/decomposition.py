"""Matrix functions, decompositions and solvers (det, slogdet, inv, solve, cholesky, qr, svd, eigh, pinv, lstsq,
matrix_rank, matrix_exp) and their backward formulas. ember/linalg.py exposes them as `ember.linalg`.

Forwards call the array module's LAPACK routines once over the whole batch. Backward formulas are written with
ember ops, so higher-order gradients work; a multi-output decomposition saves its factors (version-checked, without
a reference cycle) and recomputes them from the input only when a graph of the backward itself is being built.
"""
import numpy as np

from .. import return_types as RT
from .._dtype import scalar_type_name
from ..autograd.graph import node_classes
from ..backend import array_module, is_half
from .autocast import AUTOCAST_OPS, autocast_call
from .base import (
    GRAD_ENABLED,
    _MultiNode,
    broadcast_error,
    check_tensor,
    record,
    record_outputs,
    wrap,
    write_out,
    written,
)
from .elementwise import where
from .shape import cat

__all__ = []  # public through ember.linalg and ops/linalg.py


class LinAlgError(RuntimeError):
    """A matrix is singular or not positive-definite (PyTorch's torch.linalg.LinAlgError)."""




# ---- helpers on Tensors (differentiable, used by the backward formulas) ---------------------------------------------
def _eye_like(t, n):
    a = t._data
    return wrap(array_module(a).eye(n, dtype=a.dtype))


def _diag_embed(v):
    """Matrices with `v` on their diagonal."""
    return v.unsqueeze(-1) * _eye_like(v, v._data.shape[-1])


def _tril(x, k=0):
    """The lower triangle of x (below diagonal k), as a product with a constant mask."""
    a = x._data
    return x * wrap(array_module(a).tri(a.shape[-2], a.shape[-1], k, dtype=a.dtype))


def _mat(v):
    """Batched scalars (...) as (..., 1, 1), to scale matrices."""
    return v.unsqueeze(-1).unsqueeze(-1)


def _shadow(out):
    """A graph-free Tensor on `out`'s array and version counter: saved for backward without a reference cycle,
    and still checked for in-place modification."""
    t = wrap(out._data)
    t._vc = out._vc
    return t


def _factors(saved, input, decompose):
    """The saved factors; recomputed from `input` with ember ops when a graph of the backward is being built
    (create_graph), so that higher-order gradients flow through them."""
    if GRAD_ENABLED[0]:
        return decompose(input)
    return saved


def _recip_gaps(values):
    """F[i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it."""
    eye = _eye_like(values, values._data.shape[-1]) != 0
    gaps = values.unsqueeze(-2) - values.unsqueeze(-1)
    return (1 / gaps.masked_fill(eye, 1.0)).masked_fill(eye, 0.0)


# ---- backward formulas -----------------------------------------------------------------------------------------------
def _plus(x, y):
    """x + y, where x may be None (no term yet)."""
    return y if x is None else x + y


def _det_backward(g, A, d):
    if bool((d._data != 0).all()):
        return (_mat(g * d) * inv(A).mT,)
    return (_mat(g) * wrap(_cofactors(A._data)),)


def _cofactors(a):
    """The cofactor matrices (det(A) A^-T where A is invertible), from the SVD so singular A is fine too."""
    xp = array_module(a)
    u, s, vh = xp.linalg.svd(a)
    ones = xp.ones(s.shape[:-1] + (1,), s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], -1), -1)
    after = xp.cumprod(xp.concatenate([ones, s[..., :0:-1]], -1), -1)[..., ::-1]
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    if a.dtype.kind == "c":  # A^-T = conj(U) S^-1 conj(Vh) for a complex A = U S Vh
        u, vh = xp.conj(u), xp.conj(vh)
    return sign[..., None, None] * (u * (before * after)[..., None, :]) @ vh


def _slogdet_backward(grads, A):
    g = grads[1]
    return (None if g is None else _mat(g) * inv(A).mT,)


def _solve_backward(g, A, X, vector, left):
    gB = solve(A.mT, g, left=left)
    if vector:
        gA = -gB.unsqueeze(-1) * X.unsqueeze(-2)
    else:
        gA = -(gB @ X.mT if left else X.mT @ gB)
    return gA, gB


def _cholesky_backward(g, factor, upper):
    """A = L L^T: gA = L^-T Phi(L^T gL) L^-1, symmetrized; Phi keeps the lower triangle with half its diagonal."""
    L = factor.mT if upper else factor
    if upper:
        g = g.mT
    g = _tril(g)
    phi = _tril(L.mT @ g)
    phi = phi - 0.5 * _diag_embed((phi * _eye_like(phi, phi._data.shape[-1])).sum(-1))
    L_inv = inv(L)
    s = L_inv.mT @ phi @ L_inv
    return (0.5 * (s + s.mT),)


def _qr_backward(grads, A, Q, R, mode):
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                           "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    m, n = A._data.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    Q, R = _factors((Q, R), A, lambda a: qr(a, mode))
    gQ, gR = grads
    if m >= n:
        return (_qr_backward_tall(gQ, gR, Q, R),)
    # A = [X | Y] with X = Q U square and Y = Q V: differentiate both parts
    U = R[..., :, :m]
    gU = None if gR is None else gR[..., :, :m]
    gV = None if gR is None else gR[..., :, m:]
    gY = A[..., :, m:] * 0 if gV is None else Q @ gV
    if gV is not None:
        extra = A[..., :, m:] @ gV.mT
        gQ = extra if gQ is None else gQ + extra
    return (cat([_qr_backward_tall(gQ, gU, Q, U), gY], -1),)


def _qr_backward_tall(gQ, gR, Q, R):
    """A = QR with Q (m, n) orthonormal and R (n, n) upper: gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q."""
    M = None if gR is None else R @ gR.mT
    if gQ is not None:
        M = _plus(M, -(gQ.mT @ Q))
    b = Q @ (_tril(M) + _tril(M, -1).mT)
    if gQ is not None:
        b = b + gQ
    return solve(R, b.mT).mT


def _svd_backward(grads, A, U, S, Vh, full_matrices):
    gU, gS, gVh = grads
    m, n = A._data.shape[-2:]
    k = min(m, n)  # with full_matrices, the extra columns of U and rows of Vh (arbitrary bases) get no gradient
    U, S, Vh = _factors((U, S, Vh), A, lambda a: svd(a, full_matrices))
    U, Vh = U[..., :, :k], Vh[..., :k, :]
    inner = None if gS is None else _diag_embed(gS)
    if gU is not None or gVh is not None:
        F = _recip_gaps(S * S)
        if gU is not None:
            gU = gU[..., :, :k]
            UtgU = U.mT @ gU
            inner = _plus(inner, (F * (UtgU - UtgU.mT)) * S.unsqueeze(-2))
        if gVh is not None:
            gV = gVh[..., :k, :].mT
            V = Vh.mT
            VtgV = V.mT @ gV
            inner = _plus(inner, S.unsqueeze(-1) * (F * (VtgV - VtgV.mT)))
    if inner is None:
        return (None,)
    gA = U @ inner @ Vh
    if gU is not None and m > k:
        gA = gA + ((gU - U @ UtgU) / S.unsqueeze(-2)) @ Vh
    if gVh is not None and n > k:
        gA = gA + U @ ((gV - V @ VtgV) / S.unsqueeze(-2)).mT
    return (gA,)


def _eigh_backward(grads, A, L, V, uplo):
    gL, gV = grads
    L, V = _factors((L, V), A, lambda a: eigh(a, uplo))
    inner = None if gL is None else _diag_embed(gL)
    if gV is not None:  # the skew part of V^T gV: the gradient is symmetric, as A is taken to be
        VtgV = V.mT @ gV
        inner = _plus(inner, _recip_gaps(L) * (0.5 * (VtgV - VtgV.mT)))
    return (V @ inner @ V.mT,)


def _eig_backward(grads, L, V):
    """PyTorch's gradient of a general eigendecomposition, on arrays: V^-H (diag(gL) + P / conj(L_j - L_i)) V^H,
    with P = V^H gV - V^H V diag(Re(V^H gV)); the engine keeps its real part for a real A."""
    gL, gV = grads
    v = V._data
    xp = array_module(v)
    vh = xp.conj(xp.swapaxes(v, -1, -2))
    n = v.shape[-1]
    diag = (Ellipsis, xp.arange(n), xp.arange(n))
    inner = xp.zeros(v.shape, v.dtype)
    if gV is not None:
        vhgv = vh @ gV._data
        along = vhgv[diag]
        if not xp.allclose(along.imag, 0, rtol=1e-2, atol=1e-2):
            raise RuntimeError("linalg_eig_backward: The eigenvectors in the complex case are specified up to "
                               "multiplication by e^{i phi}. The specified loss function depends on this quantity, "
                               "so it is ill-defined.")
        vhgv = vhgv - vh @ (v * along.real[..., None, :])
        conj_values = xp.conj(L._data)
        gaps = conj_values[..., None, :] - conj_values[..., :, None]
        gaps[diag] = 1
        inner = vhgv / gaps
        inner[diag] = 0
    if gL is not None:
        inner[diag] = gL._data
    return (wrap(xp.linalg.solve(vh, inner @ vh)),)


def _pinv_backward(g, A, P):
    """dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P, transposed onto dA."""
    m, n = A._data.shape[-2:]
    gA = -(P.mT @ g @ P.mT)
    gA = gA + (_eye_like(A, m) - A @ P) @ g.mT @ (P @ P.mT)
    return (gA + (P.mT @ P) @ g.mT @ (_eye_like(A, n) - P @ A),)


def _lstsq_backward(grads, A, B, X, vector):
    gX, gres = grads
    if gres is not None and not gres._data.size:
        gres = None  # the residuals were not computed
    gA = gB = None
    if vector:
        B, X = B.unsqueeze(-1), X.unsqueeze(-1)
        gX = None if gX is None else gX.unsqueeze(-1)
    if gX is not None:
        P = pinv(A)
        gA = _pinv_backward(gX @ B.mT, A, P)[0]
        gB = P.mT @ gX
    if gres is not None:
        diff = 2 * (A @ X - B) * gres.unsqueeze(-2)
        gA = diff @ X.mT if gA is None else gA + diff @ X.mT
        gB = -diff if gB is None else gB - diff
    if vector and gB is not None:
        gB = gB.squeeze(-1)
    return gA, gB


def _matrix_exp_backward(g, A):
    """The Frechet derivative: the top-right block of exp([[A^T, g], [0, A^T]])."""
    n = A._data.shape[-1]
    At = A.mT
    block = cat([cat([At, g], -1), cat([At * 0, At], -1)], -2)
    return (matrix_exp(block)[..., :n, n:],)


GRADIENTS = {
    "LinalgDetBackward0": _det_backward,
    "LinalgInvExBackward0": lambda g, R: (-(R.mT @ g @ R.mT),),
    "LinalgSolveExBackward0": _solve_backward,
    "CholeskyBackward0": _cholesky_backward,
    "LinalgCholeskyExBackward0": _cholesky_backward,
    "LinalgPinvBackward0": _pinv_backward,
    "LinalgMatrixExpBackward0": _matrix_exp_backward,
}
NODES = node_classes(GRADIENTS)
_MULTI = {  # name: (number of outputs, formula(grads, *saved))
    "LinalgSlogdetBackward0": (2, _slogdet_backward),
    "LinalgQrBackward0": (2, _qr_backward),
    "LinalgSvdBackward0": (3, _svd_backward),
    "LinalgEighBackward0": (2, _eigh_backward),
    "LinalgLstsqBackward0": (2, _lstsq_backward),
}
NODES.update({name: type(name, (_MultiNode,), {"__slots__": (), "formula": staticmethod(f), "n_outputs": k})
              for name, (k, f) in _MULTI.items()})
# eig's gradient is computed on arrays: differentiating it again raises (NOTE [ Backward reads inputs ])
NODES["LinalgEigBackward0"] = type("LinalgEigBackward0", (_MultiNode,), {
    "__slots__": (), "formula": staticmethod(_eig_backward), "n_outputs": 2, "reads_inputs": "not implemented"})


# ---- checks and failure reports --------------------------------------------------------------------------------------
def _check_matrix(name, t, square=True, kernel=None, half=False, complex_ok=False):
    """The array of `t`, checked to be a (batch of) floating point (square) matrices, with PyTorch's errors: where
    PyTorch's CPU `kernel` has no half-precision (float16, bfloat16) version, NotImplementedError names it.
    `complex_ok` marks the functions whose gradients hold for complex matrices (the holomorphic ones: NOTE [ Complex
    gradients ])."""
    a = t._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind == "c" and not complex_ok:
        raise NotImplementedError(f"{name}: ember's linear algebra takes complex matrices only in det, inv, solve "
                                  "and matrix_exp (and eig, eigvals of real ones) so far")
    if a.dtype.kind not in "fcV":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(a.dtype)}")
    if not half:
        if kernel is not None:
            check_precision(a, kernel)
        elif is_half(a):
            raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {scalar_type_name(a.dtype)}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    return a


def check_precision(a, kernel: str) -> None:
    """PyTorch's NotImplementedError for a half-precision array (float16, bfloat16), which its CPU `kernel` (LAPACK's)
    has no version for."""
    if is_half(a):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(a.dtype)}'")


def _raise_failed(name, info, message):
    """LinAlgError for the first failed matrix (info > 0 holds its failing index), naming its batch element."""
    flat = info.reshape(-1)
    k = int(flat.nonzero()[0][0])
    where = f"(Batch element {k}): " if info.ndim else ""
    raise LinAlgError(f"{name}: {where}{message.format(int(flat[k]))}")


def _lu_info(a):
    """For each matrix, LAPACK getrf's info: the 1-based index of the first zero pivot of LU with partial pivoting,
    0 if none. Runs only after a failure, so one step per column (vectorised over the batch) is fine."""
    xp = array_module(a)
    n = a.shape[-1]
    u = a.reshape((-1, n, n)).astype(a.dtype, copy=True)
    info = xp.zeros(u.shape[0], np.int32)
    rows = xp.arange(u.shape[0])
    for k in range(n):
        p = xp.abs(u[:, k:, k]).argmax(1) + k
        top = u[rows, k].copy()
        u[rows, k] = u[rows, p]
        u[rows, p] = top
        pivot = u[:, k, k]
        info = xp.where((pivot == 0) & (info == 0), k + 1, info).astype(np.int32)
        factors = u[:, k + 1:, k] / xp.where(pivot == 0, 1, pivot)[:, None]
        u[:, k + 1:, k:] -= factors[:, :, None] * u[:, None, k, k:]
    return info.reshape(a.shape[:-2])


def _cholesky_info(a):
    """For each matrix, LAPACK potrf's info: the order of the first leading minor (of the symmetric matrix its lower
    triangle defines) that is not positive-definite, 0 if none. Runs only after a failure."""
    xp = array_module(a)
    n = a.shape[-1]
    low = xp.tril(a)
    sym = low + xp.swapaxes(xp.tril(a, -1), -1, -2)
    info = xp.zeros(a.shape[:-2], np.int32)
    for k in range(1, n + 1):
        sign, _ = xp.linalg.slogdet(sym[..., :k, :k])
        info = xp.where((sign <= 0) & (info == 0), k, info).astype(np.int32)
    return info


def _finite(r):
    return bool(array_module(r).isfinite(r).all())


# ---- determinants and inverses ---------------------------------------------------------------------------------------
def det(A, *, out=None):
    """Determinant of each square matrix in A (..., n, n)."""
    check_tensor("linalg_det", "A", A, 1)
    a = _check_matrix("linalg.det", A, kernel="lu_cpu", complex_ok=True)
    xp = array_module(a)
    with np.errstate(over="ignore"):  # a float32 determinant may overflow to inf, silently as in PyTorch
        r = wrap(xp.asarray(xp.linalg.det(a)))
    if GRAD_ENABLED[0] and A._rg:
        record(r, NODES.LinalgDetBackward0(), (A,), (A, r))
    return r if out is None else write_out(out, r, "linalg.det")


def _slogdet(A, name, result_type):
    a = _check_matrix(name, A)
    xp = array_module(a)
    sign, logabs = xp.linalg.slogdet(a)
    s, log = wrap(xp.asarray(sign)), wrap(xp.asarray(logabs))
    if GRAD_ENABLED[0] and A._rg:
        record_outputs((s, log), NODES.LinalgSlogdetBackward0(), (A,), (A,))
    return result_type((s, log))


def slogdet(A, *, out=None):
    """(sign, logabsdet) of the determinant of each square matrix: linalg.slogdet."""
    check_tensor("linalg_slogdet", "A", A, 1)
    return written(_slogdet(A, "linalg.slogdet", RT.linalg_slogdet), out, "linalg_slogdet")


def logdet(input):
    """log(det(input)): nan where the determinant is negative, -inf where it is zero."""
    check_tensor("logdet", "input", input, 1)
    sign, logabs = _slogdet(input, "linalg.slogdet", RT.slogdet)
    return where(sign < 0, float("nan"), logabs)


def _per_matrix(factor, info_of, a):
    """factor(a) over a batch of matrices, and LAPACK's info (None when every matrix succeeds); the matrices
    whose info is positive give nan, the others their result."""
    xp = array_module(a)
    try:
        r = factor(a)
        if _finite(r):
            return r, None
    except np.linalg.LinAlgError:
        pass
    info = info_of(a)
    bad = (info > 0)[..., None, None]
    r = factor(xp.where(bad, xp.eye(a.shape[-1], dtype=a.dtype), a))
    return xp.where(bad, xp.asarray(np.nan, a.dtype), r), info


def _inverse(a):
    """The inverses and LAPACK's info (None when every matrix is invertible); failed matrices give nan."""
    return _per_matrix(array_module(a).linalg.inv, _lu_info, a)


_SINGULAR = ("The diagonal element {} is zero, the inversion could not be completed because the input matrix is "
             "singular.")


def inv(A, *, out=None):
    """Inverse of each square matrix; LinAlgError if one is singular."""
    if "linalg_inv" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_inv", inv, A, out=out)
    check_tensor("linalg_inv", "A", A, 1)
    a = _check_matrix("linalg.inv", A, complex_ok=True)
    r, info = _inverse(a)
    if info is not None and bool((info > 0).any()):
        _raise_failed("linalg.inv", info, _SINGULAR)
    r = wrap(r)
    if GRAD_ENABLED[0] and A._rg:
        record(r, NODES.LinalgInvExBackward0(), (A,), (r,))
    return r if out is None else write_out(out, r, "linalg.inv")


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info > 0 marks a singular matrix (its inverse is nan here, unspecified in PyTorch)."""
    if "linalg_inv_ex" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_inv_ex", inv_ex, A, check_errors=check_errors, out=out)
    check_tensor("linalg_inv_ex", "A", A, 1)
    a = _check_matrix("linalg.inv_ex", A, complex_ok=True)
    r, info = _inverse(a)
    xp = array_module(a)
    if info is None:
        info = xp.zeros(a.shape[:-2], np.int32)
    elif check_errors and bool((info > 0).any()):
        _raise_failed("linalg.inv_ex", info, _SINGULAR)
    r = wrap(r)
    if GRAD_ENABLED[0] and A._rg:
        record(r, NODES.LinalgInvExBackward0(), (A,), (r,))
    return written(RT.linalg_inv_ex((r, wrap(info))), out, "linalg_inv_ex")


def solve(A, B, *, left=True, out=None):
    """X with A X = B (or X A = B when left=False); B is a (batch of) vector(s) when it has one dim less than A."""
    if "linalg_solve" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_solve", solve, A, B, left=left, out=out)
    check_tensor("linalg_solve", "A", A, 1)
    check_tensor("linalg_solve", "B", B, 2)
    a = _check_matrix("linalg.solve", A, kernel="lu_cpu", complex_ok=True)
    xp = array_module(a)
    b = B._data
    if b.dtype.kind not in "fcV":
        raise RuntimeError(f"linalg.solve: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(b.dtype)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{scalar_type_name(a.dtype)} and B of type {scalar_type_name(b.dtype)} instead")
    vector = b.ndim == 1 or (left and b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    b2 = b[..., None] if vector else b
    if not left:
        a, b2 = xp.swapaxes(a, -1, -2), xp.swapaxes(b2, -1, -2)
    n = a.shape[-1]
    if b2.shape[-2] != n:
        shape = f"{b2.shape[-2]}x{b2.shape[-1]}"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {shape})")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: batch dimensions of A {list(a.shape[:-2])} and B "
                           f"{list(b2.shape[:-2])} do not broadcast") from None
    a = xp.broadcast_to(a, batch + a.shape[-2:])
    try:
        x = xp.linalg.solve(a, xp.broadcast_to(b2, batch + b2.shape[-2:]))
        failed = not _finite(x)
    except np.linalg.LinAlgError:
        failed = True
    if failed:
        info = _lu_info(a)
        if bool((info > 0).any()):
            _raise_failed("torch.linalg.solve", info, "The solver failed because the input matrix is singular.")
    if not left:
        x = xp.swapaxes(x, -1, -2)
    r = wrap(x[..., 0] if vector else x)
    if GRAD_ENABLED[0] and (A._rg or B._rg):
        record(r, NODES.LinalgSolveExBackward0(), (A, B), (A, r, vector, left))
    return r if out is None else write_out(out, r, "linalg.solve")


# ---- Cholesky --------------------------------------------------------------------------------------------------------
_NOT_PD = ("The factorization could not be completed because the input is not positive-definite (the leading minor "
           "of order {} is not positive-definite).")


def _cholesky(a):
    """Lower Cholesky factors and potrf's info (None when all succeed); failed matrices give nan."""
    return _per_matrix(array_module(a).linalg.cholesky, _cholesky_info, a)


def _cholesky_op(A, upper, name, node_cls, check_errors):
    a = _check_matrix(name, A, kernel="cholesky_cpu")
    low, info = _cholesky(a)
    if info is not None and check_errors and bool((info > 0).any()):
        _raise_failed(name, info, _NOT_PD)
    r = wrap(array_module(low).swapaxes(low, -1, -2).copy() if upper else low)
    if GRAD_ENABLED[0] and A._rg:
        record(r, node_cls(), (A,), (r, upper))
    if info is None:
        info = array_module(a).zeros(a.shape[:-2], np.int32)
    return r, wrap(info)


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor L (A = L L^T) of each symmetric positive-definite matrix, or U = L^T when upper."""
    if "linalg_cholesky" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_cholesky", cholesky, A, upper=upper, out=out)
    check_tensor("linalg_cholesky", "input", A, 1)
    r = _cholesky_op(A, upper, "linalg.cholesky", NODES.LinalgCholeskyExBackward0, True)[0]
    return r if out is None else write_out(out, r, "linalg.cholesky")


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info > 0 is the order of the first leading minor that is not positive-definite (L is nan there)."""
    if "linalg_cholesky_ex" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_cholesky_ex", cholesky_ex, A, upper=upper, check_errors=check_errors, out=out)
    check_tensor("linalg_cholesky_ex", "input", A, 1)
    result = RT.linalg_cholesky_ex(_cholesky_op(A, upper, "linalg.cholesky_ex", NODES.LinalgCholeskyExBackward0,
                                                check_errors))
    return written(result, out, "linalg_cholesky_ex")


# ---- QR, SVD, eigh ---------------------------------------------------------------------------------------------------
def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = QR; mode 'reduced', 'complete' or 'r' (Q is then empty)."""
    if "linalg_qr" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_qr", qr, A, mode, out=out)
    check_tensor("linalg_qr", "A", A, 1)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    a = _check_matrix("linalg.qr", A, square=False, kernel="geqrf_cpu")
    xp = array_module(a)
    if mode == "r":
        q, r = xp.zeros(0, a.dtype), xp.linalg.qr(a, mode="r")
    else:
        q, r = xp.linalg.qr(a, mode=mode)
    Q, R = wrap(q), wrap(r)
    if GRAD_ENABLED[0] and A._rg:
        record_outputs((Q, R), NODES.LinalgQrBackward0(), (A,), (A, _shadow(Q), _shadow(R), mode))
    return written(RT.linalg_qr((Q, R)), out, "linalg_qr")


def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh; singular values in descending order."""
    if "linalg_svd" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_svd", svd, A, full_matrices, driver=driver, out=out)
    check_tensor("linalg_svd", "A", A, 1)
    a = _check_matrix("linalg.svd", A, square=False, kernel="linalg_svd_cpu")
    u, s, vh = array_module(a).linalg.svd(a, full_matrices=full_matrices)
    U, S, Vh = wrap(u), wrap(s), wrap(vh)
    if GRAD_ENABLED[0] and A._rg:
        record_outputs((U, S, Vh), NODES.LinalgSvdBackward0(), (A,),
                        (A, _shadow(U), _shadow(S), _shadow(Vh), full_matrices))
    return written(RT.linalg_svd((U, S, Vh)), out, "linalg_svd")


def svdvals(A, *, driver=None, out=None):
    """Singular values of each matrix, in descending order."""
    if "linalg_svdvals" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_svdvals", svdvals, A, driver=driver, out=out)
    check_tensor("linalg_svdvals", "A", A, 1)
    a = _check_matrix("linalg.svd", A, square=False, kernel="linalg_svd_cpu")
    if GRAD_ENABLED[0] and A._rg:
        r = svd(A, full_matrices=False)[1]
    else:
        r = wrap(array_module(a).linalg.svd(a, compute_uv=False))
    return r if out is None else write_out(out, r, "linalg.svdvals")


def _check_eigh(A):
    if A._data.dtype.kind not in "fV" or is_half(A._data):
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{scalar_type_name(A._data.dtype)}'")
    return _check_matrix("linalg.eigh", A)


def _check_uplo(uplo):
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")


def eigh(A, UPLO="L", *, out=None):
    """(eigenvalues, eigenvectors) of each symmetric matrix (from its lower or upper triangle), values ascending."""
    if "linalg_eigh" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_eigh", eigh, A, UPLO, out=out)
    check_tensor("linalg_eigh", "input", A, 1)
    a = _check_eigh(A)
    _check_uplo(UPLO)
    w, v = array_module(a).linalg.eigh(a, UPLO=UPLO)
    L, V = wrap(w), wrap(v)
    if GRAD_ENABLED[0] and A._rg:
        record_outputs((L, V), NODES.LinalgEighBackward0(), (A,), (A, _shadow(L), _shadow(V), UPLO))
    return written(RT.linalg_eigh((L, V)), out, "linalg_eigh")


def eig(A, *, out=None):
    """(eigenvalues, eigenvectors) of each square matrix, complex (for a real A too); each eigenvector has norm 1.
    Differs from PyTorch: complex A is not supported, and the gradient cannot be differentiated again."""
    if "linalg_eig" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_eig", eig, A, out=out)
    check_tensor("linalg_eig", "input", A, 1)
    a = _check_matrix("linalg.eig", A, kernel="linalg_eig_out_cpu")
    xp = array_module(a)
    w, v = xp.linalg.eig(a)
    cd = np.result_type(a.dtype, np.complex64)
    L, V = wrap(w.astype(cd, copy=False)), wrap(v.astype(cd, copy=False))
    if GRAD_ENABLED[0] and A._rg:
        record_outputs((L, V), NODES.LinalgEigBackward0(), (A,), (_shadow(L), _shadow(V)))
    result = RT.linalg_eig((L, V))
    if out is not None:
        for o, r in zip(out, result):
            write_out(o, r, "linalg.eig")
        return RT.linalg_eig(out)
    return result


def eigvals(A, *, out=None):
    """The eigenvalues of each square matrix, complex (for a real A too)."""
    if "linalg_eigvals" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_eigvals", eigvals, A, out=out)
    check_tensor("linalg_eigvals", "input", A, 1)
    a = _check_matrix("linalg.eigvals", A, kernel="linalg_eig_out_cpu")
    if GRAD_ENABLED[0] and A._rg:
        r = eig(A)[0]
    else:
        r = wrap(array_module(a).linalg.eigvals(a).astype(np.result_type(a.dtype, np.complex64), copy=False))
    return r if out is None else write_out(out, r, "linalg.eigvals")


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues of each symmetric matrix, ascending."""
    if "linalg_eigvalsh" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_eigvalsh", eigvalsh, A, UPLO, out=out)
    check_tensor("linalg_eigvalsh", "input", A, 1)
    a = _check_eigh(A)
    _check_uplo(UPLO)
    if GRAD_ENABLED[0] and A._rg:
        r = eigh(A, UPLO)[0]
    else:
        r = wrap(array_module(a).linalg.eigvalsh(a, UPLO=UPLO))
    return r if out is None else write_out(out, r, "linalg.eigvalsh")


# ---- pseudo-inverse, least squares, rank -----------------------------------------------------------------------------
def _tolerance(a, s_max, atol, rtol):
    """PyTorch's cutoff max(atol, rtol * largest singular value); rtol defaults to eps * max(m, n) without atol."""
    xp = array_module(a)
    if rtol is None:
        rtol = 0.0 if atol is not None and not _is_zero(atol) else np.finfo(a.dtype).eps * max(a.shape[-2:])
    atol = 0.0 if atol is None else atol
    atol, rtol = (x._data if hasattr(x, "_data") else x for x in (atol, rtol))
    return xp.maximum(atol, rtol * s_max)


def _is_zero(x):
    return not hasattr(x, "_data") and x == 0


def _spectrum(a, hermitian):
    """(U, s, Vh) with a = U diag(s) Vh; from eigh when `hermitian` (then s may be negative)."""
    xp = array_module(a)
    if hermitian:
        w, v = xp.linalg.eigh(a)
        return v, w, xp.swapaxes(v, -1, -2)
    return xp.linalg.svd(a, full_matrices=False)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse, dropping singular values at or below max(atol, rtol * largest)."""
    check_tensor("linalg_pinv", "input", A, 1)
    a = _check_matrix("linalg.pinv", A, square=False)
    r = wrap(_pinv(a, atol, rtol, hermitian))
    if GRAD_ENABLED[0] and A._rg:
        record(r, NODES.LinalgPinvBackward0(), (A,), (A, r))
    return r if out is None else write_out(out, r, "linalg.pinv")


def _pinv(a, atol, rtol, hermitian):
    xp = array_module(a)
    u, s, vh = _spectrum(a, hermitian)
    size = xp.abs(s)
    tol = _tolerance(a, size.max(-1) if s.shape[-1] else xp.zeros(s.shape[:-1], a.dtype), atol, rtol)
    keep = size > tol[..., None]
    s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
    return (xp.swapaxes(vh, -1, -2) * s_inv[..., None, :]) @ xp.swapaxes(u, -1, -2)


def pinverse(input, rcond=1e-15):
    """torch.pinverse: the pseudo-inverse, dropping singular values below rcond * largest."""
    if "pinverse" in AUTOCAST_OPS[0]:
        return autocast_call("pinverse", pinverse, input, rcond)
    check_tensor("pinverse", "input", input, 1)
    return pinv(input, rtol=rcond)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """Number of singular values above max(atol, rtol * largest) in each matrix (int64)."""
    if "linalg_matrix_rank" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_matrix_rank", matrix_rank, A, tol, hermitian, atol=atol, rtol=rtol, out=out)
    check_tensor("linalg_matrix_rank", "input", A, 1)
    a = _check_matrix("linalg.matrix_rank", A, square=False)
    if tol is not None:
        atol, rtol = tol, 0.0
    xp = array_module(a)
    s = xp.abs(xp.linalg.eigvalsh(a)) if hermitian else xp.linalg.svd(a, compute_uv=False)
    tol = _tolerance(a, s.max(-1) if s.shape[-1] else xp.zeros(s.shape[:-1], a.dtype), atol, rtol)
    r = wrap(xp.asarray((s > tol[..., None]).sum(-1), dtype=np.int64))
    return r if out is None else write_out(out, r, "linalg.matrix_rank")


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B: (solution, residuals, rank, singular_values), with the conventions of
    PyTorch's CPU drivers (gelsy by default: rank but no singular values and no residuals)."""
    if "linalg_lstsq" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_lstsq", lstsq, A, B, rcond, driver=driver)
    check_tensor("linalg_lstsq", "input", A, 1)
    check_tensor("linalg_lstsq", "b", B, 2)
    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of ({', '.join(_DRIVERS)})")
    driver = driver or "gelsy"
    a, b = A._data, B._data
    if a.dtype.kind not in "fV" or is_half(a):
        raise RuntimeError("This function doesn't handle types other than float and double")
    a = _check_matrix("torch.linalg.lstsq", A, square=False)
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {scalar_type_name(a.dtype)} and other's dtype {scalar_type_name(b.dtype)}")
    vector = b.ndim == a.ndim - 1
    b2 = b[..., None] if vector else b
    if b2.ndim < 2 or b2.shape[-2] != a.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    try:
        np.broadcast_shapes(a.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise broadcast_error(a.shape[:-2], b2.shape[:-2]) from None
    xp = array_module(a)
    m, n = a.shape[-2:]
    rcond = np.finfo(a.dtype).eps * max(m, n) if rcond is None else rcond
    s = xp.linalg.svd(a, compute_uv=False)
    x = _pinv(a, 0.0, rcond, False) @ b2
    s_max = s.max(-1) if s.shape[-1] else xp.zeros(s.shape[:-1], a.dtype)
    rank = (s > (rcond * s_max)[..., None]).sum(-1).astype(np.int64)
    empty = xp.zeros(0, a.dtype)
    full_rank = driver == "gels" or bool((rank == n).all())
    res = ((a @ x - b2) ** 2).sum(-2) if m > n and driver != "gelsy" and full_rank else empty
    X, res = wrap(x[..., 0] if vector else x), wrap(res)
    rank = wrap(xp.zeros(0, np.int64) if driver == "gels" else rank)
    sv = wrap(s if driver in ("gelsd", "gelss") else empty)
    if GRAD_ENABLED[0] and (A._rg or B._rg):
        record_outputs((X, res), NODES.LinalgLstsqBackward0(), (A, B), (A, B, _shadow(X), vector))
    return RT.linalg_lstsq((X, res, rank, sv))


# ---- matrix exponential ----------------------------------------------------------------------------------------------
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0,
           1.0)
_THETA13 = 5.371920351148152


def _expm(a):
    """exp of each matrix: scaling and squaring with the [13/13] Pade approximant (Higham 2005), batched."""
    xp = array_module(a)
    b = _PADE13
    norm = xp.abs(a).sum(-2).max(-1) if a.shape[-1] else xp.zeros(a.shape[:-2], a.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.ceil(xp.log2(norm / _THETA13))
    s = xp.where(xp.isfinite(s) & (s > 0), s, 0).astype(np.int64)
    a = a / (2.0 ** s)[..., None, None].astype(a.dtype)
    eye = xp.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for i in range(int(s.max()) if s.size else 0):
        r = xp.where((s > i)[..., None, None], r @ r, r)
    return r.astype(a.dtype, copy=False)


def matrix_exp(A):
    """The matrix exponential of each square matrix."""
    check_tensor("linalg_matrix_exp", "input", A, 1)
    a = _check_matrix("linalg.matrix_exp", A, half=True, complex_ok=True)
    r = wrap(_expm(a.astype(np.float32)).astype(np.float16) if a.dtype == np.float16 else _expm(a))
    if GRAD_ENABLED[0] and A._rg:
        record(r, NODES.LinalgMatrixExpBackward0(), (A,), (A,))
    return r
