"""index_reduce and index_reduce_ against PyTorch: every reduction, with and without self, along each dim, gradients
over input subsets (ties included), the in-place form, and PyTorch's errors."""
import numpy as np
import pytest
from parity import check, randn

pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")  # PyTorch's own warning


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    index = np.array([0, 2, 0, 1, 2])
    check(lambda lib, x, s, i: x.index_reduce(0, i, s, reduce, include_self=include_self),
          randn(3, 4), randn(5, 4, seed=1), index, check_grad_fn=False)
    check(lambda lib, x, s, i: lib.index_reduce(x, -1, i, s, reduce, include_self=include_self),
          randn(2, 3), randn(2, 5, seed=1), index, check_grad_fn=False)


@pytest.mark.parametrize("reduce", ["amax", "amin", "mean"])
def test_index_reduce_ties_share_the_gradient(reduce):
    x = np.ones((2, 3))
    source = np.ones((3, 3))
    check(lambda lib, a, s, i: a.index_reduce(0, i, s, reduce), x, source, np.array([1, 1, 0]), check_grad_fn=False)


def test_index_reduce_of_integers_and_empty_index():
    check(lambda lib, x, s, i: x.index_reduce(0, i, s, "mean"), np.arange(6).reshape(3, 2),
          np.arange(8).reshape(4, 2), np.array([0, 2, 0, 1]))
    check(lambda lib, x, s, i: x.index_reduce(1, i, s, "prod"), randn(2, 3), np.zeros((2, 0)),
          np.zeros(0, dtype=np.int64), check_grad_fn=False)


def test_index_reduce_in_place():
    def inplace(lib, x, s, i):
        y = x * 1
        return y.index_reduce_(0, i, s, "amax", include_self=False), y
    check(inplace, randn(3, 2), randn(4, 2, seed=1), np.array([2, 0, 2, 1]), check_grad_fn=False)


def test_index_reduce_errors():
    x, s = randn(3, 2), randn(4, 2, seed=1)
    check(lambda lib, a, b, i: a.index_reduce(0, i, b, "sum"), x, s, np.array([0, 2, 0, 1]))
    check(lambda lib, a, b, i: a.index_reduce(0, i, b, "prod"), x, s, np.array([0., 2., 0., 1.]))
    check(lambda lib, a, b, i: a.index_reduce(0, i, b, "prod"), x, s, np.array([0, 2, 0]))
    check(lambda lib, a, b, i: a.index_reduce(0, i, b, "prod"), x, s, np.array([0, 5, 0, 1]))
    check(lambda lib, a, b, i: a.index_reduce(0, i, b, "prod"), x, s, np.array([[0, 2], [0, 1]]))
    check(lambda lib, a, b, i: a.index_reduce(1, i, b, "prod"), x, s, np.array([0, 1, 0, 1]))
