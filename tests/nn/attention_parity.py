"""Parity for attention and Transformer modules: the same module built in ember and torch with torch's weights,
called with tensors and masks (one NumPy array may stand for several arguments, passed as the same tensor, as
self-attention does), comparing every output, then the gradients of the float inputs and of every parameter."""
import numpy as np
from module_parity import copy_state
from parity import assert_same, assert_same_grad, torch

import ember


def check_layer(make, args=(), kwargs=None, train=True, same=None, grad=True, check_grad_fn=True):
    """Compare `make(lib)` of ember and torch (float64) called with `args` and `kwargs` (NumPy arrays or values).

    `same` lists positions of `args` that get the tensor at the first of them (e.g. (0, 1, 2) for
    self-attention's query is key is value). Float inputs and all parameters require grad when `grad`."""
    kwargs = kwargs or {}
    t_mod, e_mod = make(torch).double(), make(ember).double()
    assert repr(e_mod) == repr(t_mod).replace("torch.", "ember."), f"repr {e_mod!r} != torch {t_mod!r}"
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    copy_state(t_mod, e_mod)
    t_mod.train(train)
    e_mod.train(train)
    t_args, e_args = _tensors(torch, args, same, grad), _tensors(ember, args, same, grad)
    t_kw = {k: _tensor(torch, v, False) for k, v in kwargs.items()}
    e_kw = {k: _tensor(ember, v, False) for k, v in kwargs.items()}
    t_out, e_out = t_mod(*t_args, **t_kw), e_mod(*e_args, **e_kw)
    assert_same(e_out, t_out, check_grad_fn=check_grad_fn)
    if not grad:
        return e_mod
    t_loss, e_loss = _loss(torch, t_out), _loss(ember, e_out)
    t_loss.backward()
    e_loss.backward()
    for i, (e, t) in enumerate(zip(e_args, t_args)):
        if isinstance(t, torch.Tensor):
            assert_same_grad(e.grad, t.grad, f"grad of input {i}", signed_zeros=False)
    for (k, tp), (_, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        assert_same_grad(ep.grad, tp.grad, f"grad of {k}", signed_zeros=False)
    return e_mod


def _tensor(lib, x, requires_grad):
    if not isinstance(x, np.ndarray):
        return x
    return lib.tensor(x.copy(), requires_grad=requires_grad and x.dtype.kind == "f")


def _tensors(lib, args, same, grad):
    out = [_tensor(lib, x, grad) for x in args]
    for i in same or ():
        out[i] = out[same[0]]
    return out


def _loss(lib, out):
    """A weighted sum of every float output (NaN-free outputs only), with fixed random weights."""
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
    rng = np.random.default_rng(3)
    return sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)))).sum() for o in outs)
