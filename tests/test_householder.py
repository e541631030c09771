"""The Householder family against PyTorch: geqrf (values; backward raises as PyTorch's does), linalg.householder_product
and orgqr, ormqr on every side and transpose — values, gradients over input subsets, second derivatives, errors."""
import numpy as np
import pytest
from parity import check, randn, second_order


def reflectors(lib, a):
    """geqrf of `a` with its graph cut, as (reflectors, tau) to feed householder_product and ormqr."""
    h, tau = lib.geqrf(a.detach())
    return h, tau


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (2, 4, 3)])
def test_geqrf(shape):
    check(lambda lib, a: lib.geqrf(a), randn(*shape), check_grad_fn=False)  # backward raises on both sides
    check(lambda lib, a: lib.geqrf(a).a, randn(*shape).astype(np.float32), check_grad_fn=False)
    check(lambda lib, a: a.geqrf(), randn(*shape), grad=False)


def test_geqrf_errors():
    check(lambda lib, a: lib.geqrf(a), randn(3))
    check(lambda lib, a: lib.geqrf(a), np.arange(6).reshape(2, 3))


@pytest.mark.parametrize("shape, k", [((4, 4), 4), ((5, 3), 3), ((2, 4, 3), 2)])
def test_householder_product(shape, k):
    h, tau = randn(*shape, seed=1), randn(*shape[:-2], k, seed=2)
    check(lambda lib, a, t: lib.linalg.householder_product(a, t), h, tau, check_grad_fn=False)
    check(lambda lib, a, t: lib.orgqr(a, t), h, tau, check_grad_fn=False)
    check(lambda lib, a, t: a.orgqr(t), h, tau, grad=False)
    check(second_order(lambda lib, a, t: lib.linalg.householder_product(a, t)), h, tau, check_grad_fn=False)


def test_householder_product_rebuilds_q_of_qr():
    check(lambda lib, a: lib.linalg.householder_product(*reflectors(lib, a)), randn(2, 5, 3), grad=False)


def test_householder_product_errors():
    check(lambda lib, a, t: lib.linalg.householder_product(a, t), randn(3, 4), randn(3))
    check(lambda lib, a, t: lib.linalg.householder_product(a, t), randn(4, 3), randn(4))
    check(lambda lib, a, t: lib.linalg.householder_product(a, t), randn(2, 4, 3), randn(3, 2))
    check(lambda lib, a, t: lib.linalg.householder_product(a, t), randn(4), randn(1))


@pytest.mark.parametrize("left, transpose", [(True, False), (True, True), (False, False), (False, True)])
def test_ormqr(left, transpose):
    h, tau = randn(2, 4, 3, seed=1), randn(2, 3, seed=2)
    other = randn(2, 4, 5, seed=3) if left else randn(2, 5, 4, seed=3)
    check(lambda lib, a, t, c: lib.ormqr(a, t, c, left, transpose), h, tau, other, check_grad_fn=False)
    check(lambda lib, a, t, c: a.ormqr(t, c, left=left, transpose=transpose), h, tau, other, grad=False)


def test_ormqr_multiplies_by_q_of_qr():
    def q_times(lib, a, c):
        h, tau = reflectors(lib, a)
        return lib.ormqr(h, tau, c)
    check(q_times, randn(4, 4), randn(4, 2), check_grad_fn=False)


def test_ormqr_errors():
    check(lambda lib, a, t, c: lib.ormqr(a, t, c), randn(4, 3), randn(3), randn(5, 2))
    check(lambda lib, a, t, c: lib.ormqr(a, t, c, False), randn(4, 3), randn(3), randn(2, 5))
    check(lambda lib, a, t, c: lib.ormqr(a, t, c), randn(4, 3), randn(3), randn(4))


def test_integer_inputs_are_refused_as_in_pytorch():
    ints = np.arange(12).reshape(4, 3)
    check(lambda lib, a, t: lib.linalg.householder_product(a, t), ints, np.arange(3))
    check(lambda lib, a, t, c: lib.ormqr(a, t, c), ints, np.arange(3), np.arange(8).reshape(4, 2))
