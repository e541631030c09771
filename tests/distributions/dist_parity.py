"""The distributions' parity helper: build one distribution in ember and in torch from the same parameter
values and compare everything a user can observe (shapes, repr, moments, log_prob, cdf, icdf, entropy,
enumerate_support, the gradients of all of them with respect to the parameters, and which of them are not
implemented)."""
import numpy as np
import pytest
from parity import torch

import ember

METHODS = ("mean", "mode", "variance", "stddev", "entropy", "log_prob", "cdf", "icdf", "enumerate_support")


class Case:
    """A distribution to compare: `ctor(D, params)` builds it from `D` (ember.distributions or
    torch.distributions) and a dict of tensors made from `params` (NumPy arrays get requires_grad when
    floating); `value` is passed to log_prob and cdf, `quantile` to icdf. The gradients compared are those of
    every output but the methods in `no_grad` (whose gradients PyTorch lacks)."""

    def __init__(self, name, ctor, params, value=None, quantile=None, rtol=1e-6, atol=1e-9, no_grad=()):
        self.name, self.ctor, self.params = name, ctor, params
        self.value, self.quantile, self.rtol, self.atol, self.no_grad = value, quantile, rtol, atol, no_grad

    def __repr__(self):
        return self.name


def lib_tensor(lib, x, requires_grad=False):
    """A tensor of `lib` holding a copy of `x` (a NumPy array or a number)."""
    t = lib.tensor(np.array(x, copy=True))
    return t.requires_grad_() if requires_grad and t.is_floating_point() else t


def build(lib, case):
    """The distribution of `case` in `lib`, and its parameter tensors."""
    params = {k: lib_tensor(lib, v, requires_grad=True) if isinstance(v, np.ndarray) else v
              for k, v in case.params.items()}
    return case.ctor(lib.distributions, params), params


def outcome(dist, lib, method, case):
    """What `method` gives on `dist`: a tensor, or the type of the exception it raised."""
    try:
        if method == "log_prob" or method == "cdf":
            if case.value is None:
                return None
            return getattr(dist, method)(lib_tensor(lib, case.value))
        if method == "icdf":
            return None if case.quantile is None else dist.icdf(lib_tensor(lib, case.quantile))
        if method in ("entropy", "enumerate_support"):
            return getattr(dist, method)()
        return getattr(dist, method)
    except NotImplementedError:
        return NotImplementedError


def as_numpy(t):
    return t.detach().numpy() if isinstance(t, ember.Tensor) else t.detach().numpy(force=True)


def assert_close(e, t, where, rtol, atol):
    assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} != torch {tuple(t.shape)}"
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{where}: dtype {e.dtype} != {t.dtype}"
    np.testing.assert_allclose(as_numpy(e), as_numpy(t), rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=f"{where}: values differ")


def compare(case):
    """Assert that ember and torch agree on `case`."""
    e_dist, e_params = build(ember, case)
    t_dist, t_params = build(torch, case)
    assert tuple(e_dist.batch_shape) == tuple(t_dist.batch_shape)
    assert tuple(e_dist.event_shape) == tuple(t_dist.event_shape)
    assert e_dist.has_rsample == t_dist.has_rsample
    assert e_dist.has_enumerate_support == t_dist.has_enumerate_support
    e_loss, t_loss = 0, 0
    for method in METHODS:
        e_out, t_out = outcome(e_dist, ember, method, case), outcome(t_dist, torch, method, case)
        if t_out is None or t_out is NotImplementedError:
            assert e_out is t_out, f"{case}.{method}: ember gave {e_out}, torch {t_out}"
            continue
        assert e_out is not NotImplementedError, f"{case}.{method} is not implemented in ember"
        assert_close(e_out, t_out, f"{case}.{method}", case.rtol, case.atol)
        if method in case.no_grad:
            continue
        if t_out.is_floating_point() and t_out.requires_grad and bool(torch.isfinite(t_out).all()):
            e_loss, t_loss = e_loss + e_out.sum(), t_loss + t_out.sum()
    assert repr(e_dist) == repr(t_dist).replace("torch.", "ember."), "repr differs"
    assert repr(e_dist.support) == repr(t_dist.support).replace("torch.", "ember."), "support differs"
    assert list(e_dist.arg_constraints) == list(t_dist.arg_constraints)
    compare_expanded(e_dist, t_dist, case)
    if isinstance(t_loss, int):
        return
    e_loss.backward()
    t_loss.backward()
    for name, t_param in t_params.items():
        if isinstance(t_param, torch.Tensor) and t_param.requires_grad:
            e_grad, t_grad = e_params[name].grad, t_param.grad
            assert (e_grad is None) == (t_grad is None), f"{case}: grad of {name} is {e_grad}, torch {t_grad}"
            if t_grad is not None:
                assert_close(e_grad, t_grad, f"{case}: grad of {name}", case.rtol * 10, case.atol * 10)


def compare_expanded(e_dist, t_dist, case):
    """`expand` to a new leading batch dimension gives the same shapes and log_prob as in torch."""
    shape = (2,) + tuple(t_dist.batch_shape)
    e_big, t_big = e_dist.expand(shape), t_dist.expand(shape)
    assert type(e_big).__name__ == type(t_big).__name__
    assert tuple(e_big.batch_shape) == shape and tuple(e_big.event_shape) == tuple(t_big.event_shape)
    assert tuple(e_big.sample().shape) == tuple(t_big.sample().shape)
    if case.value is not None:
        value = np.asarray(case.value)
        event_ndims = len(t_dist.batch_shape) + len(t_dist.event_shape)
        if value.ndim >= event_ndims:  # the new batch dimension goes between the sample and the batch dimensions
            value = np.expand_dims(value, value.ndim - event_ndims)
        e_lp, t_lp = (d.log_prob(lib_tensor(lib, value)) for d, lib in ((e_big, ember), (t_big, torch)))
        assert_close(e_lp, t_lp, f"{case}.expand().log_prob", case.rtol, case.atol)


def cases_param(cases):
    """pytest.mark.parametrize over `cases`, named by the cases' names."""
    return pytest.mark.parametrize("case", cases, ids=[c.name for c in cases])
