"""nn.utils.parametrize, weight_norm and spectral_norm against torch."""
import numpy as np
import pytest
from module_parity import copy_state
from parity import assert_same, torch

import ember


def _pair(make, apply):
    t = apply(torch, make(torch).double())
    e = apply(ember, make(ember).double())
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    copy_state(t, e)
    return e, t


def _run(e, t, x, steps=3):
    for _ in range(steps):
        out_t = t(torch.tensor(x, requires_grad=True))
        out_e = e(ember.tensor(x, requires_grad=True))
        assert_same(out_e, out_t, check_grad_fn=False)
        out_t.pow(2).sum().backward()
        out_e.pow(2).sum().backward()
        for (k, pt), (_, pe) in zip(t.named_parameters(), e.named_parameters()):
            assert_same(pe.grad, pt.grad, f"grad of {k}", check_grad_fn=False, rtol=1e-8, atol=1e-10)
        for (k, bt), (_, be) in zip(t.named_buffers(), e.named_buffers()):
            assert_same(be, bt, f"buffer {k}", check_grad_fn=False, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    e, t = _pair(lambda lib: lib.nn.Linear(3, 4),
                 lambda lib, m: lib.nn.utils.parametrizations.weight_norm(m, dim=dim))
    _run(e, t, np.random.default_rng(0).standard_normal((5, 3)))


def test_weight_norm_on_conv():
    e, t = _pair(lambda lib: lib.nn.Conv2d(2, 3, 3), lambda lib, m: lib.nn.utils.parametrizations.weight_norm(m))
    _run(e, t, np.random.default_rng(0).standard_normal((2, 2, 5, 5)))


@pytest.mark.parametrize("make", [lambda lib: lib.nn.Linear(3, 4), lambda lib: lib.nn.Conv2d(2, 3, 3),
                                  lambda lib: lib.nn.ConvTranspose2d(2, 3, 3)])
def test_spectral_norm_matches_torch(make):
    e, t = _pair(make, lambda lib, m: lib.nn.utils.parametrizations.spectral_norm(m, n_power_iterations=2))
    x = np.random.default_rng(0).standard_normal((5, 3) if isinstance(e, ember.nn.Linear) else (2, 2, 5, 5))
    _run(e, t, x)
    t.eval()
    e.eval()
    _run(e, t, x, steps=1)


def test_custom_parametrization_assignment_and_removal():
    for lib in (ember, torch):
        class Symmetric(lib.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(0, 1)

        m = lib.nn.Linear(3, 3)
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", Symmetric())
        assert P.is_parametrized(m) and P.is_parametrized(m, "weight") and not P.is_parametrized(m, "bias")
        assert type(m).__name__ == "ParametrizedLinear"
        w = m.weight.detach().numpy()
        np.testing.assert_array_equal(w, w.T)
        with P.cached():
            assert m.weight is m.weight
        P.remove_parametrizations(m, "weight")
        assert type(m).__name__ == "Linear" and list(m.state_dict()) == ["bias", "weight"]
        np.testing.assert_array_equal(m.weight.detach().numpy(), w)
        with pytest.raises(ValueError):
            P.register_parametrization(m, "weight", lib.nn.Flatten(0))
