"""parametrize.transfer_parametrizations_and_params, and old weight_norm checkpoints (weight_g / weight_v) loading into
parametrizations.weight_norm, against torch."""
import warnings

import numpy as np
import pytest
from parity import assert_same, torch

import ember


def test_transfer_shares_the_parametrizations_and_originals():
    def run(lib):
        source = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(2, 3).double())
        with lib.no_grad():
            source.parametrizations.weight.original1.copy_(lib.tensor(np.arange(6.0).reshape(3, 2) - 2))
            source.parametrizations.weight.original0.fill_(2.0)
        target = lib.nn.Linear(2, 3).double()
        returned = lib.nn.utils.parametrize.transfer_parametrizations_and_params(source, target)
        shared = (target.parametrizations.weight[0] is source.parametrizations.weight[0],
                  target.parametrizations.weight.original0 is source.parametrizations.weight.original0,
                  target.parametrizations.weight.original1 is source.parametrizations.weight.original1)
        with lib.no_grad():
            source.parametrizations.weight.original1.add_(1.0)
        return (returned is target, type(target).__name__, [n for n, _ in target.named_parameters()], shared,
                target.weight.detach(), target.bias is source.bias)
    assert_same(list(run(ember)), list(run(torch)), check_grad_fn=False)


def test_transfer_creates_a_missing_tensor_and_replaces_one_of_another_shape():
    def run(lib):
        source = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(2, 3))
        empty, wide = lib.nn.Module(), lib.nn.Linear(4, 5)
        for target in (empty, wide):
            lib.nn.utils.parametrize.transfer_parametrizations_and_params(source, target)
        return ([(n, tuple(p.shape)) for n, p in empty.named_parameters()], tuple(empty.weight.shape),
                [(n, tuple(p.shape)) for n, p in wide.named_parameters()])
    assert run(ember) == run(torch)


def test_transfer_of_several_tensors_and_of_one():
    def run(lib):
        class Symmetric(lib.nn.Module):
            def forward(self, x):
                return x.triu() + x.triu(1).transpose(0, 1)
        source = lib.nn.Linear(3, 3).double()
        lib.nn.utils.parametrize.register_parametrization(source, "weight", Symmetric())
        lib.nn.utils.parametrize.register_parametrization(source, "bias", lib.nn.Identity())
        only_weight = lib.nn.utils.parametrize.transfer_parametrizations_and_params(
            source, lib.nn.Linear(3, 3).double(), "weight")
        everything = lib.nn.utils.parametrize.transfer_parametrizations_and_params(source, lib.nn.Linear(3, 3))
        plain = lib.nn.Linear(2, 2)
        untouched = lib.nn.utils.parametrize.transfer_parametrizations_and_params(lib.nn.Linear(2, 2), plain)
        return ([n for n, _ in only_weight.named_parameters()], [n for n, _ in everything.named_parameters()],
                untouched is plain, type(plain).__name__, lib.equal(everything.weight, source.weight))
    assert run(ember) == run(torch)


def test_transfer_of_a_name_that_is_not_parametrized_raises_like_torch():
    for lib in (ember, torch):
        source = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(2, 3))
        with pytest.raises(KeyError):
            lib.nn.utils.parametrize.transfer_parametrizations_and_params(source, lib.nn.Linear(2, 3), "bias")


def test_transferred_orthogonal_weight_stays_orthogonal_and_trains_both():
    source = ember.nn.utils.parametrizations.orthogonal(ember.nn.Linear(3, 3))
    target = ember.nn.utils.parametrize.transfer_parametrizations_and_params(source, ember.nn.Linear(3, 3))
    np.testing.assert_allclose(target.weight.detach().numpy(), source.weight.detach().numpy())
    target(ember.randn(2, 3)).sum().backward()
    assert source.parametrizations.weight.original.grad is not None  # the same Parameter


def _old_checkpoint(lib, dim=0, make=lambda lib: lib.nn.Linear(3, 2)):
    """A state dict of a module saved with the deprecated nn.utils.weight_norm (weight_g, weight_v)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = lib.nn.utils.weight_norm(make(lib), dim=dim)
    return old


@pytest.mark.parametrize("dim", [0, 1])
def test_old_weight_norm_checkpoint_loads_into_the_parametrization(dim):
    def run(lib):
        old = _old_checkpoint(lib, dim)
        with lib.no_grad():
            old.weight_v.copy_(lib.tensor([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]]))
            old.weight_g.fill_(1.5)
            old.bias.fill_(0.5)
        new = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2), dim=dim)
        keys = new.load_state_dict(old.state_dict())
        return (new.weight.detach(), old(lib.ones(1, 3)).detach(), list(keys.missing_keys),
                list(keys.unexpected_keys), list(new.state_dict()))
    e, t = run(ember), run(torch)
    assert_same(list(e), list(t), check_grad_fn=False)


def test_old_weight_norm_checkpoint_of_a_submodule_loads():
    def run(lib):
        old = lib.nn.Sequential(lib.nn.Linear(3, 3), _old_checkpoint(lib, make=lambda lib: lib.nn.Linear(3, 2)))
        new = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2)))
        new.load_state_dict(old.state_dict())
        return float((new[1].weight - old[1].weight).abs().max()), list(new.state_dict())
    assert run(ember) == run(torch)
    state = {"weight_g": ember.ones(2, 1), "bias": ember.zeros(2)}  # weight_v missing: nothing is renamed
    with pytest.raises(RuntimeError, match="Missing key"):
        ember.nn.utils.parametrizations.weight_norm(ember.nn.Linear(3, 2)).load_state_dict(state)
