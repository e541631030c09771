"""Parametrized modules are independent of each other (each has its own class), and recurrent layers run with
their weights parametrized or replaced by plain tensors (weight norm on an LSTM, AWD-LSTM's weight drop)."""
import numpy as np
import pytest
from parity import torch

import ember


def _two_weight_normed(lib):
    a = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))
    b = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))
    return a, b


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_removing_one_modules_parametrization_leaves_the_others(lib):
    a, b = _two_weight_normed(lib)
    assert type(a) is not type(b) and type(a).__name__ == "ParametrizedLinear"
    lib.nn.utils.parametrize.remove_parametrizations(a, "weight")
    assert type(a) is lib.nn.Linear and tuple(b.weight.shape) == (2, 3)


def _positive(lib):
    """A parametrization module: the absolute value."""
    return type("Positive", (lib.nn.Module,), {"forward": lambda self, x: x.abs()})()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_a_parametrized_bias_does_not_reach_other_modules(lib):
    c = lib.nn.Linear(3, 2)
    lib.nn.utils.parametrize.register_parametrization(c, "bias", _positive(lib))
    d = lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(3, 2))
    assert tuple(d(lib.ones(1, 3)).shape) == (1, 2)
    assert not hasattr(type(d), "bias") or not isinstance(getattr(type(d), "bias"), property)


def _lstm_outputs(lib, kind):
    lib.manual_seed(0)
    m = getattr(lib.nn, kind)(2, 3)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.tensor(np.linspace(-0.5, 0.5, p.numel()).reshape(tuple(p.shape)), dtype=lib.float32))
    return m


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers_run_with_weight_norm(kind):
    outs = []
    for lib in (ember, torch):
        m = lib.nn.utils.parametrizations.weight_norm(_lstm_outputs(lib, kind), "weight_hh_l0")
        x = lib.tensor(np.linspace(-1, 1, 8).reshape(4, 1, 2), dtype=lib.float32, requires_grad=True)
        out = m(x)[0]
        out.sum().backward()
        outs.append((out.detach().numpy(), m.parametrizations.weight_hh_l0.original1.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-5, atol=1e-6)


def test_weight_drop_replaces_a_weight_by_a_plain_tensor():
    outs = []
    for lib in (ember, torch):
        gru = _lstm_outputs(lib, "GRU")
        raw = gru.weight_hh_l0
        del gru._parameters["weight_hh_l0"]
        gru.weight_hh_l0 = raw.detach() * 0.5
        outs.append(gru(lib.tensor(np.linspace(-1, 1, 8).reshape(4, 1, 2), dtype=lib.float32))[0].detach().numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)
