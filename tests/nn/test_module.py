"""The Module system against torch: registration, traversal, state dicts, modes, casts, hooks, repr."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from module_parity import copy_state
from parity import torch

import ember


def build(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)
            self.scale = nn.Parameter(lib.ones(1))

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.shared = self.block.fc  # the same module twice: listed once
            self.layers = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Identity()})
            self.extra = nn.ParameterList([nn.Parameter(lib.ones(2))])

        def forward(self, x):
            return self.heads["a"](self.layers(self.block(x)))

    return Net()


def test_traversal_matches_torch():
    e, t = build(ember), build(torch)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert [n for n, _ in e.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(remove_duplicate=False)]
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert type(e.get_submodule("layers.1")).__name__ == "Linear"
    assert e.get_parameter("block.fc.weight") is e.block.fc.weight
    assert e.get_buffer("block.steps") is e.block.steps
    names = dir(e)
    assert "block" in names and "forward" in names


def test_forward_and_state_dict_round_trip():
    e, t = build(ember), build(torch)
    copy_state(t, e)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5)
    e2 = build(ember)
    result = e2.load_state_dict(e.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_array_equal(e2.block.fc.weight.detach().numpy(), e.block.fc.weight.detach().numpy())


def test_load_state_dict_errors_match_torch():
    e, t = build(ember), build(torch)
    bad_t = dict(t.state_dict())
    bad_t["block.fc.weight"] = torch.zeros(2, 2)
    bad_t["unknown"] = torch.zeros(1)
    del bad_t["layers.1.bias"]
    bad_e = {k: ember.tensor(v.numpy()) for k, v in bad_t.items()}
    with pytest.raises(RuntimeError) as t_err:
        t.load_state_dict(bad_t)
    with pytest.raises(RuntimeError) as e_err:
        e.load_state_dict(bad_e)
    assert str(e_err.value) == str(t_err.value).replace("torch.", "ember.")
    del bad_t["block.fc.weight"], bad_e["block.fc.weight"]
    r_t, r_e = t.load_state_dict(bad_t, strict=False), e.load_state_dict(bad_e, strict=False)
    assert repr(r_e) == repr(r_t)
    assert r_e.missing_keys == r_t.missing_keys and r_e.unexpected_keys == r_t.unexpected_keys


def test_assignment_rules_match_torch():
    for lib in (ember, torch):
        m = lib.nn.Linear(2, 3)
        with pytest.raises(TypeError):
            m.weight = lib.ones(3, 2)
        m.weight = None
        assert "weight" in m._parameters and m.weight is None
        with pytest.raises(AttributeError):
            m.missing
        with pytest.raises(AttributeError):
            lib.nn.Module.__new__(lib.nn.Module).x = lib.nn.Parameter(lib.ones(1))
        with pytest.raises(KeyError):
            m.register_buffer("a.b", lib.ones(1))
        with pytest.raises(TypeError):
            m.register_parameter("w2", lib.ones(2, requires_grad=True) * 2)
        m.b = lib.nn.Buffer(lib.ones(2))
        assert "b" in m._buffers
        del m.b
        assert "b" not in m._buffers


def test_modes_grads_and_casts():
    e = build(ember)
    assert e.training and all(m.training for m in e.modules())
    e.eval()
    assert not any(m.training for m in e.modules())
    e.train()
    out = e(ember.randn(2, 3)).sum()
    out.backward()
    assert all(p.grad is not None for p in e.block.parameters())
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())
    e.double()
    assert all(p.dtype == ember.float64 for p in e.parameters())
    weight = e.block.fc.weight
    e.to(ember.float32)
    assert e.block.fc.weight is weight and weight.dtype == ember.float32
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())
    seen = []
    e.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"
    with pytest.raises(TypeError):
        e.to(ember.int64)


def test_forward_hooks_match_torch():
    logs = {}
    for lib in (ember, torch):
        log = logs.setdefault(lib.__name__, [])
        m = lib.nn.Linear(2, 2)
        h1 = m.register_forward_pre_hook(lambda mod, args: log.append(("pre", tuple(args[0].shape))))
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        m.register_forward_hook(lambda mod, args, out: log.append(("post", tuple(out.shape))))
        m.register_forward_hook(lambda mod, args, out: out + 1)
        m.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", sorted(kwargs))), with_kwargs=True)
        m.register_forward_pre_hook(lambda mod, args: log.append("first"), prepend=True)
        with lib.no_grad():
            m.weight.copy_(lib.eye(2))
            m.bias.zero_()
        out = m(lib.ones(1, 2))
        log.append(out.detach().numpy().tolist())
        h1.remove()
        m(lib.ones(1, 2))
    assert logs["ember"] == logs["torch"]


def test_full_backward_hooks_match_torch():
    results = {}
    for lib in (ember, torch):
        got = results.setdefault(lib.__name__, [])
        m = lib.nn.Linear(3, 2)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3)))
        m.register_full_backward_pre_hook(lambda mod, go: got.append(("pre", go[0].numpy().tolist())))
        m.register_full_backward_hook(lambda mod, gi, go: got.append(
            ("hook", gi[0].numpy().tolist(), go[0].numpy().tolist())))
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
        x = lib.ones(2, 3, requires_grad=True)
        m(x).sum().backward()
        got.append(x.grad.numpy().tolist())
    assert results["ember"] == results["torch"]


def test_shape_errors_name_the_module_path_and_the_fix():
    nn, F = ember.nn, ember.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            return self.fc1(x.flatten(1))

    with pytest.raises(RuntimeError, match=r"^fc1 \(Linear\(in_features=400, out_features=120\)\) got input with 256 "
                                           r"features: the flattened size before fc1 is 256, so use "
                                           r"nn.Linear\(256, 120\)"):
        Net()(ember.randn(2, 1, 28, 28))
    with pytest.raises(RuntimeError, match=r"^body.1.0 \(Conv2d\(3, 4, .*\) got input with 2 channels: use "
                                           r"nn.Conv2d\(2, 4, kernel_size=\(3, 3\)"):
        outer = nn.Module()
        outer.body = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sequential(nn.Conv2d(3, 4, 3)))
        outer.forward = lambda x: outer.body(x)
        outer(ember.randn(1, 1, 9, 9))
    with pytest.raises(RuntimeError, match=r"^Linear \(Linear\(in_features=3"):
        nn.Linear(3, 4)(ember.randn(2, 5))


def test_deepcopy_copies_parameters_without_their_grads():
    """As PyTorch's Parameter.__deepcopy__: values and requires_grad, not .grad (a plain tensor keeps it)."""
    import copy
    for lib in (ember, torch):
        model = lib.nn.Linear(2, 1)
        model.bias.requires_grad_(False)
        model(lib.ones(3, 2)).sum().backward()
        clone = copy.deepcopy(model)
        assert clone.weight.grad is None and model.weight.grad is not None
        assert type(clone.weight) is lib.nn.Parameter and clone.weight.requires_grad
        assert not clone.bias.requires_grad
        assert clone.weight.data_ptr() != model.weight.data_ptr()
        assert lib.equal(clone.weight, model.weight)
        plain = lib.ones(2, requires_grad=True)
        (plain * 2).sum().backward()
        assert copy.deepcopy(plain).grad is not None


def _registration_orders(lib):
    nn = lib.nn
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    seq[0] = nn.Linear(2, 3)
    modules = nn.ModuleList([nn.Linear(1, 1), nn.ReLU(), nn.Tanh()])
    modules[0] = nn.Identity()
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(lib.ones(2, 2))
    net = nn.Module()
    net.conv1, net.bn1 = nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)
    net.register_buffer("a", lib.ones(1))
    net.register_buffer("b", lib.ones(1), persistent=False)
    net.conv1 = nn.Conv2d(1, 4, 1)
    net.a, net.b = nn.Buffer(lib.zeros(1), persistent=False), nn.Buffer(lib.zeros(1))
    return ([n for n, _ in seq.named_children()], tuple(seq(lib.ones(4, 2)).shape),
            [type(m).__name__ for m in modules], list(lin.state_dict()), [n for n, _ in net.named_children()],
            list(net.state_dict()), [n for n, _ in net.named_buffers()])


def test_assignment_keeps_the_registration_order():
    """Assigning a module, parameter or buffer to a name a module already has keeps that name's place (a layer
    replaced in a Sequential stays where it was)."""
    assert _registration_orders(ember) == _registration_orders(torch)


def _hook_events(lib, kind):
    """What the hooks of `kind` see on a small network, recorded as comparable values."""
    nn = lib.nn
    lib.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = lib.ones(2, 3, requires_grad=True)
    events = []

    def shapes(grads):
        return [None if g is None else tuple(g.shape) for g in grads]
    handles = []
    if kind == "deprecated":
        handles = [m.register_backward_hook(lambda m, gi, go: events.append((type(m).__name__, shapes(gi), shapes(go))))
                   for m in net]
    elif kind == "global forward":
        module = lib.nn.modules.module
        handles = [module.register_module_forward_pre_hook(lambda m, a: events.append(("pre", type(m).__name__))),
                   module.register_module_forward_hook(lambda m, a, o: events.append(("post", type(m).__name__))),
                   net[0].register_forward_hook(lambda m, a, o: events.append(("own", type(m).__name__)))]
    elif kind == "global backward":
        module = lib.nn.modules.module
        handles = [module.register_module_full_backward_hook(
            lambda m, gi, go: events.append((type(m).__name__, shapes(gi), shapes(go)))),
            module.register_module_full_backward_pre_hook(lambda m, go: events.append(("pre", type(m).__name__)))]
    elif kind == "global registration":
        module = lib.nn.modules.module
        handles = [module.register_module_parameter_registration_hook(lambda m, n, p: events.append(("param", n))),
                   module.register_module_buffer_registration_hook(lambda m, n, b: events.append(("buffer", n))),
                   module.register_module_module_registration_hook(lambda m, n, s: events.append(("module", n)))]
        nn.BatchNorm1d(2)
        net.extra = nn.Identity()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            net(x).sum().backward()
        events.append(sorted({str(w.category.__name__) for w in caught}))
    finally:
        for handle in handles:
            handle.remove()
    net(x)  # removed: nothing more recorded
    return events


@pytest.mark.parametrize("kind", ["deprecated", "global forward", "global backward", "global registration"])
def test_deprecated_and_global_module_hooks_match_torch(kind):
    assert _hook_events(ember, kind) == _hook_events(torch, kind)


def test_backward_hook_kinds_do_not_mix():
    for lib in (torch, ember):
        m = lib.nn.Linear(2, 2)
        m.register_backward_hook(lambda *a: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
            m.register_full_backward_hook(lambda *a: None)


def _state_dict_hook_events(lib):
    nn = lib.nn
    lib.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    events = []
    net[0].register_state_dict_pre_hook(lambda m, prefix, keep: events.append(("pre", prefix, keep)))
    net[0].register_state_dict_post_hook(lambda m, sd, prefix, meta: events.append(("post", prefix, sorted(sd))))
    net._register_state_dict_hook(lambda m, sd, prefix, meta: {k.upper(): v for k, v in sd.items()})

    def rename(module, state, prefix, *rest):
        events.append(("load pre", prefix))
        state[prefix + "bias"] = state.pop(prefix + "old_bias")
    net[0].register_load_state_dict_pre_hook(rename)
    net.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
    saved = net.state_dict()
    events.append(("saved", list(saved), dict(saved._metadata) if hasattr(saved, "_metadata") else None))
    state = {k.lower(): v for k, v in saved.items()}
    state["0.old_bias"] = state.pop("0.bias")
    del state["1.running_var"]
    result = net.load_state_dict(state)
    events.append(("loaded", list(result.missing_keys), list(result.unexpected_keys), sorted(state)))
    with pytest.raises(RuntimeError, match="Missing key"):  # saved at version 2: num_batches_tracked is needed
        _load_without_num_batches_tracked(lib, with_metadata=True)
    _load_without_num_batches_tracked(lib, with_metadata=False)  # no version: saved before the buffer existed
    return events


def _load_without_num_batches_tracked(lib, with_metadata):
    saved = lib.nn.BatchNorm1d(2).state_dict()
    state = OrderedDict((k, v) for k, v in saved.items() if k != "num_batches_tracked")
    if with_metadata:
        state._metadata = saved._metadata
    lib.nn.BatchNorm1d(2).load_state_dict(state)


def test_state_dict_hooks_and_metadata_match_torch():
    """Pre and post hooks of state_dict, a private hook that returns a new state dict, load pre-hooks that rename
    keys, load post-hooks that change the incompatible keys, and the metadata's module versions."""
    assert _state_dict_hook_events(ember) == _state_dict_hook_events(torch)


def _extra_state_round_trip(lib):
    nn = lib.nn

    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.steps = nn.Linear(2, 2), 0

        def get_extra_state(self):
            return {"steps": self.steps}

        def set_extra_state(self, state):
            self.steps = state["steps"]
    saved = Counter()
    saved.steps = 7
    state = saved.state_dict()
    loaded = Counter()
    result = loaded.load_state_dict(state)
    missing = Counter().load_state_dict({k: v for k, v in state.items() if k != "_extra_state"}, strict=False)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        nn.Sequential(nn.Linear(2, 2)).load_state_dict({"_extra_state": 1, "0.weight": state["lin.weight"],
                                                         "0.bias": state["lin.bias"]})
    return list(state), loaded.steps, list(result.missing_keys), list(missing.missing_keys)


def test_extra_state_saves_and_loads_as_torch():
    assert _extra_state_round_trip(ember) == _extra_state_round_trip(torch)


def test_set_submodule_bfloat16_to_empty_and_compile_as_torch():
    results = []
    for lib in (torch, ember):
        nn = lib.nn
        net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
        net.set_submodule("1.0", nn.Tanh())
        net.set_submodule("2", nn.Identity())
        errors = []
        for target, module, strict in (("1.5", nn.Tanh(), True), ("", nn.Tanh(), False), ("0.weight", nn.Tanh(), False),
                                       ("0", 3, False)):
            try:
                net.set_submodule(target, module, strict=strict)
            except (AttributeError, ValueError) as error:
                errors.append(type(error).__name__)
        net.bfloat16()
        assert net.compile() is None
        moved = nn.Linear(3, 2).to_empty(device="cpu")
        results.append(([type(m).__name__ for _, m in net.named_modules()], errors,
                        str(net[0].weight.dtype).split(".")[1], tuple(moved.weight.shape)))
    assert results[1] == results[0]
