"""Module parity: build the same layer in ember and torch, give both torch's weights, and compare
repr, state_dict keys, outputs, gradients of inputs and parameters, and buffers after forward, for
every subset of inputs and parameters requiring grad."""
import copy

import numpy as np
from parity import assert_same, assert_same_grad, grad_subsets, torch

import ember


def copy_state(t_module, e_module):
    """Load torch's parameters and buffers into the ember module."""
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in t_module.state_dict().items()}
    e_module.load_state_dict(state)


def check_module(name, args=(), kwargs=None, inputs=(), train=True, grad=True, atol=None, rtol=None,
                 check_grad_fn=True, double=True):
    """Run nn.<name>(*args, **kwargs) on NumPy `inputs` in ember and torch and compare everything.

    With `grad`, the call runs once for each subset of the float inputs and parameters requiring grad
    (`grad_subsets`: all, each alone, none); frozen parameters are what fine-tuning does. With `double`,
    both modules are converted to float64 after the repr check (inputs should be float64). Returns the
    ember module of the first run."""
    kwargs = kwargs or {}
    t_ref = getattr(torch.nn, name)(*args, **kwargs)
    e_mod = getattr(ember.nn, name)(*args, **kwargs)
    assert repr(e_mod) == repr(t_ref).replace("torch.", "ember."), f"repr {e_mod!r} != torch {t_ref!r}"
    assert list(e_mod.state_dict()) == list(t_ref.state_dict())
    if double:
        t_ref.double()
    members = [("input", i) for i, x in enumerate(inputs) if x.dtype.kind == "f"]
    members += [("parameter", k) for k, _ in t_ref.named_parameters()]
    first = None
    for subset in grad_subsets(range(len(members))) if grad else [()]:
        wanted = {members[i] for i in subset}
        try:
            e_mod = _check_once(name, args, kwargs, inputs, train, t_ref, wanted, atol, rtol, check_grad_fn, double)
        except AssertionError as err:
            raise AssertionError(f"with {sorted(wanted)} requiring grad: {err}") from None
        if first is None:
            first = e_mod
    return first


def _check_once(name, args, kwargs, inputs, train, t_ref, wanted, atol, rtol, check_grad_fn, double):
    """One run of check_module with the inputs and parameters in `wanted` requiring grad."""
    t_mod = copy.deepcopy(t_ref)
    e_mod = getattr(ember.nn, name)(*args, **kwargs)
    if double:
        e_mod.double()
    copy_state(t_mod, e_mod)
    for mod in (t_mod, e_mod):
        mod.train(train)
        for k, p in mod.named_parameters():
            p.requires_grad_(("parameter", k) in wanted)
    t_in = [torch.tensor(x.copy(), requires_grad=("input", i) in wanted) for i, x in enumerate(inputs)]
    e_in = [ember.tensor(x.copy(), requires_grad=("input", i) in wanted) for i, x in enumerate(inputs)]
    t_out = t_mod(*t_in)
    e_out = e_mod(*e_in)
    assert_same(e_out, t_out, atol=atol, rtol=rtol, check_grad_fn=check_grad_fn)
    for (k, t_buf), (_, e_buf) in zip(t_mod.state_dict().items(), e_mod.state_dict().items()):
        assert_same(e_buf, t_buf, f"state {k}", check_grad_fn=False)
    if not isinstance(t_out, torch.Tensor) or not t_out.requires_grad:
        return e_mod
    w = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(w, dtype=t_out.dtype)).sum().backward()
    (e_out * ember.tensor(w, dtype=e_out.dtype)).sum().backward()
    grad_tol = {"atol": 1e-4, "rtol": 1e-4} if t_out.dtype == torch.float32 else {}
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        assert_same_grad(e.grad, t.grad, f"grad of input {i}", signed_zeros=True, **grad_tol)
    for (k, tp), (_, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        assert_same_grad(ep.grad, tp.grad, f"grad of {k}", signed_zeros=True, **grad_tol)
    return e_mod
