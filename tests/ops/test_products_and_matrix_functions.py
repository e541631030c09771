"""Parity of the further products and matrix functions in the torch namespace (einsum, tensordot, outer, kron,
cross, trace, det, inverse, matrix_power, cholesky, addmv, addbmm, baddbmm, addr, vdot, inner, chain_matmul, ...)."""
import warnings

import numpy as np
import pytest
from parity import check, randn, torch

import ember
from ember.autograd import gradcheck, gradgradcheck

FLOATS = [np.float32, np.float64]
TOL = {"atol": 1e-5, "rtol": 1e-4, "grad_atol": 1e-4, "grad_rtol": 1e-4}


def ints(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).integers(-4, 5, shape).astype(np.int64)


def spd(*shape, dtype=np.float64, seed=0):
    """Symmetric positive-definite matrices."""
    x = randn(*shape, seed=seed)
    return (x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def e64(x):
    """An ember float64 tensor that requires grad (for gradcheck)."""
    return ember.tensor(x).requires_grad_()


# ---- einsum ----------------------------------------------------------------------------------------------------------
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
    ("...ij,jk", [(2, 2, 3), (3, 4)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    ("bi,bj->b", [(2, 3), (1, 4)]),
    ("Ba,aC", [(2, 3), (3, 4)]),
    (" ij , jk -> ik ", [(2, 3), (3, 4)]),
    (",ij->ij", [(), (2, 3)]),
    ("i...->...", [(2, 3, 4)]),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("equation,shapes", EQUATIONS)
def test_einsum(dtype, equation, shapes):
    xs = [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    # one EinsumBackward0 node where PyTorch records the ops it reduces the equation to (documented)
    check(lambda lib, *xs: lib.einsum(equation, *xs), *xs, check_grad_fn=False, **TOL)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("equation,shapes", [e for e in EQUATIONS if len(e[1]) < 3 and () not in e[1]])
def test_einsum_of_half_precision(dtype, equation, shapes):
    """Computed in float32 and rounded once (NumPy has no bfloat16 einsum); PyTorch rounds between its steps (a
    broadcast sum, then bmm), so results agree to a few rounding steps of the half dtype."""
    xs = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda lib, *xs: lib.einsum(equation, *(x.to(getattr(lib, dtype)) for x in xs)).float(), *xs,
          check_grad_fn=False, atol=6e-2, rtol=1e-2, grad_atol=6e-2, grad_rtol=1e-2)
    for lib in (ember, torch):
        three = [lib.ones(2, 2, dtype=getattr(lib, dtype))] * 3
        assert lib.einsum("ij,jk,kl->il", *three).dtype == getattr(lib, dtype)


def test_einsum_forms_and_gradcheck():
    a, b = randn(2, 3), randn(3, 4)
    check(lambda lib, a, b: lib.einsum("ij,jk->ik", [a, b]), a, b, check_grad_fn=False)
    check(lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]), a, b, check_grad_fn=False)
    check(lambda lib, a, b: lib.einsum(a, [..., 1], b, [1, 2]), a, b, check_grad_fn=False)
    check(lambda lib, a, b: lib.einsum("ij,jk", a, b), ints(2, 3), ints(3, 4))
    x, y, d = e64(randn(2, 3)), e64(randn(3, 3)), e64(randn(3, 3, 2))
    assert gradcheck(lambda x, y: ember.einsum("ij,jk->ik", x, y), (x, y))
    assert gradcheck(lambda d, y: ember.einsum("iik,ij->jk", d, y), (d, y))
    assert gradcheck(lambda d: ember.einsum("ijk->k", d), (d,))
    assert gradcheck(lambda y: ember.einsum("ii->i", y), (y,))
    assert gradgradcheck(lambda x, y: ember.einsum("ij,jk->ik", x, y), (x, y))
    assert ember.einsum("ij,jk->ik", ember.tensor(a), ember.tensor(b)).grad_fn is None


@pytest.mark.parametrize("equation,shapes", [
    ("ij,jk->ik", [(2, 3)]),
    ("ij->ij", [(2, 3), (2, 3)]),
    ("ijk,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 3), (4, 4)]),
    ("ij,jk->iz", [(2, 3), (3, 4)]),
    ("ij,jk->ii", [(2, 3), (3, 4)]),
    ("i1,jk", [(2, 3), (3, 4)]),
    ("ii->i", [(2, 3)]),
])
def test_einsum_errors(equation, shapes):
    xs = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda lib, *xs: lib.einsum(equation, *xs), *xs)


def test_einsum_bad_arguments():
    check(lambda lib, a, b: lib.einsum("ij,jk", a, b), randn(2, 3, dtype=np.float32), randn(3, 4))
    check(lambda lib: lib.einsum("ij"))
    with pytest.raises(ValueError):
        ember.einsum()


# ---- tensordot, inner, outer, kron, vdot -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dims,sa,sb", [
    (2, (2, 3, 4), (3, 4, 5)),
    (1, (2, 3), (3, 4)),
    (0, (2, 3), (3, 4)),
    (([1, 0], [0, 1]), (3, 2, 4), (2, 3)),
    (([-1], [-2]), (2, 3), (3, 4)),
    ([[1], [0]], (2, 3), (3, 4)),
    (2, (2, 3), (2, 3)),
])
def test_tensordot(dtype, dims, sa, sb):
    check(lambda lib, a, b: lib.tensordot(a, b, dims=dims), randn(*sa, dtype=dtype), randn(*sb, dtype=dtype, seed=1),
          **TOL)


def test_tensordot_forms_and_errors():
    a, b = randn(2, 3), randn(3, 4)
    check(lambda lib, a, b: lib.tensordot(a, b, dims=lib.tensor(1)), a, b)
    check(lambda lib, a, b: lib.tensordot(a, b, 1), ints(2, 3), ints(3, 4))
    check(lambda lib, a, b: lib.tensordot(a, b, dims=([0], [0])), a, b)
    check(lambda lib, a, b: lib.tensordot(a, b, dims=-1), a, b)
    check(lambda lib, a, b: lib.tensordot(a, b, dims=3), a, b)
    check(lambda lib, a, b: lib.tensordot(a, b, dims=([1, 0], [0])), a, b)
    check(lambda lib, a, b: lib.tensordot(a, b, dims=([2], [0])), a, b)
    check(lambda lib, a, b: lib.tensordot(a, b, 1), a.astype(np.float32), b)
    assert gradcheck(lambda x, y: ember.tensordot(x, y, 1), (e64(a), e64(b)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_outer_ger_inner_vdot(dtype):
    v, w = randn(3, dtype=dtype), randn(4, dtype=dtype, seed=1)
    check(lambda lib, v, w: lib.outer(v, w), v, w, **TOL)
    check(lambda lib, v, w: v.outer(w), v, w, **TOL)
    check(lambda lib, v, w: lib.ger(v, w), v, w, **TOL)
    check(lambda lib, v, w: v.ger(w), v, w, **TOL)
    check(lambda lib, v, w: lib.vdot(v, w), v, w[:3], **TOL)
    check(lambda lib, v, w: v.vdot(w), v, w[:3], **TOL)
    check(lambda lib, a, b: lib.inner(a, b), randn(2, 3, dtype=dtype), randn(4, 3, dtype=dtype), **TOL)
    check(lambda lib, a, b: a.inner(b), randn(2, 2, 3, dtype=dtype), randn(3, dtype=dtype), **TOL)
    check(lambda lib, v, w: lib.inner(v, w), v, w[:3], **TOL)
    check(lambda lib, s, a: lib.inner(s, a), np.array(2.5, dtype=dtype), randn(2, 3, dtype=dtype), **TOL)


def test_outer_ger_inner_vdot_dtypes_and_errors():
    check(lambda lib, v, w: lib.outer(v, w), randn(3), ints(3))
    check(lambda lib, v, w: lib.outer(v, w), ints(3), ints(2))
    check(lambda lib, v, w: lib.outer(v, w), randn(2, 3), randn(3))
    check(lambda lib, v, w: lib.ger(v, w), randn(3), randn(2, 3))
    check(lambda lib, v, w: lib.vdot(v, w), randn(3, dtype=np.float32), randn(3))
    check(lambda lib, v, w: lib.vdot(v, w), randn(3), randn(4))
    check(lambda lib, v, w: lib.vdot(v, w), randn(2, 3), randn(2, 3))
    check(lambda lib, v, w: lib.vdot(v, w), ints(3), ints(3))
    check(lambda lib, a, b: lib.inner(a, b), randn(2, 3), randn(3, 4))
    check(lambda lib, a, b: lib.inner(a, b), randn(2, 3), randn(2, 3, dtype=np.float32))
    check(lambda lib, a, b: lib.inner(a, b), ints(2, 3), ints(2, 3))
    for name in ["outer", "ger", "inner", "kron", "mm", "mv"]:  # TypeError: the second argument must be a Tensor
        check(lambda lib, a: getattr(lib, name)(a, 2.5), randn(3, 3))
        check(lambda lib, a: getattr(lib, name)(a, np.ones(3)), randn(3, 3))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 2)), ((2,), (2, 3)), ((2, 2, 1), (3, 2)), ((), (2, 3)), ((), ()),
                                   ((3,), (2,))])
def test_kron(dtype, sa, sb):
    check(lambda lib, a, b: lib.kron(a, b), randn(*sa, dtype=dtype), randn(*sb, dtype=dtype, seed=1), **TOL)
    check(lambda lib, a, b: a.kron(b), randn(*sa, dtype=dtype), randn(*sb, dtype=dtype, seed=1), **TOL)


def test_kron_dtypes():
    check(lambda lib, a, b: lib.kron(a, b), randn(2), ints(3))
    check(lambda lib, a, b: lib.kron(a, b), ints(2, 2), ints(2, 3))
    assert gradcheck(lambda x, y: ember.kron(x, y), (e64(randn(2, 3)), e64(randn(2, 2))))


# ---- cross, trace ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_cross(dtype):
    a, b = randn(2, 4, 3, dtype=dtype), randn(2, 4, 3, dtype=dtype, seed=1)
    check(lambda lib, a, b: lib.cross(a, b, dim=-1), a, b, **TOL)
    check(lambda lib, a, b: lib.cross(a, b, 2), a, b, **TOL)
    check(lambda lib, a, b: a.cross(b, dim=-1), a, b, **TOL)
    check(lambda lib, a, b: lib.cross(a, b), randn(3, 4, dtype=dtype), randn(3, 4, dtype=dtype, seed=1), **TOL)
    check(lambda lib, a, b: lib.cross(a, b, dim=0), randn(3, 4, dtype=dtype), randn(3, 1, dtype=dtype), **TOL)
    check(lambda lib, a, b: lib.linalg.cross(a, b), a, b, **TOL)
    check(lambda lib, a, b: lib.linalg.cross(a, b), randn(2, 1, 3, dtype=dtype), randn(1, 4, 3, dtype=dtype), **TOL)
    check(lambda lib, a, b: lib.linalg.cross(a, b, dim=0), randn(3, 2, dtype=dtype), randn(3, 2, dtype=dtype),
          **TOL)


def test_cross_errors_and_dtypes():
    check(lambda lib, a, b: lib.cross(a, b), randn(4, 4), randn(4, 4))
    check(lambda lib, a, b: lib.linalg.cross(a, b), randn(4, 4), randn(4, 4))
    check(lambda lib, a, b: lib.linalg.cross(a, b), randn(2, 1, 3), randn(4, 3))
    check(lambda lib, a, b: lib.linalg.cross(a, b), randn(3), ints(3))
    check(lambda lib, a, b: lib.linalg.cross(a, b, dim=2), randn(3), randn(3))
    check(lambda lib, a, b: lib.linalg.cross(a, b), randn(2, 3), randn(4, 3))
    check(lambda lib, a, b: lib.linalg.cross(a, b), ints(2, 3), ints(2, 3))
    check(lambda lib, a: lib.linalg.cross(a, 2.5), randn(3))  # TypeError: other must be a Tensor
    check(lambda lib, a: lib.cross(a, 2.5), randn(3))
    check(lambda lib, a: lib.matmul(a, 2.5), randn(3))
    assert gradcheck(lambda x, y: ember.linalg.cross(x, y), (e64(randn(2, 3)), e64(randn(2, 3, seed=1))))


def test_trace():
    for dtype in FLOATS:
        check(lambda lib, a: lib.trace(a), randn(3, 3, dtype=dtype), **TOL)
        check(lambda lib, a: a.trace(), randn(2, 4, dtype=dtype), **TOL)
    check(lambda lib, a: lib.trace(a), ints(3, 3))
    check(lambda lib, a: lib.trace(a), ints(3, 3).astype(np.int32))
    check(lambda lib, a: lib.trace(a), randn(3, 3, dtype=np.float16), grad=False)
    check(lambda lib, a: lib.trace(a), randn(2, 3, 3))
    check(lambda lib, a: lib.trace(a), randn(3))
    check(lambda lib, a: lib.trace(a > 0), randn(3, 3), grad=False)


# ---- addmv, addbmm, baddbmm, addr, addmm_ ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2), (0, 1)])
def test_add_products(dtype, beta, alpha):
    kw = dict(beta=beta, alpha=alpha)
    m, v = randn(2, 3, dtype=dtype), randn(3, dtype=dtype, seed=1)
    check(lambda lib, c, m, v: lib.addmv(c, m, v, **kw), randn(2, dtype=dtype), m, v, **TOL)
    check(lambda lib, c, m, v: c.addmv(m, v, **kw), randn(1, dtype=dtype), m, v, **TOL)
    b1, b2 = randn(4, 2, 3, dtype=dtype), randn(4, 3, 5, dtype=dtype, seed=1)
    check(lambda lib, c, x, y: lib.addbmm(c, x, y, **kw), randn(2, 5, dtype=dtype), b1, b2, **TOL)
    check(lambda lib, c, x, y: c.addbmm(x, y, **kw), randn(5, dtype=dtype), b1, b2, **TOL)
    check(lambda lib, c, x, y: lib.baddbmm(c, x, y, **kw), randn(4, 2, 5, dtype=dtype), b1, b2, **TOL)
    check(lambda lib, c, x, y: c.baddbmm(x, y, **kw), randn(2, 5, dtype=dtype), b1, b2, **TOL)
    check(lambda lib, c, x, y: lib.addr(c, x, y, **kw), randn(2, 3, dtype=dtype), randn(2, dtype=dtype), v, **TOL)
    check(lambda lib, c, x, y: c.addr(x, y, **kw), randn(3, dtype=dtype), randn(2, dtype=dtype), v, **TOL)


def test_add_products_beta_zero_ignores_nan():
    nan = np.full(2, np.nan)
    check(lambda lib, c, m, v: lib.addmv(c, m, v, beta=0), nan, randn(2, 3), randn(3), grad=False)
    check(lambda lib, c, m, v: lib.addr(c, m, v, beta=0), np.full((2, 3), np.nan), randn(2), randn(3), grad=False)


@pytest.mark.parametrize("name", ["addmv", "addbmm", "baddbmm", "addr", "addmm"])
def test_add_products_inplace(name):
    args = {"addmv": ((2,), (2, 3), (3,)), "addbmm": ((2, 5), (4, 2, 3), (4, 3, 5)),
            "baddbmm": ((4, 2, 5), (4, 2, 3), (4, 3, 5)), "addr": ((2, 3), (2,), (3,)),
            "addmm": ((2, 5), (2, 3), (3, 5))}[name]
    xs = [randn(*s, seed=i) for i, s in enumerate(args)]
    check(lambda lib, c, x, y: getattr(c.clone(), name + "_")(x, y, beta=0.5, alpha=2), *xs)
    check(lambda lib, c, x, y: getattr(c, name + "_")(x, y), *xs, grad=False)
    check(lambda lib, c, x, y: getattr(lib, name)(c, x, y, out=lib.empty(0, dtype=lib.float64)), *xs, grad=False)


def test_add_products_errors_and_dtypes():
    m, v = randn(2, 3), randn(3)
    check(lambda lib, c, m, v: lib.addmv(c, m, v), randn(3), m, v)
    check(lambda lib, c, m, v: lib.addmv(c, m, v), randn(2), randn(3), v)
    check(lambda lib, c, m, v: lib.addmv(c, m, v), randn(2), m, m)
    check(lambda lib, c, m, v: lib.addmv(c, m, v), randn(2), m, randn(4))
    check(lambda lib, c, m, v: lib.addmv(c, m, v), randn(2, dtype=np.float32), m.astype(np.float32), v)
    check(lambda lib, c, m, v: lib.addmv(c, m, v, beta=2, alpha=3), ints(2), ints(2, 3), ints(3))
    b1, b2 = randn(4, 2, 3), randn(4, 3, 5)
    check(lambda lib, c, x, y: lib.addbmm(c, x, y), randn(2, 5), b1, b1)
    check(lambda lib, c, x, y: lib.addbmm(c, x, y), randn(2, 5), randn(2, 3), b2)
    check(lambda lib, c, x, y: lib.addbmm(c, x, y), randn(2, 5), b1, randn(3, 3, 5))
    check(lambda lib, c, x, y: lib.addbmm(c, x, y), randn(2, 5), b1, b2.astype(np.float32))
    check(lambda lib, c, x, y: lib.addbmm(c, x, y), randn(3, 5), b1, b2)
    check(lambda lib, c, x, y: lib.baddbmm(c, x, y), randn(3, 2, 5), b1, b2)
    check(lambda lib, c, x, y: lib.baddbmm(c, x, y), randn(4, 2, 5), b1, b1)
    check(lambda lib, c, x, y: lib.baddbmm(c, x, y), ints(4, 2, 5), ints(4, 2, 3), ints(4, 3, 5))
    check(lambda lib, c, x, y: lib.addr(c, x, y), randn(2, 3), m, v)
    check(lambda lib, c, x, y: lib.addr(c, x, y), randn(2, 3, dtype=np.float32), randn(2), v.astype(np.float32),
          grad=False)  # promotes (PyTorch's backward then fails)
    check(lambda lib, c, x, y: lib.addr(c, x, y), ints(2, 3), ints(2), ints(3))
    check(lambda lib, c, x, y: lib.addr(c, x, y, alpha=0.5), ints(2, 3), ints(2), ints(3))
    check(lambda lib, c, x, y: lib.addr(c, x, y), randn(2, 3) > 0, randn(2) > 0, v > 0)
    check(lambda lib, c, x, y: lib.addr(c, x, y), randn(3, 3), randn(2), v)


# ---- chain_matmul, matrix_power --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_chain_matmul(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mats = [randn(2, 3, dtype=dtype), randn(3, 5, dtype=dtype), randn(5, 2, dtype=dtype), randn(2, 4, dtype=dtype)]
        check(lambda lib, *ms: lib.chain_matmul(*ms), *mats, **TOL)
        check(lambda lib, *ms: lib.chain_matmul(*ms), *mats[:2], **TOL)
        check(lambda lib, m: lib.chain_matmul(m), mats[0], **TOL)
        check(lambda lib: lib.chain_matmul())
        check(lambda lib, a, v: lib.chain_matmul(a, v), mats[0], randn(3))
        check(lambda lib, a, b: lib.chain_matmul(a, b), ints(2, 3), ints(3, 2))
    with pytest.warns(UserWarning, match="deprecated"):
        ember.chain_matmul(ember.ones(2, 2), ember.ones(2, 2))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2, -3])
def test_matrix_power(dtype, n):
    a = randn(3, 3, dtype=dtype) / 2 + np.eye(3, dtype=dtype)
    check(lambda lib, a: lib.matrix_power(a, n), a, **TOL)
    check(lambda lib, a: a.matrix_power(n), np.stack([a, a.T]), **TOL)
    check(lambda lib, a: lib.linalg.matrix_power(a, n), a, **TOL)


def test_matrix_power_dtypes_and_errors():
    check(lambda lib, a: lib.matrix_power(a, 3), ints(2, 2))
    check(lambda lib, a: lib.matrix_power(a, 0), ints(2, 2))
    check(lambda lib, a: lib.matrix_power(a, -1), ints(2, 2))
    check(lambda lib, a: lib.matrix_power(a, 2), randn(2, 3))
    check(lambda lib, a: lib.matrix_power(a, 2), randn(3))
    check(lambda lib, a: lib.matrix_power(a, 2), randn(0, 2, 2))
    check(lambda lib, a: lib.matrix_power(a, 2.0), randn(2, 2))  # TypeError: n must be an int
    check(lambda lib, a: lib.matrix_power(a, True), randn(2, 2))
    check(lambda lib, a, n: lib.matrix_power(a, n), randn(2, 2), np.array(3))  # a 0-dim integer tensor is an int
    check(lambda lib, a, n: lib.matrix_power(a, n), randn(2, 2), np.array([3]))
    assert gradcheck(lambda x: ember.matrix_power(x, -2), (e64(randn(3, 3) + 3 * np.eye(3)),))


# ---- det, slogdet, logdet, inverse, cholesky (torch namespace) -------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (2, 1, 2, 2), (1, 1), (0, 0), (0, 3, 3)])
def test_det_inverse_slogdet(dtype, shape):
    a = randn(*shape, dtype=dtype) + 2 * np.eye(shape[-1], dtype=dtype)
    check(lambda lib, a: lib.det(a), a, **TOL)
    check(lambda lib, a: a.det(), a, **TOL)
    check(lambda lib, a: lib.inverse(a), a, **TOL)
    check(lambda lib, a: a.inverse(), a, **TOL)
    check(lambda lib, a: lib.slogdet(a), a, **TOL)
    check(lambda lib, a: a.slogdet(), a, **TOL)
    check(lambda lib, a: lib.logdet(a), a, **TOL)
    check(lambda lib, a: a.logdet(), a, **TOL)


def test_det_gradients():
    a = randn(2, 3, 3)
    assert gradcheck(ember.det, (e64(a),))
    assert gradgradcheck(ember.det, (e64(a),))
    assert gradcheck(lambda x: ember.slogdet(x)[1], (e64(a),))
    assert gradcheck(ember.inverse, (e64(a),))
    assert gradgradcheck(ember.inverse, (e64(a),))
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    # at a singular matrix the gradient is its cofactor matrix (PyTorch 2.13 gives zeros there)
    check(lambda lib, a: lib.det(a), np.stack([singular, np.eye(3)]), grad=False)
    assert gradcheck(ember.det, (e64(np.stack([singular, np.diag([1.0, 0.0, 1.0])])),))
    assert gradcheck(ember.det, (e64(np.zeros((2, 2))),))
    check(lambda lib, a: lib.logdet(a), np.stack([singular, -np.eye(3), np.eye(3)]), grad=False)


def test_det_inverse_errors():
    for name in ["det", "inverse", "slogdet", "logdet"]:
        check(lambda lib, a: getattr(lib, name)(a), ints(3, 3))
        check(lambda lib, a: getattr(lib, name)(a), randn(2, 3))
        check(lambda lib, a: getattr(lib, name)(a), randn(3))
        check(lambda lib, a: getattr(lib, name)(a), randn(3, 3, dtype=np.float16))
    check(lambda lib, a: lib.inverse(a), np.zeros((3, 3)))
    message = r"^linalg.inv: \(Batch element 1\): The diagonal element 3 is zero"
    with pytest.raises(ember.linalg.LinAlgError, match=message):
        ember.inverse(ember.tensor(np.stack([np.eye(3), [[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]])))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(dtype, upper):
    check(lambda lib, a: lib.cholesky(a, upper), spd(3, 3, dtype=dtype), **TOL)
    check(lambda lib, a: a.cholesky(upper=upper), spd(2, 3, 3, dtype=dtype), **TOL)


def test_cholesky_gradients_and_errors():
    assert gradcheck(lambda x: ember.cholesky(x @ x.mT), (e64(spd(2, 3, 3)),))
    assert gradgradcheck(lambda x: ember.cholesky(x @ x.mT), (e64(spd(3, 3)),))
    check(lambda lib, a: lib.cholesky(a), np.diag([1.0, -1.0, 1.0]))
    check(lambda lib, a: lib.cholesky(a), ints(3, 3))
    check(lambda lib, a: lib.cholesky(a), randn(2, 3))
    check(lambda lib, a: lib.cholesky(a), spd(3, 3, dtype=np.float16))
    with pytest.raises(ember.linalg.LinAlgError, match="^cholesky: .*leading minor of order 2"):
        ember.cholesky(ember.tensor(np.diag([1.0, -1.0, 1.0])))


# ---- svd, qr, pinverse, matrix_exp (torch namespace) -----------------------------------------------------------------
@pytest.mark.parametrize("some", [True, False])
def test_svd_qr_torch_forms(some):
    a = randn(2, 4, 3)
    # singular vectors are unique up to sign: compare products that do not depend on it
    check(lambda lib, a: (lambda u, s, v: (u[..., :3] * s.unsqueeze(-2) @ v.mT, s, v @ v.mT))(*lib.svd(a, some)),
          a, **TOL)
    check(lambda lib, a: a.svd(some=some)[1], a, **TOL)
    check(lambda lib, a: lib.svd(a, compute_uv=False), a, **TOL)
    check(lambda lib, a: lib.qr(a, some), a, **TOL) if some else check(lambda lib, a: lib.qr(a, some)[0], a,
                                                                      grad=False, **TOL)
    check(lambda lib, a: a.qr(), a, **TOL)
    assert type(ember.svd(ember.tensor(a))).__name__ == "svd" and ember.qr(ember.tensor(a)).R is not None


def test_pinverse_matrix_exp():
    a = randn(2, 4, 3)
    check(lambda lib, a: lib.pinverse(a), a, **TOL)
    check(lambda lib, a: a.pinverse(rcond=0.5), a, **TOL)
    check(lambda lib, a: lib.matrix_exp(a), randn(2, 3, 3), **TOL)
    check(lambda lib, a: a.matrix_exp(), randn(3, 3, dtype=np.float32), **TOL)
