"""torch.lobpcg, torch._standard_gamma, torch.func.functionalize and the distributions' module names."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, torch

import ember


def spd(m, seed=0):
    a = randn(m, m, seed=seed)
    return a @ a.T + np.eye(m)


def projector(vectors):
    """X X^T: what eigenvectors determine up to their signs."""
    return vectors @ vectors.mT


@pytest.mark.parametrize("largest", [None, True, False])
@pytest.mark.parametrize("k", [1, 3])
def test_lobpcg_eigenpairs(k, largest):
    check(lambda lib, a: lib.lobpcg(a, k=k, largest=largest)[0], spd(12), check_grad_fn=False, grad_atol=1e-7,
          grad_rtol=1e-5)  # PyTorch iterates to a tolerance
    check(lambda lib, a: projector(lib.lobpcg(a, k=k, largest=largest)[1]), spd(12), atol=1e-6, rtol=1e-6,
          grad_atol=1e-5, grad_rtol=1e-5, check_grad_fn=False)


def test_lobpcg_generalized_and_batched():
    b = np.diag(np.linspace(1, 3, 12))
    check(lambda lib, a, b: lib.lobpcg(a, k=2, B=b)[0], spd(12), b, grad=False)
    for lib in (ember, torch):  # B-orthonormal eigenvectors
        _, x = lib.lobpcg(lib.tensor(spd(12)), k=2, B=lib.tensor(b))
        np.testing.assert_allclose((x.mT @ lib.tensor(b) @ x).numpy(), np.eye(2), atol=1e-10)
    check(lambda lib, a: lib.lobpcg(a, k=2)[0], np.stack([spd(12), spd(12, seed=1)]), grad=False)
    check(lambda lib, a, x: lib.lobpcg(a, X=x)[0], spd(12), randn(12, 3), grad=False)
    check(lambda lib, a: lib.lobpcg(a, k=2, n=3)[0], spd(12), grad=False)
    check(lambda lib, a: lib.lobpcg(a.float(), k=1)[0], spd(12), grad=False, atol=1e-4, rtol=1e-4)


def test_lobpcg_bad_input():
    raises_like_torch(lambda lib: lib.lobpcg(lib.tensor(spd(12)), k=5))  # needs 3 x 5 rows
    raises_like_torch(lambda lib: lib.lobpcg(lib.ones(3, 4), k=1))


def test_standard_gamma():
    alpha = ember.tensor([0.5, 1.0, 4.0], requires_grad=True)
    g = ember.Generator().manual_seed(3)
    x = ember._standard_gamma(alpha, generator=g)
    assert x.shape == alpha.shape and x.dtype == alpha.dtype and (x > 0).all()
    again = ember._standard_gamma(alpha.detach(), generator=ember.Generator().manual_seed(3))
    np.testing.assert_array_equal(x.detach().numpy(), again.numpy())
    x.sum().backward()
    assert (alpha.grad > 0).all()
    many = ember._standard_gamma(ember.full((20000,), 3.0))
    assert abs(many.mean().item() - 3.0) < 0.1 and abs(many.var().item() - 3.0) < 0.2  # Gamma(3, 1)
    raises_like_torch(lambda lib: lib._standard_gamma([1.0]))


def test_functionalize_gives_the_function_results():
    def f(lib, x):
        y = x.clone()
        y.add_(1).mul_(2)
        x.add_(1)  # an input mutation stays visible, as under PyTorch's functionalize
        return y
    check(lambda lib, x: lib.func.functionalize(lambda t: f(lib, t))(x.clone()), randn(3))
    check(lambda lib, x: lib.func.functionalize(lambda t: f(lib, t), remove="mutations_and_views")(x.clone()),
          randn(3), grad=False)
    raises_like_torch(lambda lib: lib.func.functionalize(lambda t: t, remove="views"))


def test_distribution_module_names():
    import pkgutil

    import torch.distributions as reference
    names = [m.name for m in pkgutil.iter_modules(reference.__path__)]
    assert [name for name in names if not hasattr(ember.distributions, name)] == []
    assert ember.distributions.studentT.StudentT is ember.distributions.StudentT
