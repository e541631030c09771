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


def _forward_of_the_failing_node(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    return (x.sqrt() * 0).sum()  # the line the warning's traceback names


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_error_warns_with_the_forward_traceback(lib):
    with pytest.warns(UserWarning, match="Anomaly Detection"):
        mode = lib.autograd.detect_anomaly()
    with mode:
        loss = _forward_of_the_failing_node(lib)
        with pytest.warns(UserWarning, match=r"(?s)Error detected in SqrtBackward0\. Traceback of forward call that "
                                             r"caused the error:.*_forward_of_the_failing_node.*x\.sqrt\(\) \* 0"):
            with pytest.raises(RuntimeError, match="returned nan values"):
                loss.backward()
    if lib is ember:  # outside the mode no traceback is taken
        assert "_forward_trace" not in _forward_of_the_failing_node(lib).grad_fn.__dict__
