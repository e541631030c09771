"""Tensors on an NVIDIA GPU through CuPy; skipped where ember.cuda.is_available() is False.

CI has no GPU: these run on a machine with one. They check that every core path works with CuPy
arrays and agrees with the same computation on the CPU.
"""
import numpy as np
import pytest

import ember

pytestmark = pytest.mark.skipif(not ember.cuda.is_available(), reason="needs CuPy and an NVIDIA GPU")


def _pair(*shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return ember.tensor(a, requires_grad=True), ember.tensor(a, device="cuda", requires_grad=True)


def test_creation_and_transfer():
    x = ember.zeros(2, 3, device="cuda")
    assert x.is_cuda and x.device == ember.device("cuda", 0) and str(x.device) == "cuda:0"
    y = ember.ones(2, 3).to("cuda")
    assert y.is_cuda and y.cpu().tolist() == [[1.0] * 3] * 2
    assert ember.randn(4, device="cuda").is_cuda and ember.arange(5, device="cuda").is_cuda
    assert ember.ones_like(x).is_cuda
    assert y.to("cpu", ember.double).dtype == ember.float64
    assert "device='cuda:0'" in repr(y)


def test_numpy_on_a_gpu_tensor_raises_type_error():
    with pytest.raises(TypeError):
        ember.ones(2, device="cuda").numpy()


def test_mixing_devices_raises_runtime_error():
    with pytest.raises(RuntimeError):
        ember.ones(2, device="cuda") + ember.ones(2)


@pytest.mark.parametrize("fn", [
    lambda x, w: (x * 2 + 1).exp().mean(),
    lambda x, w: x.mm(w).clamp(min=0).sum(),
    lambda x, w: (x.matmul(w) - 1).pow(2).mean(),
    lambda x, w: x[1:, ::2].tanh().sum() + x.max(),
    lambda x, w: ember.cat([x, x * 2], 0).sigmoid().std(),
    lambda x, w: x.t().reshape(-1)[[0, 2, 4]].sum() + x.norm(),
    lambda x, w: ember.stack([x.relu(), x.abs()]).sum(1).var(),
])
def test_forward_and_backward_agree_with_the_cpu(fn):
    xc, xg = _pair(4, 3)
    wc, wg = _pair(3, 5, seed=1)
    oc, og = fn(xc, wc), fn(xg, wg)
    assert og.is_cuda
    np.testing.assert_allclose(og.cpu().detach().numpy(), oc.detach().numpy(), rtol=1e-4, atol=1e-5)
    oc.backward()
    og.backward()
    for c, g in ((xc, xg), (wc, wg)):
        if c.grad is None:
            assert g.grad is None
            continue
        assert g.grad.is_cuda
        np.testing.assert_allclose(g.grad.cpu().numpy(), c.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_seed_004_loop_on_the_gpu_matches_the_cpu():
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(s).astype(np.float32) for s in ((64, 100), (64, 10), (100, 20), (20, 10))]

    def train(device):
        x, y, w1, w2 = (ember.tensor(a, device=device) for a in data)
        w1.requires_grad_(), w2.requires_grad_()
        for _ in range(20):
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            loss.backward()
            with ember.no_grad():
                w1 -= 1e-4 * w1.grad
                w2 -= 1e-4 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
        return loss.item()

    np.testing.assert_allclose(train("cuda"), train("cpu"), rtol=1e-3)
