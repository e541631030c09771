"""Issue 15's remaining small names against PyTorch: exception classes, ember.random and fork_rng, gradient,
histogram(dd), nonzero_static, binomial, empty_permuted, get_device_module, the deprecated norm forms, resize_,
new_empty_strided, module_load, unsafe_split_with_sizes."""
import numpy as np
import pytest

import ember
from parity import check, randn, torch


def test_exceptions():
    for name, base in [("OutOfMemoryError", RuntimeError), ("AcceleratorError", RuntimeError),
                       ("FatalError", Exception)]:
        assert issubclass(getattr(ember, name), base) and issubclass(getattr(torch, name), base)
    assert ember.cuda.OutOfMemoryError is ember.OutOfMemoryError


def test_random_module_and_fork_rng():
    ember.random.manual_seed(3)
    first = ember.rand(3)
    ember.random.manual_seed(3)
    with ember.random.fork_rng():
        inside = ember.rand(3)
    assert ember.rand(3).tolist() == first.tolist() == inside.tolist()
    assert ember.random.initial_seed() == 3 and ember.random.default_generator is ember.default_generator


@pytest.mark.parametrize("kwargs", [{}, {"spacing": 2.0}, {"dim": 1}, {"spacing": [0.5, 2.0]},
                                    {"edge_order": 2}, {"dim": 0, "edge_order": 2, "spacing": 3.0}])
def test_gradient(kwargs):
    check(lambda lib, a: lib.gradient(a, **kwargs), randn(4, 5), check_grad_fn=False)


def test_gradient_at_coordinates_and_errors():
    coords = np.array([0.0, 0.5, 1.5, 1.75, 3.0])
    check(lambda lib, a, c: lib.gradient(a, spacing=(c,), dim=1), randn(3, 5), coords, check_grad_fn=False)
    check(lambda lib, a: lib.gradient(a), np.array([1, 4, 9, 16]))
    check(lambda lib, a: lib.gradient(a, edge_order=3), randn(5))
    check(lambda lib, a: lib.gradient(a, edge_order=2), randn(2))


def test_histograms():
    x = randn(50)
    check(lambda lib, a: lib.histogram(a, 7), x)
    check(lambda lib, a: lib.histogram(a, 4, range=(-1.0, 1.0), density=True), x)
    check(lambda lib, a, w: lib.histogram(a, 5, weight=w), x, np.abs(randn(50, seed=1)))
    check(lambda lib, a, e: lib.histogram(a, e), x, np.array([-2.0, -0.5, 0.0, 1.0, 3.0]))
    check(lambda lib, a: lib.histogramdd(a, [3, 4]), randn(40, 2))
    check(lambda lib, a: lib.histogramdd(a, 3, range=[-1.0, 1.0, -2.0, 2.0], density=True), randn(40, 2))


def test_nonzero_static():
    x = np.array([[0, 1, 0], [2, 0, 3]])
    for size, fill in [(2, -1), (5, -1), (0, 0), (4, 9)]:
        check(lambda lib, a: lib.nonzero_static(a, size=size, fill_value=fill), x)
    check(lambda lib, a: a.nonzero_static(size=3), x)


def test_binomial():
    ember.manual_seed(0)
    counts = ember.full((20000,), 10.0)
    sample = ember.binomial(counts, ember.full((20000,), 0.3))
    assert sample.dtype == ember.float32 and 2.9 < sample.mean().item() < 3.1
    assert ((sample.numpy() >= 0) & (sample.numpy() <= 10) & (sample.numpy() == np.round(sample.numpy()))).all()


def test_empty_permuted_and_device_module():
    for layout in [(0, 1, 2), (0, 2, 1), (2, 0, 1)]:
        e, t = ember.empty_permuted((2, 3, 4), layout), torch.empty_permuted((2, 3, 4), layout)
        assert e.stride() == t.stride() and tuple(e.shape) == tuple(t.shape)
    assert ember.get_device_module("cpu") is ember.cpu and ember.get_device_module("cuda:0") is ember.cuda
    assert ember.cpu.is_available() and ember.cpu.device_count() == 1


def test_deprecated_norms():
    x = randn(3, 4)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, a: lib.frobenius_norm(a, (0, 1)), x, check_grad_fn=False)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, a: lib.nuclear_norm(a), x, check_grad_fn=False)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, a: lib.nuclear_norm(a, (1, 2), True), randn(2, 3, 4), check_grad_fn=False)
    check(lambda lib, a: lib.norm_except_dim(a, 2, 1), x, check_grad_fn=False)
    check(lambda lib, a: lib.norm_except_dim(a, 3, -1), x, check_grad_fn=False)


def test_resize_and_friends():
    check(lambda lib, a: a.clone().resize_(2, 2), np.arange(6.0), grad=False)
    check(lambda lib, a: a.clone().resize_(6)[:4], np.arange(4.0), grad=False)
    check(lambda lib, a, b: a.clone().resize_as_(b), np.arange(6.0), randn(3, 2), grad=False)
    check(lambda lib, a: a.resize_(2), randn(3))
    check(lambda lib, a: (a.new_empty_strided((2, 3), (1, 2)).stride(), a.is_distributed()), randn(2), grad=False)
    check(lambda lib, a, b: a.module_load(b), randn(2), randn(2), grad=False)
    check(lambda lib, a: lib.unsafe_split_with_sizes(a, [2, 3]), np.arange(5), grad=False)
