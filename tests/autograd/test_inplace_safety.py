"""Version counters and in-place safety: modified saved tensors raise, leaves refuse in-place writes."""
import numpy as np
import pytest
from parity import check, randn

import ember


def test_version_counter_increments():
    def f(lib, x):
        t = x.detach().clone()
        v = [t._version]
        t.add_(1)
        v.append(t._version)
        t.mul_(2).sub_(1)
        v.append(t._version)
        t[0] = 5
        v.append(t._version)
        view = t[1:]
        view.zero_()
        v += [t._version, view._version]
        t.exp_()
        v.append(view._version)
        return tuple(v)
    check(f, randn(3), grad=False)


@pytest.mark.parametrize("expr", [
    lambda lib, x: x.exp().add_(1).sum(),
    lambda lib, x: x.exp().exp_().sum(),
    lambda lib, x: x.sigmoid().mul_(2).sum(),
    lambda lib, x: x.tanh().zero_().sum(),
    lambda lib, x: x.relu().clamp_(0, 1).sum(),
    lambda lib, x: x.sqrt().div_(2).sum()])
def test_modified_saved_result_raises(expr):
    check(lambda lib, x: expr(lib, x).backward(), np.abs(randn(3)) + 0.1)


def test_modified_saved_input_raises():
    def f(lib, x):
        a = x * 1
        b = a * a
        a.mul_(2)
        b.sum().backward()
    check(f, randn(3))
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        f(ember, ember.ones(3, requires_grad=True))

    def g(lib, x):
        a = x * 1
        b = a.sin()
        a.add_(1)
        b.sum().backward()
    check(g, randn(3))


def test_modification_not_saved_is_fine():
    def f(lib, x):
        a = x * 1
        b = a + 2  # add saves nothing
        a.mul_(3)
        (b * 2).sum().backward()
        return x.grad
    check(f, randn(3))

    def g(lib, x):
        a = x * 1
        y = a.exp()
        a.mul_(3)  # exp saves its result, not its input
        (y + a).sum().backward()
        return x.grad
    check(g, randn(3))


def test_inplace_on_leaf_requiring_grad():
    for name in ["add_", "mul_", "sub_", "div_"]:
        check(lambda lib, x: getattr(x, name)(2), randn(3))
    check(lambda lib, x: x.exp_(), randn(3))
    check(lambda lib, x: x.zero_(), randn(3))
    check(lambda lib, x: x.fill_(1), randn(3))
    check(lambda lib, x: x.clamp_(0, 1), randn(3))

    def iadd(lib, x):
        x += 1
    check(iadd, randn(3))


@pytest.mark.parametrize("op", [
    lambda t: t.add_(2), lambda t: t.add_(t), lambda t: t.mul_(3), lambda t: t.div_(2), lambda t: t.clamp_(-0.5, 0.5),
    lambda t: t.clamp_(min=0), lambda t: t.exp_(), lambda t: t.sub_(1), lambda t: t.abs_().pow_(1.5),
    lambda t: t.relu_(), lambda t: t.zero_(), lambda t: t.fill_(3), lambda t: t.masked_fill_(t > 0, 0.5),
    lambda t: t.sigmoid_(), lambda t: t.add_(t).tanh_(), lambda t: t.mul_(2).add_(1).exp_()])
def test_inplace_rebase_history(op):
    def f(lib, x):
        h = x * 2
        op(h)
        return h
    check(f, randn(2, 3))


def test_inplace_then_use_in_later_ops():
    def f(lib, x, y):
        h = x.exp()
        g = h * y  # saves h
        h2 = h.clone()
        h2.add_(y)
        return (g + h2 * h2).sum()
    check(f, randn(3), randn(3, seed=1))


@pytest.mark.parametrize("name", ["add", "mul", "exp", "sum", "mm"])
def test_out_with_requires_grad_raises(name):
    def f(lib, x):
        out = lib.empty(0, dtype=lib.float64)
        if name == "mm":
            return lib.mm(x, x, out=out)
        if name == "sum":
            return lib.sum(x, 0, out=out)
        if name == "exp":
            return lib.exp(x, out=out)
        return getattr(lib, name)(x, x, out=out)
    check(f, randn(3, 3))

    def g(lib, x):
        out = lib.empty(0, dtype=lib.float64)
        with lib.no_grad():
            return lib.add(x, x, out=out) if name != "sum" else lib.sum(x, 0, out=out)
    check(g, randn(3, 3))


@pytest.mark.parametrize("write", [lambda v: v.add_(1), lambda v: v.copy_(v * 0), lambda v: v.__setitem__(0, 5.0)])
def test_in_place_through_a_view_of_a_leaf_that_requires_grad_raises(write):
    check(lambda lib, x: write(x[1]), randn(3, 2))


VIEW_WRITES = {
    "add_": lambda v, w: v.add_(w),
    "mul_": lambda v, w: v.mul_(w),
    "exp_": lambda v, w: v.exp_(),
    "copy_": lambda v, w: v.copy_(w),
    "setitem": lambda v, w: v.__setitem__(0, w[1]),
}


@pytest.mark.parametrize("write", VIEW_WRITES.values(), ids=VIEW_WRITES.keys())
@pytest.mark.parametrize("view", [lambda y: y[1], lambda y: y[:, 0], lambda y: y[1:].t()[0]],
                         ids=["row", "column", "chain"])
def test_in_place_through_a_view_rewrites_the_base_history(write, view):
    def fn(lib, x, w):
        y = x * 2
        v = view(y)
        write(v, w[:v.shape[0]] if v.shape[0] <= 2 else w[0])
        return y * 3, v * 5
    check(fn, randn(3, 2), randn(2), check_grad_fn=False)


@pytest.mark.parametrize("write", VIEW_WRITES.values(), ids=VIEW_WRITES.keys())
@pytest.mark.parametrize("view", [lambda y: y[1], lambda y: y.t(), lambda y: y[1:].t()[0]], ids=["row", "t", "chain"])
def test_in_place_into_the_base_rewrites_its_views_history(write, view):
    """Regression (found by the program fuzzer): a view taken before an in-place write into its base kept its
    old history, so its gradient skipped the write (w got no gradient at all)."""
    def fn(lib, x, w):
        y = x * 2 + w[0]  # in the graph when x or w requires grad (README: a base outside it is a known difference)
        v = view(y)
        write(y, w)
        return v * 5, y.sum()
    check(fn, randn(3, 2), randn(2))


def test_in_place_through_a_view_names_copy_slices_like_pytorch():
    check(lambda lib, x, w: (lambda y: (y[1].add_(w), y)[1])(x * 2), randn(3, 2), randn(2))


def test_in_place_through_a_view_of_a_plain_tensor_makes_it_require_grad():
    def fn(lib, x):
        y = lib.zeros(3, 2, dtype=lib.float64)
        y[1].add_(x[0])
        return y
    check(fn, randn(3, 2))


def test_second_order_through_a_view_write_is_refused_not_wrong():
    x = ember.ones(3, 2, requires_grad=True)
    y = x * 2
    y[1].mul_(x[0])
    (g,) = ember.autograd.grad(y.sum(), x, create_graph=False)
    assert g.tolist() == [[4.0, 4.0], [2.0, 2.0], [2.0, 2.0]]  # as PyTorch computes it
    with pytest.raises(RuntimeError, match="differentiate twice"):
        ember.autograd.grad(y.sum(), x, create_graph=True)


@pytest.mark.parametrize("op", ["relu_", "exp_", "sigmoid_", "tanh_"])
def test_result_saved_by_an_inplace_op_is_the_tensor_itself(op):
    """Regression (found by the program fuzzer): an in-place op whose backward reads its result saved a
    separate copy, so modifying the tensor again went unnoticed where PyTorch's backward raises."""
    def fn(lib, x):
        y = x * 1
        getattr(y, op)()
        y[0].zero_()
        y.sum().backward()
    check(fn, randn(3))


def test_an_input_saved_only_for_its_own_gradient_may_change_when_it_needs_none():
    """Regression (found by the program fuzzer): hypot saved both inputs, so changing one that needs no
    gradient made backward raise where PyTorch's does not."""
    def fn(lib, x, y):
        x = x * 1
        r = lib.hypot(x, y)
        x.clamp_(-0.5, 0.5)
        r.sum().backward()
        return r
    check(fn, randn(3), randn(3, seed=1))
