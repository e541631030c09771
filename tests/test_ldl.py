"""linalg.ldl_factor, ldl_factor_ex and ldl_solve against PyTorch: LD, LAPACK's pivots (2x2 blocks among them),
info, solves whose batch dims broadcast, complex symmetric and Hermitian matrices, the backward that both refuse,
out= and the errors."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn

import ember


def symmetric(*shape, dtype=np.float64, seed=0):
    a = randn(*shape, dtype=dtype, seed=seed)
    return a + np.swapaxes(a, -1, -2)


def hermitian(*shape, seed=0):
    a = randn(*shape, dtype=np.complex128, seed=seed)
    return a + np.swapaxes(a, -1, -2).conj()


def factor_and_solve(lib, a, b, is_hermitian=False, long_pivots=False):
    LD, pivots = lib.linalg.ldl_factor(a, hermitian=is_hermitian)
    return lib.linalg.ldl_solve(LD, pivots.long() if long_pivots else pivots, b, hermitian=is_hermitian)


@pytest.mark.parametrize("a", [symmetric(4, 4), symmetric(2, 3, 5, 5), symmetric(6, 6, dtype=np.float32),
                               np.array([[0.0, 1, 2], [1, 0, 3], [2, 3, 0]]),  # zero diagonal: 2x2 pivot blocks
                               randn(4, 4),  # only the lower triangle is read
                               randn(0, 3, 3), randn(2, 0, 0)], ids=lambda a: str(a.shape))
def test_factor(a):
    check(lambda lib, x: lib.linalg.ldl_factor(x), a, check_grad_fn=False)
    check(lambda lib, x: lib.linalg.ldl_factor_ex(x), a, check_grad_fn=False)


def test_factor_reports_singular_matrices():
    check(lambda lib, x: lib.linalg.ldl_factor_ex(x), np.zeros((2, 3, 3)), grad=False)
    check(lambda lib, x: lib.linalg.ldl_factor(x), np.zeros((3, 3)), grad=False)  # both raise a RuntimeError
    with pytest.raises(ember.linalg.LinAlgError, match=r"\(Batch element 1\): .*D\[1, 1\]"):
        ember.linalg.ldl_factor_ex(ember.tensor(np.stack([np.eye(3), np.zeros((3, 3))])), check_errors=True)


@pytest.mark.parametrize("is_hermitian", [False, True])
def test_complex(is_hermitian):
    a = hermitian(4, 4) if is_hermitian else symmetric(4, 4, dtype=np.complex128)
    check(lambda lib, x: lib.linalg.ldl_factor(x, hermitian=is_hermitian), a, check_grad_fn=False)
    check(lambda lib, x, y: factor_and_solve(lib, x, y, is_hermitian), a, randn(4, 2, dtype=np.complex128),
          check_grad_fn=False)


@pytest.mark.parametrize("a_shape, b_shape", [((4, 4), (4, 2)), ((4, 4), (2, 3, 4, 2)), ((2, 4, 4), (4, 1)),
                                              ((3, 3), (3, 0))])
def test_solve(a_shape, b_shape):
    check(factor_and_solve, symmetric(*a_shape), randn(*b_shape, seed=1), check_grad_fn=False)


def test_solve_broadcasts_a_batch_of_one_factorization():
    """LD's batch dims of size 1 broadcast against B's (PyTorch 2.13's ldl_solve crashes the process there)."""
    a, b = symmetric(2, 1, 4, 4), randn(3, 4, 2, seed=1)
    x = factor_and_solve(ember, ember.tensor(a), ember.tensor(b))
    assert x.shape == (2, 3, 4, 2)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-10, atol=1e-12)


def test_solve_takes_int64_pivots_and_float32():
    check(lambda lib, x, y: factor_and_solve(lib, x, y, long_pivots=True), symmetric(3, 3), randn(3, 2), grad=False)
    check(factor_and_solve, symmetric(5, 5, dtype=np.float32), randn(5, 3, dtype=np.float32), check_grad_fn=False)


def test_out():
    a = ember.tensor(symmetric(3, 3))
    LD, pivots = ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.int32)
    result = ember.linalg.ldl_factor(a, out=(LD, pivots))
    assert result.LD is LD and result.pivots is pivots
    X = ember.empty(0, dtype=ember.float64)
    assert ember.linalg.ldl_solve(LD, pivots, a, out=X) is X
    np.testing.assert_allclose((a @ X).numpy(), a.numpy(), atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.ldl_factor(lib.zeros(3, 4)),
    lambda lib: lib.linalg.ldl_factor(lib.zeros(3)),
    lambda lib: lib.linalg.ldl_factor(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.linalg.ldl_factor(lib.ones(3, 3, dtype=lib.float16)),
    lambda lib: lib.linalg.ldl_factor(lib.ones(3, 3, dtype=lib.bfloat16)),
    lambda lib: lib.linalg.ldl_factor(2.0),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(2, dtype=lib.int32), lib.ones(3, 1)),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3).expand(2, 3, 3), lib.ones(3, dtype=lib.int32), lib.ones(3, 1)),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3), lib.ones(3, 1)),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3).int(), lib.ones(3, dtype=lib.int32), lib.ones(3, 1).int()),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(3, 1, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(4, 1)),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(3)),
    lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), 1.0),
])
def test_errors(call):
    raises_like_torch(call)
