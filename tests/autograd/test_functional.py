"""ember.autograd.functional against torch.autograd.functional: vjp, jvp, jacobian, hessian, hvp and vhp on
scalar, vector and tuple inputs and outputs, outputs independent of an input (zeros, or strict's RuntimeError),
create_graph results differentiated again (check's backward), the errors for a bad `v`, and forward-mode."""
import numpy as np
import pytest
from parity import assert_same, check, randn, torch

import ember


def cube_sum(a):
    return (a ** 3).sum() + a[0] * a[1]


def sin_scale(a):
    return a.sin() * 2 + a.roll(1)


def pair(a, b):
    return a * b.exp(), (a * a).sum() * b[:1]


def ignores_b(a, b):
    return a.tanh() * 3


def scalar_of_pair(a, b):
    return (a * a * b).sum() + b.exp().sum()


def quadratic_in_a(a, b):
    return (a * a).sum() + b.sum()


def linear(a):
    return a * 2


def apply(name, func, **kwargs):
    """A parity function calling lib.autograd.functional.<name>(func, inputs, **kwargs); tensors in `kwargs`
    are given as NumPy arrays and converted for each library."""
    def run(lib, *tensors):
        inp = tensors[0] if len(tensors) == 1 else tuple(tensors)
        options = {k: _to(lib, v) for k, v in kwargs.items()}
        return getattr(lib.autograd.functional, name)(func, inp, **options)
    return run


def compare(name, func, inputs, create_graph, **kwargs):
    """check() of `name` with these options; with create_graph the results' grad_fn names are those of ember's
    backward formulas, not PyTorch's, and only the values and gradients are compared."""
    check(apply(name, func, create_graph=create_graph, **kwargs), *inputs, check_grad_fn=not create_graph)


def _to(lib, value):
    if isinstance(value, np.ndarray):
        return lib.tensor(value)
    if isinstance(value, tuple):
        return tuple(_to(lib, v) for v in value)
    return value


CASES = [  # (function, its inputs as NumPy arrays)
    (cube_sum, [randn(3)]),
    (sin_scale, [randn(4)]),
    (pair, [randn(2), randn(2, seed=1)]),
    (ignores_b, [randn(3), randn(2, seed=1)]),
    (scalar_of_pair, [randn(3), randn(3, seed=1)]),
]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("func, inputs", CASES, ids=[f.__name__ for f, _ in CASES])
def test_jacobian(func, inputs, create_graph):
    check(apply("jacobian", func, create_graph=create_graph), *inputs)
    check(apply("jacobian", func, create_graph=create_graph, vectorize=True), *inputs, grad=False)


@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp(create_graph):
    compare("vjp", cube_sum, [randn(3)], create_graph)
    compare("vjp", sin_scale, [randn(4)], create_graph, v=randn(4))
    compare("vjp", pair, [randn(2), randn(2, seed=1)], create_graph, v=(randn(2), randn(1)))
    compare("vjp", ignores_b, [randn(3), randn(2, seed=1)], create_graph, v=randn(3))


@pytest.mark.parametrize("create_graph", [False, True])
def test_jvp(create_graph):
    compare("jvp", sin_scale, [randn(4)], create_graph, v=randn(4))
    compare("jvp", pair, [randn(2), randn(2, seed=1)], create_graph, v=(randn(2), randn(2)))
    compare("jvp", ignores_b, [randn(3), randn(2, seed=1)], create_graph, v=(randn(3), randn(2)))
    compare("jvp", lambda a: a.exp(), [randn(1)], create_graph)


@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian(create_graph):
    compare("hessian", cube_sum, [randn(3)], create_graph)
    compare("hessian", scalar_of_pair, [randn(3), randn(3, seed=1)], create_graph)
    compare("hessian", quadratic_in_a, [randn(2), randn(2, seed=1)], create_graph)
    check(apply("hessian", cube_sum, create_graph=create_graph, vectorize=True), randn(3), grad=False)


@pytest.mark.parametrize("name", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hvp_and_vhp(name, create_graph):
    compare(name, cube_sum, [randn(3)], create_graph, v=randn(3))
    compare(name, scalar_of_pair, [randn(3), randn(3, seed=1)], create_graph, v=(randn(3), randn(3)))
    compare(name, quadratic_in_a, [randn(2), randn(2, seed=1)], create_graph, v=(randn(2), randn(2)))
    compare(name, lambda a: (a ** 4).sum(), [randn(1)], create_graph)


def test_results_are_detached_unless_create_graph():
    x = ember.randn(3, requires_grad=True)
    out, vjp = ember.autograd.functional.vjp(sin_scale, x, ember.ones(3))
    assert not out.requires_grad and not vjp.requires_grad
    out, vjp = ember.autograd.functional.vjp(sin_scale, x, ember.ones(3), create_graph=True)
    assert out.requires_grad and vjp.requires_grad
    (second,) = ember.autograd.grad(vjp.sum(), x)
    np.testing.assert_allclose(second.numpy(), (-2 * x.sin()).detach().numpy(), rtol=1e-6)


def test_strict_mode_errors():
    """Each strict check raises PyTorch's RuntimeError; without strict the independent parts are zeros."""
    for name, func, inputs, kwargs in [
        ("jacobian", ignores_b, [randn(3), randn(2, seed=1)], {}),
        ("jacobian", linear, [randn(3)], {"create_graph": True}),
        ("vjp", ignores_b, [randn(3), randn(2, seed=1)], {"v": randn(3)}),
        ("vjp", lambda a: ember_or_torch_ones(a), [randn(3)], {"v": randn(3)}),
        ("jvp", ignores_b, [randn(3), randn(2, seed=1)], {"v": (randn(3), randn(2))}),
        ("hessian", quadratic_in_a, [randn(2), randn(2, seed=1)], {}),
        ("hvp", lambda a: (a * 2).sum(), [randn(2)], {"v": randn(2)}),
        ("vhp", quadratic_in_a, [randn(2), randn(2, seed=1)], {"v": (randn(2), randn(2))}),
    ]:
        check(apply(name, func, strict=True, **kwargs), *inputs, grad=False)
        check(apply(name, func, strict=False, **kwargs), *inputs, grad=False)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 1"):
        ember.autograd.functional.jacobian(ignores_b, (ember.randn(3), ember.randn(2)), strict=True)
    with pytest.raises(RuntimeError, match="does not require gradients"):
        ember.autograd.functional.vjp(lambda a: ember.ones(2), ember.randn(2), ember.ones(2), strict=True)
    with pytest.raises(RuntimeError, match="`strict=True` and `vectorized=True` are not supported together"):
        ember.autograd.functional.jacobian(linear, ember.randn(2), strict=True, vectorize=True)


def ember_or_torch_ones(a):
    """Ones of a's shape from a's library: an output that does not depend on the input."""
    lib = ember if isinstance(a, ember.Tensor) else torch
    return lib.ones(a.shape)


def test_bad_vectors_and_inputs():
    for name, func, inputs, v in [
        ("vjp", sin_scale, [randn(4)], None),  # v may be None only for a single-element output
        ("jvp", sin_scale, [randn(4)], None),
        ("hvp", cube_sum, [randn(3)], None),
        ("vhp", cube_sum, [randn(3)], None),
        ("vjp", sin_scale, [randn(4)], randn(3)),  # wrong size
        ("vjp", sin_scale, [randn(4)], (randn(4), randn(4))),  # a tuple for a single output
        ("jvp", pair, [randn(2), randn(2, seed=1)], (randn(2),)),  # wrong length
        ("jvp", pair, [randn(2), randn(2, seed=1)], (randn(2), randn(3))),  # wrong entry size
        ("hvp", pair, [randn(2), randn(2, seed=1)], (randn(2), randn(2))),  # hvp needs a single output
        ("vhp", sin_scale, [randn(4)], randn(4)),  # vhp needs a single-element output
    ]:
        check(apply(name, func, v=v), *inputs, grad=False)
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided function returns a "
                                           "single Tensor with a single element."):
        ember.autograd.functional.vjp(sin_scale, ember.randn(4))
    for lib in (ember, torch):
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            lib.autograd.functional.jacobian(linear, [lib.ones(2)])
        with pytest.raises(TypeError, match="value at index 1"):
            lib.autograd.functional.vjp(scalar_of_pair, (lib.ones(2), 3.0))


def test_forward_mode_strategy():
    """"forward-mode" (ember.autograd.forward_ad) needs vectorize=True, as in PyTorch; PyTorch's argument checks
    come first."""
    x = randn(3)
    check(apply("jacobian", sin_scale, strategy="forward-mode"), x, grad=False)  # both raise: no vectorize
    check(apply("jacobian", sin_scale, strategy="forward-mode", create_graph=True), x, grad=False)
    check(apply("jacobian", sin_scale, strategy="backward"), x, grad=False)  # AssertionError in both
    check(apply("hessian", cube_sum, outer_jacobian_strategy="forward-mode"), x, grad=False)
    check(apply("jacobian", sin_scale, strategy="forward-mode", vectorize=True), x, grad=False)
    check(apply("hessian", cube_sum, outer_jacobian_strategy="forward-mode", vectorize=True), x, grad=False,
          check_grad_fn=False)  # both results require grad; their grad_fn names differ


def test_nesting_of_results():
    """Tensor in, Tensor out: a Tensor; tuples give tuples (of tuples for jacobian and hessian)."""
    a, b = randn(2), randn(3)
    e = ember.autograd.functional.jacobian(lambda x, y: (x.sum() * y, x * 2), (ember.tensor(a), ember.tensor(b)))
    t = torch.autograd.functional.jacobian(lambda x, y: (x.sum() * y, x * 2), (torch.tensor(a), torch.tensor(b)))
    assert_same(e, t)
    assert [[tuple(j.shape) for j in row] for row in e] == [[(3, 2), (3, 3)], [(2, 2), (2, 3)]]
    e = ember.autograd.functional.hessian(scalar_of_pair, (ember.tensor(b), ember.tensor(b)))
    assert len(e) == 2 and all(len(row) == 2 for row in e)
