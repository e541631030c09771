"""Parity of the matrix products (ember/ops/linalg.py) with PyTorch."""
import itertools

import numpy as np
import pytest
from parity import check, randn

import ember

FLOATS = [np.float32, np.float64]
TOL = {"grad_atol": 1e-4, "grad_rtol": 1e-4, "atol": 1e-5, "rtol": 1e-4}


@pytest.mark.parametrize("dtype", FLOATS)
def test_mm_bmm_dot_mv(dtype):
    check(lambda lib, a, b: lib.mm(a, b), randn(3, 4, dtype=dtype), randn(4, 5, dtype=dtype), **TOL)
    check(lambda lib, a, b: a.mm(b), randn(3, 4, dtype=dtype), randn(4, 5, dtype=dtype), **TOL)
    check(lambda lib, a, b: lib.bmm(a, b), randn(2, 3, 4, dtype=dtype), randn(2, 4, 5, dtype=dtype), **TOL)
    check(lambda lib, a, b: lib.dot(a, b), randn(4, dtype=dtype), randn(4, dtype=dtype, seed=1), **TOL)
    check(lambda lib, a, b: lib.mv(a, b), randn(3, 4, dtype=dtype), randn(4, dtype=dtype), **TOL)
    check(lambda lib, a, b: a @ b, randn(3, 4, dtype=dtype), randn(4, 5, dtype=dtype), **TOL)


def test_one_side_requires_grad():
    a, b = randn(3, 4), randn(4, 5)
    check(lambda lib, a: lib.mm(a, lib.tensor(b)), a)
    check(lambda lib, b: lib.mm(lib.tensor(a), b), b)
    check(lambda lib, a: lib.addmm(lib.zeros(5, dtype=lib.float64), a, lib.tensor(b)), a)


def test_int_products():
    a = np.arange(12).reshape(3, 4)
    b = np.arange(20).reshape(4, 5)
    check(lambda lib, a, b: a @ b, a, b)
    check(lambda lib, a, b: lib.mm(a, b), a, b)
    check(lambda lib, a: lib.dot(a[0], a[1]), a)
    check(lambda lib, a, b: lib.mv(a, b[:, 0]), a, b)


SHAPES = [(4,), (3, 4), (2, 3, 4), (2, 2, 3, 4), (1, 3, 4)]
RIGHT = {1: (4,), 2: (4, 5), 3: (2, 4, 5), 4: (2, 1, 4, 5)}


@pytest.mark.parametrize("a_shape,b_ndim", list(itertools.product(SHAPES, [1, 2, 3, 4])))
def test_matmul_all_dims(a_shape, b_ndim):
    check(lambda lib, a, b: lib.matmul(a, b), randn(*a_shape), randn(*RIGHT[b_ndim], seed=1))
    check(lambda lib, a, b: b.transpose(-1, -2) @ a.transpose(-1, -2) if a.dim() > 1 and b.dim() > 1 else a @ b,
          randn(*a_shape), randn(*RIGHT[b_ndim], seed=1))


def test_matmul_broadcast_batches():
    check(lambda lib, a, b: a @ b, randn(3, 1, 2, 4), randn(5, 4, 2))
    check(lambda lib, a, b: a @ b, randn(1, 2, 4), randn(3, 4, 2))
    check(lambda lib, a, b: a @ b, randn(4), randn(3, 4, 2))
    check(lambda lib, a, b: a @ b, randn(3, 2, 4), randn(4))


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2), (0, 1), (2, 0), (1, -1)])
def test_addmm(beta, alpha):
    check(lambda lib, c, a, b: lib.addmm(c, a, b, beta=beta, alpha=alpha), randn(3, 5), randn(3, 4), randn(4, 5))
    check(lambda lib, c, a, b: lib.addmm(c, a, b, beta=beta, alpha=alpha), randn(5), randn(3, 4), randn(4, 5))
    check(lambda lib, c, a, b: c.addmm(a, b, beta=beta, alpha=alpha), randn(1, 5), randn(3, 4), randn(4, 5))


def test_addmm_nan_input_with_beta_zero():
    c = np.full((3, 5), np.nan)
    check(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), c, randn(3, 4), randn(4, 5))


@pytest.mark.parametrize("expr", [
    lambda lib, a, b: lib.mm(a, b), lambda lib, a, b: a @ b, lambda lib, a, b: lib.matmul(a, b),
    lambda lib, a, b: lib.addmm(lib.zeros(120, dtype=lib.float64), a, b)])
def test_shape_mismatch_message(expr):
    a, b = randn(1, 400), randn(576, 120)
    check(expr, a, b)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(1x400 and 576x120\)"):
        expr(ember, ember.tensor(a), ember.tensor(b))


def test_batched_shape_mismatch_message():
    a, b = randn(2, 1, 400), randn(576, 120)
    check(lambda lib, a, b: a @ b, a, b)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x400 and 576x120\)"):
        ember.tensor(a) @ ember.tensor(b)


@pytest.mark.parametrize("expr", [
    lambda lib, a, b: lib.mm(a, b.double()), lambda lib, a, b: a @ b.double(), lambda lib, a, b: lib.bmm(a, b),
    lambda lib, a, b: lib.dot(a, b), lambda lib, a, b: lib.mv(a, b), lambda lib, a, b: lib.mm(a[0], b),
    lambda lib, a, b: lib.matmul(a.sum(), b), lambda lib, a, b: lib.bmm(a.unsqueeze(0), b.unsqueeze(0).double()),
    lambda lib, a, b: lib.addmm(a[0].double(), a, b), lambda lib, a, b: lib.mm(a, b.long()),
    lambda lib, a, b: lib.dot(a[0], b[:, 0].double()), lambda lib, a, b: lib.mv(a, b[:, 0]),
    lambda lib, a, b: a @ lib.ones(2, 5, 4), lambda lib, a, b: lib.ones(2, 3, 4) @ lib.ones(3, 4, 5),
    lambda lib, a, b: lib.bmm(lib.ones(2, 3, 4), lib.ones(2, 5, 4)),
    lambda lib, a, b: lib.dot(a[0], a[1, :3])])
def test_errors(expr):
    check(expr, randn(3, 4, dtype=np.float32), randn(4, 5, dtype=np.float32))


@pytest.mark.parametrize("name", ["mm", "bmm", "matmul", "dot", "mv", "addmm"])
def test_out_argument(name):
    args = {"mm": ((3, 4), (4, 5)), "bmm": ((2, 3, 4), (2, 4, 5)), "matmul": ((2, 3, 4), (4, 5)),
            "dot": ((4,), (4,)), "mv": ((3, 4), (4,)), "addmm": ((5,), (3, 4), (4, 5))}[name]
    inputs = [randn(*s, seed=i) for i, s in enumerate(args)]

    def f(lib, *xs):
        out = lib.empty(0, dtype=lib.float64)
        r = getattr(lib, name)(*xs, out=out)
        return r, out
    check(f, *inputs, grad=False)
    check(f, *inputs)  # requires grad: out= raises


def test_spmm_of_dense_matrices_is_mm():
    check(lambda lib, a, b: lib.spmm(a, b), randn(2, 3), randn(3, 4))
    check(lambda lib, a, b: lib.spmm(a, b), randn(3), randn(3, 4))  # PyTorch's error: self must be a matrix
