"""Parity of the ember.linalg namespace (PyTorch's torch.linalg) with PyTorch: decompositions, solvers, norms."""
import warnings

import numpy as np
import pytest
from parity import check, raises_like_torch, randn, torch

import ember
from ember.autograd import gradcheck, gradgradcheck

FLOATS = [np.float32, np.float64]
TOL = {"atol": 1e-5, "rtol": 1e-4, "grad_atol": 1e-4, "grad_rtol": 1e-4}
BATCHES = [(), (2,), (2, 1)]
INF = float("inf")


def spd(*shape, dtype=np.float64, seed=0):
    """Symmetric positive-definite matrices."""
    x = randn(*shape, seed=seed)
    return (x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def sym(*shape, dtype=np.float64, seed=0):
    """Symmetric matrices with distinct eigenvalues (almost surely)."""
    x = randn(*shape, seed=seed)
    return (x + np.swapaxes(x, -1, -2)).astype(dtype)


def invertible(*shape, dtype=np.float64, seed=0):
    return (randn(*shape, seed=seed) + 2 * np.eye(shape[-1])).astype(dtype)


def e64(x):
    return ember.tensor(np.ascontiguousarray(x)).requires_grad_()


def ints(*shape):
    return np.arange(int(np.prod(shape))).reshape(shape).astype(np.int64)


# ---- det, slogdet, inv, inv_ex ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("batch", BATCHES)
def test_det_slogdet_inv(dtype, batch):
    a = invertible(*batch, 3, 3, dtype=dtype)
    check(lambda lib, a: lib.linalg.det(a), a, **TOL)
    check(lambda lib, a: lib.linalg.slogdet(a), a, **TOL)
    check(lambda lib, a: lib.linalg.inv(a), a, **TOL)
    check(lambda lib, a: lib.linalg.inv_ex(a), a, **TOL)
    check(lambda lib, a: lib.linalg.inv(a, out=lib.empty(0, dtype=a.dtype)), a, grad=False, **TOL)


def test_result_types():
    a = ember.tensor(invertible(3, 3))
    sign, logabsdet = r = ember.linalg.slogdet(a)
    assert r.sign is sign and r.logabsdet is logabsdet and type(r).__name__ == "linalg_slogdet"
    assert type(ember.slogdet(a)).__name__ == "slogdet"
    assert repr(r).startswith("ember.return_types.linalg_slogdet(\nsign=")
    assert ember.linalg.svd(a).Vh.shape == (3, 3) and ember.linalg.qr(a).Q.shape == (3, 3)
    assert ember.linalg.eigh(a).eigenvalues.shape == (3,) and ember.linalg.inv_ex(a).info.dtype == ember.int32
    assert ember.linalg.lstsq(a, a).solution.shape == (3, 3) and ember.linalg.cholesky_ex(a @ a.mT).L.shape == (3, 3)


def test_inv_singular():
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    batch = np.stack([np.eye(3), singular])
    check(lambda lib, a: lib.linalg.inv(a), np.zeros((3, 3)))
    check(lambda lib, a: lib.linalg.inv(a), batch)
    check(lambda lib, a: lib.linalg.inv_ex(a, check_errors=True), batch)
    check(lambda lib, a: (lib.linalg.inv_ex(a).info, lib.linalg.inv_ex(a).inverse[0]), batch)  # the failed one
    with pytest.raises(ember.linalg.LinAlgError, match=r"^linalg.inv: The diagonal element 1 is zero"):
        ember.linalg.inv(ember.zeros(3, 3))
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("name", ["det", "slogdet", "inv", "inv_ex"])
def test_square_errors(name):
    fn = lambda lib, a: getattr(lib.linalg, name)(a)  # noqa: E731
    check(fn, ints(3, 3))
    check(fn, randn(2, 3))
    check(fn, randn(3))
    check(fn, randn(3, 3, dtype=np.float16))
    check(fn, randn(0, 3, 3))
    check(fn, randn(0, 0))


def test_det_inv_gradients():
    a = e64(invertible(2, 3, 3))
    assert gradcheck(ember.linalg.det, (a,))
    assert gradcheck(lambda x: ember.linalg.slogdet(x).logabsdet, (a,))
    assert gradcheck(ember.linalg.inv, (a,))
    assert gradgradcheck(ember.linalg.inv, (a,))


# ---- solve -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("a_shape,b_shape,left", [
    ((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 3, 3), (2, 3), True), ((2, 3, 3), (3, 4), True),
    ((2, 1, 3, 3), (4, 3, 1), True), ((3, 3), (2, 3), False), ((2, 3, 3), (2, 4, 3), False)])
def test_solve(dtype, a_shape, b_shape, left):
    a, b = invertible(*a_shape, dtype=dtype), randn(*b_shape, dtype=dtype, seed=1)
    check(lambda lib, a, b: lib.linalg.solve(a, b, left=left), a, b, **TOL)


def test_solve_gradients_and_errors():
    a, b = invertible(2, 3, 3), randn(2, 3, 2)
    assert gradcheck(ember.linalg.solve, (e64(a), e64(b)))
    assert gradgradcheck(ember.linalg.solve, (e64(a), e64(b)))
    check(lambda lib, b: lib.linalg.solve(lib.tensor(a), b), b)
    check(lambda lib, a, b: lib.linalg.solve(a, b), np.zeros((3, 3)), randn(3))
    check(lambda lib, a, b: lib.linalg.solve(a, b), randn(3, 3), randn(3).astype(np.float32))
    check(lambda lib, a, b: lib.linalg.solve(a, b), randn(3, 3), randn(4))
    check(lambda lib, a, b: lib.linalg.solve(a, b), randn(3, 3), randn(4, 2))
    check(lambda lib, a, b: lib.linalg.solve(a, b), ints(3, 3), ints(3, 3))
    check(lambda lib, a, b: lib.linalg.solve(a, b), randn(2, 3), randn(2))
    check(lambda lib, a, b: lib.linalg.solve(a, b), randn(3, 3, dtype=np.float16), randn(3, dtype=np.float16))
    with pytest.raises(ember.linalg.LinAlgError, match="singular"):
        ember.linalg.solve(ember.zeros(3, 3), ember.ones(3))


# ---- cholesky, cholesky_ex -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(dtype, batch, upper):
    a = spd(*batch, 3, 3, dtype=dtype)
    check(lambda lib, a: lib.linalg.cholesky(a, upper=upper), a, **TOL)
    check(lambda lib, a: lib.linalg.cholesky_ex(a, upper=upper), a, **TOL)


def test_cholesky_failures():
    bad = np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0])])
    check(lambda lib, a: lib.linalg.cholesky(a), bad)
    check(lambda lib, a: lib.linalg.cholesky(a), -np.eye(3))
    check(lambda lib, a: lib.linalg.cholesky_ex(a).info, np.stack([np.eye(3), np.diag([1.0, 1.0, -1.0])]))
    check(lambda lib, a: lib.linalg.cholesky_ex(a, check_errors=True), bad)
    check(lambda lib, a: lib.linalg.cholesky(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.cholesky(a), randn(2, 3))
    check(lambda lib, a: lib.linalg.cholesky(a), spd(3, 3, dtype=np.float16))
    with pytest.raises(ember.linalg.LinAlgError, match=r"\(Batch element 1\): .*leading minor of order 2 is not"):
        ember.linalg.cholesky(ember.tensor(bad))
    assert gradcheck(lambda x: ember.linalg.cholesky(x @ x.mT, upper=True), (e64(spd(2, 3, 3)),))


# ---- qr --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (2, 4, 3), (2, 3, 5), (1, 2, 3)])
def test_qr(dtype, shape):
    a = randn(*shape, dtype=dtype)
    check(lambda lib, a: lib.linalg.qr(a), a, **TOL)
    check(lambda lib, a: lib.linalg.qr(a, mode="complete"), a, **TOL) if shape[-2] <= shape[-1] else None
    check(lambda lib, a: lib.linalg.qr(a, mode="complete"), a, grad=False, **TOL)
    check(lambda lib, a: lib.linalg.qr(a, mode="r")[1], a, grad=False, **TOL)


def test_qr_gradients_and_errors():
    assert gradcheck(lambda x: ember.linalg.qr(x), (e64(randn(2, 4, 3)),))
    assert gradcheck(lambda x: ember.linalg.qr(x), (e64(randn(3, 5)),))
    assert gradgradcheck(lambda x: ember.linalg.qr(x), (e64(randn(3, 3)),))
    for lib in (ember, torch):  # no derivative without Q, or with a complete Q of a tall matrix
        for mode, shape in (("r", (3, 3)), ("complete", (4, 3))):
            q, r = lib.linalg.qr(lib.tensor(randn(*shape)).requires_grad_(), mode=mode)
            with pytest.raises(RuntimeError, match="linalg.qr" if mode == "r" else "mode='complete'"):
                r.sum().backward()
    check(lambda lib, a: lib.linalg.qr(a, mode="full"), randn(3, 3))
    check(lambda lib, a: lib.linalg.qr(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.qr(a), randn(3))
    check(lambda lib, a: lib.linalg.qr(a), randn(3, 3, dtype=np.float16))


# ---- svd, svdvals ----------------------------------------------------------------------------------------------------
def _svd_invariants(lib, a, full_matrices=False):
    """Values of the SVD that do not depend on the signs of the singular vectors."""
    u, s, vh = lib.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    return u[..., :k] * s.unsqueeze(-2) @ vh[..., :k, :], s, u @ u.mT, vh.mT @ vh


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (2, 3, 5), (2, 1, 4, 2)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd(dtype, shape, full_matrices):
    a = randn(*shape, dtype=dtype)
    check(lambda lib, a: _svd_invariants(lib, a, full_matrices), a, **TOL)
    check(lambda lib, a: lib.linalg.svdvals(a), a, **TOL)


def test_svd_gradients_and_errors():
    a = randn(2, 4, 3)
    assert gradcheck(lambda x: _svd_invariants(ember, x), (e64(a),))
    assert gradcheck(lambda x: _svd_invariants(ember, x), (e64(a.swapaxes(-1, -2)),))
    assert gradgradcheck(lambda x: ember.linalg.svdvals(x), (e64(a),))
    # singular vectors: invariant under flipping the sign of each pair (u_i, v_i)
    check(lambda lib, a: (lambda u, s, vh: u * vh.mT[..., :4, :])(*lib.linalg.svd(a, full_matrices=False)), a,
          **TOL)
    check(lambda lib, a: lib.linalg.svd(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.svd(a), randn(3))
    check(lambda lib, a: lib.linalg.svdvals(a), randn(3, 3, dtype=np.float16))
    assert ember.linalg.svdvals(ember.tensor(a)).grad_fn is None


# ---- eigh, eigvalsh --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(dtype, batch, uplo):
    a = sym(*batch, 3, 3, dtype=dtype)
    # eigenvectors are unique up to sign: compare v * v
    check(lambda lib, a: (lambda w, v: (w, v * v))(*lib.linalg.eigh(a, UPLO=uplo)), a, **TOL)
    check(lambda lib, a: lib.linalg.eigvalsh(a, uplo), a, **TOL)
    check(lambda lib, a: lib.linalg.eigvalsh(a, uplo), randn(*batch, 3, 3, dtype=dtype), **TOL)  # one triangle


def test_eigh_gradients_and_errors():
    assert gradcheck(lambda x: (lambda w, v: (w, v * v))(*ember.linalg.eigh(x + x.mT)), (e64(randn(2, 3, 3)),))
    assert gradgradcheck(lambda x: ember.linalg.eigvalsh(x + x.mT), (e64(randn(3, 3)),))
    check(lambda lib, a: (lambda w, v: v * v)(*lib.linalg.eigh(a)), randn(3, 3), **TOL)  # not symmetric
    check(lambda lib, a: lib.linalg.eigh(a, UPLO="X"), sym(3, 3))
    check(lambda lib, a: lib.linalg.eigh(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.eigvalsh(a), randn(2, 3))
    check(lambda lib, a: lib.linalg.eigvalsh(a), sym(3, 3, dtype=np.float16))


# ---- pinv, lstsq, matrix_rank ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (2, 3, 5)])
def test_pinv(dtype, shape):
    a = randn(*shape, dtype=dtype)
    check(lambda lib, a: lib.linalg.pinv(a), a, **TOL)
    check(lambda lib, a: lib.linalg.pinv(a, rtol=0.5), a, **TOL)
    check(lambda lib, a: lib.linalg.pinv(a, atol=1.0), a, **TOL)
    check(lambda lib, a: lib.linalg.pinv(a, hermitian=True), spd(*shape[:-2], shape[-1], shape[-1], dtype=dtype), **TOL)


def test_pinv_rank_deficient_and_errors():
    low = randn(4, 2) @ randn(2, 3)
    check(lambda lib, a: lib.linalg.pinv(a), low, grad=False, **TOL)
    assert gradcheck(ember.linalg.pinv, (e64(randn(2, 4, 3)),))
    assert gradgradcheck(ember.linalg.pinv, (e64(randn(3, 2)),))
    check(lambda lib, a: lib.linalg.pinv(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.pinv(a), randn(3))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("a_shape,b_shape", [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 4, 3), (2, 4, 2)),
                                             ((4, 3), (4,))])
def test_lstsq(dtype, driver, a_shape, b_shape):
    a, b = randn(*a_shape, dtype=dtype), randn(*b_shape, dtype=dtype, seed=1)
    if driver == "gels" and a_shape[-2] < a_shape[-1]:
        return  # gels returns an arbitrary solution of an underdetermined system
    check(lambda lib, a, b: lib.linalg.lstsq(a, b, driver=driver), a, b, atol=1e-4, rtol=1e-3, grad_atol=1e-3,
          grad_rtol=1e-3)


def test_lstsq_rank_deficient_and_errors():
    low = randn(5, 2) @ randn(2, 3)
    check(lambda lib, a, b: lib.linalg.lstsq(a, b), low, randn(5, 2), grad=False, **TOL)
    check(lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd"), low, randn(5, 2), grad=False, **TOL)
    assert gradcheck(lambda a, b: ember.linalg.lstsq(a, b, driver="gelsd")[:2], (e64(randn(5, 3)), e64(randn(5, 2))))
    check(lambda lib, a, b: lib.linalg.lstsq(a, b), randn(2, 5, 3), randn(5, 2))
    check(lambda lib, a, b: lib.linalg.lstsq(a, b), randn(5, 3), randn(4, 2))
    check(lambda lib, a, b: lib.linalg.lstsq(a, b), ints(5, 3), ints(5, 2))
    check(lambda lib, a, b: lib.linalg.lstsq(a, b, driver="foo"), randn(5, 3), randn(5, 2))
    check(lambda lib, a, b: lib.linalg.lstsq(a, b), randn(5, 3), randn(5, 2).astype(np.float32))


@pytest.mark.parametrize("dtype", FLOATS)
def test_matrix_rank(dtype):
    low = (randn(2, 5, 2) @ randn(2, 2, 4)).astype(dtype)
    check(lambda lib, a: lib.linalg.matrix_rank(a), low)
    check(lambda lib, a: lib.linalg.matrix_rank(a), randn(3, 4, dtype=dtype))
    check(lambda lib, a: lib.linalg.matrix_rank(a, hermitian=True), sym(3, 3, dtype=dtype))
    check(lambda lib, a: lib.linalg.matrix_rank(a, atol=1.0, rtol=0.0), randn(3, 4, dtype=dtype))
    check(lambda lib, a: lib.linalg.matrix_rank(a, rtol=0.5), randn(3, 4, dtype=dtype))
    check(lambda lib, a: lib.linalg.matrix_rank(a, 1.0), randn(3, 4, dtype=dtype))
    check(lambda lib, a: lib.linalg.matrix_rank(a, atol=lib.tensor(1.0)), randn(3, 4, dtype=dtype))
    check(lambda lib, a: lib.linalg.matrix_rank(a), ints(3, 3))


# ---- matrix_power, matrix_exp, multi_dot, cross, vecdot, diagonal ----------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_matrix_exp(dtype):
    check(lambda lib, a: lib.linalg.matrix_exp(a), randn(2, 3, 3, dtype=dtype), **TOL)
    check(lambda lib, a: lib.linalg.matrix_exp(a * 10), randn(3, 3, dtype=dtype), atol=1e-3, rtol=1e-4,
          grad_atol=1e-2, grad_rtol=1e-3)
    check(lambda lib, a: lib.linalg.matrix_exp(a), np.zeros((2, 2), dtype=dtype), **TOL)


def test_matrix_exp_gradients_and_errors():
    assert gradcheck(ember.linalg.matrix_exp, (e64(randn(2, 3, 3)),))
    assert gradgradcheck(ember.linalg.matrix_exp, (e64(randn(2, 2)),))
    half = ember.linalg.matrix_exp(ember.tensor(randn(3, 3, dtype=np.float16)))  # PyTorch overflows here
    assert half.dtype == ember.float16
    np.testing.assert_allclose(half.float().numpy(), ember.linalg.matrix_exp(half.float()).numpy() * 0 +
                               torch.linalg.matrix_exp(torch.tensor(randn(3, 3))).numpy(), rtol=1e-2, atol=1e-2)
    check(lambda lib, a: lib.linalg.matrix_exp(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.matrix_exp(a), randn(2, 3))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(2, 3), (3, 5), (5, 1), (1, 4)], [(3,), (3, 4), (4,)],
                                    [(3,), (3, 4), (4, 2)], [(2, 3), (3,)], [(4, 2), (2, 6), (6, 3), (3, 5)]])
def test_multi_dot(dtype, shapes):
    xs = [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    check(lambda lib, *xs: lib.linalg.multi_dot(xs), *xs, **TOL)


def test_multi_dot_errors():
    a, b = randn(2, 3), randn(3, 4)
    check(lambda lib, a: lib.linalg.multi_dot([a]), a)
    check(lambda lib, a, b: lib.linalg.multi_dot([a, b]), a, randn(2, 3, 3))
    check(lambda lib, a, b: lib.linalg.multi_dot([b, a]), a, randn(2, 3, 3))
    check(lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), a, randn(3), b)
    check(lambda lib, a, b: lib.linalg.multi_dot([a, a]), a, b)
    check(lambda lib, a, b: lib.linalg.multi_dot([a, b]), a, b.astype(np.float32))
    check(lambda lib, a, b: lib.linalg.multi_dot([a, b]), ints(2, 3), ints(3, 4))
    check(lambda lib, a, b: lib.linalg.multi_dot([a, b], out=lib.empty(0, dtype=lib.float64)), a, b, grad=False)


def test_vecdot():
    for dtype in FLOATS:
        check(lambda lib, x, y: lib.linalg.vecdot(x, y), randn(2, 3, dtype=dtype), randn(2, 3, dtype=dtype), **TOL)
        check(lambda lib, x, y: lib.linalg.vecdot(x, y, dim=0), randn(2, 3, dtype=dtype), randn(3, dtype=dtype),
              **TOL)
    check(lambda lib, x, y: lib.linalg.vecdot(x, y), randn(2, 1, 3), randn(4, 3))
    check(lambda lib, x, y: lib.linalg.vecdot(x, y), ints(2, 3), ints(2, 3))
    check(lambda lib, x, y: lib.linalg.vecdot(x, y), randn(2, 3), randn(2, 3).astype(np.float32))
    check(lambda lib, x, y: lib.linalg.vecdot(x, y), randn(2, 3), randn(2, 4))


@pytest.mark.skipif(not hasattr(ember.Tensor, "diagonal"), reason="Tensor.diagonal is not implemented yet")
def test_diagonal():
    a = randn(2, 3, 4)
    check(lambda lib, a: lib.linalg.diagonal(a), a)
    check(lambda lib, a: lib.linalg.diagonal(a, offset=1, dim1=0, dim2=2), a)


# ---- norms -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, INF, -INF, 0])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm(dtype, ord, dim, keepdim):
    x = randn(2, 3, 4, dtype=dtype)
    check(lambda lib, x: lib.linalg.vector_norm(x, ord, dim, keepdim), x, **TOL)
    if dim is None or isinstance(dim, int):
        check(lambda lib, x: lib.linalg.norm(x, ord if dim is not None else None, dim, keepdim), x, **TOL)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, INF, -INF])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((-1, -2), True), ((0, 2), False), ((2, 0), True)])
def test_matrix_norm(dtype, ord, dim, keepdim):
    a = randn(3, 4, 5, dtype=dtype)
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord, dim, keepdim), a, **TOL)
    check(lambda lib, a: lib.linalg.norm(a, ord, dim, keepdim), a, **TOL)


def test_norm_forms_and_errors():
    a, v = randn(3, 4), randn(4)
    check(lambda lib, a: lib.linalg.norm(a), a)
    check(lambda lib, a: lib.linalg.norm(a, "nuc"), a, **TOL)
    check(lambda lib, a: lib.linalg.norm(a, 2), a, **TOL)
    check(lambda lib, v: lib.linalg.norm(v, 3), v)
    check(lambda lib, a: lib.linalg.norm(a, 2), randn(2, 3, 3))
    check(lambda lib, v: lib.linalg.norm(v, "fro"), v)
    check(lambda lib, a: lib.linalg.norm(a, "fro", dim=0), a)
    check(lambda lib, v: lib.linalg.vector_norm(v, "fro"), v)
    check(lambda lib, v: lib.linalg.vector_norm(v, dtype=lib.float64), v.astype(np.float32))
    check(lambda lib, v: lib.linalg.vector_norm(v, dtype=lib.float32), v)
    check(lambda lib, a: lib.linalg.norm(a, "nuc", dtype=lib.float64), a.astype(np.float32), **TOL)
    check(lambda lib, a: lib.linalg.matrix_norm(a, 3), a)
    check(lambda lib, a: lib.linalg.matrix_norm(a, "abc"), a)
    check(lambda lib, a: lib.linalg.matrix_norm(a, dim=(0, 0)), a)
    check(lambda lib, a: lib.linalg.matrix_norm(a, dim=(0,)), a)
    check(lambda lib, v: lib.linalg.matrix_norm(v), v)
    check(lambda lib, a: lib.linalg.matrix_norm(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.vector_norm(a), ints(3, 3))
    check(lambda lib, a: lib.linalg.matrix_norm(a, dtype=lib.float64), a.astype(np.float16), grad=False,
          atol=1e-2, rtol=1e-2)
    assert gradcheck(lambda x: ember.linalg.matrix_norm(x, "nuc"), (e64(a),))
    assert gradcheck(lambda x: ember.linalg.matrix_norm(x, 2), (e64(a),))


LAPACK_CALLS = {  # functions that PyTorch's CPU runs through LAPACK, which has no half-precision routines
    "det": lambda lib, a, p: lib.linalg.det(a), "slogdet": lambda lib, a, p: lib.linalg.slogdet(a),
    "logdet": lambda lib, a, p: lib.logdet(a), "inv": lambda lib, a, p: lib.linalg.inv(a),
    "inv_ex": lambda lib, a, p: lib.linalg.inv_ex(a), "inverse": lambda lib, a, p: a.inverse(),
    "tensorinv": lambda lib, a, p: lib.linalg.tensorinv(a, ind=1),
    "solve": lambda lib, a, p: lib.linalg.solve(a, a), "solve_ex": lambda lib, a, p: lib.linalg.solve_ex(a, a),
    "tensorsolve": lambda lib, a, p: lib.linalg.tensorsolve(a, a[0]),
    "solve_triangular": lambda lib, a, p: lib.linalg.solve_triangular(a, a, upper=True),
    "triangular_solve": lambda lib, a, p: lib.triangular_solve(a, a),
    "cholesky": lambda lib, a, p: lib.linalg.cholesky(a), "cholesky_ex": lambda lib, a, p: lib.linalg.cholesky_ex(a),
    "cholesky_solve": lambda lib, a, p: lib.cholesky_solve(a, a),
    "cholesky_inverse": lambda lib, a, p: lib.cholesky_inverse(a),
    "qr": lambda lib, a, p: lib.linalg.qr(a), "geqrf": lambda lib, a, p: lib.geqrf(a),
    "orgqr": lambda lib, a, p: lib.orgqr(a, a[0]), "ormqr": lambda lib, a, p: lib.ormqr(a, a[0], a),
    "householder_product": lambda lib, a, p: lib.linalg.householder_product(a, a[0]),
    "svd": lambda lib, a, p: lib.linalg.svd(a), "svdvals": lambda lib, a, p: lib.linalg.svdvals(a),
    "pinv": lambda lib, a, p: lib.linalg.pinv(a), "matrix_rank": lambda lib, a, p: lib.linalg.matrix_rank(a),
    "cond": lambda lib, a, p: lib.linalg.cond(a), "matrix_norm 2": lambda lib, a, p: lib.linalg.matrix_norm(a, 2),
    "norm nuc": lambda lib, a, p: lib.linalg.norm(a, "nuc"), "lstsq": lambda lib, a, p: lib.linalg.lstsq(a, a),
    "eig": lambda lib, a, p: lib.linalg.eig(a), "eigvals": lambda lib, a, p: lib.linalg.eigvals(a),
    "eigh": lambda lib, a, p: lib.linalg.eigh(a), "eigvalsh": lambda lib, a, p: lib.linalg.eigvalsh(a),
    "lu": lambda lib, a, p: lib.linalg.lu(a), "lu_factor": lambda lib, a, p: lib.linalg.lu_factor(a),
    "lu_factor_ex": lambda lib, a, p: lib.linalg.lu_factor_ex(a),
    "lu_solve": lambda lib, a, p: lib.linalg.lu_solve(a, p, a),
    "ldl_factor": lambda lib, a, p: lib.linalg.ldl_factor(a),
    "ldl_solve": lambda lib, a, p: lib.linalg.ldl_solve(a, p, a),
    "vander": lambda lib, a, p: lib.linalg.vander(a[0])}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", LAPACK_CALLS)
def test_half_precision_matrices_raise_as_pytorch(name, dtype):
    """float16 and bfloat16 matrices raise PyTorch's error type (NotImplementedError naming its kernel, or
    RuntimeError), where ember could compute them."""
    values = invertible(3, 3)

    def call(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # triangular_solve's deprecation
            return LAPACK_CALLS[name](lib, lib.tensor(values, dtype=getattr(lib, dtype)), lib.ones(3, dtype=lib.int32))
    raises_like_torch(call)
