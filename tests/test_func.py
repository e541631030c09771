"""ember.func against torch.func: grad, grad_and_value (with aux), vjp, jacrev, jacfwd, hessian, vmap (in_dims,
out_dims, nested outputs), functional_call, and their composition (per-sample gradients)."""
import numpy as np
import pytest

import ember
from parity import check, randn, torch


def f(lib, x, y):
    return (lib.sin(x) * y).sum() + (x * x).sum()


def test_grad_and_value():
    check(lambda lib, x, y: lib.func.grad(lambda a, b: f(lib, a, b))(x, y), randn(3), randn(3), check_grad_fn=False)
    # with several argnums, which results require grad outside the transform differs: values only
    check(lambda lib, x, y: lib.func.grad(lambda a, b: f(lib, a, b), argnums=(0, 1))(x, y), randn(3), randn(3),
          grad=False)
    check(lambda lib, x, y: lib.func.grad_and_value(lambda a, b: f(lib, a, b))(x, y), randn(3), randn(3),
          check_grad_fn=False)
    check(lambda lib, x: lib.func.grad(lambda a: ((a * 2).sum(), a.mean()), has_aux=True)(x), randn(3),
          check_grad_fn=False)
    check(lambda lib, x: lib.func.grad(lambda a: a * 2)(x), randn(3))


def test_vjp_and_jacobians():
    check(lambda lib, x, v: lib.func.vjp(lambda a: lib.tanh(a) * 3, x)[1](v), randn(4), randn(4), check_grad_fn=False)
    g = lambda lib: lambda a, b: lib.stack([a[0] * b[1], lib.exp(a[1]) + b[0], (a * b).sum()])  # noqa: E731
    check(lambda lib, x, y: lib.func.jacrev(g(lib))(x, y), randn(2), randn(2), check_grad_fn=False)
    check(lambda lib, x, y: lib.func.jacrev(g(lib), argnums=(0, 1))(x, y), randn(2), randn(2), grad=False)
    check(lambda lib, x, y: lib.func.jacfwd(g(lib))(x, y), randn(2), randn(2), check_grad_fn=False)
    check(lambda lib, x: lib.func.hessian(lambda a: (a ** 3).sum() + a[0] * a[1])(x), randn(3), check_grad_fn=False)


def test_vmap():
    check(lambda lib, x, y: lib.vmap(lambda a, b: a @ b)(x, y), randn(4, 3), randn(4, 3), check_grad_fn=False)
    check(lambda lib, x, y: lib.func.vmap(lambda a, b: a * b, in_dims=(1, None))(x, y), randn(3, 5), randn(3),
          check_grad_fn=False)
    check(lambda lib, x: lib.vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(x), randn(4, 3), check_grad_fn=False)
    check(lambda lib, x, y: lib.vmap(lambda a, b: a + b)(x, y), randn(4, 3), randn(5, 3))


def test_functional_call_and_per_sample_gradients():
    rng = np.random.default_rng(0)
    weights = {"weight": rng.standard_normal((2, 3)), "bias": rng.standard_normal(2)}
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    results = []
    for lib in (ember, torch):
        model = lib.nn.Linear(3, 2).double()
        original = model.weight.detach().clone()
        params = {k: lib.tensor(v) for k, v in weights.items()}

        def loss(p, a, b):
            return ((lib.func.functional_call(model, p, (a,)) - b) ** 2).sum()

        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, lib.tensor(x), lib.tensor(y))
        assert bool((model.weight == original).all())  # the module keeps its own parameters
        results.append({k: v.detach().numpy() for k, v in per_sample.items()})
    for k in weights:
        np.testing.assert_allclose(results[0][k], results[1][k], rtol=1e-12)
    with pytest.raises(AttributeError):
        ember.func.functional_call(ember.nn.Linear(3, 2), {"nothing": ember.ones(1)}, (ember.ones(3),))
