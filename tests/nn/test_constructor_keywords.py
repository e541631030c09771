"""Constructor keywords of PyTorch's layers that ember lacked: the norms' bias= (lazy instance norms, SyncBatchNorm)
and Hardtanh's deprecated min_value/max_value; the same layer (repr, parameters) as torch builds."""
import pytest
from parity import torch

import ember


@pytest.mark.parametrize("build", [
    lambda nn: nn.LazyInstanceNorm1d(bias=False), lambda nn: nn.LazyInstanceNorm2d(affine=True, bias=False),
    lambda nn: nn.LazyInstanceNorm3d(), lambda nn: nn.SyncBatchNorm(4, bias=False), lambda nn: nn.SyncBatchNorm(4),
    lambda nn: nn.Hardtanh(min_value=-2.0), lambda nn: nn.Hardtanh(-3.0, max_value=0.5)],
    ids=["lazy-instance1d", "lazy-instance2d", "lazy-instance3d", "sync-no-bias", "sync", "hardtanh-min",
         "hardtanh-max"])
@pytest.mark.filterwarnings("ignore:keyword argument")
def test_layer_keywords(build):
    t, e = build(torch.nn), build(ember.nn)
    assert repr(e) == repr(t)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]


def test_hardtanh_keyword_is_deprecated():
    with pytest.warns(FutureWarning, match="min_value"):
        ember.nn.Hardtanh(min_value=-2.0)
