"""`optim.swa_utils` against PyTorch: AveragedModel (SWA and EMA, per-tensor and multi-tensor averaging functions,
with and without buffers) over a training run, SWALR's learning rates, update_bn's BatchNorm statistics, state
dicts that load across both libraries, and the errors for bad arguments."""
import copy
import math
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from parity import torch

import ember
import ember.optim
from ember.optim import swa_utils

rng = np.random.default_rng(0)
BATCHES = [rng.standard_normal((6, 3)) for _ in range(6)]
TARGETS = [rng.standard_normal((6, 2)) for _ in range(6)]


def build(lib, dtype="float64"):
    """A small model with a BatchNorm layer (parameters and buffers, one of them int64)."""
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh(),
                             lib.nn.Linear(4, 2)).to(getattr(lib, dtype))


def copy_state(src, dst):
    """Load `src`'s parameters and buffers (either library) into `dst` (either library)."""
    lib = torch if isinstance(dst, torch.nn.Module) else ember
    dst.load_state_dict({k: lib.tensor(v.detach().numpy().copy()) for k, v in src.state_dict().items()})


def make_models(dtype="float64"):
    """The torch model and the ember model with torch's initial weights."""
    torch.manual_seed(0)
    tm, em = build(torch, dtype), build(ember, dtype)
    copy_state(tm, em)
    return tm, em


def numpy_state(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def assert_states_equal(e_state, t_state, tol):
    assert list(e_state) == list(t_state)
    for key, t_value in t_state.items():
        e_value = e_state[key]
        assert e_value.dtype == t_value.dtype and e_value.shape == t_value.shape, key
        np.testing.assert_allclose(e_value, t_value, rtol=tol, atol=tol, err_msg=key)


AVERAGING = {
    "default": lambda S: {},
    "swa_avg_fn": lambda S: dict(avg_fn=S.get_swa_avg_fn()),
    "ema_avg_fn": lambda S: dict(avg_fn=S.get_ema_avg_fn(0.9)),
    "swa_multi_avg_fn": lambda S: dict(multi_avg_fn=S.get_swa_multi_avg_fn()),
    "ema_multi_avg_fn": lambda S: dict(multi_avg_fn=S.get_ema_multi_avg_fn(0.8)),
    "ema_multi_avg_fn_default_decay": lambda S: dict(multi_avg_fn=S.get_ema_multi_avg_fn()),
    "custom_avg_fn": lambda S: dict(avg_fn=lambda avg, cur, n: 0.5 * avg + 0.5 * cur + 0.0 * n),
}


def train_and_average(lib, model, averaging, use_buffers, steps=len(BATCHES)):
    """SGD steps on `model`, folding it into an AveragedModel after each; the averaged model and its history."""
    model = copy.deepcopy(model)
    averaged = lib.optim.swa_utils.AveragedModel(model, use_buffers=use_buffers,
                                                 **AVERAGING[averaging](lib.optim.swa_utils))
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    dtype = next(model.parameters()).dtype
    history = []
    for x, y in zip(BATCHES[:steps], TARGETS[:steps]):
        opt.zero_grad()
        lib.nn.functional.mse_loss(model(lib.tensor(x, dtype=dtype)), lib.tensor(y, dtype=dtype)).backward()
        opt.step()
        averaged.update_parameters(model)
        history.append(numpy_state(averaged))
    return averaged, model, history


# PyTorch's SWA multi_avg_fn refuses integer buffers (test_swa_multi_avg_fn_on_integer_buffers)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("averaging,use_buffers", [(name, use_buffers) for name in AVERAGING for use_buffers in
                                                   (False, True) if not (name == "swa_multi_avg_fn" and use_buffers)])
def test_averaged_model_matches_torch(averaging, use_buffers, dtype):
    tm, em = make_models(dtype)
    t_avg, t_model, t_history = train_and_average(torch, tm, averaging, use_buffers)
    e_avg, e_model, e_history = train_and_average(ember, em, averaging, use_buffers)
    tol = 1e-12 if dtype == "float64" else 1e-5
    for e_state, t_state in zip(e_history, t_history, strict=True):
        assert_states_equal(e_state, t_state, tol)
    assert int(e_avg.n_averaged) == int(t_avg.n_averaged) == len(BATCHES)
    assert e_avg.n_averaged.dtype == ember.int64
    # the average is not the last model: something was averaged
    last = numpy_state(e_model)
    assert not np.allclose(e_history[-1]["module.0.weight"], last["0.weight"])
    if not use_buffers:  # the buffers follow the model's
        np.testing.assert_array_equal(e_history[-1]["module.1.running_mean"], last["1.running_mean"])
    x = BATCHES[0]
    e_avg.eval()
    t_avg.eval()
    np.testing.assert_allclose(e_avg(ember.tensor(x, dtype=getattr(ember, dtype))).detach().numpy(),
                               t_avg(torch.tensor(x, dtype=getattr(torch, dtype))).detach().numpy(), rtol=tol, atol=tol)


def test_first_update_copies_and_later_updates_average():
    """n_averaged == 0 copies the model; the default is the equal-weight mean of every model folded in."""
    _, em = make_models()
    averaged = swa_utils.AveragedModel(em)
    weights = []
    for scale in (1.0, 2.0, 4.0):
        with ember.no_grad():
            em[0].weight.mul_(scale)
        weights.append(em[0].weight.detach().numpy().copy())
        averaged.update_parameters(em)
        np.testing.assert_allclose(averaged.module[0].weight.detach().numpy(), np.mean(weights, axis=0), rtol=1e-12)
    assert int(averaged.n_averaged) == 3


def test_averaged_model_is_a_deep_copy():
    _, em = make_models()
    averaged = swa_utils.AveragedModel(em, device="cpu")
    assert averaged.module is not em and averaged.module[0].weight is not em[0].weight
    before = averaged.module[0].weight.detach().numpy().copy()
    with ember.no_grad():
        em[0].weight.add_(1.0)
    np.testing.assert_array_equal(averaged.module[0].weight.detach().numpy(), before)
    assert averaged.n_averaged.device == ember.device("cpu") and averaged.avg_fn is None and not averaged.use_buffers
    assert repr(averaged) == repr(torch.optim.swa_utils.AveragedModel(build(torch))).replace("torch.", "ember.")
    assert [name for name, _ in averaged.named_buffers()][0] == "n_averaged"


def test_swa_multi_avg_fn_on_integer_buffers():
    """PyTorch's addcdiv refuses the int64 num_batches_tracked: the same exception type."""
    errors = []
    for lib, model in zip((torch, ember), make_models()):
        averaged = lib.optim.swa_utils.AveragedModel(model, multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn(),
                                                     use_buffers=True)
        averaged.update_parameters(model)
        with pytest.raises(Exception) as caught:
            averaged.update_parameters(model)
        errors.append(caught.type)
    assert errors[0] is errors[1] is RuntimeError


@pytest.mark.parametrize("num_averaged", [3, "tensor"])
@pytest.mark.parametrize("fn", ["swa_multi", "ema_multi", "swa", "ema"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_averaging_functions_directly(fn, num_averaged, dtype):
    """Each averaging function on float and integer tensors, with an int or tensor count: torch's values or error."""
    a, b = rng.standard_normal((2, 5)) * 10, rng.standard_normal((2, 5)) * 10
    results = []
    for lib in (torch, ember):
        S = lib.optim.swa_utils
        n = lib.tensor(3) if num_averaged == "tensor" else num_averaged
        avg = [lib.tensor(v).to(getattr(lib, dtype)) for v in a]
        cur = [lib.tensor(v).to(getattr(lib, dtype)) for v in b]
        try:
            if fn.endswith("multi"):
                (S.get_swa_multi_avg_fn() if fn == "swa_multi" else S.get_ema_multi_avg_fn(0.7))(avg, cur, n)
                out = avg
            else:
                f = S.get_swa_avg_fn() if fn == "swa" else S.get_ema_avg_fn(0.7)
                out = [f(p, q, n) for p, q in zip(avg, cur)]
            results.append([(str(t.dtype).split(".")[1], t.numpy()) for t in out])
        except Exception as e:  # noqa: BLE001  (compared with torch's)
            results.append(type(e))
    t_result, e_result = results
    if isinstance(t_result, type):
        assert e_result is t_result
        return
    assert not isinstance(e_result, type), f"ember raised {e_result}, torch gave {t_result}"
    for (e_dtype, e_value), (t_dtype, t_value) in zip(e_result, t_result, strict=True):
        assert e_dtype == t_dtype
        np.testing.assert_allclose(e_value, t_value, rtol=1e-6 if dtype == "float32" else 1e-12)


def test_state_dict_loads_across_libraries(tmp_path):
    """An AveragedModel checkpoint has PyTorch's keys and loads into the other library's AveragedModel."""
    tm, em = make_models()
    e_avg, _, _ = train_and_average(ember, em, "ema_avg_fn", use_buffers=True)
    t_avg, _, _ = train_and_average(torch, tm, "ema_avg_fn", use_buffers=True)
    keys = ["n_averaged", "module.0.weight", "module.0.bias", "module.1.weight", "module.1.bias",
            "module.1.running_mean", "module.1.running_var", "module.1.num_batches_tracked", "module.3.weight",
            "module.3.bias"]
    assert list(e_avg.state_dict()) == list(t_avg.state_dict()) == keys
    # ember -> torch through a checkpoint file
    ember.save(e_avg.state_dict(), tmp_path / "ema.pt")
    t_loaded = torch.optim.swa_utils.AveragedModel(build(torch))
    t_loaded.load_state_dict(torch.load(tmp_path / "ema.pt"))
    assert_states_equal(numpy_state(t_loaded), numpy_state(e_avg), 0)
    assert int(t_loaded.n_averaged) == len(BATCHES)
    # torch -> ember
    torch.save(t_avg.state_dict(), tmp_path / "torch_ema.pt")
    e_loaded = swa_utils.AveragedModel(build(ember), avg_fn=swa_utils.get_ema_avg_fn(0.9), use_buffers=True)
    e_loaded.load_state_dict(ember.load(tmp_path / "torch_ema.pt"))
    assert_states_equal(numpy_state(e_loaded), numpy_state(t_avg), 0)
    # averaging goes on from the loaded count, as in torch
    e_loaded.update_parameters(em)
    t_avg.update_parameters(tm)
    assert int(e_loaded.n_averaged) == int(t_avg.n_averaged) == len(BATCHES) + 1
    assert_states_equal(numpy_state(e_loaded), numpy_state(t_avg), 1e-12)


def make_optimizer(lib, groups):
    params = [{"params": [lib.nn.Parameter(lib.ones(2))], "lr": 0.1 * (i + 1)} for i in range(groups)]
    return lib.optim.SGD(params, lr=0.1, momentum=0.9)


def lr_trace(lib, epochs=25, warmup=0, groups=1, **kw):
    """SWALR's learning rates after construction and after each step, optionally after `warmup` epochs of
    CosineAnnealingLR (the switch-over that PyTorch's documentation shows)."""
    opt = make_optimizer(lib, groups)
    rows = []
    if warmup:
        cosine = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=warmup * 2)
        for _ in range(warmup):
            opt.step()
            cosine.step()
            rows.append(cosine.get_last_lr())
    sched = lib.optim.swa_utils.SWALR(opt, **kw)
    rows.append(sched.get_last_lr())
    for _ in range(epochs):
        opt.step()
        sched.step()
        rows.append(sched.get_last_lr() + [g["lr"] for g in opt.param_groups])
    return rows, opt, sched


SWALR_CASES = [dict(swa_lr=0.05), dict(swa_lr=0.05, anneal_strategy="linear"),
               dict(swa_lr=0.01, anneal_epochs=0), dict(swa_lr=0.01, anneal_epochs=0, anneal_strategy="linear"),
               dict(swa_lr=0.2, anneal_epochs=1), dict(swa_lr=0.02, anneal_epochs=5, anneal_strategy="linear"),
               dict(swa_lr=0.02, anneal_epochs=3), dict(swa_lr=[0.02, 0.5], anneal_epochs=7, groups=2),
               dict(swa_lr=(0.3, 0.01), anneal_epochs=4, anneal_strategy="linear", groups=2),
               dict(swa_lr=0.03, anneal_epochs=6, warmup=5), dict(swa_lr=0.03, anneal_epochs=2, warmup=3, groups=2,
                                                                   anneal_strategy="linear")]


@pytest.mark.parametrize("kw", SWALR_CASES, ids=str)
def test_swalr_learning_rates_match_torch(kw):
    e_rows, e_opt, _ = lr_trace(ember, **kw)
    t_rows, _, _ = lr_trace(torch, **kw)
    assert len(e_rows) == len(t_rows)
    for e_row, t_row in zip(e_rows, t_rows):
        np.testing.assert_allclose(e_row, t_row, rtol=1e-12, atol=0)
    swa_lrs = kw["swa_lr"] if isinstance(kw["swa_lr"], (list, tuple)) else [kw["swa_lr"]] * kw.get("groups", 1)
    assert [g["swa_lr"] for g in e_opt.param_groups] == list(swa_lrs)
    np.testing.assert_allclose(e_rows[-1][:len(swa_lrs)], swa_lrs, rtol=1e-12)  # annealed to swa_lr


def test_swalr_reaches_swa_lr_along_a_cosine():
    rows, _, _ = lr_trace(ember, epochs=4, swa_lr=0.0, anneal_epochs=4)
    expected = [0.1 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    np.testing.assert_allclose([row[0] for row in rows], expected, atol=1e-15)


@pytest.mark.parametrize("kw", [dict(swa_lr=0.05, anneal_epochs=8), dict(swa_lr=[0.02, 0.5], groups=2,
                                                                            anneal_strategy="linear")], ids=str)
def test_swalr_state_dict_matches_torch_and_round_trips(kw):
    t_rows, _, _ = lr_trace(torch, **kw)
    _, e_opt, e_sched = lr_trace(ember, epochs=6, **kw)
    _, _, t_sched = lr_trace(torch, epochs=6, **kw)
    e_sd, t_sd = e_sched.state_dict(), t_sched.state_dict()
    assert list(e_sd) == list(t_sd) and "anneal_func" not in e_sd
    for key in ("_anneal_strategy", "anneal_epochs", "last_epoch", "_step_count"):
        assert e_sd[key] == t_sd[key], key
    np.testing.assert_allclose(e_sd["_last_lr"], t_sd["_last_lr"], rtol=1e-12)
    groups = kw.get("groups", 1)
    opt = make_optimizer(ember, groups)
    sched = swa_utils.SWALR(opt, swa_lr=0.9, anneal_strategy="cos" if "anneal_strategy" in kw else "linear")
    opt.load_state_dict(e_opt.state_dict())  # the optimizer's groups hold swa_lr
    sched.load_state_dict(e_sd)
    assert sched.anneal_func is (sched._cosine_anneal if e_sd["_anneal_strategy"] == "cos" else sched._linear_anneal)
    for t_row in t_rows[7:]:
        opt.step()
        sched.step()
        np.testing.assert_allclose(sched.get_last_lr(), t_row[:groups], rtol=1e-12)


def test_swalr_holds_swa_lr_when_lr_is_changed_after_annealing():
    """Once annealed, SWALR sets swa_lr whatever the group's lr became; during annealing it continues from it."""
    rows = []
    for lib in (torch, ember):
        opt = make_optimizer(lib, 2)
        sched = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=3)
        trace = []
        for epoch in range(8):
            if epoch in (1, 5):
                for group in opt.param_groups:
                    group["lr"] = 0.7
            opt.step()
            sched.step()
            trace.append(sched.get_last_lr())
        rows.append(trace)
    np.testing.assert_allclose(rows[1], rows[0], rtol=1e-12)
    assert rows[1][5] == [0.05, 0.05]


def test_swalr_get_lr_outside_step_warns():
    for lib in (torch, ember):
        sched = lib.optim.swa_utils.SWALR(make_optimizer(lib, 1), swa_lr=0.05)
        with pytest.warns(UserWarning, match="get_last_lr"):
            sched.get_lr()


def bn_model(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(2, 3, 3), lib.nn.BatchNorm2d(3, momentum=0.3), lib.nn.ReLU(),
                             lib.nn.Flatten(), lib.nn.Linear(12, 5), lib.nn.BatchNorm1d(5)).double()


LOADERS = {
    "tensors": lambda lib, xs, ys: [lib.tensor(x) for x in xs],
    "pairs": lambda lib, xs, ys: [(lib.tensor(x), lib.tensor(y)) for x, y in zip(xs, ys)],
    "lists": lambda lib, xs, ys: [[lib.tensor(x), lib.tensor(y)] for x, y in zip(xs, ys)],
    "dataloader": lambda lib, xs, ys: lib.utils.data.DataLoader(
        lib.utils.data.TensorDataset(lib.tensor(np.concatenate(xs)), lib.tensor(np.concatenate(ys))), batch_size=7),
}


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("loader", list(LOADERS))
def test_update_bn_matches_torch(loader, training):
    xs = [rng.standard_normal((n, 2, 4, 4)) for n in (4, 6, 3, 5)]
    ys = [rng.integers(0, 5, n) for n in (4, 6, 3, 5)]
    torch.manual_seed(1)
    tm, em = bn_model(torch), bn_model(ember)
    copy_state(tm, em)
    states = []
    for lib, model in ((torch, tm), (ember, em)):
        model.train()
        model(lib.tensor(xs[0] * 3 + 2))  # statistics (and a batch count) that update_bn must reset
        model.train(training)
        averaged = lib.optim.swa_utils.AveragedModel(model)
        averaged.train(training)
        for module in averaged.modules():
            if isinstance(module, lib.nn.BatchNorm2d):
                module.running_mean.fill_(5.0)
        lib.optim.swa_utils.update_bn(LOADERS[loader](lib, xs, ys), averaged,
                                      device="cpu" if loader == "pairs" else None)
        assert averaged.training is training and all(m.training is training for m in averaged.modules())
        assert averaged.module[1].momentum == 0.3 and averaged.module[5].momentum == 0.1
        states.append(numpy_state(averaged))
    t_state, e_state = states
    assert_states_equal(e_state, t_state, 1e-10)
    assert int(e_state["module.1.num_batches_tracked"]) == (3 if loader == "dataloader" else len(xs))
    # the cumulative average over every batch, not the stale value or an exponential average
    assert np.abs(e_state["module.1.running_mean"]).max() < 2.0


def test_update_bn_without_batchnorm_leaves_the_model_alone():
    model = ember.nn.Linear(3, 2).eval()
    calls = []
    model.register_forward_hook(lambda *args: calls.append(1))
    swa_utils.update_bn([ember.ones(2, 3)], model)
    assert not model.training and not calls


ERRORS = {
    "both averaging functions": lambda S, opt, m: S.AveragedModel(m, avg_fn=S.get_swa_avg_fn(),
                                                                  multi_avg_fn=S.get_swa_multi_avg_fn()),
    "ema decay above 1": lambda S, opt, m: S.get_ema_avg_fn(1.5),
    "ema decay below 0": lambda S, opt, m: S.get_ema_avg_fn(-0.1),
    "ema multi decay above 1": lambda S, opt, m: S.get_ema_multi_avg_fn(1.0001),
    "ema multi decay below 0": lambda S, opt, m: S.get_ema_multi_avg_fn(-1),
    "anneal strategy": lambda S, opt, m: S.SWALR(opt, swa_lr=0.1, anneal_strategy="exp"),
    "negative anneal epochs": lambda S, opt, m: S.SWALR(opt, swa_lr=0.1, anneal_epochs=-1),
    "float anneal epochs": lambda S, opt, m: S.SWALR(opt, swa_lr=0.1, anneal_epochs=2.5),
    "swa_lr list length": lambda S, opt, m: S.SWALR(opt, swa_lr=[0.1, 0.2, 0.3]),
    "resume without initial_lr": lambda S, opt, m: S.SWALR(opt, swa_lr=0.1, last_epoch=3),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    caught = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            ERRORS[case](lib.optim.swa_utils, make_optimizer(lib, 2), lib.nn.Linear(2, 2))
        caught.append((info.type, str(info.value)))
    assert caught[1][0] is caught[0][0]
    assert caught[1][1] == caught[0][1]


def test_valid_edge_arguments_are_accepted():
    assert swa_utils.get_ema_avg_fn(0.0)(ember.ones(1), ember.zeros(1), 0).item() == 0.0
    assert swa_utils.get_ema_avg_fn(1.0)(ember.ones(1), ember.zeros(1), 0).item() == 1.0
    assert swa_utils.SWALR(make_optimizer(ember, 1), swa_lr=0.1, anneal_epochs=0).get_last_lr() == [0.1]


def test_import_under_ember_run(tmp_path):
    """`import torch.optim.swa_utils` and `from torch.optim.swa_utils import ...` give ember's module."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import torch.optim.swa_utils
        from torch.optim.swa_utils import AveragedModel, SWALR, update_bn
        import torch
        print(torch.optim.swa_utils.__name__, AveragedModel.__module__, SWALR.__module__, update_bn.__module__)
    """))
    result = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], check=False, capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ember.optim.swa_utils"] * 4


def test_module_exports():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert sorted(swa_utils.__all__) == sorted(torch.optim.swa_utils.__all__)
    assert ember.optim.swa_utils is swa_utils and "swa_utils" in ember.optim.__all__
