"""The older torch.nn.utils functions against PyTorch: the hook-based weight_norm and spectral_norm (parameters,
buffers, state dicts, outputs and gradients over training and eval passes, removal, errors), conv/linear-batchnorm
fusion, skip_init and stateless.functional_call."""
import copy
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from module_parity import copy_state
from parity import torch

import ember
from ember.nn.utils.spectral_norm import SpectralNorm, SpectralNormLoadStateDictPreHook, SpectralNormStateDictHook

RNG = np.random.default_rng(0)


def _both(make, double=True):
    """(torch module, ember module) built by make(lib), the ember one holding torch's values."""
    t, e = make(torch), make(ember)
    if double:
        t.double()
        e.double()
    copy_state(t, e)
    return t, e


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn(*args, **kwargs)


def _input_for(t_module):
    """A float64 batch of two for the module."""
    if isinstance(t_module, torch.nn.Linear):
        shape = (2, t_module.in_features)
    else:
        spatial = {torch.nn.Conv1d: 1, torch.nn.Conv2d: 2, torch.nn.ConvTranspose1d: 1,
                   torch.nn.ConvTranspose2d: 2}[type(t_module)]
        shape = (2, t_module.in_channels) + (6,) * spatial
    return RNG.standard_normal(shape)


def _assert_state_equal(t_module, e_module, rtol=1e-10, atol=1e-12):
    """Same state_dict keys in the same order, and the same values."""
    t_state, e_state = t_module.state_dict(), e_module.state_dict()
    assert list(e_state) == list(t_state)
    for key in t_state:
        np.testing.assert_allclose(e_state[key].numpy(), t_state[key].numpy(), rtol=rtol, atol=atol, err_msg=key)


def _assert_forward_backward_equal(t_module, e_module, x, rtol=1e-9, atol=1e-11):
    """Same output, and after backward the same gradient of every parameter."""
    y_t, y_e = t_module(torch.tensor(x)), e_module(ember.tensor(x))
    np.testing.assert_allclose(y_e.detach().numpy(), y_t.detach().numpy(), rtol=rtol, atol=atol)
    y_t.pow(2).sum().backward()
    y_e.pow(2).sum().backward()
    t_params, e_params = dict(t_module.named_parameters()), dict(e_module.named_parameters())
    assert list(e_params) == list(t_params)
    for name, p_t in t_params.items():
        np.testing.assert_allclose(e_params[name].grad.numpy(), p_t.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)


def _same_error(fn):
    """fn(lib) raises the same exception type in both libraries; returns it."""
    kinds = []
    for lib in (torch, ember):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            with pytest.raises(Exception) as info:
                fn(lib)
        kinds.append(info.type)
    assert kinds[1] is kinds[0], f"ember raised {kinds[1].__name__}, torch {kinds[0].__name__}"
    return kinds[0]


# ---- weight_norm (hook-based) ----------------------------------------------------------------------------------
WEIGHT_NORM_CASES = [
    (lambda lib: lib.nn.Linear(5, 4), "weight", 0),
    (lambda lib: lib.nn.Linear(5, 4), "weight", 1),
    (lambda lib: lib.nn.Linear(5, 4), "weight", None),
    (lambda lib: lib.nn.Linear(5, 4), "bias", 0),
    (lambda lib: lib.nn.Conv2d(3, 4, 3), "weight", 0),
    (lambda lib: lib.nn.Conv2d(3, 4, 3), "weight", 2),
    (lambda lib: lib.nn.Conv2d(3, 4, 3), "weight", None),
    (lambda lib: lib.nn.ConvTranspose1d(3, 4, 3), "weight", 1),
]


@pytest.mark.parametrize("make, name, dim", WEIGHT_NORM_CASES)
def test_weight_norm_matches_torch(make, name, dim):
    t, e = _both(make)
    _quiet(torch.nn.utils.weight_norm, t, name=name, dim=dim)
    out = _quiet(ember.nn.utils.weight_norm, e, name=name, dim=dim)
    assert out is e
    assert name not in e._parameters and not isinstance(getattr(e, name), ember.nn.Parameter)
    assert tuple(getattr(e, name + "_g").shape) == tuple(getattr(t, name + "_g").shape)
    _assert_state_equal(t, e)
    np.testing.assert_allclose(getattr(e, name).detach().numpy(), getattr(t, name).detach().numpy(), rtol=1e-12)
    x = _input_for(t)
    _assert_forward_backward_equal(t, e, x)
    with torch.no_grad(), ember.no_grad():  # as an optimizer step would: the next forward sees the new g and v
        getattr(t, name + "_g").mul_(1.5)
        getattr(e, name + "_g").mul_(1.5)
        getattr(t, name + "_v").add_(0.25)
        getattr(e, name + "_v").add_(0.25)
    _assert_forward_backward_equal(t, e, x)
    np.testing.assert_allclose(getattr(e, name).detach().numpy(), getattr(t, name).detach().numpy(), rtol=1e-12)


def test_weight_norm_v_shares_the_old_weight_and_warns_as_torch():
    messages = []
    for lib in (torch, ember):
        module = lib.nn.Linear(3, 2)
        old = module.weight
        with pytest.warns(FutureWarning) as record:
            lib.nn.utils.weight_norm(module)
        messages.append([str(w.message) for w in record if w.category is FutureWarning])
        with lib.no_grad():
            old.fill_(2.0)
        assert module.weight_v.tolist() == [[2.0] * 3] * 2  # Parameter(weight.data) shares its memory
    assert messages[1] == messages[0]


@pytest.mark.parametrize("make, name, dim", WEIGHT_NORM_CASES[:3] + WEIGHT_NORM_CASES[5:6])
def test_remove_weight_norm_matches_torch(make, name, dim):
    t, e = _both(make)
    _quiet(torch.nn.utils.weight_norm, t, name=name, dim=dim)
    _quiet(ember.nn.utils.weight_norm, e, name=name, dim=dim)
    with torch.no_grad(), ember.no_grad():
        getattr(t, name + "_g").mul_(0.5)
        getattr(e, name + "_g").mul_(0.5)
    assert ember.nn.utils.remove_weight_norm(e, name) is e
    torch.nn.utils.remove_weight_norm(t, name)
    assert isinstance(getattr(e, name), ember.nn.Parameter) and not e._forward_pre_hooks
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    _assert_state_equal(t, e)
    _assert_forward_backward_equal(t, e, _input_for(t))
    assert _same_error(lambda lib: lib.nn.utils.remove_weight_norm(e if lib is ember else t, name)) is ValueError


def test_weight_norm_state_dicts_load_both_ways():
    t, e = _both(lambda lib: lib.nn.Conv1d(2, 3, 3))
    _quiet(torch.nn.utils.weight_norm, t)
    _quiet(ember.nn.utils.weight_norm, e)
    with torch.no_grad():
        t.weight_g.mul_(3.0)
    copy_state(t, e)  # PyTorch's weight_g and weight_v into ember's
    x = _input_for(t)
    _assert_forward_backward_equal(t, e, x)
    with ember.no_grad():
        e.weight_v.mul_(-0.5)
        e.bias.add_(1.0)
    t2 = _quiet(torch.nn.utils.weight_norm, torch.nn.Conv1d(2, 3, 3).double())
    t2.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in e.state_dict().items()})
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t2(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_weight_norm_errors_match_torch():
    def twice(lib):
        module = lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))
        lib.nn.utils.weight_norm(module)

    assert _same_error(twice) is RuntimeError
    assert _same_error(lambda lib: lib.nn.utils.weight_norm(lib.nn.Linear(2, 2), name="nope")) is AttributeError
    assert _same_error(lambda lib: lib.nn.utils.weight_norm(lib.nn.BatchNorm1d(2), name="running_mean")) is KeyError
    assert _same_error(lambda lib: lib.nn.utils.weight_norm(lib.nn.LazyLinear(2))) is ValueError
    assert _same_error(lambda lib: lib.nn.utils.remove_weight_norm(lib.nn.Linear(2, 2))) is ValueError
    module = _quiet(ember.nn.utils.weight_norm, ember.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        ember.nn.utils.remove_weight_norm(module, "bias")


def test_deepcopy_of_a_weight_normed_module_fails_as_torch():
    """The recomputed weight is not a leaf, which deepcopy refuses (PyTorch's known limitation, kept)."""
    assert _same_error(lambda lib: copy.deepcopy(lib.nn.utils.weight_norm(lib.nn.Linear(3, 2)))) is RuntimeError


# ---- spectral_norm (hook-based) --------------------------------------------------------------------------------
SPECTRAL_NORM_CASES = [
    (lambda lib: lib.nn.Linear(5, 4), {}),
    (lambda lib: lib.nn.Linear(5, 4), {"n_power_iterations": 3}),
    (lambda lib: lib.nn.Conv2d(3, 6, 3), {}),
    (lambda lib: lib.nn.Conv2d(3, 6, 3), {"dim": 1, "eps": 1e-6}),
    (lambda lib: lib.nn.ConvTranspose2d(4, 3, 3), {}),  # dim 1 by default
    (lambda lib: lib.nn.ConvTranspose1d(4, 3, 3), {"dim": 0}),
    (lambda lib: lib.nn.Conv1d(3, 4, 2), {"name": "bias"}),  # a vector: a one-column matrix
]


def _spectral_pair(make, kwargs):
    """(torch, ember) modules with the same weights, spectral-normalized, ember given PyTorch's u and v."""
    t, e = _both(make)
    torch.nn.utils.spectral_norm(t, **kwargs)
    assert ember.nn.utils.spectral_norm(e, **kwargs) is e
    name = kwargs.get("name", "weight")
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert tuple(getattr(e, name + "_u").shape) == tuple(getattr(t, name + "_u").shape)
    assert tuple(getattr(e, name + "_v").shape) == tuple(getattr(t, name + "_v").shape)
    np.testing.assert_allclose(float(getattr(e, name + "_u").norm()), 1.0, rtol=1e-12)
    # before the first forward, <name> is the plain, unnormalized value in both
    assert not isinstance(getattr(e, name), ember.nn.Parameter)
    np.testing.assert_array_equal(getattr(e, name).numpy(), getattr(t, name).detach().numpy())
    copy_state(t, e)
    return t, e


@pytest.mark.parametrize("make, kwargs", SPECTRAL_NORM_CASES)
def test_spectral_norm_matches_torch_over_training_and_eval(make, kwargs):
    t, e = _spectral_pair(make, kwargs)
    name = kwargs.get("name", "weight")
    x = _input_for(t)
    for step in range(3):  # training: u and v advance, identically
        _assert_forward_backward_equal(t, e, x)
        _assert_state_equal(t, e)
        np.testing.assert_allclose(getattr(e, name).detach().numpy(), getattr(t, name).detach().numpy(), rtol=1e-10)
        with torch.no_grad(), ember.no_grad():  # an optimizer step
            getattr(t, name + "_orig").sub_(0.1 * getattr(t, name + "_orig").grad)
            getattr(e, name + "_orig").sub_(0.1 * getattr(e, name + "_orig").grad)
        t.zero_grad()
        e.zero_grad()
    u_before = getattr(e, name + "_u").clone()
    t.eval()
    e.eval()
    for step in range(2):  # eval: u and v stay, the weight still follows weight_orig
        _assert_forward_backward_equal(t, e, x)
        _assert_state_equal(t, e)
    np.testing.assert_array_equal(getattr(e, name + "_u").numpy(), u_before.numpy())
    t.train()
    e.train()
    _assert_forward_backward_equal(t, e, x)
    assert not np.array_equal(getattr(e, name + "_u").numpy(), u_before.numpy()) or name == "bias"


def test_spectral_norm_backward_through_two_training_forwards_as_torch():
    """The GAN pattern D(real) - D(fake): u and v change in place between the forwards, and are cloned."""
    t, e = _spectral_pair(lambda lib: lib.nn.Linear(4, 3), {})
    a, b = RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))
    (t(torch.tensor(a)).sum() - t(torch.tensor(b)).sum()).backward()
    (e(ember.tensor(a)).sum() - e(ember.tensor(b)).sum()).backward()
    np.testing.assert_allclose(e.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(), rtol=1e-10, atol=1e-12)
    _assert_state_equal(t, e)


def test_spectral_norm_eval_forward_sees_later_power_iteration_as_torch():
    """In eval, sigma is computed from the buffers themselves (no clone): a training forward before the backward
    changes them in place, which is an error in both."""
    def run(lib):
        module = lib.nn.utils.spectral_norm(lib.nn.Linear(4, 3))
        x = lib.randn(2, 4)
        module.eval()
        y = module(x)
        module.train()
        module(x)
        y.sum().backward()

    assert _same_error(run) is RuntimeError

    def eval_twice(lib):  # without a power iteration in between, it is fine
        module = lib.nn.utils.spectral_norm(lib.nn.Linear(4, 3)).eval()
        x = lib.randn(2, 4)
        y = module(x)
        module(x)
        y.sum().backward()
        return module.weight_orig.grad

    assert eval_twice(ember).shape == eval_twice(torch).shape


@pytest.mark.parametrize("make, kwargs", SPECTRAL_NORM_CASES[:5])
def test_remove_spectral_norm_matches_torch(make, kwargs):
    t, e = _spectral_pair(make, kwargs)
    x = _input_for(t)
    _assert_forward_backward_equal(t, e, x)
    name = kwargs.get("name", "weight")
    torch.nn.utils.remove_spectral_norm(t, name)
    assert ember.nn.utils.remove_spectral_norm(e, name) is e
    assert isinstance(getattr(e, name), ember.nn.Parameter) and not e._forward_pre_hooks
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(e.named_buffers()) == [] == list(t.named_buffers())
    t.zero_grad()
    e.zero_grad()
    _assert_state_equal(t, e)
    _assert_forward_backward_equal(t, e, x)
    assert _same_error(lambda lib: lib.nn.utils.remove_spectral_norm(e if lib is ember else t, name)) is ValueError


def test_spectral_norm_state_dicts_load_both_ways():
    """A state dict saved from PyTorch's trained spectral-norm model loads into ember's and gives the same outputs
    in eval and in the next training steps; and the other way."""
    t = torch.nn.utils.spectral_norm(torch.nn.Conv2d(3, 4, 3)).double()
    x = _input_for(t)
    for _ in range(3):
        t(torch.tensor(x))
    saved = t.state_dict()
    e = ember.nn.utils.spectral_norm(ember.nn.Conv2d(3, 4, 3)).double()
    result = e.load_state_dict({k: ember.tensor(v.numpy().copy()) for k, v in saved.items()})
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    t.eval()
    e.eval()
    _assert_forward_backward_equal(t, e, x)
    t.train()
    e.train()
    _assert_forward_backward_equal(t, e, x)
    _assert_state_equal(t, e)
    with ember.no_grad():
        e.weight_orig.mul_(1.1)
    e(ember.tensor(x))
    t2 = torch.nn.utils.spectral_norm(torch.nn.Conv2d(3, 4, 3)).double()
    t2.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in e.state_dict().items()})
    for module in (t2, e):
        module.eval()
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t2(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_spectral_norm_version_0_state_dict_conversion_matches_torch():
    """The load pre-hook turns a state dict of PyTorch 0.4 (weight stored, weight_v absent) into the current one,
    solving for v; ember's hook object gives PyTorch's v."""
    t = torch.nn.utils.spectral_norm(torch.nn.Linear(5, 3)).double()
    t(torch.randn(2, 5, dtype=torch.float64))
    legacy = {k: v.clone() for k, v in t.state_dict().items() if k != "weight_v"}
    legacy["weight"] = t.weight.detach().clone()
    t_hook = next(h for h in t._load_state_dict_pre_hooks.values())
    t_hook = getattr(t_hook, "hook", t_hook)
    e_hook = SpectralNormLoadStateDictPreHook(SpectralNorm(dim=0))
    t_state, e_state = dict(legacy), {k: ember.tensor(v.numpy().copy()) for k, v in legacy.items()}
    t_hook(t_state, "", {}, True, [], [], [])
    e_hook(e_state, "", {}, True, [], [], [])
    assert sorted(e_state) == sorted(t_state) and "weight" not in e_state
    np.testing.assert_allclose(e_state["weight_v"].numpy(), t_state["weight_v"].numpy(), rtol=1e-8, atol=1e-10)
    missing_t, missing_e = [], []
    t_hook({"weight_orig": legacy["weight_orig"]}, "", {}, True, missing_t, [], [])
    e_hook({"weight_orig": e_state["weight_orig"]}, "", {}, True, missing_e, [], [])
    assert missing_e == missing_t == ["weight", "weight_u"]
    current = {k: ember.tensor(v.numpy().copy()) for k, v in t.state_dict().items()}
    e_hook(current, "", {"spectral_norm": {"weight.version": 1}}, True, [], [], [])
    assert sorted(current) == sorted(t.state_dict())


def test_spectral_norm_version_0_state_dict_loads_through_load_state_dict_as_torch():
    """A PyTorch 0.4 state dict (weight stored, weight_v absent, no spectral_norm version in its metadata) loads
    into the module, which converts it: the same buffers and outputs as PyTorch's; and the metadata a state dict
    carries is PyTorch's."""
    t = torch.nn.utils.spectral_norm(torch.nn.Linear(5, 3)).double()
    e = ember.nn.utils.spectral_norm(ember.nn.Linear(5, 3)).double()
    copy_state(t, e)
    x = np.random.default_rng(0).standard_normal((2, 5))
    t(torch.tensor(x)), e(ember.tensor(x))
    assert e.state_dict()._metadata == t.state_dict()._metadata
    legacy = {k: v.clone() for k, v in t.state_dict().items() if k != "weight_v"}
    legacy["weight"] = t.weight.detach().clone()
    for module, state in ((t, legacy), (e, {k: ember.tensor(v.numpy().copy()) for k, v in legacy.items()})):
        module.load_state_dict(state)
        module.eval()
    _assert_state_equal(t, e)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_spectral_norm_metadata_hook_as_torch():
    hook = SpectralNormStateDictHook(SpectralNorm(name="weight"))
    metadata = {}
    hook(None, {}, "", metadata)
    assert metadata == {"spectral_norm": {"weight.version": 1}}
    with pytest.raises(RuntimeError, match="Unexpected key"):
        hook(None, {}, "", metadata)


def test_spectral_norm_errors_match_torch():
    def twice(lib):
        lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2)))

    assert _same_error(twice) is RuntimeError
    assert _same_error(lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)) is ValueError
    assert _same_error(lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), name="nope")) is KeyError
    assert _same_error(lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2, bias=False), "bias")) is ValueError
    assert _same_error(lambda lib: lib.nn.utils.spectral_norm(lib.nn.LazyLinear(2))) is ValueError
    assert _same_error(lambda lib: lib.nn.utils.remove_spectral_norm(lib.nn.Linear(2, 2))) is ValueError


def test_spectral_norm_converts_and_copies_with_the_module():
    e = ember.nn.utils.spectral_norm(ember.nn.Linear(3, 2)).double()
    assert e.weight_orig.dtype == e.weight_u.dtype == e.weight_v.dtype == ember.float64
    clone = copy.deepcopy(e)  # before the first forward, <name> is a leaf: deepcopy works, as in PyTorch
    assert clone(ember.randn(2, 3, dtype=ember.float64)).dtype == ember.float64
    assert not np.array_equal(clone.weight_u.numpy(), e.weight_u.numpy())  # its own buffers advanced

    def after_forward(lib):
        module = lib.nn.utils.spectral_norm(lib.nn.Linear(3, 2))
        module(lib.randn(1, 3))
        copy.deepcopy(module)

    assert _same_error(after_forward) is RuntimeError


@pytest.mark.parametrize("apply", ["spectral_norm", "weight_norm", "prune"])
def test_whole_models_save_and_load_with_their_hooks(apply, tmp_path):
    """ember.save(model) of a model whose weight is recomputed by a hook (a common GAN checkpoint) loads back
    with the hook working, as torch.save does."""
    import ember.nn.utils.prune as prune
    model = ember.nn.Linear(3, 2)
    if apply == "prune":
        prune.l1_unstructured(model, "weight", amount=2)
    else:
        _quiet(getattr(ember.nn.utils, apply), model)
    x = ember.randn(4, 3)
    model(x)
    ember.save(model, tmp_path / "model.pt")
    loaded = ember.load(tmp_path / "model.pt", weights_only=False)
    assert list(loaded.state_dict()) == list(model.state_dict()) and len(loaded._forward_pre_hooks) == 1
    loaded.eval()
    model.eval()
    np.testing.assert_allclose(loaded(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    with ember.no_grad():
        next(p for n, p in loaded.named_parameters() if n.startswith("weight")).mul_(ember.tensor([[2.0], [1.0]]))
    assert not np.allclose(loaded(x).detach().numpy(), model(x).detach().numpy())  # the hook recomputes


# ---- fusion ----------------------------------------------------------------------------------------------------
def _trained_bn(t_bn, e_bn, shape):
    """Run both batch norms in training on the same batches so that their running stats are not the defaults."""
    for _ in range(3):
        x = RNG.standard_normal(shape) * 2 + 0.5
        t_bn(torch.tensor(x))
        e_bn(ember.tensor(x))
    with torch.no_grad():
        if t_bn.weight is not None:
            t_bn.weight.uniform_(0.5, 1.5)
            t_bn.bias.uniform_(-1, 1)
    copy_state(t_bn, e_bn)
    t_bn.eval()
    e_bn.eval()


@pytest.mark.parametrize("conv, bn, transpose", [
    ("Conv1d", "BatchNorm1d", False), ("Conv2d", "BatchNorm2d", False), ("Conv3d", "BatchNorm3d", False),
    ("ConvTranspose2d", "BatchNorm2d", True)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_fuse_conv_bn_eval_matches_torch(conv, bn, transpose, bias, affine):
    spatial = int(conv[-2])
    t_conv, e_conv = _both(lambda lib: getattr(lib.nn, conv)(3, 4, 3, bias=bias))
    t_bn, e_bn = _both(lambda lib: getattr(lib.nn, bn)(4, affine=affine))
    x = RNG.standard_normal((2, 3) + (5,) * spatial)
    _trained_bn(t_bn, e_bn, (4, 4) + (3,) * spatial)
    t_conv.eval()
    e_conv.eval()
    t_fused = torch.nn.utils.fuse_conv_bn_eval(t_conv, t_bn, transpose=transpose)
    e_fused = ember.nn.utils.fuse_conv_bn_eval(e_conv, e_bn, transpose=transpose)
    assert type(e_fused) is type(e_conv) and e_fused is not e_conv
    for name in ("weight", "bias"):
        fused_t, fused_e = getattr(t_fused, name), getattr(e_fused, name)
        assert isinstance(fused_e, ember.nn.Parameter) and fused_e.requires_grad == fused_t.requires_grad
        assert fused_e.dtype == ember.float64
        np.testing.assert_allclose(fused_e.detach().numpy(), fused_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert (e_conv.bias is None) == (not bias)  # the original is left alone
    y_e = e_fused(ember.tensor(x))
    np.testing.assert_allclose(y_e.detach().numpy(), t_fused(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(y_e.detach().numpy(), e_bn(e_conv(ember.tensor(x))).detach().numpy(), rtol=1e-9,
                               atol=1e-11)


@pytest.mark.parametrize("features", [4, 1])
def test_fuse_linear_bn_eval_matches_torch(features):
    t_lin, e_lin = _both(lambda lib: lib.nn.Linear(5, 4))
    t_bn, e_bn = _both(lambda lib: lib.nn.BatchNorm1d(features))
    _trained_bn(t_bn, e_bn, (6, features))
    t_lin.eval()
    e_lin.eval()
    t_fused = torch.nn.utils.fuse_linear_bn_eval(t_lin, t_bn)
    e_fused = ember.nn.utils.fuse_linear_bn_eval(e_lin, e_bn)
    assert type(e_fused) is ember.nn.Linear and e_fused is not e_lin
    _assert_state_equal(t_fused, e_fused)
    x = RNG.standard_normal((3, 5))
    _assert_forward_backward_equal(t_fused, e_fused, x)


def test_fusion_errors_match_torch():
    assert _same_error(lambda lib: lib.nn.utils.fuse_conv_bn_eval(lib.nn.Conv2d(2, 3, 1), lib.nn.BatchNorm2d(3))) \
        is AssertionError
    assert _same_error(lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(2, 3).eval(),
                                                                    lib.nn.BatchNorm1d(3))) is AssertionError
    assert _same_error(lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(2, 3).eval(),
                                                                    lib.nn.BatchNorm1d(2).eval())) is AssertionError
    assert _same_error(lambda lib: lib.nn.utils.fuse_conv_bn_eval(
        lib.nn.Conv2d(2, 3, 1).eval(), lib.nn.BatchNorm2d(3, track_running_stats=False).eval())) is AssertionError


def test_fuse_weights_functions_keep_dtypes_and_flags_as_torch():
    values = {"w": RNG.standard_normal((4, 3, 2)), "rm": RNG.standard_normal(4), "rv": RNG.random(4) + 0.5,
              "bw": RNG.standard_normal(4), "bb": RNG.standard_normal(4)}
    results = []
    for lib in (torch, ember):
        w = lib.tensor(values["w"], dtype=lib.float32, requires_grad=True)
        rm, rv = lib.tensor(values["rm"]), lib.tensor(values["rv"])  # float64 running stats
        conv = lib.nn.utils.fuse_conv_bn_weights(w, None, rm, rv, 1e-5, None, None)
        w_t = lib.tensor(values["w"]).transpose(0, 1).contiguous()  # a transposed convolution's (in, out, k)
        conv_t = lib.nn.utils.fusion.fuse_conv_bn_weights(w_t, None, rm, rv, 1e-3, lib.tensor(values["bw"]),
                                                          lib.tensor(values["bb"]), transpose=True)
        lin = lib.nn.utils.fuse_linear_bn_weights(w[:, :, 0], lib.tensor(values["rm"], dtype=lib.float32), rm, rv,
                                                  1e-5, lib.tensor(values["bw"]), lib.tensor(values["bb"]))
        results.append([(str(p.dtype).split(".")[1], p.requires_grad, p.detach().numpy()) for p in conv + conv_t + lin])
    for (t_dtype, t_rg, t_val), (e_dtype, e_rg, e_val) in zip(*results):
        assert (e_dtype, e_rg) == (t_dtype, t_rg)
        np.testing.assert_allclose(e_val, t_val, rtol=1e-6, atol=1e-7)


# ---- skip_init and stateless -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, args, kwargs", [
    ("Linear", (5, 1), {}), ("Linear", (), {"in_features": 6, "out_features": 2, "dtype": "float64"}),
    ("Conv2d", (3, 4, 3), {"bias": False}), ("BatchNorm1d", (4,), {})])
def test_skip_init_builds_the_module_as_torch(cls, args, kwargs):
    shapes = []
    for lib in (torch, ember):
        given = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
        module = lib.nn.utils.skip_init(getattr(lib.nn, cls), *args, **given)
        assert type(module) is getattr(lib.nn, cls)
        shapes.append([(n, tuple(t.shape), str(t.dtype).split(".")[1], t.requires_grad, t.device.type)
                       for n, t in list(module.named_parameters()) + list(module.named_buffers())])
    assert shapes[1] == shapes[0]


def test_skip_init_errors_match_torch():
    assert _same_error(lambda lib: lib.nn.utils.skip_init(lib.nn.ReLU)) is RuntimeError
    assert _same_error(lambda lib: lib.nn.utils.skip_init(dict)) is RuntimeError


def test_stateless_functional_call_matches_torch_and_warns():
    t, e = _both(lambda lib: lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4)))
    x = RNG.standard_normal((5, 3))
    values = {"0.weight": RNG.standard_normal((4, 3)), "1.running_mean": RNG.standard_normal(4)}
    outputs, messages = [], []
    for lib, module in ((torch, t), (ember, e)):
        module.eval()
        before = module.state_dict()["0.weight"].numpy().copy()
        with pytest.warns(FutureWarning) as record:
            out = lib.nn.utils.stateless.functional_call(module, {k: lib.tensor(v) for k, v in values.items()},
                                                         lib.tensor(x))
        messages.append([str(w.message) for w in record if w.category is FutureWarning])
        outputs.append(out.detach().numpy())
        np.testing.assert_array_equal(module.state_dict()["0.weight"].numpy(), before)
        out2 = _quiet(lib.nn.utils.stateless.functional_call, module, {}, args=(), kwargs={"input": lib.tensor(x)})
        outputs.append(out2.detach().numpy())
    assert messages[1] == messages[0] and "torch.func.functional_call" in messages[0][0]
    np.testing.assert_allclose(outputs[2], outputs[0], rtol=1e-10)
    np.testing.assert_allclose(outputs[3], outputs[1], rtol=1e-10)
    assert not np.allclose(outputs[2], outputs[3])


# ---- names -----------------------------------------------------------------------------------------------------
def test_names_are_where_pytorch_has_them():
    for name in ("weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "fuse_conv_bn_eval",
                 "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights", "skip_init"):
        assert callable(getattr(ember.nn.utils, name)), name
    for module in ("fusion", "stateless"):
        assert set(getattr(torch.nn.utils, module).__all__) <= set(dir(getattr(ember.nn.utils, module))), module


def test_a_gan_script_runs_under_ember_run(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import warnings
        import torch
        import torch.nn as nn
        import torch.nn.utils.prune as prune
        from torch.nn.utils import spectral_norm, weight_norm, remove_weight_norm
        from torch.nn.utils.fusion import fuse_conv_bn_eval
        from torch.nn.utils.stateless import functional_call
        warnings.simplefilter("ignore", FutureWarning)
        D = nn.Sequential(spectral_norm(nn.Conv2d(1, 4, 3)), nn.LeakyReLU(0.2), nn.Flatten(),
                          weight_norm(nn.Linear(4 * 6 * 6, 1)))
        real, fake = torch.randn(2, 1, 8, 8), torch.randn(2, 1, 8, 8)
        loss = D(real).mean() - D(fake).mean()
        loss.backward()
        remove_weight_norm(D[3])
        prune.l1_unstructured(D[3], "weight", amount=0.5)
        conv = fuse_conv_bn_eval(nn.Conv2d(1, 2, 3).eval(), nn.BatchNorm2d(2).eval())
        out = functional_call(D[3], {"bias": torch.zeros(1)}, torch.randn(1, 144))
        print(sorted(D.state_dict()), prune.is_pruned(D), int((D[3].weight == 0).sum()), tuple(out.shape))
    """))
    result = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], check=False, capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("['0.bias', '0.weight_orig', '0.weight_u', '0.weight_v', '3.bias', '3.weight_mask', "
                             "'3.weight_orig'] True 72 (1, 1)\n")
