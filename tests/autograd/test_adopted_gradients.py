"""A leaf's first gradient becomes its .grad without a copy when nothing else holds it, and is copied when
something does (NOTE [ Adopted gradients ] in ember/autograd/engine.py); each case also runs on PyTorch, which
steals and copies in the same cases."""
import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # the ember cases still run
    torch = None

LIBS = [ember] + ([torch] if torch is not None else [])
IDS = ["ember", "torch"][:len(LIBS)]


def _function(lib, keep):
    """An autograd Function whose backward returns a fresh tensor, noting its address (and keeping the tensor,
    when `keep`)."""
    seen = []

    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            out = g * 2
            seen.append(out if keep else out.data_ptr())
            return out
    return Double, seen


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_a_gradient_nothing_else_holds_is_adopted(lib):
    double, seen = _function(lib, keep=False)
    x = lib.ones(3, requires_grad=True)
    double.apply(x).sum().backward()
    assert x.grad.data_ptr() == seen[0]
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_a_gradient_the_function_keeps_is_copied(lib):
    double, seen = _function(lib, keep=True)
    x = lib.ones(3, requires_grad=True)
    double.apply(x).sum().backward()
    assert x.grad.data_ptr() != seen[0].data_ptr()
    seen[0].add_(1)
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_a_gradient_a_hook_keeps_is_copied(lib):
    x = lib.ones(3, requires_grad=True)
    kept = []
    x.register_hook(kept.append)
    (x * 2).sum().backward()
    assert x.grad.data_ptr() != kept[0].data_ptr()
    x.grad.add_(1)
    assert kept[0].tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_a_retained_gradient_and_a_leaf_gradient_do_not_share(lib):
    x = lib.ones(3, requires_grad=True)
    y = x * 1
    y.retain_grad()
    (y * 3).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    y.grad.add_(1)
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_two_leaves_given_one_gradient_do_not_share(lib):
    a, b = lib.ones(3, requires_grad=True), lib.ones(3, requires_grad=True)
    (a * 1 + b * 1).sum().backward()
    assert a.grad.data_ptr() != b.grad.data_ptr()
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_a_gradient_the_caller_passes_is_copied(lib):
    x = lib.ones(3, requires_grad=True)
    g = lib.full((3,), 5.0)
    x.backward(g)
    g.add_(1)
    assert x.grad.tolist() == [5.0, 5.0, 5.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_a_gradient_that_is_part_of_a_larger_one_is_copied(lib):
    x = lib.ones(6, requires_grad=True)
    first, second = x.chunk(2)
    leaf = lib.ones(3, requires_grad=True)
    (lib.cat([first * leaf, second]) * lib.arange(6.0)).sum().backward()
    assert leaf.grad.tolist() == [0.0, 1.0, 2.0]
    assert x.grad.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert not np.shares_memory(leaf.grad.numpy(), x.grad.numpy())


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_an_adopted_gradient_accumulates_in_place_alone(lib):
    double, seen = _function(lib, keep=False)
    x = lib.ones(3, requires_grad=True)
    double.apply(x).sum().backward()
    first = x.grad
    double.apply(x).sum().backward()
    assert x.grad is first and x.grad.tolist() == [4.0, 4.0, 4.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_a_linear_weight_gradient_is_contiguous(lib):
    lib.manual_seed(0)
    layer = lib.nn.Linear(5, 3)
    layer(lib.ones(4, 5)).sum().backward()
    assert layer.weight.grad.is_contiguous() and layer.bias.grad.is_contiguous()
    assert layer.weight.grad.tolist() == [[4.0] * 5] * 3 and layer.bias.grad.tolist() == [4.0] * 3


def test_mm_gradient_of_a_transposed_right_operand_matches_torch():
    if torch is None:
        pytest.skip("PyTorch is absent")
    rng = np.random.default_rng(0)
    a_np, w_np, g_np = (rng.standard_normal(s).astype(np.float32) for s in ((4, 5), (3, 5), (4, 3)))
    grads = []
    for lib in (ember, torch):
        a, w = lib.tensor(a_np, requires_grad=True), lib.tensor(w_np, requires_grad=True)
        (lib.addmm(lib.zeros(3), a, w.t(), alpha=0.5) + a.mm(w.t())).backward(lib.tensor(g_np))
        grads.append((a.grad.numpy(), w.grad.numpy()))
    for mine, theirs in zip(*grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
