"""torch.nn.utils.prune against PyTorch: the same modules pruned in both libraries get the same <name>_orig
parameter and <name>_mask buffer (the same mask for the deterministic methods, the same structure for the random
ones), the same outputs and gradients, the same combination of masks when pruning again, the same state after
`remove`, and the same exception types for bad amounts, dims and methods."""
import importlib

import numpy as np
import pytest
from module_parity import copy_state
from parity import torch

import ember
import ember.nn.utils.prune as eprune

tprune = importlib.import_module("torch.nn.utils.prune")
RNG = np.random.default_rng(0)


def _both(make):
    """(torch module, ember module), float64, the ember one holding torch's (tie-free, random) values."""
    t, e = make(torch).double(), make(ember).double()
    copy_state(t, e)
    return t, e


def _lib_prune(lib):
    return tprune if lib is torch else eprune


def _input_for(t_module):
    if isinstance(t_module, torch.nn.Linear):
        return RNG.standard_normal((3, t_module.in_features))
    return RNG.standard_normal((2, t_module.in_channels, 6, 6))


def _assert_same_pruned_state(t, e):
    """Same parameter and buffer names, state_dict keys and values (masks included), and mask dtypes."""
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    t_state, e_state = t.state_dict(), e.state_dict()
    assert list(e_state) == list(t_state)
    for key in t_state:
        assert str(e_state[key].dtype).split(".")[1] == str(t_state[key].dtype).split(".")[1], key
        np.testing.assert_allclose(e_state[key].numpy(), t_state[key].numpy(), rtol=1e-12, err_msg=key)


def _assert_same_forward_backward(t, e, x):
    y_t, y_e = t(torch.tensor(x)), e(ember.tensor(x))
    np.testing.assert_allclose(y_e.detach().numpy(), y_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    y_t.pow(2).sum().backward()
    y_e.pow(2).sum().backward()
    for (name, p_t), (_, p_e) in zip(t.named_parameters(), e.named_parameters()):
        np.testing.assert_allclose(p_e.grad.numpy(), p_t.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    t.zero_grad()
    e.zero_grad()


def _same_error(fn):
    """fn(lib) raises the same exception type with torch and with ember; returns it."""
    kinds = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(lib)
        kinds.append(info.type)
    assert kinds[1] is kinds[0], f"ember raised {kinds[1].__name__}, torch {kinds[0].__name__}"
    return kinds[0]


MODULES = [lambda lib: lib.nn.Linear(6, 5), lambda lib: lib.nn.Conv2d(3, 4, 3)]


# ---- deterministic methods: the same mask ----------------------------------------------------------------------
@pytest.mark.parametrize("make", MODULES)
@pytest.mark.parametrize("amount", [0.3, 7, 0, 1.0, 0.5])
def test_l1_unstructured_matches_torch(make, amount):
    t, e = _both(make)
    tprune.l1_unstructured(t, "weight", amount=amount)
    assert eprune.l1_unstructured(e, "weight", amount=amount) is e
    assert "weight" not in e._parameters and not isinstance(e.weight, ember.nn.Parameter)
    assert eprune.is_pruned(e) and isinstance(next(iter(e._forward_pre_hooks.values())), eprune.L1Unstructured)
    _assert_same_pruned_state(t, e)
    expected = amount if isinstance(amount, int) else round(amount * t.weight.numel())
    assert int((e.weight_mask == 0).sum()) == expected
    np.testing.assert_array_equal(e.weight.detach().numpy(), t.weight.detach().numpy())
    x = _input_for(t)
    _assert_same_forward_backward(t, e, x)


@pytest.mark.parametrize("n", [1, 2, 3, float("inf"), float("-inf"), "fro"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("amount", [2, 0.34])
def test_ln_structured_matches_torch(n, dim, amount):
    t, e = _both(MODULES[0] if n == "fro" else MODULES[1])  # 'fro' takes one or two dims in PyTorch
    tprune.ln_structured(t, "weight", amount=amount, n=n, dim=dim)
    assert eprune.ln_structured(e, "weight", amount=amount, n=n, dim=dim) is e
    _assert_same_pruned_state(t, e)
    _assert_same_forward_backward(t, e, _input_for(t))


def test_importance_scores_choose_the_entries_as_torch():
    t, e = _both(MODULES[1])
    scores = RNG.standard_normal(tuple(t.weight.shape))
    tprune.l1_unstructured(t, "weight", amount=0.4, importance_scores=torch.tensor(scores))
    eprune.l1_unstructured(e, "weight", amount=0.4, importance_scores=ember.tensor(scores))
    _assert_same_pruned_state(t, e)
    tprune.ln_structured(t, "weight", amount=1, n=1, dim=0, importance_scores=torch.tensor(scores))
    eprune.ln_structured(e, "weight", amount=1, n=1, dim=0, importance_scores=ember.tensor(scores))
    _assert_same_pruned_state(t, e)
    assert not np.array_equal(e.weight_mask.numpy(), (np.abs(scores) >= 0).astype(float))
    assert _same_error(lambda lib: _lib_prune(lib).l1_unstructured(
        lib.nn.Linear(3, 2), "weight", amount=1, importance_scores=lib.ones(3, 2))) is AssertionError


def test_iterative_pruning_combines_masks_as_torch():
    t, e = _both(MODULES[1])
    x = _input_for(t)
    steps = [
        lambda p, lib: p.l1_unstructured(t if lib is torch else e, "weight", amount=0.2),
        lambda p, lib: p.l1_unstructured(t if lib is torch else e, "weight", amount=5),
        lambda p, lib: p.ln_structured(t if lib is torch else e, "weight", amount=1, n=2, dim=0),
        lambda p, lib: p.ln_structured(t if lib is torch else e, "weight", amount=0.5, n=1, dim=1),
        lambda p, lib: p.custom_from_mask(t if lib is torch else e, "weight",
                                          mask=lib.tensor((RNG.random((4, 3, 3, 3)) > 0.2).astype(np.float32))),
        lambda p, lib: p.identity(t if lib is torch else e, "weight"),
    ]
    for i, step in enumerate(steps):
        mask = (RNG.random((4, 3, 3, 3)) > 0.2).astype(np.float32) if i == 4 else None
        if mask is not None:
            tprune.custom_from_mask(t, "weight", mask=torch.tensor(mask))
            eprune.custom_from_mask(e, "weight", mask=ember.tensor(mask))
        else:
            step(tprune, torch)
            step(eprune, ember)
        _assert_same_pruned_state(t, e)
        _assert_same_forward_backward(t, e, x)
        hooks = list(e._forward_pre_hooks.values())
        assert len(hooks) == 1 == len(t._forward_pre_hooks)
        if i:
            assert isinstance(hooks[0], eprune.PruningContainer) and len(hooks[0]) == i + 1
            assert [type(m).__name__ for m in hooks[0]] == [type(m).__name__ for m in
                                                           next(iter(t._forward_pre_hooks.values()))]


def test_pruned_training_matches_torch():
    """Gradients reach weight_orig through the mask; the pruned entries stay zero through optimizer steps."""
    t, e = _both(lambda lib: lib.nn.Sequential(lib.nn.Linear(6, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2)))
    for lib, model in ((torch, t), (ember, e)):
        _lib_prune(lib).l1_unstructured(model[0], "weight", amount=0.5)
        _lib_prune(lib).ln_structured(model[2], "weight", amount=1, n=2, dim=1)
        _lib_prune(lib).l1_unstructured(model[0], "bias", amount=2)
    t_opt = torch.optim.SGD(t.parameters(), lr=0.1)
    e_opt = ember.optim.SGD(e.parameters(), lr=0.1)
    x = RNG.standard_normal((4, 6))
    for _ in range(3):
        for model, opt, lib in ((t, t_opt, torch), (e, e_opt, ember)):
            opt.zero_grad()
            model(lib.tensor(x)).pow(2).sum().backward()
            opt.step()
        _assert_same_pruned_state(t, e)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    assert int((e[0].weight == 0).sum()) == 15 and tprune.is_pruned(t) and eprune.is_pruned(e)


# ---- random methods: the same structure ------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [0.25, 0.5, 3])
def test_random_unstructured_prunes_as_many_entries_as_torch(amount):
    t, e = _both(lambda lib: lib.nn.Linear(5, 2))  # 10 entries: 0.25 rounds to 2, 0.5 to 5
    tprune.random_unstructured(t, "weight", amount=amount)
    eprune.random_unstructured(e, "weight", amount=amount)
    assert [n for n, _ in e.named_buffers()] == ["weight_mask"] == [n for n, _ in t.named_buffers()]
    assert e.weight_mask.dtype == ember.float64 and tuple(e.weight_mask.shape) == tuple(t.weight_mask.shape)
    assert int((e.weight_mask == 0).sum()) == int((t.weight_mask == 0).sum())
    assert set(np.unique(e.weight_mask.numpy())) <= {0.0, 1.0}
    np.testing.assert_array_equal(e.weight.detach().numpy(), e.weight_orig.detach().numpy() * e.weight_mask.numpy())
    tprune.random_unstructured(t, "weight", amount=0.5)  # half of what is left
    eprune.random_unstructured(e, "weight", amount=0.5)
    assert int((e.weight_mask == 0).sum()) == int((t.weight_mask == 0).sum())


@pytest.mark.parametrize("dim, amount", [(0, 1), (1, 0.5), (-1, 2), (2, 0.4)])
def test_random_structured_prunes_whole_channels_as_torch(dim, amount):
    t, e = _both(MODULES[1])
    tprune.random_structured(t, "weight", amount=amount, dim=dim)
    eprune.random_structured(e, "weight", amount=amount, dim=dim)
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]

    def pruned_channels(mask):
        others = tuple(d for d in range(4) if d != dim % 4)
        per_channel = mask.sum(axis=others)
        assert set(np.unique(per_channel)) <= {0.0, float(mask.size // mask.shape[dim])}  # whole channels only
        return int((per_channel == 0).sum())

    assert pruned_channels(e.weight_mask.numpy()) == pruned_channels(t.weight_mask.numpy()) > 0
    tprune.random_structured(t, "weight", amount=1, dim=dim)
    eprune.random_structured(e, "weight", amount=1, dim=dim)
    assert pruned_channels(e.weight_mask.numpy()) == pruned_channels(t.weight_mask.numpy())


# ---- global_unstructured ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [0.3, 20])
def test_global_unstructured_matches_torch(amount):
    t, e = _both(lambda lib: lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.Flatten(), lib.nn.Linear(64, 5)))
    tprune.l1_unstructured(t[2], "weight", amount=0.1)  # a mask already in place joins the global one
    eprune.l1_unstructured(e[2], "weight", amount=0.1)
    for lib, model in ((torch, t), (ember, e)):
        _lib_prune(lib).global_unstructured([(model[0], "weight"), (model[2], "weight"), (model[0], "bias")],
                                            pruning_method=_lib_prune(lib).L1Unstructured, amount=amount)
    _assert_same_pruned_state(t, e)
    _assert_same_forward_backward(t, e, RNG.standard_normal((2, 3, 6, 6)))
    assert isinstance(next(iter(e[0]._forward_pre_hooks.values())), eprune.CustomFromMask)
    assert isinstance(next(iter(e[2]._forward_pre_hooks.values())), eprune.PruningContainer)


def test_global_unstructured_with_importance_scores_and_random_method():
    t, e = _both(lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Linear(3, 2)))
    scores = [RNG.standard_normal((3, 4)), RNG.standard_normal((2, 3))]
    for lib, model in ((torch, t), (ember, e)):
        _lib_prune(lib).global_unstructured(
            [(model[0], "weight"), (model[1], "weight")], _lib_prune(lib).L1Unstructured,
            importance_scores={(model[0], "weight"): lib.tensor(scores[0]),
                               (model[1], "weight"): lib.tensor(scores[1])},
            amount=6)
    _assert_same_pruned_state(t, e)
    counts = []
    for lib, model in ((torch, t), (ember, e)):
        _lib_prune(lib).global_unstructured([(model[0], "bias"), (model[1], "bias")],
                                            _lib_prune(lib).RandomUnstructured, amount=0.6)
        counts.append((int((model[0].bias_mask == 0).sum()) + int((model[1].bias_mask == 0).sum())))
    assert counts[1] == counts[0] == 3


def test_global_unstructured_errors_match_torch():
    def call(lib, parameters=None, **kwargs):
        linear = lib.nn.Linear(3, 2)
        p = _lib_prune(lib)
        return p.global_unstructured([(linear, "weight")] if parameters is None else parameters,
                                     kwargs.pop("method", p.L1Unstructured), **kwargs)

    assert _same_error(lambda lib: call(lib, parameters=3, amount=1)) is TypeError
    assert _same_error(lambda lib: call(lib, importance_scores=[1], amount=1)) is TypeError
    assert _same_error(lambda lib: call(lib, method=_lib_prune(lib).RandomStructured, amount=1, dim=0)) is TypeError


# ---- custom masks, identity, custom methods --------------------------------------------------------------------
def test_custom_from_mask_and_identity_match_torch():
    t, e = _both(MODULES[0])
    mask = (RNG.random((5, 6)) > 0.5)
    tprune.custom_from_mask(t, "weight", mask=torch.tensor(mask))
    eprune.custom_from_mask(e, "weight", mask=ember.tensor(mask))
    tprune.identity(t, "bias")
    eprune.identity(e, "bias")
    _assert_same_pruned_state(t, e)
    assert e.weight_mask.dtype == ember.float64 and float(e.bias_mask.sum()) == 5
    _assert_same_forward_backward(t, e, _input_for(t))
    assert _same_error(lambda lib: _lib_prune(lib).custom_from_mask(lib.nn.Linear(3, 2), "weight",
                                                                    mask=lib.ones(2, 2))) is AssertionError


def test_a_custom_pruning_method_works_as_in_torch():
    """PyTorch's tutorial: a subclass that prunes every other entry still unpruned."""
    def method_class(p):
        class EveryOther(p.BasePruningMethod):
            PRUNING_TYPE = "unstructured"

            def compute_mask(self, t, default_mask):
                mask = default_mask.clone()
                mask.view(-1)[::2] = 0
                return mask
        return EveryOther

    t, e = _both(MODULES[0])
    t_cls, e_cls = method_class(tprune), method_class(eprune)
    t_cls.apply(t, "bias")
    e_cls.apply(e, "bias")
    t_cls.apply(t, "bias")
    e_cls.apply(e, "bias")
    _assert_same_pruned_state(t, e)
    assert e.bias_mask.tolist() == [0, 0, 0, 1, 0]  # the second pass halves the entries the first one kept
    t_pruned = tprune.L1Unstructured(amount=3).prune(t.weight.detach(), importance_scores=t.weight.detach().flip(0))
    e_pruned = eprune.L1Unstructured(amount=3).prune(e.weight.detach(), importance_scores=e.weight.detach().flip(0))
    np.testing.assert_array_equal(e_pruned.numpy(), t_pruned.numpy())
    assert "weight_mask" not in dict(e.named_buffers())  # prune() leaves the module alone


# ---- remove, is_pruned and state dicts -------------------------------------------------------------------------
def test_remove_makes_pruning_permanent_as_torch():
    t, e = _both(MODULES[1])
    for lib, module in ((torch, t), (ember, e)):
        _lib_prune(lib).l1_unstructured(module, "weight", amount=0.3)
        _lib_prune(lib).ln_structured(module, "weight", amount=1, n=2, dim=0)
        _lib_prune(lib).identity(module, "bias")
    orig = e.weight_orig
    assert eprune.remove(e, "weight") is e
    tprune.remove(t, "weight")
    assert e.weight is orig and isinstance(e.weight, ember.nn.Parameter)  # the old <name>_orig, now pruned
    _assert_same_pruned_state(t, e)
    _assert_same_forward_backward(t, e, _input_for(t))
    assert eprune.is_pruned(e)
    eprune.remove(e, "bias")
    tprune.remove(t, "bias")
    assert not eprune.is_pruned(e) and not e._forward_pre_hooks and list(e.state_dict()) == ["weight", "bias"]
    _assert_same_pruned_state(t, e)
    assert _same_error(lambda lib: _lib_prune(lib).remove(t if lib is torch else e, "weight")) is ValueError


def test_is_pruned_looks_into_submodules():
    model = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.Sequential(ember.nn.Linear(2, 2)))
    assert not eprune.is_pruned(model)
    eprune.random_unstructured(model[1][0], "weight", amount=1)
    assert eprune.is_pruned(model)


def test_pruned_state_dicts_load_both_ways():
    """A state dict of PyTorch's pruned model (weight_orig, weight_mask) loads into an ember module set up for
    pruning and gives the same outputs; and the other way."""
    t, e = _both(MODULES[1])
    tprune.l1_unstructured(t, "weight", amount=0.5)
    tprune.random_structured(t, "weight", amount=1, dim=0)
    eprune.identity(e, "weight")
    e.load_state_dict({k: ember.tensor(v.numpy().copy()) for k, v in t.state_dict().items()})
    _assert_same_pruned_state(t, e)
    _assert_same_forward_backward(t, e, _input_for(t))
    eprune.random_unstructured(e, "weight", amount=0.3)
    t2 = tprune.identity(torch.nn.Conv2d(3, 4, 3).double(), "weight")
    t2.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in e.state_dict().items()})
    _assert_same_pruned_state(t2, e)
    _assert_same_forward_backward(t2, e, _input_for(t2))


# ---- errors ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["0.5", None, -1, 1.5, -0.1, 31])
def test_bad_amounts_raise_as_torch(amount):
    def prune(lib):
        _lib_prune(lib).l1_unstructured(lib.nn.Linear(6, 5), "weight", amount=amount)

    kind = _same_error(prune)
    assert kind is (TypeError if amount in ("0.5", None) else ValueError)


def test_a_failed_pruning_leaves_the_module_as_torch():
    names = []
    for lib in (torch, ember):
        module = lib.nn.Linear(6, 5)
        with pytest.raises(ValueError):
            _lib_prune(lib).l1_unstructured(module, "weight", amount=31)  # more than the 30 entries
        names.append(([n for n, _ in module.named_parameters()], isinstance(module.weight, lib.nn.Parameter),
                      [n for n, _ in module.named_buffers()], len(module._forward_pre_hooks)))
    assert names[1] == names[0] == (["bias", "weight"], True, [], 0)


def test_structured_errors_match_torch():
    def on(lib, fn):
        return fn(_lib_prune(lib), lib.nn.Conv2d(2, 3, 3))

    assert _same_error(lambda lib: on(lib, lambda p, m: p.ln_structured(m, "weight", 1, n=2, dim=4))) is IndexError
    assert _same_error(lambda lib: on(lib, lambda p, m: p.random_structured(m, "weight", 1, dim=4))) is IndexError
    assert _same_error(lambda lib: on(lib, lambda p, m: p.ln_structured(m, "bias", 1, n=2, dim=0))) is ValueError
    assert _same_error(lambda lib: on(lib, lambda p, m: p.random_structured(m, "weight", 4, dim=0))) is ValueError
    assert _same_error(lambda lib: on(lib, lambda p, m: p.l1_unstructured(m, "nope", 1))) is AttributeError


def test_pruning_container_errors_match_torch():
    def add(lib, other):
        p = _lib_prune(lib)
        first = p.L1Unstructured(amount=1)
        first._tensor_name = "weight"
        container = p.PruningContainer(first)
        container.add_pruning_method(other(p))

    assert _same_error(lambda lib: add(lib, lambda p: "not a method")) is TypeError

    def other_name(p):
        method = p.L1Unstructured(amount=1)
        method._tensor_name = "bias"
        return method

    assert _same_error(lambda lib: add(lib, other_name)) is ValueError

    def combine(lib, pruning_type, with_dim):
        p = _lib_prune(lib)

        class Odd(p.BasePruningMethod):
            PRUNING_TYPE = pruning_type

            def compute_mask(self, t, default_mask):
                return default_mask

        method = Odd()
        if with_dim:
            method.dim = 0
        method._tensor_name = "weight"
        container = p.PruningContainer(method)
        container.compute_mask(lib.ones(2, 2), lib.ones(2, 2))

    assert _same_error(lambda lib: combine(lib, "sideways", True)) is ValueError
    assert _same_error(lambda lib: combine(lib, "structured", False)) is AttributeError
