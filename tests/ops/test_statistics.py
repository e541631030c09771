"""Parity of diff, trapezoid, cumulative_trapezoid, cov, corrcoef, vander, combinations and diagflat with PyTorch:
values, dtypes, gradients over input subsets, and errors. They are compositions of other ops here; where PyTorch
names the last node differently, grad_fn is not compared (check_grad_fn=False)."""
import numpy as np
import pytest
from parity import check, randn

import ember


def ints(*shape, lo=-5, hi=6):
    return np.random.default_rng(sum(shape)).integers(lo, hi, shape)


@pytest.mark.parametrize("n, dim", [(1, -1), (2, -1), (1, 0), (3, 1), (0, 0), (5, -1)])
def test_diff(n, dim):
    check(lambda lib, a: lib.diff(a, n, dim), randn(3, 4), check_grad_fn=0 < n <= 3)


def test_diff_prepend_append_and_dtypes():
    check(lambda lib, a, p, q: lib.diff(a, 1, -1, p, q), randn(3, 4), randn(3, 1), randn(3, 2))
    check(lambda lib, a, p: a.diff(prepend=p, dim=0), randn(3, 4), randn(2, 4))
    check(lambda lib, a: lib.diff(a), ints(6))
    check(lambda lib, a: lib.diff(a, 2), ints(6) > 0)
    check(lambda lib, a: lib.diff(a), np.array(3.0))
    check(lambda lib, a, p: lib.diff(a, prepend=p), randn(3, 4), randn(4))


@pytest.mark.parametrize("dim", [-1, 0])
def test_trapezoid(dim):
    y = randn(4, 5)
    check(lambda lib, a: lib.trapezoid(a, dim=dim), y, check_grad_fn=False)
    check(lambda lib, a: lib.trapezoid(a, dx=0.5, dim=dim), y, check_grad_fn=False)
    check(lambda lib, a, x: lib.trapezoid(a, x, dim=dim), y, np.sort(randn(y.shape[dim])), check_grad_fn=False)
    check(lambda lib, a, x: lib.trapz(a, x, dim=dim), y, randn(4, 5), check_grad_fn=False)
    check(lambda lib, a: lib.cumulative_trapezoid(a, dim=dim), y)
    check(lambda lib, a, x: lib.cumulative_trapezoid(a, x, dim=dim), y, np.sort(randn(y.shape[dim])),
          check_grad_fn=False)
    check(lambda lib, a: lib.trapezoid(a), ints(5))


def test_cov_and_corrcoef():
    x = randn(3, 6)
    check(lambda lib, a: lib.cov(a), x)
    check(lambda lib, a: a.cov(correction=0), x)
    check(lambda lib, a: lib.cov(a), randn(6))
    fw = np.array([1, 2, 1, 3, 1, 1])
    aw = np.abs(randn(6)) + 0.1
    check(lambda lib, a, f, w: lib.cov(a, fweights=f, aweights=w), x, fw, aw, check_grad_fn=False)
    check(lambda lib, a, f: lib.cov(a, correction=2, fweights=f), x, fw, check_grad_fn=False)
    check(lambda lib, a, w: lib.cov(a, correction=0, aweights=w), x, aw, check_grad_fn=False)
    check(lambda lib, a: lib.cov(a), ints(3, 6))
    check(lambda lib, a: lib.cov(a), randn(2, 3, 4))
    check(lambda lib, a: lib.corrcoef(a), x)
    check(lambda lib, a: a.corrcoef(), randn(6), check_grad_fn=False)


def test_vander():
    # PyTorch's own backward of vander fails (its cumprod modifies a saved tensor in place): ember's gradient is
    # checked numerically instead
    check(lambda lib, a: lib.vander(a), randn(4), grad=False)
    check(lambda lib, a: lib.vander(a, 3, True), randn(4), grad=False)
    x = ember.tensor(randn(4), requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.vander(t, 3), (x,))
    check(lambda lib, a: lib.vander(a, 0), randn(4), check_grad_fn=False)
    check(lambda lib, a: lib.vander(a, 5), ints(4))
    check(lambda lib, a: lib.vander(a), randn(2, 2))


@pytest.mark.parametrize("r, replacement", [(2, False), (3, False), (2, True), (0, False), (5, False)])
def test_combinations(r, replacement):
    check(lambda lib, a: lib.combinations(a, r, replacement), randn(4), check_grad_fn=r != 0)


def test_combinations_errors_and_diagflat():
    check(lambda lib, a: lib.combinations(a), randn(2, 2))
    check(lambda lib, a: lib.diagflat(a), randn(2, 3))
    check(lambda lib, a: a.diagflat(1), randn(3))
    check(lambda lib, a: lib.diagflat(a, -2), randn(2, 2))
