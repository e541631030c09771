"""AdaptiveMaxPool3d, LPPool3d, NLLLoss2d and F.gumbel_softmax against PyTorch (the Gumbel samples can't match
PyTorch's random numbers: their distribution and the straight-through gradient are tested)."""
import numpy as np
import pytest
from module_parity import check_module
from parity import randn, torch

import ember


@pytest.mark.parametrize("args", [(2,), ((1, 2, 3),), ((None, 2, 2),)])
def test_adaptive_max_pool_3d(args):
    check_module("AdaptiveMaxPool3d", args, inputs=(randn(2, 3, 4, 5, 6),))
    check_module("AdaptiveMaxPool3d", args + (True,), inputs=(randn(3, 4, 5, 6),), grad=False)


@pytest.mark.parametrize("args", [(2, 2), (1.5, (2, 1, 2), 1), (3, 2, None, True)])
def test_lp_pool_3d(args):
    x = np.abs(randn(2, 3, 4, 5, 6)) + 0.1
    check_module("LPPool3d", args, inputs=(x,))


def test_nll_loss_2d():
    x = np.log(np.random.default_rng(0).dirichlet(np.ones(4), (2, 3, 5)).transpose(0, 3, 1, 2))
    target = np.random.default_rng(1).integers(0, 4, (2, 3, 5))
    for lib in (ember, torch):
        with pytest.warns(FutureWarning, match="NLLLoss2d"):
            lib.nn.NLLLoss2d()
    with pytest.warns(FutureWarning):
        check_module("NLLLoss2d", (), inputs=(x, target))


def test_gumbel_softmax():
    F = ember.nn.functional
    ember.manual_seed(0)
    logits = ember.tensor([[1.0, 0.0, -1.0, 2.0]])
    soft = F.gumbel_softmax(logits.expand(20000, 4), tau=1.0)
    np.testing.assert_allclose(soft.sum(1).numpy(), 1.0, rtol=1e-6)
    counts = np.bincount(soft.argmax(1).numpy(), minlength=4) / 20000
    np.testing.assert_allclose(counts, ember.softmax(logits, 1).numpy()[0], atol=0.015)  # Gumbel-max trick
    x = ember.tensor(randn(5, 4), requires_grad=True)
    hard = F.gumbel_softmax(x, tau=0.5, hard=True)
    values = hard.detach().numpy()
    assert ((values == 0) | (values == 1)).all() and (values.sum(1) == 1).all()
    w = ember.tensor(randn(5, 4, seed=1))
    (hard * w).sum().backward()
    assert x.grad is not None and np.abs(x.grad.numpy()).sum() > 0


def test_sync_batch_norm_in_one_process():
    check_module("SyncBatchNorm", (3,), inputs=(randn(4, 3, 2),))
    check_module("SyncBatchNorm", (3,), inputs=(randn(4, 3, 2, 2),), train=False)
    for lib in (ember, torch):
        net = lib.nn.Sequential(lib.nn.Conv2d(1, 3, 1), lib.nn.BatchNorm2d(3).eval())
        weight = net[1].weight
        converted = lib.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        assert type(converted[1]).__name__ == "SyncBatchNorm" and converted[1].weight is weight
        assert not converted[1].training
    with pytest.raises(ValueError, match="at least 2D"):
        ember.nn.SyncBatchNorm(3)(ember.ones(3))
