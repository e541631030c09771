"""linalg.vander, solve_ex, solve_triangular, tensorinv, tensorsolve and cond against PyTorch: values, gradients
over input subsets (grad_fn is not compared: these are compositions here), errors."""
import numpy as np
import pytest

import ember
from parity import check, randn


def well_conditioned(*shape, seed=0):
    a = randn(*shape, seed=seed)
    return a + 3 * np.eye(shape[-1])


def test_vander():
    check(lambda lib, x: lib.linalg.vander(x), randn(4), check_grad_fn=False)
    check(lambda lib, x: lib.linalg.vander(x, N=2), randn(2, 3), check_grad_fn=False)
    check(lambda lib, x: lib.linalg.vander(x, N=1), randn(3), check_grad_fn=False)
    check(lambda lib, x: lib.linalg.vander(x), np.array([1, 2, 3]))


def test_solve_ex():
    check(lambda lib, a, b: lib.linalg.solve_ex(a, b), well_conditioned(3, 3), randn(3, 2), check_grad_fn=False)
    check(lambda lib, a, b: lib.linalg.solve_ex(a, b, left=False), well_conditioned(2, 3, 3), randn(2, 2, 3),
          check_grad_fn=False)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular(upper, left, unitriangular):
    a = well_conditioned(2, 3, 3)
    b = randn(2, 3, 4) if left else randn(2, 4, 3)
    check(lambda lib, x, y: lib.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unitriangular),
          a, b, check_grad_fn=False)


def test_tensorinv_and_tensorsolve():
    a = well_conditioned(6, 6).reshape(2, 3, 6)
    check(lambda lib, x: lib.linalg.tensorinv(x, 2), a, check_grad_fn=False)
    check(lambda lib, x: lib.linalg.tensorinv(x.reshape(6, 2, 3), 1), well_conditioned(6, 6), check_grad_fn=False)
    check(lambda lib, x: lib.linalg.tensorinv(x, 0), a)
    b = randn(2, 3)
    check(lambda lib, x, y: lib.linalg.tensorsolve(x, y), well_conditioned(6, 6).reshape(2, 3, 6), b,
          check_grad_fn=False)
    check(lambda lib, x, y: lib.linalg.tensorsolve(x, y, dims=(0,)), well_conditioned(6, 6).reshape(6, 2, 3),
          randn(2, 3), check_grad_fn=False)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf"), -float("inf")])
def test_cond(p):
    # PyTorch's backward of cond through inv fails (its inverse is changed in place); ember's is checked numerically
    spectral = p in (None, 2, -2)
    check(lambda lib, x: lib.linalg.cond(x, p), well_conditioned(2, 3, 3), check_grad_fn=False, grad_rtol=1e-6,
          grad=spectral)
    if not spectral:
        x = ember.tensor(well_conditioned(3, 3), requires_grad=True)
        assert ember.autograd.gradcheck(lambda a: ember.linalg.cond(a, p), (x,))
