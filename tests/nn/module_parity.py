"""Module parity: build the same layer in ember and torch, give both torch's weights, and compare
repr, state_dict keys, outputs, gradients of inputs and parameters, and buffers after forward."""
import numpy as np

import ember
from parity import assert_same, torch


def copy_state(t_module, e_module):
    """Load torch's parameters and buffers into the ember module."""
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in t_module.state_dict().items()}
    e_module.load_state_dict(state)


def check_module(name, args=(), kwargs=None, inputs=(), train=True, grad=True, atol=None, rtol=None,
                 check_grad_fn=True, double=True):
    """Run nn.<name>(*args, **kwargs) on NumPy `inputs` in ember and torch and compare everything.

    With `double`, both modules are converted to float64 after the repr check (inputs should be float64)."""
    kwargs = kwargs or {}
    t_mod = getattr(torch.nn, name)(*args, **kwargs)
    e_mod = getattr(ember.nn, name)(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod).replace("torch.", "ember."), f"repr {e_mod!r} != torch {t_mod!r}"
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    if double:
        t_mod.double()
        e_mod.double()
    copy_state(t_mod, e_mod)
    t_mod.train(train)
    e_mod.train(train)
    t_in = [torch.tensor(x.copy(), requires_grad=grad and x.dtype.kind == "f") for x in inputs]
    e_in = [ember.tensor(x.copy(), requires_grad=grad and x.dtype.kind == "f") for x in inputs]
    t_out = t_mod(*t_in)
    e_out = e_mod(*e_in)
    assert_same(e_out, t_out, atol=atol, rtol=rtol, check_grad_fn=check_grad_fn)
    for (k, t_buf), (_, e_buf) in zip(t_mod.state_dict().items(), e_mod.state_dict().items()):
        assert_same(e_buf, t_buf, f"state {k}", check_grad_fn=False)
    if not grad or not isinstance(t_out, torch.Tensor) or not t_out.requires_grad:
        return e_mod
    w = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(w, dtype=t_out.dtype)).sum().backward()
    (e_out * ember.tensor(w, dtype=e_out.dtype)).sum().backward()
    grad_tol = {"atol": 1e-4, "rtol": 1e-4} if t_out.dtype == torch.float32 else {}
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        if t.grad is not None:
            assert_same(e.grad, t.grad, f"grad of input {i}", check_grad_fn=False, **grad_tol)
    for (k, tp), (_, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        if tp.grad is not None:
            assert_same(ep.grad, tp.grad, f"grad of {k}", check_grad_fn=False, **grad_tol)
    return e_mod
