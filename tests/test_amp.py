"""Automatic mixed precision against PyTorch: autocast regions and their state functions, and GradScaler's
scaling, unscaling, skipped steps and scale schedule in training loops run on both libraries."""
import warnings

import numpy as np
import pytest
from parity import torch

import ember


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_autocast_regions(lib):
    assert not lib.is_autocast_enabled("cpu")
    with lib.autocast("cpu", dtype=lib.float16):
        assert lib.is_autocast_enabled("cpu") and lib.get_autocast_dtype("cpu") == lib.float16
        with lib.autocast("cpu", enabled=False):
            assert not lib.is_autocast_enabled("cpu")
        assert lib.is_autocast_enabled("cpu")
    assert not lib.is_autocast_enabled("cpu")

    @lib.autocast("cpu")
    def inside():
        return lib.is_autocast_enabled("cpu")
    assert inside() and not lib.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError):
        lib.autocast("tpu")
    assert lib.get_autocast_dtype("cuda") == lib.float16 and lib.amp.is_autocast_available("cpu")
    assert lib.get_autocast_dtype("cpu") == lib.bfloat16


@pytest.mark.skipif(ember.cuda.is_available(), reason="the machine has a GPU")
def test_cuda_forms_disable_themselves_without_a_gpu():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            with lib.autocast("cuda"):
                assert not lib.is_autocast_enabled("cuda")
        with pytest.warns(UserWarning, match="Disabling"):
            scaler = lib.amp.GradScaler("cuda")
        assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
        with pytest.warns(FutureWarning, match="deprecated"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            lib.cuda.amp.GradScaler()
    with pytest.warns(FutureWarning):
        ember.cpu.amp.autocast()


def _train(lib, steps, blow_up_at, **scaler_args):
    """A small regression trained with a GradScaler on CPU; the loss is multiplied by inf at step `blow_up_at`."""
    rng = np.random.default_rng(0)
    x, y = lib.tensor(rng.standard_normal((16, 3))), lib.tensor(rng.standard_normal((16, 1)))
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 1).double()
    model.weight.data = lib.tensor(rng.standard_normal((1, 3)))
    model.bias.data = lib.tensor([0.1], dtype=lib.float64)
    opt = lib.optim.SGD(model.parameters(), lr=0.05)
    scaler = lib.amp.GradScaler("cpu", **scaler_args)
    scales, skipped = [], []
    for step in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean() * (float("inf") if step == blow_up_at else 1.0)
        scaler.scale(loss).backward()
        before = model.weight.detach().clone()
        scaler.step(opt)
        skipped.append(bool((model.weight.detach() == before).all()))
        scaler.update()
        scales.append(scaler.get_scale())
    return model.weight.detach().numpy().copy(), scales, skipped, scaler.state_dict()


def test_grad_scaler_matches_pytorch():
    e = _train(ember, 8, 3, init_scale=1024.0, growth_interval=2)
    t = _train(torch, 8, 3, init_scale=1024.0, growth_interval=2)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-12)
    assert e[1] == t[1] and e[2] == t[2] and e[3] == t[3]


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_grad_scaler_protocol_errors(lib):
    p = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.SGD([p], lr=0.1)
    scaler = lib.amp.GradScaler("cpu")
    scaler.scale((p * 2).sum()).backward()
    scaler.unscale_(opt)
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure"):
        scaler.step(opt, closure=lambda: None)
    scaler.step(opt)
    scaler.update(new_scale=8.0)
    assert scaler.get_scale() == 8.0
    clone = lib.amp.GradScaler("cpu")
    clone.load_state_dict(scaler.state_dict())
    assert clone.get_scale() == 8.0
