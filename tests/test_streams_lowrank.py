"""Stream and Event on the CPU, StorageBase, and svd_lowrank / pca_lowrank against PyTorch."""
import numpy as np
import pytest
from parity import torch

import ember


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_cpu_streams_and_events(lib):
    s, e = lib.Stream(), lib.Event(enable_timing=True)
    assert s.query() and e.query() and str(s.device) == "cpu"
    s.synchronize()
    e.synchronize()
    with s:
        pass
    with pytest.raises(RuntimeError, match="cpu backend doesn't support events"):
        e.record()
    assert isinstance(lib.UntypedStorage(2), lib.StorageBase)


def low_rank(rank, m=6, n=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))


@pytest.mark.parametrize("name", ["svd_lowrank", "pca_lowrank"])
def test_low_rank_factorizations(name):
    a = low_rank(2)
    torch.manual_seed(0)
    e_u, e_s, e_v = getattr(ember, name)(ember.tensor(a), q=3)
    t_u, t_s, t_v = getattr(torch, name)(torch.tensor(a), q=3)
    assert tuple(e_u.shape) == tuple(t_u.shape) and tuple(e_v.shape) == tuple(t_v.shape)
    np.testing.assert_allclose(e_s.numpy()[:2], t_s.numpy()[:2], rtol=1e-8)
    target = a - a.mean(0, keepdims=True) if name == "pca_lowrank" else a
    np.testing.assert_allclose((e_u * e_s) @ e_v.mT, target, atol=1e-10)
    x = ember.tensor(a, requires_grad=True)
    getattr(ember, name)(x, q=2)[1].sum().backward()
    assert x.grad is not None and np.isfinite(x.grad.numpy()).all()
