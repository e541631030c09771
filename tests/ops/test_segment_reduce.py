"""segment_reduce against PyTorch: every reduction over lengths or offsets, empty segments, `initial`, batched lengths
along an inner axis, gradients over input subsets (ties included), and PyTorch's errors."""
import numpy as np
import pytest
from parity import check, randn, second_order

import ember

LENGTHS = np.array([2, 0, 3, 1])


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "prod", "amax", "amin"])
@pytest.mark.parametrize("initial", [None, 0.5])
def test_segment_reduce(reduce, initial):
    check(lambda lib, d, n: lib.segment_reduce(d, reduce, lengths=n, initial=initial), randn(6), LENGTHS)
    check(lambda lib, d, n: lib.segment_reduce(d, reduce, lengths=n, initial=initial), randn(6, 3), LENGTHS)


@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
def test_segment_reduce_by_offsets_and_along_an_inner_axis(reduce):
    check(lambda lib, d, o: lib.segment_reduce(d, reduce, offsets=o), randn(6), np.array([0, 2, 2, 5, 6]))
    check(lambda lib, d, n: lib.segment_reduce(d, reduce, lengths=n, axis=1), randn(2, 6, 2),
          np.array([[2, 4], [3, 3]]))


def test_segment_reduce_ties_share_a_positive_gradient():
    data = np.array([2., 2., 1., 3., 3.])  # the squares' sum gives each segment a positive gradient
    for reduce, initial in [("max", None), ("max", 2.0), ("min", 1.0), ("min", None)]:
        def squares(lib, d, n, reduce=reduce, initial=initial):
            return lib.segment_reduce(d, reduce, lengths=n, initial=initial).pow(2).sum()
        check(squares, data, np.array([3, 2]))


def test_segment_reduce_ties_share_a_negative_gradient_too():
    # PyTorch 2.13 gives each tied element the whole gradient when it is negative (and splits it when it is
    # positive); ember splits it in both cases, as the rule for a maximum's subgradient does
    d = ember.tensor([2., 2., 1.], requires_grad=True)
    (-ember.segment_reduce(d, "max", lengths=ember.tensor([3]))).sum().backward()
    assert d.grad.tolist() == [-0.5, -0.5, 0.0]


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "prod"])
def test_segment_reduce_has_no_second_derivative(reduce):
    # the gradient's grad_fn raises when differentiated; PyTorch names it NotImplemented, ember after the op
    check(second_order(lambda lib, d, n: lib.segment_reduce(d, reduce, lengths=n)), randn(6), LENGTHS,
          check_grad_fn=False)


def test_segment_reduce_errors():
    data = randn(6)
    check(lambda lib, d, n: lib.segment_reduce(d, "sum", lengths=n), data, np.array([2, 2]))
    check(lambda lib, d, n: lib.segment_reduce(d, "median", lengths=n), data, LENGTHS)
    check(lambda lib, d: lib.segment_reduce(d, "sum"), data)
    check(lambda lib, d, n: lib.segment_reduce(d, 0, lengths=n), data, LENGTHS)  # TypeError: reduce must be a str
    check(lambda lib, d, n: lib.segment_reduce(d, "sum", indices=n), data, LENGTHS)
    check(lambda lib, d, n: lib.segment_reduce(d, "mean", lengths=n), np.arange(6), LENGTHS)
