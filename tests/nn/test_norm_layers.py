"""Normalization layers and functionals against torch: outputs, gradients, running statistics, modes."""
import numpy as np
import pytest
from module_parity import check_module
from parity import check, randn, torch

import ember


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,args,shape", [
    ("BatchNorm1d", (3,), (4, 3)), ("BatchNorm1d", (3,), (4, 3, 5)), ("BatchNorm2d", (3,), (2, 3, 4, 5)),
    ("BatchNorm3d", (2,), (2, 2, 3, 3, 2)), ("LayerNorm", ((4, 5),), (2, 3, 4, 5)), ("LayerNorm", (5,), (3, 5)),
    ("GroupNorm", (2, 4), (2, 4, 3, 3)), ("GroupNorm", (1, 3), (2, 3, 5)), ("InstanceNorm1d", (3,), (2, 3, 6)),
    ("InstanceNorm2d", (3,), (2, 3, 4, 4)), ("LocalResponseNorm", (2,), (2, 5, 4, 4)),
    ("LocalResponseNorm", (3,), (2, 5, 7)), ("RMSNorm", (5,), (3, 4, 5)),
])
def test_layer_matches_torch(name, args, shape, train):
    check_module(name, args, inputs=[randn(*shape)], train=train)


@pytest.mark.parametrize("kwargs", [{"affine": False}, {"track_running_stats": False}, {"momentum": None},
                                    {"bias": False}, {"eps": 1e-3, "momentum": 0.3}])
def test_batchnorm_options(kwargs):
    for train in (True, False):
        check_module("BatchNorm2d", (3,), kwargs, inputs=[randn(2, 3, 4, 4)], train=train)


def test_batchnorm_running_stats_over_steps():
    t = torch.nn.BatchNorm1d(3, momentum=None).double()
    e = ember.nn.BatchNorm1d(3, momentum=None).double()
    for step in range(4):
        x = randn(8, 3, seed=step) * (step + 1)
        t(torch.tensor(x))
        e(ember.tensor(x))
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(e.state_dict()[k].numpy(), v.numpy(), rtol=1e-12)
    t.eval()
    e.eval()
    x = randn(5, 3, seed=9)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_instance_norm_with_running_stats():
    check_module("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True},
                 inputs=[randn(2, 3, 4, 4)], train=True)


def test_functional_forms():
    F = lambda lib: lib.nn.functional  # noqa: E731
    check(lambda lib, x, w, b: F(lib).layer_norm(x, (4,), w, b), randn(3, 4), randn(4, seed=1), randn(4, seed=2))
    check(lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b), randn(2, 4, 3), randn(4, seed=1), randn(4, seed=2))
    check(lambda lib, x, m, v: F(lib).batch_norm(x, m, v, training=False), randn(4, 3), randn(3, seed=1),
          np.abs(randn(3, seed=2)) + 0.5, grad=False)
    check(lambda lib, x: F(lib).instance_norm(x), randn(2, 3, 5))
    check(lambda lib, x: F(lib).rms_norm(x, (3,), eps=1e-5), randn(2, 3))
    check(lambda lib, x: F(lib).local_response_norm(x, 3), randn(2, 4, 5))


def test_bad_input_raises_like_torch():
    F = lambda lib: lib.nn.functional  # noqa: E731
    check(lambda lib, x: F(lib).batch_norm(x, None, None, training=True), randn(1, 3))
    check(lambda lib, x: F(lib).layer_norm(x, (5,)), randn(3, 4))
    check(lambda lib, x: F(lib).group_norm(x, 3), randn(2, 4, 3))
    with pytest.raises(ValueError):
        ember.nn.BatchNorm2d(3)(ember.randn(3, 4, 4))


def test_double_backward_through_layer_norm():
    x = randn(3, 4)
    grads = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.layer_norm(xt, (4,)) ** 3
        (g,) = lib.autograd.grad(y.sum(), xt, create_graph=True)
        (g2,) = lib.autograd.grad((g * g).sum(), xt)
        grads.append(g2.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "2d"])
def test_batch_norm_array_paths(training, affine, layout):
    """The forward and backward written on arrays (per-channel sums, one scale and shift per channel)."""
    F = lambda lib: lib.nn.functional  # noqa: E731
    x = randn(4, 3) if layout == "2d" else randn(3, 5, 4, 6)
    w, b = (randn(3, seed=1), randn(3, seed=2)) if affine else (None, None)
    m, v = randn(3, seed=3), np.abs(randn(3, seed=4)) + 0.5

    def fn(lib, x, *wb):
        if layout == "transposed":
            x = x.transpose(0, 1)  # (5, 3, 4, 6), not contiguous
        weight, bias = wb if affine else (None, None)
        dt = np.float32 if x.dtype == lib.float32 else np.float64
        stats = (lib.tensor(m.astype(dt)), lib.tensor(v.astype(dt)))
        return F(lib).batch_norm(x * 3 + 1, *stats, weight, bias, training=training)
    check(fn, x, *((w, b) if affine else ()))
    check(fn, x.astype(np.float32), *((w.astype(np.float32), b.astype(np.float32)) if affine else ()), grad=False)


def test_double_backward_through_batch_norm():
    def second(lib):
        x = lib.tensor(randn(4, 3, 5)).requires_grad_()
        w = lib.tensor(randn(3, seed=1)).requires_grad_()
        y = lib.nn.functional.batch_norm(x, None, None, w, None, training=True)
        gx, gw = lib.autograd.grad((y * y * y).sum(), (x, w), create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        return x.grad.numpy(), w.grad.numpy()
    for e, t in zip(second(ember), second(torch)):
        np.testing.assert_allclose(e, t, rtol=1e-8, atol=1e-10)
