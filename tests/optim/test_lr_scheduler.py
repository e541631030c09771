"""Every learning-rate scheduler against PyTorch: the same learning rates (and momentums) epoch by epoch,
the same state dicts, warnings and errors."""
import warnings

import numpy as np
import pytest
from parity import torch

import ember
import ember.optim
from ember.optim import lr_scheduler

EPOCHS = 60


def make_optimizer(lib, kind="SGD", groups=1):
    ps = [{"params": [lib.nn.Parameter(lib.ones(2))], "lr": 0.1 * (i + 1)} for i in range(groups)]
    if kind == "SGD":
        return lib.optim.SGD(ps, lr=0.1, momentum=0.9)
    return getattr(lib.optim, kind)(ps, lr=0.1)


def scale_fn(x):
    return 1 / (1.0 + 0.1 * x)


CASES = {
    "LambdaLR": (lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e), "SGD", 1),
    "LambdaLR-list": (lambda L, o: L.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]), "SGD", 2),
    "MultiplicativeLR": (lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97 if e % 2 else 0.99), "SGD", 2),
    "StepLR": (lambda L, o: L.StepLR(o, step_size=7, gamma=0.5), "SGD", 2),
    "MultiStepLR": (lambda L, o: L.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3), "SGD", 1),
    "ConstantLR": (lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=8), "SGD", 2),
    "LinearLR": (lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=20), "SGD", 1),
    "ExponentialLR": (lambda L, o: L.ExponentialLR(o, gamma=0.93), "Adam", 2),
    "PolynomialLR": (lambda L, o: L.PolynomialLR(o, total_iters=30, power=2.0), "SGD", 1),
    "CosineAnnealingLR": (lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.001), "SGD", 2),
    "CosineAnnealingWarmRestarts": (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01),
                                    "SGD", 1),
    "CosineAnnealingWarmRestarts-1": (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=7), "SGD", 2),
    "CyclicLR": (lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5), "SGD", 1),
    "CyclicLR-triangular2": (lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4,
                                                     step_size_down=6, mode="triangular2"), "SGD", 2),
    "CyclicLR-exp_range-adam": (lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                                        mode="exp_range", gamma=0.95), "Adam", 1),
    "CyclicLR-scale_fn": (lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5, scale_fn=scale_fn,
                                                  scale_mode="iterations", cycle_momentum=False), "Adagrad", 1),
    "OneCycleLR": (lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=EPOCHS), "SGD", 1),
    "OneCycleLR-three-phase-adam": (lambda L, o: L.OneCycleLR(o, max_lr=[0.1, 0.2], epochs=6, steps_per_epoch=10,
                                                              three_phase=True, anneal_strategy="linear"), "Adam", 2),
    "SequentialLR": (lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=10),
                                                     L.ExponentialLR(o, gamma=0.9)], milestones=[10]), "SGD", 2),
    "SequentialLR-3": (lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.3, total_iters=4),
                                                       L.CosineAnnealingLR(o, T_max=15),
                                                       L.StepLR(o, step_size=5, gamma=0.5)], milestones=[8, 30]),
                       "SGD", 1),
    "ChainedScheduler": (lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.5, total_iters=10),
                                                          L.ExponentialLR(o, gamma=0.95)]), "SGD", 2),
    "ChainedScheduler-optimizer": (lambda L, o: L.ChainedScheduler([L.LinearLR(o, total_iters=12),
                                                                    L.MultiStepLR(o, [20, 40])], optimizer=o),
                                   "SGD", 1),
}


def lib_of(L):
    return torch if L is torch.optim.lr_scheduler else ember


def trace(L, case, epochs=EPOCHS):
    """The learning rates (and momentums) after construction and after each of `epochs` steps."""
    build, kind, groups = CASES[case]
    opt = make_optimizer(lib_of(L), kind, groups)
    sched = build(L, opt)
    rows = [snapshot(opt, sched)]
    for _ in range(epochs):
        opt.step()
        sched.step()
        rows.append(snapshot(opt, sched))
    return rows, opt, sched


def snapshot(opt, sched):
    groups = opt.param_groups
    return (sched.get_last_lr(), [g["lr"] for g in groups], [g.get("momentum") for g in groups],
            [g["betas"][0] if "betas" in g else None for g in groups])


def assert_close(e, t, where=""):
    """Nested lists/tuples equal: floats to 1e-12 relative, anything else exactly."""
    if isinstance(t, (list, tuple)):
        assert isinstance(e, (list, tuple)) and len(e) == len(t), f"{where}: {e} vs {t}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_close(a, b, f"{where}[{i}]")
    elif isinstance(t, float) or (isinstance(t, int) and isinstance(e, float)):
        assert e == t or abs(e - t) <= 1e-12 * max(1.0, abs(t)), f"{where}: {e} != {t}"
    else:
        assert type(e) is type(t) and e == t, f"{where}: {e!r} != {t!r}"


@pytest.mark.parametrize("case", list(CASES))
def test_learning_rates_match_torch(case):
    e_rows, _, _ = trace(lr_scheduler, case)
    t_rows, _, _ = trace(torch.optim.lr_scheduler, case)
    assert_close(e_rows, t_rows, case)


def structure(sd):
    """A scheduler state dict as nested lists, keys in order; callables (lambdas, scale functions) as None."""
    if isinstance(sd, dict):
        return [[k, structure(v)] for k, v in sd.items()]
    if isinstance(sd, (list, tuple)):
        return [structure(v) for v in sd]
    return None if callable(sd) else sd


@pytest.mark.parametrize("case", list(CASES))
def test_state_dict_matches_torch_and_round_trips(case):
    """Save at epoch 25, load into a fresh optimizer and scheduler, continue: torch's uninterrupted rates."""
    t_rows, _, t_sched = trace(torch.optim.lr_scheduler, case)
    _, e_opt, e_sched = trace(lr_scheduler, case, epochs=25)
    e_sd, t_sd = e_sched.state_dict(), trace(torch.optim.lr_scheduler, case, epochs=25)[2].state_dict()
    assert list(e_sd) == list(t_sd)
    assert_close(structure(e_sd), structure(t_sd), case)
    build, kind, groups = CASES[case]
    opt = make_optimizer(ember, kind, groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(lr_scheduler, opt)
    sched.load_state_dict(e_sd)
    opt.load_state_dict(e_opt.state_dict())
    rows = [snapshot(opt, sched)]
    for _ in range(len(t_rows) - 26):
        opt.step()
        sched.step()
        rows.append(snapshot(opt, sched))
    assert_close(rows, t_rows[25:], case)


METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.9, 0.97, 0.98, 0.99, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.5, 0.5,
           0.5, 0.5, 0.5, 0.5, 0.49995, 0.49999, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1] * 2


@pytest.mark.parametrize("kw", [dict(), dict(patience=2), dict(patience=1, cooldown=2, factor=0.5),
                                dict(mode="max", patience=2, threshold=0.05), dict(threshold_mode="abs", patience=1,
                                                                                   threshold=0.01),
                                dict(mode="max", threshold_mode="abs", patience=0, min_lr=0.02),
                                dict(patience=0, min_lr=[0.01, 0.05], factor=0.3, eps=1e-3)])
def test_reduce_lr_on_plateau_matches_torch(kw):
    results = []
    for lib in (torch, ember):
        opt = make_optimizer(lib, "SGD", 2)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        rows = []
        for i, metric in enumerate(METRICS):
            opt.step()
            sched.step(metric if i % 2 else lib.tensor(metric))
            rows.append((sched.get_last_lr(), sched.best, sched.num_bad_epochs, sched.cooldown_counter,
                         sched.last_epoch))
        results.append((rows, sched.state_dict()))
    (e_rows, e_sd), (t_rows, t_sd) = results[1], results[0]
    assert_close(e_rows, t_rows)
    assert_close(structure(e_sd), structure(t_sd))


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt = make_optimizer(ember, "SGD", 1)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, mode="max")
    for m in METRICS[:10]:
        sched.step(m)
    fresh = lr_scheduler.ReduceLROnPlateau(make_optimizer(ember, "SGD", 1))
    fresh.load_state_dict(sched.state_dict())
    assert fresh.mode == "max" and fresh.mode_worse == -float("inf") and fresh.best == sched.best


@pytest.mark.parametrize("cls,kw", [("StepLR", dict(step_size=3, gamma=0.5)), ("MultiStepLR", dict(milestones=[2, 5])),
                                    ("ConstantLR", dict(factor=0.5, total_iters=4)),
                                    ("LinearLR", dict(start_factor=0.5, total_iters=6)),
                                    ("ExponentialLR", dict(gamma=0.9)), ("PolynomialLR", dict(total_iters=8)),
                                    ("CosineAnnealingLR", dict(T_max=6)),
                                    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
                                    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2))])
def test_step_with_epoch_uses_closed_form_and_warns(cls, kw):
    """The deprecated `step(epoch)`: the closed form, and the deprecation warning (none for warm restarts)."""
    results = []
    for lib in (torch, ember):
        opt = make_optimizer(lib, "SGD", 2)
        sched = getattr(lib.optim.lr_scheduler, cls)(opt, **kw)
        rows = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in [3, 1, 7, 7.5, 2, 10] if cls == "CosineAnnealingWarmRestarts" else [3, 1, 7, 2, 10]:
                opt.step()
                sched.step(epoch)
                rows.append((sched.get_last_lr(), sched.last_epoch))
        results.append(rows + [sorted({str(w.message) for w in caught})])
    assert_close(results[1], results[0])


def test_fractional_epochs_of_warm_restarts():
    results = []
    for lib in (torch, ember):
        opt = make_optimizer(lib, "SGD", 1)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=1)
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in range(6):
                for i in range(5):
                    opt.step()
                    sched.step(epoch + i / 5)
                    rows.append((sched.get_last_lr(), sched.T_cur, sched.T_i))
        results.append(rows)
    assert_close(results[1], results[0])


def test_resume_with_last_epoch():
    results = []
    for lib in (torch, ember):
        opt = make_optimizer(lib, "SGD", 1)
        opt.param_groups[0]["initial_lr"] = 0.1
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        rows = [sched.get_last_lr()]
        for _ in range(8):
            opt.step()
            sched.step()
            rows.append(sched.get_last_lr())
        results.append(rows)
    assert_close(results[1], results[0])


# ---- warnings -----------------------------------------------------------------------------------
def warning_messages(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message).replace("ember", "torch") for w in caught if issubclass(w.category, UserWarning)]


def test_warns_when_scheduler_steps_before_optimizer():
    def run(lib):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        sched.step()
        opt.step()
        sched.step()
    t_msgs, e_msgs = warning_messages(lambda: run(torch)), warning_messages(lambda: run(ember))
    assert len(e_msgs) == 1 and "before `optimizer.step()`" in e_msgs[0]
    assert e_msgs == t_msgs


def test_warns_when_optimizer_step_is_replaced_after_scheduler():
    def run(lib):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        opt.step = lambda closure=None: None
        opt.step()
        sched.step()
    e_msgs = warning_messages(lambda: run(ember))
    assert e_msgs == warning_messages(lambda: run(torch))
    assert len(e_msgs) == 1 and "has been overridden" in e_msgs[0]


def test_no_warning_in_the_right_order():
    opt = make_optimizer(ember)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    assert warning_messages(lambda: [(opt.step(), sched.step()) for _ in range(4)]) == []


def test_get_lr_outside_step_warns():
    for lib in (torch, ember):
        sched = lib.optim.lr_scheduler.StepLR(make_optimizer(lib), 2)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()


def test_optimizer_step_is_wrapped_once():
    opt = make_optimizer(ember)
    lr_scheduler.StepLR(opt, 2)
    step = opt.step
    lr_scheduler.ExponentialLR(opt, 0.9)
    assert opt.step is step and step._wrapped_by_lr_sched
    assert not getattr(opt, "_opt_called", False)
    opt.step()
    assert opt._opt_called


# ---- errors -------------------------------------------------------------------------------------
ERRORS = {
    "not an optimizer": lambda L, o: L.StepLR(object(), 3),
    "constant factor": lambda L, o: L.ConstantLR(o, factor=1.5),
    "linear start": lambda L, o: L.LinearLR(o, start_factor=0),
    "linear end": lambda L, o: L.LinearLR(o, end_factor=1.5),
    "lambda count": lambda L, o: L.LambdaLR(o, [lambda e: 1.0] * 3),
    "multiplicative not callable": lambda L, o: L.MultiplicativeLR(o, 0.9),
    "resume without initial_lr": lambda L, o: L.StepLR(o, 3, last_epoch=5),
    "warm restarts T_0": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    "warm restarts T_mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "warm restarts eta_min": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    "warm restarts negative epoch": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    "cyclic mode": lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="zigzag"),
    "cyclic base_lr length": lambda L, o: L.CyclicLR(o, [0.01, 0.02, 0.03], 0.1),
    "one cycle no steps": lambda L, o: L.OneCycleLR(o, max_lr=0.1),
    "one cycle total_steps": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=0),
    "one cycle epochs": lambda L, o: L.OneCycleLR(o, max_lr=0.1, epochs=-1, steps_per_epoch=3),
    "one cycle pct_start": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5),
    "one cycle strategy": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
    "one cycle too many steps": lambda L, o: (lambda s: [s.step() for _ in range(3)])(
        L.OneCycleLR(o, max_lr=0.1, total_steps=2)),
    "plateau factor": lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    "plateau mode": lambda L, o: L.ReduceLROnPlateau(o, mode="best"),
    "plateau threshold mode": lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="pct"),
    "plateau min_lr length": lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1, 0.2, 0.3]),
    "sequential empty": lambda L, o: L.SequentialLR(o, [], milestones=[]),
    "sequential milestones": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.StepLR(o, 3)], milestones=[]),
    "sequential plateau": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], milestones=[3]),
    "sequential not a scheduler": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), object()], milestones=[3]),
    "chained empty": lambda L, o: L.ChainedScheduler([]),
    "chained other optimizer": lambda L, o: L.ChainedScheduler([L.StepLR(o, 2), L.StepLR(
        type(o)([{"params": [p for g in o.param_groups for p in g["params"]]}], lr=0.1), 2)]),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    outcomes = []
    for L in (torch.optim.lr_scheduler, lr_scheduler):
        opt = make_optimizer(lib_of(L), "SGD", 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                ERRORS[case](L, opt)
        outcomes.append((type(info.value), str(info.value).replace("ember", "torch")))
    t_out, e_out = outcomes
    assert e_out[0] is t_out[0]
    if case not in ("chained other optimizer", "not an optimizer"):
        assert e_out[1] == t_out[1]


def test_cyclic_momentum_needs_a_momentum():
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            lib.optim.lr_scheduler.CyclicLR(make_optimizer(lib, "Adagrad"), 0.01, 0.1)


def test_plateau_min_lrs_follow_new_param_groups():
    for lib in (torch, ember):
        opt = make_optimizer(lib, "SGD", 1)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.01])
        opt.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))]})
        sched.step(1.0)
        with pytest.raises(RuntimeError, match="The number of param groups in the `optimizer`"):
            sched.step(2.0)


def test_lambda_state_dict_keeps_callable_objects():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate ** epoch
    opt = make_optimizer(ember)
    sched = lr_scheduler.LambdaLR(opt, Decay(0.5))
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}]
    other = lr_scheduler.LambdaLR(make_optimizer(ember), Decay(0.9))
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].rate == 0.5
    assert lr_scheduler.LambdaLR(make_optimizer(ember), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]


def test_scheduler_on_tensor_lr():
    for lib in (torch, ember):
        opt = lib.optim.Adam([lib.nn.Parameter(lib.ones(2))], lr=lib.tensor(0.1))
        lr = opt.param_groups[0]["lr"]
        sched = lib.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
        opt.step()
        sched.step()
        assert opt.param_groups[0]["lr"] is lr and abs(float(lr) - 0.05) < 1e-7
        assert isinstance(sched.get_last_lr()[0], lib.Tensor)
        np.testing.assert_allclose(float(sched.base_lrs[0]), 0.1, rtol=1e-6)
