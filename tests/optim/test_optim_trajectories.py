"""Trajectory parity of every optimizer with PyTorch: the same model, data and steps give the same parameters.

A small float64 model (Linear(5, 4) + Tanh + Linear(4, 3)) gets torch's initial weights; both libraries
then run zero_grad / forward / MSE loss / backward / step for 30+ steps. State-dict round trips in the
middle of training must continue torch's uninterrupted trajectory.
"""
import copy
import warnings

import numpy as np
import pytest
from parity import torch

import ember
import ember.optim
from ember.backend import adam_kernel

STEPS = 30
rng = np.random.default_rng(0)
X, Y = rng.standard_normal((8, 5)), rng.standard_normal((8, 3))

CONFIGS = {
    "SGD": [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1),
            dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True), dict(lr=0.05, weight_decay=0.2, foreach=False)],
    "Adam": [dict(lr=0.01), dict(lr=0.01, amsgrad=True), dict(lr=0.01, weight_decay=0.1, maximize=True),
             dict(lr=0.02, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True),
             dict(lr=0.01, foreach=False, capturable=False, differentiable=False, fused=None)],
    "AdamW": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)],
    "RMSprop": [dict(lr=0.01), dict(lr=0.01, centered=True), dict(lr=0.01, momentum=0.7),
                dict(lr=0.005, alpha=0.9, eps=1e-4, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)],
    "Adagrad": [dict(lr=0.1), dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2, weight_decay=0.1),
                dict(lr=0.05, eps=1e-5, maximize=True)],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)],
    "Adamax": [dict(lr=0.01), dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.1, maximize=True)],
    "NAdam": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=0.02, momentum_decay=0.01, betas=(0.8, 0.99), maximize=True)],
    "RAdam": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1),
              dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)],
    "ASGD": [dict(lr=0.05), dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=10, weight_decay=0.1),
             dict(lr=0.05, t0=0, maximize=True)],
    "Rprop": [dict(lr=0.01), dict(lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-3, 0.05)), dict(lr=0.01, maximize=True)],
    "Adafactor": [dict(), dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=2.0, weight_decay=0.1),
                  dict(lr=0.02, maximize=True)],
}
CASES = [(name, kw) for name, kws in CONFIGS.items() for kw in kws]


def make_models(dtype="float64"):
    """A torch model and an ember model with the same weights, plus the data in both libraries."""
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).to(getattr(torch, dtype))
    em = ember.nn.Sequential(ember.nn.Linear(5, 4), ember.nn.Tanh(), ember.nn.Linear(4, 3)).to(getattr(ember, dtype))
    for tp, ep in zip(tm.parameters(), em.parameters()):
        ep.data.numpy()[...] = tp.detach().numpy()
    data = (torch.tensor(X, dtype=tp.dtype), torch.tensor(Y, dtype=tp.dtype),
            ember.tensor(X, dtype=ep.dtype), ember.tensor(Y, dtype=ep.dtype))
    return tm, em, data


def train(lib, model, opt, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        lib.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def assert_same_params(tm, em, rtol=1e-10, atol=1e-12):
    for i, (tp, ep) in enumerate(zip(tm.parameters(), em.parameters())):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"parameter {i}")


def assert_same_state_dict(e_sd, t_sd, rtol=1e-10, atol=1e-12):
    """Same structure (keys, nesting, value types, tensor dtypes and shapes) and the same values."""
    assert e_sd["param_groups"] == t_sd["param_groups"]
    assert e_sd["state"].keys() == t_sd["state"].keys()
    for index, t_state in t_sd["state"].items():
        e_state = e_sd["state"][index]
        assert list(e_state) == list(t_state), f"state keys of parameter {index}"
        for key, t_value in t_state.items():
            e_value = e_state[key]
            if isinstance(t_value, torch.Tensor):
                assert isinstance(e_value, ember.Tensor), f"{index}.{key}: {type(e_value)}"
                assert str(e_value.dtype).split(".")[1] == str(t_value.dtype).split(".")[1], f"{index}.{key}"
                assert tuple(e_value.shape) == tuple(t_value.shape), f"{index}.{key}"
                np.testing.assert_allclose(e_value.numpy(), t_value.numpy(), rtol=rtol, atol=atol,
                                           err_msg=f"{index}.{key}")
            else:
                assert type(e_value) is type(t_value) and e_value == t_value, f"{index}.{key}"


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kw):
    tm, em, (tx, ty, ex, ey) = make_models()
    to = getattr(torch.optim, name)(tm.parameters(), **kw)
    eo = getattr(ember.optim, name)(em.parameters(), **kw)
    train(torch, tm, to, tx, ty, STEPS)
    train(ember, em, eo, ex, ey, STEPS)
    assert_same_params(tm, em)
    assert_same_state_dict(eo.state_dict(), to.state_dict())


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_zero_dim_parameter_matches_torch(name, kw, dtype):
    """A 0-dim parameter (a learned temperature or scale) next to a vector one."""
    params = {lib: [lib.nn.Parameter(lib.tensor(1.5, dtype=getattr(lib, dtype))),
                    lib.nn.Parameter(lib.tensor([0.5, -1.0], dtype=getattr(lib, dtype)))] for lib in (torch, ember)}
    opts = {lib: getattr(lib.optim, name)(params[lib], **kw) for lib in (torch, ember)}
    for lib in (torch, ember):
        for _ in range(STEPS):
            opts[lib].zero_grad()
            scale, vector = params[lib]
            ((scale * vector - 1) ** 2).sum().backward()
            opts[lib].step()
    for t_param, e_param in zip(params[torch], params[ember]):
        assert e_param.shape == t_param.shape
        np.testing.assert_allclose(e_param.detach().numpy(), t_param.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", [(name, kw) for name in ("Adam", "AdamW") for kw in CONFIGS[name]])
@pytest.mark.parametrize("kernel", ["arrays", "compiled"])
def test_adam_as_array_calls_and_compiled_loop_matches_torch(monkeypatch, name, kw, kernel):
    """NOTE [ Fused Adam update ]: the update runs as array calls (without numba, or early in a process: NOTE [ When
    to compile ]) or as a compiled loop, on the same trajectory."""
    if kernel == "arrays":
        monkeypatch.setattr(adam_kernel, "_compiled", lambda: None)
    else:
        pytest.importorskip("numba")
        monkeypatch.setattr(adam_kernel.compiled, "WORK_BEFORE_COMPILING", 0)
    test_trajectory_matches_torch(name, kw)


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.01)), ("SGD", dict(lr=0.05, momentum=0.9)),
                                     ("RMSprop", dict(lr=0.01)), ("NAdam", dict(lr=0.01)),
                                     ("ASGD", dict(lr=0.05, t0=5))])
def test_float32_trajectory_matches_torch(name, kw):
    tm, em, (tx, ty, ex, ey) = make_models("float32")
    to = getattr(torch.optim, name)(tm.parameters(), **kw)
    eo = getattr(ember.optim, name)(em.parameters(), **kw)
    train(torch, tm, to, tx, ty, STEPS)
    train(ember, em, eo, ex, ey, STEPS)
    assert_same_params(tm, em, rtol=1e-5, atol=1e-6)
    assert_same_state_dict(eo.state_dict(), to.state_dict(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Rprop"])
def test_param_groups_and_params_without_grad(name):
    """Per-group hyperparameters, and a parameter that never gets a gradient (it is skipped, no state)."""
    tm, em, (tx, ty, ex, ey) = make_models()
    t_extra, e_extra = torch.nn.Parameter(torch.ones(2, dtype=torch.float64)), ember.nn.Parameter(
        ember.ones(2, dtype=ember.float64))

    def groups(model, extra):
        first, second = list(model[0].parameters()), list(model[2].parameters())
        return [{"params": first, "lr": 0.03}, {"params": second + [extra], "lr": 0.01, "weight_decay": 0.1}]
    to = getattr(torch.optim, name)(groups(tm, t_extra), lr=0.02)
    eo = getattr(ember.optim, name)(groups(em, e_extra), lr=0.02)
    train(torch, tm, to, tx, ty, STEPS)
    train(ember, em, eo, ex, ey, STEPS)
    assert_same_params(tm, em)
    assert_same_state_dict(eo.state_dict(), to.state_dict())
    np.testing.assert_array_equal(e_extra.detach().numpy(), 1.0)


def round_trip(lib, model, opt, cls, kw, x, y, deep):
    """Train 15 steps, save the state dict, load it into a fresh optimizer, train 15 more."""
    train(lib, model, opt, x, y, STEPS // 2)
    sd = opt.state_dict()
    fresh = cls(model.parameters(), **kw)
    fresh.load_state_dict(copy.deepcopy(sd) if deep else sd)
    train(lib, model, fresh, x, y, STEPS // 2)
    return fresh


@pytest.mark.parametrize("name,kw,deep", [(n, kws[-1], True) for n, kws in CONFIGS.items()]
                         + [("Adam", CONFIGS["Adam"][1], False), ("NAdam", CONFIGS["NAdam"][0], False)])
def test_state_dict_round_trip_continues_trajectory(name, kw, deep):
    """Save at step 15 from ember, load into a fresh ember optimizer, continue: torch's trajectory.

    Loading casts floating state to the parameter's dtype, in torch too: NAdam's `mu_product` and ASGD's
    `eta` and `mu` become float64 there, so the exact reference is torch's own round trip; torch's
    uninterrupted run agrees to rounding.
    """
    tm, em, (tx, ty, ex, ey) = make_models()
    t_plain, _, _ = make_models()
    train(torch, t_plain, getattr(torch.optim, name)(t_plain.parameters(), **kw), tx, ty, STEPS)
    t_opt = round_trip(torch, tm, getattr(torch.optim, name)(tm.parameters(), **kw), getattr(torch.optim, name),
                       kw, tx, ty, deep)
    e_opt = round_trip(ember, em, getattr(ember.optim, name)(em.parameters(), **kw), getattr(ember.optim, name),
                       kw, ex, ey, deep)
    assert_same_params(tm, em)
    assert_same_params(t_plain, em, rtol=1e-7, atol=1e-9)
    assert_same_state_dict(e_opt.state_dict(), t_opt.state_dict())


def to_ember_state_dict(sd):
    """A torch state dict with every tensor turned into an ember tensor."""
    def convert(v):
        if isinstance(v, torch.Tensor):
            return ember.tensor(v.numpy().copy())
        if isinstance(v, dict):
            return {k: convert(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(convert(x) for x in v)
        return v
    return convert(sd)


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.01, amsgrad=True)), ("NAdam", dict(lr=0.01)),
                                     ("ASGD", dict(lr=0.05, t0=5)), ("SGD", dict(lr=0.05, momentum=0.9))])
def test_torch_state_dict_loads_into_ember(name, kw):
    """A state dict saved by torch (tensors converted) continues torch's trajectory in ember."""
    tm, em, (tx, ty, ex, ey) = make_models()
    to = getattr(torch.optim, name)(tm.parameters(), **kw)
    train(torch, tm, to, tx, ty, STEPS)
    for tp, ep in zip(tm.parameters(), em.parameters()):
        ep.data.numpy()[...] = tp.detach().numpy()
    eo = getattr(ember.optim, name)(em.parameters(), **kw)
    eo.load_state_dict(to_ember_state_dict(to.state_dict()))
    fresh = getattr(torch.optim, name)(tm.parameters(), **kw)
    fresh.load_state_dict(to.state_dict())
    train(torch, tm, fresh, tx, ty, STEPS)
    train(ember, em, eo, ex, ey, STEPS)
    assert_same_params(tm, em)


def test_load_state_dict_casts_to_param_dtype_but_keeps_step():
    _, em, (_, _, ex, ey) = make_models()
    eo = ember.optim.Adam(em.parameters(), lr=0.01)
    train(ember, em, eo, ex, ey, 3)
    sd = copy.deepcopy(eo.state_dict())
    for state in sd["state"].values():
        state["exp_avg"] = state["exp_avg"].float()
    fresh = ember.optim.Adam(em.parameters(), lr=0.01)
    fresh.load_state_dict(sd)
    state = fresh.state[next(em.parameters())]
    assert state["exp_avg"].dtype == ember.float64
    assert state["step"].dtype == ember.float32 and state["step"].item() == 3


def closure(lib, model, opt, x, y):
    """L-BFGS's closure: the MSE loss of `model` on (x, y), with fresh gradients."""
    def f():
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss
    return f


@pytest.mark.parametrize("kw,steps", [(dict(lr=0.5, max_iter=5), 10), (dict(lr=1, max_iter=4, history_size=3), 8),
                                      (dict(lr=1, line_search_fn="strong_wolfe"), 2),
                                      (dict(lr=1, max_iter=5, history_size=4, line_search_fn="strong_wolfe"), 4),
                                      (dict(lr=1, max_iter=50, tolerance_grad=1e-3, tolerance_change=1e-4), 1),
                                      (dict(lr=1, max_iter=30, max_eval=10, line_search_fn="strong_wolfe"), 1)])
def test_lbfgs_matches_torch(kw, steps):
    """L-BFGS is sensitive to rounding: a few outer steps, each with several inner iterations."""
    tm, em, (tx, ty, ex, ey) = make_models()
    to, eo = torch.optim.LBFGS(tm.parameters(), **kw), ember.optim.LBFGS(em.parameters(), **kw)
    for _ in range(steps):
        t_loss = to.step(closure(torch, tm, to, tx, ty))
        e_loss = eo.step(closure(ember, em, eo, ex, ey))
        assert abs(e_loss.item() - t_loss.item()) <= 1e-9 * abs(t_loss.item())
    assert_same_params(tm, em, rtol=1e-7, atol=1e-9)
    t_state, e_state = to.state_dict()["state"][0], eo.state_dict()["state"][0]
    assert e_state.keys() == t_state.keys()
    for key in ("func_evals", "n_iter"):
        assert e_state[key] == t_state[key]
    for key in ("d", "prev_flat_grad"):
        np.testing.assert_allclose(e_state[key].numpy(), t_state[key].numpy(), rtol=1e-6, atol=1e-8)
    assert len(e_state["old_dirs"]) == len(t_state["old_dirs"])


def test_lbfgs_state_dict_round_trip():
    kw = dict(lr=0.5, max_iter=3, history_size=4)
    tm, em, (tx, ty, ex, ey) = make_models()
    to, eo = torch.optim.LBFGS(tm.parameters(), **kw), ember.optim.LBFGS(em.parameters(), **kw)
    for _ in range(6):
        to.step(closure(torch, tm, to, tx, ty))
        eo.step(closure(ember, em, eo, ex, ey))
    fresh = ember.optim.LBFGS(em.parameters(), **kw)
    fresh.load_state_dict(copy.deepcopy(eo.state_dict()))
    for _ in range(6):
        to.step(closure(torch, tm, to, tx, ty))
        fresh.step(closure(ember, em, fresh, ex, ey))
    assert_same_params(tm, em, rtol=1e-8, atol=1e-10)


def test_closure_loss_is_returned_and_step_without_closure_returns_none():
    for lib, model_lib in ((torch, "t"), (ember, "e")):
        tm, em, (tx, ty, ex, ey) = make_models()
        model, x, y = (tm, tx, ty) if model_lib == "t" else (em, ex, ey)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)

        def closure():
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss
        with lib.no_grad():
            loss = opt.step(closure)   # the closure runs with gradients enabled
        assert isinstance(loss, lib.Tensor) and loss.requires_grad
        assert opt.step() is None


def test_update_is_in_place_keeps_views_and_bumps_version():
    p = ember.nn.Parameter(ember.ones(2, 3, dtype=ember.float64))
    view = p.detach()[0]
    array = p.detach().numpy()
    opt = ember.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    version = p._version
    opt.step()
    assert p._version == version + 1
    np.testing.assert_array_equal(view.numpy(), p.detach().numpy()[0])
    assert array is p.detach().numpy() or np.shares_memory(array, p.detach().numpy())
    assert not np.allclose(array, 1.0)


def test_step_records_no_graph():
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    (p * p).sum().backward()
    opt.step()
    assert p.grad_fn is None and p.is_leaf and p.requires_grad
    assert opt.state[p]["momentum_buffer"].grad_fn is None


def test_zero_grad_set_to_none_false_zeroes_in_place():
    tm, em, (tx, ty, ex, ey) = make_models()
    for lib, model, x, y in ((torch, tm, tx, ty), (ember, em, ex, ey)):
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        lib.nn.functional.mse_loss(model(x), y).backward()
        grad = model[0].weight.grad
        opt.zero_grad(set_to_none=False)
        assert model[0].weight.grad is grad and not grad.detach().numpy().any()
        opt.zero_grad()
        assert model[0].weight.grad is None


@pytest.mark.parametrize("dtype,maximize", [("float64", False), ("float32", True)])
def test_sparse_adam_updates_the_rows_an_embedding_looks_up(dtype, maximize):
    weights = np.random.default_rng(0).standard_normal((7, 3))
    batches = [[1, 2, 1], [4], [2, 5, 5, 0], [6, 1]]
    results = []
    for lib in (ember, torch):
        emb = lib.nn.Embedding(7, 3, sparse=True).to(getattr(lib, dtype))
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(weights))
        opt = lib.optim.SparseAdam(emb.parameters(), lr=0.1, betas=(0.8, 0.9), maximize=maximize)
        for i, batch in enumerate(batches):
            opt.zero_grad()
            (emb(lib.tensor(batch)) * (i + 1)).pow(2).sum().backward()
            opt.step()
        state = opt.state_dict()["state"][0]
        results.append([emb.weight.detach().numpy(), state["exp_avg"].numpy(), state["exp_avg_sq"].numpy(),
                        state["step"]])
    (*ember_arrays, ember_step), (*torch_arrays, torch_step) = results
    assert ember_step == torch_step == len(batches)
    for e, t in zip(ember_arrays, torch_arrays):
        assert e.dtype == t.dtype
        np.testing.assert_allclose(e, t, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-7)


def test_sparse_adam_skips_all_zero_rows_of_a_dense_gradient():
    grads = np.random.default_rng(1).standard_normal((2, 5, 4))
    grads[0, [1, 3]] = 0
    grads[1, 0] = 0
    p_t, p_e = torch.nn.Parameter(torch.ones(5, 4)), ember.nn.Parameter(ember.ones(5, 4))
    opt_t, opt_e = torch.optim.SparseAdam([p_t], lr=0.5), ember.optim.SparseAdam([p_e], lr=0.5)
    for g in grads:
        p_t.grad, p_e.grad = torch.tensor(g).float().to_sparse(1), ember.tensor(g).float()
        opt_t.step()
        opt_e.step()
    np.testing.assert_allclose(p_e.detach().numpy(), p_t.detach().numpy(), rtol=1e-6)
    assert ember.optim.SparseAdam([ember.nn.Parameter(ember.ones(3))]).step() is None


def test_lr_as_tensor():
    tm, em, (tx, ty, ex, ey) = make_models()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = torch.optim.Adam(tm.parameters(), lr=torch.tensor(0.01))
        eo = ember.optim.Adam(em.parameters(), lr=ember.tensor(0.01))
    train(torch, tm, to, tx, ty, 10)
    train(ember, em, eo, ex, ey, 10)
    assert_same_params(tm, em, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(beta2_decay=0.5), dict(eps=(-1.0, 1e-3)),
                                    dict(eps=(None, -1.0)), dict(d=0.5), dict(weight_decay=-0.1)])
def test_adafactor_hyperparameter_errors_as_torch(kwargs):
    errors = []
    for lib in (torch, ember):
        with pytest.raises(ValueError) as info:
            lib.optim.Adafactor([lib.nn.Parameter(lib.ones(2))], **kwargs)
        errors.append(str(info.value))
    assert errors[1] == errors[0]


def test_adafactor_refuses_complex_parameters_as_torch():
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2, dtype=lib.complex64))
        p.grad = lib.ones(2, dtype=lib.complex64)
        with pytest.raises(RuntimeError, match="Adafactor does not support complex parameters"):
            lib.optim.Adafactor([p]).step()


MUON_CONFIGS = [dict(), dict(lr=0.02, nesterov=False, weight_decay=0.0, adjust_lr_fn="match_rms_adamw"),
                dict(lr=0.01, momentum=0.5, ns_steps=3, adjust_lr_fn="original")]


@pytest.mark.parametrize("kw", MUON_CONFIGS)
def test_muon_matches_torch(kw):
    """One step agrees with PyTorch to a bfloat16 step of the update (the Newton-Schulz iteration runs in bfloat16 as
    PyTorch's; a gradient a float32 rounding away may round to the next bfloat16); ten steps stay near PyTorch's."""
    x, y = X.astype(np.float32), Y.astype(np.float32)
    models = {lib: lib.nn.Sequential(lib.nn.Linear(5, 4, bias=False), lib.nn.Tanh(), lib.nn.Linear(4, 6, bias=False),
                                     lib.nn.Linear(6, 3, bias=False)) for lib in (torch, ember)}
    for tp, ep in zip(models[torch].parameters(), models[ember].parameters()):
        ep.data.numpy()[...] = tp.detach().numpy()
    opts = {lib: lib.optim.Muon(models[lib].parameters(), **kw) for lib in (torch, ember)}
    unit = kw.get("lr", 1e-3) * 2.0 ** -6  # a few bfloat16 steps of one update (its entries are below 1.5)
    for steps, tolerance in ((1, unit), (9, 30 * unit)):
        for lib in (torch, ember):
            train(lib, models[lib], opts[lib], lib.tensor(x), lib.tensor(y), steps)
        for tp, ep in zip(models[torch].parameters(), models[ember].parameters()):
            np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=tolerance, atol=tolerance)
    t_state, e_state = opts[torch].state_dict(), opts[ember].state_dict()
    assert e_state["param_groups"] == t_state["param_groups"] and list(e_state["state"]) == list(t_state["state"])


@pytest.mark.parametrize("build", [lambda lib: [lib.nn.Parameter(lib.ones(3))],
                                   lambda lib: [lib.nn.Parameter(lib.ones(2, 2))], ])
@pytest.mark.parametrize("kwargs", [dict(), dict(lr=-1.0), dict(momentum=-0.1), dict(weight_decay=-1.0),
                                    dict(adjust_lr_fn="other")])
def test_muon_errors_as_torch(build, kwargs):
    outcomes = []
    for lib in (torch, ember):
        try:
            lib.optim.Muon(build(lib), **kwargs)
            outcomes.append(None)
        except ValueError as error:
            outcomes.append(str(error).replace(lib.__name__, "lib"))
    assert outcomes[1] == outcomes[0]
