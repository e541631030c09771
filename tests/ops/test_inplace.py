"""Parity of the in-place ops (ember/ops/inplace.py) with PyTorch: values, dtypes, views, graphs."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember

INPLACE = {
    "add_": lambda t, o: t.add_(o), "add_alpha": lambda t, o: t.add_(o, alpha=2), "sub_": lambda t, o: t.sub_(o),
    "mul_": lambda t, o: t.mul_(o), "div_": lambda t, o: t.div_(o), "pow_": lambda t, o: t.abs().pow_(2),
    "iadd": lambda t, o: t.__iadd__(o), "isub": lambda t, o: t.__isub__(o), "imul": lambda t, o: t.__imul__(o),
    "itruediv": lambda t, o: t.__itruediv__(o), "clamp_": lambda t, o: t.clamp_(-0.5, 0.5),
    "clamp_min": lambda t, o: t.clamp_(min=0), "exp_": lambda t, o: t.exp_(), "neg_": lambda t, o: t.neg_(),
    "relu_": lambda t, o: t.relu_(), "sigmoid_": lambda t, o: t.sigmoid_(), "tanh_": lambda t, o: t.tanh_(),
    "abs_": lambda t, o: t.abs_(), "sin_": lambda t, o: t.sin_(), "cos_": lambda t, o: t.cos_(),
    "sqrt_": lambda t, o: t.abs_().sqrt_(), "log_": lambda t, o: t.abs_().log_(),
    "reciprocal_": lambda t, o: t.reciprocal_(), "zero_": lambda t, o: t.zero_(),
    "fill_": lambda t, o: t.fill_(2.5), "fill_tensor": lambda t, o: t.fill_(o[0, 0]),
    "masked_fill_": lambda t, o: t.masked_fill_(o > 0, -1.0), "sign_": lambda t, o: t.sign_(),
    "remainder_": lambda t, o: t.remainder_(1.5), "floor_divide_": lambda t, o: t.floor_divide_(0.5),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_plain_tensor(name):
    def f(lib, x, o):
        t = x.clone()
        r = INPLACE[name](t, o)
        return r, t
    check(f, randn(3, 4), randn(3, 4, seed=1) + 0.1, grad=False)


@pytest.mark.parametrize("name", sorted(set(INPLACE) - {"remainder_", "floor_divide_"}))
def test_inplace_on_non_leaf_rebases_history(name):
    def f(lib, x, o):
        t = x * 1
        r = INPLACE[name](t, o)
        assert r is t
        return t
    check(f, randn(3, 4), randn(3, 4, seed=1) + 0.1)


@pytest.mark.parametrize("name", ["add_", "mul_", "div_", "sub_"])
def test_inplace_with_grad_operand(name):
    check(lambda lib, x, o: getattr(x * 1, name)(o), randn(3, 4), randn(3, 4, seed=1) + 2)
    check(lambda lib, x, o: getattr(lib.zeros(3, 4, dtype=lib.float64), name)(o), randn(3, 4), randn(4) + 2)


def test_inplace_on_leaf_requiring_grad_raises():
    for name in sorted(INPLACE):
        check(lambda lib, x, o: INPLACE[name](x, o), randn(3, 4), randn(3, 4, seed=1))


def test_inplace_dtype_rules():
    i = np.arange(6).reshape(2, 3)
    check(lambda lib, i: i.add_(1.5), i)
    check(lambda lib, i: i.mul_(2), i)
    check(lambda lib, i: i.clone().float().add_(i), i)
    check(lambda lib, i: i.div_(2), i)
    check(lambda lib, i: (i > 2).add_(1), i)
    check(lambda lib, i: i.add_(lib.ones(3, dtype=lib.float64)), i)
    for value in ["a", None, np.float32(2), np.ones(())]:  # TypeError unless a number or a Tensor
        check(lambda lib, i: i.fill_(value), i)
        check(lambda lib, i: lib.fill(i, value), i)


def test_inplace_broadcast_rules():
    check(lambda lib, x, o: x.add_(o), randn(3, 4), randn(4), grad=False)
    check(lambda lib, x, o: x.add_(o), randn(4), randn(3, 4), grad=False)
    check(lambda lib, x, o: x.mul_(o), randn(3, 4), randn(5), grad=False)


def test_inplace_writes_through_views_and_numpy():
    a = np.zeros((2, 3))
    t = ember.from_numpy(a)
    t.add_(1)
    t[0].mul_(3)
    assert a.tolist() == [[3, 3, 3], [1, 1, 1]]
    v = t.view(6)
    v.fill_(7)
    assert a.sum() == 42
    t.zero_()
    assert not a.any()


def test_inplace_under_no_grad_keeps_leaf():
    w = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        w.mul_(2).add_(1).clamp_(max=2.5)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w.tolist() == [2.5, 2.5, 2.5]


@pytest.mark.parametrize("shapes", [((), (1,)), ((3,), (2, 3)), ((2, 1), (2, 3)), ((2, 3), (3,))])
def test_inplace_result_keeps_the_tensors_shape(shapes):
    """Regression: an in-place op recorded in the graph wrote a broadcast result of another shape into self
    (a 0-dim tensor took a value of shape [1]) instead of PyTorch's RuntimeError."""
    self_shape, other_shape = shapes
    check(lambda lib, x, y: (x * 1).add_(y), randn(*self_shape), randn(*other_shape, seed=1))
    check(lambda lib, x, y: (x * 1).mul_(y), randn(*self_shape), randn(*other_shape, seed=1))


OVERLAPS = {
    "itself": lambda x: x.add_(x), "a slice of itself": lambda x: x.add_(x[:1]), "a copy": lambda x: x.add_(x.flip(0)),
    "a shifted window": lambda x: x[:2].mul_(x[1:]), "a same-shaped view": lambda x: x.mul_(x.view(9)),
    "a reshaped view": lambda x: x.add_(x.view(1, 3)), "a clone": lambda x: x.add_(x.clone()),
    "generic op": lambda x: x.atan2_(x[:1]),
}


@pytest.mark.parametrize("fn", OVERLAPS.values(), ids=OVERLAPS.keys())
def test_inplace_refuses_an_input_that_partly_overlaps_the_output(fn):
    check(lambda lib, x: fn(x * 1), randn(9))


def test_inplace_with_a_strided_overlapping_input_is_not_refused():
    """As PyTorch: for inputs that are not dense the overlap is too hard to tell, and it is not checked (the
    values are then undefined, as PyTorch documents, so only the absence of an error is compared)."""
    for lib in (ember, torch):
        x = lib.zeros(3, 3)
        x.add_(x[..., :1])
        x[:, :2].add_(x[:, 1:])


@pytest.mark.parametrize("shapes", [((), (1,)), ((2,), (1, 2)), ((2,), (3,)), ((2, 3), (3,))])
def test_copy_refuses_a_source_with_more_dims(shapes):
    """Regression (found by the program fuzzer): NumPy drops a source's leading size-1 dims; PyTorch raises."""
    check(lambda lib, x, y: (x * 1).copy_(y), randn(*shapes[0]), randn(*shapes[1], seed=1))
