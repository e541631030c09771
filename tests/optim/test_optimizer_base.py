"""The Optimizer base class against PyTorch: construction, errors, repr, param groups, hooks, state dicts."""
import inspect
import pickle
import warnings

import numpy as np
import pytest
from parity import torch

import ember
import ember.optim
from ember.optim.optimizer import required

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop",
         "SparseAdam", "LBFGS"]


def pair(lib_fn):
    """Run `lib_fn(lib)` on torch and ember; both must succeed, or fail with the same type and message."""
    try:
        t_out = lib_fn(torch)
    except Exception as t_err:
        with pytest.raises(Exception) as info:
            lib_fn(ember)
        assert type(info.value) is type(t_err), f"torch: {t_err!r}, ember: {info.value!r}"
        assert str(info.value).replace("ember", "torch") == str(t_err)
        return None, None
    return lib_fn(ember), t_out


def params(lib, n=2):
    return [lib.nn.Parameter(lib.ones(3)) for _ in range(n)]


# ---- construction -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_torch(name):
    e_sig = inspect.signature(getattr(ember.optim, name))
    t_sig = inspect.signature(getattr(torch.optim, name))
    assert [(p.name, p.kind, p.default) for p in e_sig.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in t_sig.parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_defaults_param_groups_and_repr_match_torch(name):
    e_opt, t_opt = pair(lambda lib: getattr(lib.optim, name)(params(lib)))
    assert e_opt.defaults == t_opt.defaults
    assert [{k: v for k, v in g.items() if k != "params"} for g in e_opt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in t_opt.param_groups]
    assert repr(e_opt) == repr(t_opt)
    assert str(e_opt.state_dict()["param_groups"]) == str(t_opt.state_dict()["param_groups"])


def test_repr_with_two_groups():
    e_opt, t_opt = pair(lambda lib: lib.optim.SGD([{"params": params(lib)}, {"params": params(lib, 1), "lr": 0.5}],
                                                  lr=0.1, momentum=0.9))
    assert repr(e_opt) == repr(t_opt)
    assert "Parameter Group 1" in repr(e_opt)


BAD_HYPERPARAMETERS = [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True)),
    ("SGD", dict(fused=True, foreach=True)), ("SGD", dict(fused=True, differentiable=True)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, -1))),
    ("Adam", dict(weight_decay=-0.1)), ("Adam", dict(betas=(0, 0))), ("Adam", dict(fused=True, foreach=True)),
    ("AdamW", dict(lr=-0.1)), ("AdamW", dict(betas=(0.9, 1.5))),
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)),
    ("Adamax", dict(lr=-1)), ("Adamax", dict(eps=-1)), ("Adamax", dict(betas=(0.9, 1.0))),
    ("Adamax", dict(weight_decay=-1)),
    ("NAdam", dict(lr=-1)), ("NAdam", dict(momentum_decay=-1)), ("NAdam", dict(betas=(-0.1, 0.9))),
    ("RAdam", dict(lr=-1)), ("RAdam", dict(weight_decay=-1)), ("RAdam", dict(eps=-1)),
    ("ASGD", dict(lr=-1)), ("ASGD", dict(weight_decay=-1)),
    ("Rprop", dict(lr=-1)), ("Rprop", dict(etas=(1.5, 1.2))), ("Rprop", dict(etas=(0.5, 0.9))),
    ("SparseAdam", dict(lr=0)), ("SparseAdam", dict(eps=0)), ("SparseAdam", dict(betas=(0.9, 1))),
    ("LBFGS", dict(lr=-1)),
]


@pytest.mark.parametrize("name,kw", BAD_HYPERPARAMETERS, ids=[f"{n}-{kw}" for n, kw in BAD_HYPERPARAMETERS])
def test_bad_hyperparameters_raise_torchs_error(name, kw):
    e_opt, t_opt = pair(lambda lib: getattr(lib.optim, name)(params(lib), **kw))
    assert t_opt is None, "the case should be an error in torch"


def test_lr_tensor_must_have_one_element():
    pair(lambda lib: lib.optim.SGD(params(lib), lr=lib.tensor([0.1, 0.2])))
    pair(lambda lib: lib.optim.Adam(params(lib), lr=lib.tensor(0.1), foreach=True))


BAD_PARAMS = {
    "empty": lambda lib: lib.optim.SGD([], lr=0.1),
    "empty generator": lambda lib: lib.optim.Adam(iter(())),
    "a tensor": lambda lib: lib.optim.SGD(lib.ones(3, requires_grad=True)),
    "a set in a group": lambda lib: lib.optim.SGD([{"params": {lib.ones(3, requires_grad=True)}}]),
    "not a tensor": lambda lib: lib.optim.SGD([1.0]),
    "a string": lambda lib: lib.optim.SGD([lib.ones(2), "x"]),
    "non-leaf": lambda lib: lib.optim.SGD([lib.ones(3, requires_grad=True) * 2]),
    "group not a dict": lambda lib: lib.optim.SGD([{"params": params(lib)}, params(lib)]),
    "in two groups": lambda lib: (lambda p: lib.optim.SGD([{"params": p}, {"params": p[:1]}]))(params(lib)),
    "names missing": lambda lib: lib.optim.SGD([("a", lib.nn.Parameter(lib.ones(2))), lib.nn.Parameter(lib.ones(2))]),
    "named and unnamed groups": lambda lib: lib.optim.SGD([{"params": [("a", lib.nn.Parameter(lib.ones(2)))]},
                                                          {"params": params(lib)}]),
    "lbfgs groups": lambda lib: lib.optim.LBFGS([{"params": params(lib)}, {"params": params(lib)}]),
}


@pytest.mark.parametrize("case", list(BAD_PARAMS))
def test_bad_params_raise_torchs_error(case):
    e_opt, t_opt = pair(BAD_PARAMS[case])
    assert t_opt is None


def test_non_leaf_allowed_when_differentiable_and_retained_grad():
    def make(lib):
        x = lib.ones(3, requires_grad=True) * 2
        x.retain_grad()
        return lib.optim.SGD([x], lr=0.1)
    pair(make)
    pair(lambda lib: lib.optim.SGD([lib.ones(3, requires_grad=True) * 2], differentiable=True))


def test_duplicate_parameters_warn_and_state_dict_indices_match_torch():
    packed = []
    for lib in (torch, ember):
        p, q = params(lib)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            opt = lib.optim.SGD([p, q, p], lr=0.1)
        opt.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))]})
        packed.append([g["params"] for g in opt.state_dict()["param_groups"]])
    assert packed[0] == packed[1]


def test_required_hyperparameter():
    assert repr(required) == "<required parameter>"

    class Plain(ember.optim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Plain(params(ember))
    assert Plain([{"params": params(ember), "lr": 0.1}]).param_groups[0]["lr"] == 0.1


def test_base_step_is_not_implemented():
    opt = ember.optim.Optimizer(params(ember), {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()


def test_named_parameters():
    def make(lib):
        torch.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        return lib.optim.Adam(model.named_parameters(), lr=0.1)
    e_opt, t_opt = pair(make)
    assert e_opt.param_groups[0]["param_names"] == t_opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert e_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_add_param_group():
    for lib in (torch, ember):
        a, b = params(lib)
        opt = lib.optim.SGD([a], lr=0.1, momentum=0.9)
        opt.add_param_group({"params": b, "lr": 0.5})
        assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
        (a.sum() + b.sum()).backward()
        opt.step()
        np.testing.assert_allclose(b.detach().numpy(), 0.5)
        np.testing.assert_allclose(a.detach().numpy(), 0.9)
    pair(lambda lib: lib.optim.SGD(params(lib)).add_param_group(params(lib)))
    pair(lambda lib: (lambda o: o.add_param_group({"params": o.param_groups[0]["params"]}))(lib.optim.SGD(params(lib))))


def test_adagrad_state_exists_before_any_step():
    e_opt, t_opt = pair(lambda lib: lib.optim.Adagrad(params(lib), initial_accumulator_value=0.3))
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert e_sd["state"].keys() == t_sd["state"].keys() == {0, 1}
    assert e_sd["state"][0]["step"].dtype == ember.float32 and e_sd["state"][0]["step"].shape == ()
    np.testing.assert_allclose(e_sd["state"][1]["sum"].numpy(), t_sd["state"][1]["sum"].numpy())


def test_state_is_keyed_by_parameter():
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.Adam([p])
    p.sum().backward()
    opt.step()
    assert list(opt.state) == [p]
    assert set(opt.state[p]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state[ember.ones(1)] == {}   # a defaultdict, as torch's


def test_step_dtype_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.Adam([p])
    p.sum().backward()
    opt.step()
    assert opt.state[p]["step"].dtype == ember.float64


def test_load_state_dict_errors():
    def load(lib, groups):
        a, b, c = params(lib, 3)
        src = lib.optim.SGD([a, b], lr=0.1)
        dst = lib.optim.SGD(groups(a, b, c), lr=0.1)
        dst.load_state_dict(src.state_dict())
    pair(lambda lib: load(lib, lambda a, b, c: [{"params": [a]}, {"params": [b]}]))
    pair(lambda lib: load(lib, lambda a, b, c: [a, b, c]))


def test_load_state_dict_keeps_saved_hyperparameters_and_own_params():
    for lib in (torch, ember):
        a, b = params(lib)
        src = lib.optim.SGD([a], lr=0.3, momentum=0.5)
        dst = lib.optim.SGD([b], lr=0.1)
        dst.load_state_dict(src.state_dict())
        assert dst.param_groups[0]["lr"] == 0.3 and dst.param_groups[0]["momentum"] == 0.5
        assert dst.param_groups[0]["params"][0] is b


def test_pickle_round_trip():
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.Adam([p], lr=0.1)
    p.sum().backward()
    opt.step()
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.param_groups[0]["lr"] == 0.1 and clone.defaults == opt.defaults
    assert clone._optimizer_step_pre_hooks == {}


# ---- hooks ------------------------------------------------------------------------------------
def test_step_hooks_match_torch():
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        calls = []
        pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", args[0] is o, len(args),
                                                                              sorted(kwargs))))
        opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o is opt, len(args), sorted(kwargs))))
        p.sum().backward()
        opt.step()
        pre.remove()
        assert opt.step(closure=lambda: 1.0) == 1.0
        assert calls == [("pre", True, 1, []), ("post", True, 1, []), ("post", True, 1, ["closure"])]


def test_step_pre_hook_can_replace_arguments():
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": lambda: 7.0}))
        assert opt.step() == 7.0
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt = ember.optim.SGD(params(ember), lr=0.1)
        opt.register_step_pre_hook(lambda o, args, kwargs: 3)
        opt.step()


def test_global_step_hooks():
    from ember.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook
    seen = []
    h1 = register_optimizer_step_pre_hook(lambda o, a, k: seen.append("pre"))
    h2 = register_optimizer_step_post_hook(lambda o, a, k: seen.append("post"))
    try:
        ember.optim.Adam(params(ember)).step()
        ember.optim.LBFGS(params(ember)).step(lambda: ember.tensor(0.0))
    finally:
        h1.remove()
        h2.remove()
    ember.optim.SGD(params(ember)).step()
    assert seen == ["pre", "post", "pre", "post"]


def test_state_dict_hooks_match_torch():
    for lib in (torch, ember):
        opt = lib.optim.SGD(params(lib), lr=0.1)
        calls = []
        opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
        opt.register_state_dict_pre_hook(lambda o: calls.append("pre0"), prepend=True)
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
        sd = opt.state_dict()
        assert sd["extra"] == 1 and calls == ["pre0", "pre"]
        opt.register_load_state_dict_pre_hook(lambda o, sd: calls.append("load_pre") or {
            k: v for k, v in sd.items() if k != "extra"})
        handle = opt.register_load_state_dict_post_hook(lambda o: calls.append("load_post"))
        opt.load_state_dict(sd)
        handle.remove()
        opt.load_state_dict(sd)
        assert calls == ["pre0", "pre", "load_pre", "load_post", "load_pre"]


def test_zero_grad_default_sets_none_and_keeps_params_without_grad():
    for lib in (torch, ember):
        a, b = params(lib)
        opt = lib.optim.SGD([a, b], lr=0.1)
        a.sum().backward()
        opt.zero_grad()
        assert a.grad is None and b.grad is None


def test_warns_nothing_on_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = ember.nn.Parameter(ember.ones(2))
        opt = ember.optim.AdamW([p])
        p.sum().backward()
        opt.step()
        opt.zero_grad()


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adagrad"])
def test_fused_step_is_float32_under_float64_default(name):
    steps = []
    for lib in (torch, ember):
        lib.set_default_dtype(lib.float64)
        try:
            p = lib.nn.Parameter(lib.ones(2))
            opt = getattr(lib.optim, name)([p], fused=True)
            p.sum().backward()
            opt.step()
            steps.append(str(opt.state[p]["step"].dtype).split(".")[1])
        finally:
            lib.set_default_dtype(lib.float32)
    assert steps[0] == steps[1] == "float32"


def test_lbfgs_step_runs_under_no_grad_and_gives_no_warning():
    w = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = ember.optim.LBFGS([w], max_iter=5)

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step(closure)
    assert w.abs().max().item() < 1e-5
