"""nn.utils (clipping, vector conversion) and DataParallel against torch."""
import numpy as np
import pytest
from module_parity import copy_state
from parity import torch

import ember


def _pair():
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    e = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 2)).double()
    copy_state(t, e)
    x = np.random.default_rng(0).standard_normal((5, 3)) * 3
    t(torch.tensor(x)).pow(2).sum().backward()
    e(ember.tensor(x)).pow(2).sum().backward()
    return e, t


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
def test_clip_grad_norm_matches_torch(norm_type):
    e, t = _pair()
    n_e = ember.nn.utils.clip_grad_norm_(e.parameters(), 0.5, norm_type)
    n_t = torch.nn.utils.clip_grad_norm_(t.parameters(), 0.5, norm_type)
    np.testing.assert_allclose(float(n_e), float(n_t), rtol=1e-10)
    for pe, pt in zip(e.parameters(), t.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-10)


def test_clip_grad_value_and_nonfinite():
    e, t = _pair()
    ember.nn.utils.clip_grad_value_(e.parameters(), 0.1)
    torch.nn.utils.clip_grad_value_(t.parameters(), 0.1)
    for pe, pt in zip(e.parameters(), t.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-12)
        assert np.abs(pe.grad.numpy()).max() <= 0.1
    p = ember.nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError):
        ember.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_clip_grad_norm_of_nonfinite_gradients_matches_torch(bad):
    """A nan norm makes every gradient nan; an inf norm scales them by 0 (nan where one is inf)."""
    grads = []
    for lib in (torch, ember):
        p, q = lib.nn.Parameter(lib.zeros(3)), lib.nn.Parameter(lib.zeros(2))
        p.grad, q.grad = lib.tensor([bad, 1.0, 2.0]), lib.tensor([0.5, -1.0])
        norm = lib.nn.utils.clip_grad_norm_([p, q], 0.25)
        grads.append((float(norm), p.grad.tolist(), q.grad.tolist()))
    np.testing.assert_equal(grads[1], grads[0])


def test_parameters_to_vector_round_trip():
    e, t = _pair()
    v_e = ember.nn.utils.parameters_to_vector(e.parameters())
    v_t = torch.nn.utils.parameters_to_vector(t.parameters())
    np.testing.assert_array_equal(v_e.detach().numpy(), v_t.detach().numpy())
    ember.nn.utils.vector_to_parameters(v_e * 0 + 1, e.parameters())
    assert all((p.detach().numpy() == 1).all() for p in e.parameters())


def test_data_parallel_wraps_like_torch():
    e = ember.nn.DataParallel(ember.nn.Linear(2, 3))
    t = torch.nn.DataParallel(torch.nn.Linear(2, 3))
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    copy_state(t, e)
    x = np.ones((4, 2), np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert isinstance(e.module, ember.nn.Linear)
