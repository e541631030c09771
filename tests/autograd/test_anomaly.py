"""Anomaly detection against PyTorch: NaN gradients raise naming the node; the mode's switches and warning."""
import pytest
from parity import torch

import ember


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_nan_gradient_names_the_node(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = lib.autograd.detect_anomaly()
    with mode:
        assert lib.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output"):
            (x.sqrt() * 0).sum().backward()
    assert not lib.is_anomaly_enabled()
    (x.sqrt() * 0).sum().backward()  # without the mode: NaN gradients, no error
    assert bool(lib.isnan(x.grad).any())


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_switches(lib):
    with lib.autograd.set_detect_anomaly(True, check_nan=False):
        assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        x = lib.tensor([0.0], requires_grad=True)
        (x.sqrt() * 0).sum().backward()
    assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
    lib.set_anomaly_enabled(True)
    assert lib.is_anomaly_enabled()
    lib.set_anomaly_enabled(False)
