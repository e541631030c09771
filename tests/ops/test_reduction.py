"""Parity of the reductions (ember/ops/reduction.py) with PyTorch."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parity import check, randn, torch

import ember

FLOATS = [np.float32, np.float64]


def ints(*shape, dtype=np.int64, lo=-5, hi=6, seed=0):
    return np.random.default_rng(seed + sum(shape)).integers(lo, hi, shape).astype(dtype)


DIMS = [None, 0, 1, -1, (0, 2), (-1, 0), ()]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["sum", "mean"])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean(name, dtype, dim, keepdim):
    x = randn(2, 3, 4, dtype=dtype)
    if dim is None:
        check(lambda lib, x: getattr(lib, name)(x), x)
        check(lambda lib, x: getattr(x, name)(), x)
    else:
        check(lambda lib, x: getattr(lib, name)(x, dim, keepdim), x)
        check(lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim), x)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_sum_prod_of_ints(dtype):
    x = ints(3, 4, dtype=dtype, lo=0, hi=3)
    for f in [lambda lib, x: x.sum(), lambda lib, x: x.sum(0), lambda lib, x: x.prod(),
              lambda lib, x: x.prod(1, keepdim=True), lambda lib, x: x.mean(), lambda lib, x: x.sum(dtype=lib.float32),
              lambda lib, x: x.mean(dtype=lib.float64), lambda lib, x: x.mean(1, dtype=lib.float32)]:
        check(f, x)


def test_dtype_argument():
    x = randn(3, 4, dtype=np.float32)
    check(lambda lib, x: x.sum(dtype=lib.float64), x)
    check(lambda lib, x: lib.sum(x, 1, dtype=lib.float64), x)
    check(lambda lib, x: x.mean(dtype=lib.float64), x)
    check(lambda lib, x: x.prod(dtype=lib.float64), x)


def test_zero_dim_and_empty():
    check(lambda lib, x: x.sum(), np.array(2.5))
    check(lambda lib, x: x.sum(0), np.array(2.5))
    check(lambda lib, x: x.mean(), np.array(2.5))
    check(lambda lib, x: x.sum(), np.zeros((0, 3)))
    check(lambda lib, x: x.sum(0), np.zeros((0, 3)))
    check(lambda lib, x: x.prod(), np.zeros((0, 3)))


def test_dim_errors():
    x = randn(2, 3)
    check(lambda lib, x: x.sum(2), x)
    check(lambda lib, x: x.sum((0, 0)), x)
    check(lambda lib, x: x.mean(-3), x)
    check(lambda lib, x: x.max(5), x)


@pytest.mark.parametrize("dtype", FLOATS)
def test_prod(dtype):
    x = randn(3, 4, dtype=dtype)
    check(lambda lib, x: x.prod(), x)
    check(lambda lib, x: lib.prod(x, 0), x)
    check(lambda lib, x: x.prod(-1, keepdim=True), x)
    z = x.copy()
    z[1, 2] = 0
    check(lambda lib, x: x.prod(), z)
    check(lambda lib, x: x.prod(1), z)
    z[1, 3] = 0
    check(lambda lib, x: x.prod(), z)
    check(lambda lib, x: x.prod(0), z)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_max_min(name, dtype):
    x = randn(3, 4, dtype=dtype)
    check(lambda lib, x: getattr(x, name)(), x)
    for dim in [0, 1, -1]:
        for keepdim in [False, True]:
            check(lambda lib, x: getattr(lib, name)(x, dim, keepdim), x)
            check(lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim), x)
    r = check(lambda lib, x: getattr(x, name)(1), x)
    assert r.values is r[0] and r.indices is r[1]
    other = randn(4, dtype=dtype, seed=3)
    check(lambda lib, x, o: getattr(lib, name)(x, o), x, other)
    check(lambda lib, x, o: getattr(x, name)(o), x, other)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_max_min_ties_share_gradient(name):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    check(lambda lib, x: getattr(x, name)(), x)
    check(lambda lib, x: getattr(x, name)(1), x)
    check(lambda lib, x: getattr(x, name)(0), np.ones((3, 2)))


def test_max_min_ints_and_errors():
    x = ints(3, 4)
    for f in [lambda lib, x: x.max(), lambda lib, x: x.min(0), lambda lib, x: x.amax(1), lambda lib, x: x.argmax(),
              lambda lib, x: lib.max(x, 1, keepdim=True)]:
        check(f, x)
    check(lambda lib, x: x.max(), np.zeros((0, 3)))
    check(lambda lib, x: x.max(0), np.zeros((0, 3)))
    check(lambda lib, x: x.max(1), np.zeros((0, 3)))
    check(lambda lib, x: x.max(0), np.array(3.0))


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [(), 0, 1, (0, 1), -1, [0]])
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin(name, dim, keepdim):
    x = randn(3, 4, 2)
    check(lambda lib, x: getattr(lib, name)(x, dim, keepdim), x)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name):
    x = randn(3, 4)
    check(lambda lib, x: getattr(lib, name)(x), x)
    check(lambda lib, x: getattr(x, name)(keepdim=True), x)
    for dim in [0, 1, -1]:
        check(lambda lib, x: getattr(x, name)(dim), x)
        check(lambda lib, x: getattr(x, name)(dim, keepdim=True), x)
    check(lambda lib, x: getattr(x, name)(), np.array([1.0, 3.0, 3.0, 0.0]))  # first of the ties
    check(lambda lib, x: getattr(x, name)(0), np.array(3.0))
    check(lambda lib, x: getattr(x, name)(), ints(2, 5))


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_var_std(name, dtype):
    x = randn(3, 4, 2, dtype=dtype)
    for kwargs in [{}, {"unbiased": False}, {"unbiased": True}, {"correction": 0}, {"correction": 2},
                   {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": -1, "unbiased": False},
                   {"dim": 0, "correction": 0, "keepdim": True}]:
        check(lambda lib, x: getattr(lib, name)(x, **kwargs), x, grad_atol=1e-4, grad_rtol=1e-4)
        check(lambda lib, x: getattr(x, name)(**kwargs), x, grad_atol=1e-4, grad_rtol=1e-4)
    check(lambda lib, x: getattr(x, name)(1, True), x)
    check(lambda lib, x: getattr(x, name)(False), x)
    check(lambda lib, x: getattr(x, name)(), ints(3, 4))
    check(lambda lib, x: getattr(x, name)(), np.array([2.0]))


@pytest.mark.parametrize("p", [2, 1, float("inf"), 3, "fro", 0.5, -float("inf"), 0])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm(p, dim, keepdim):
    x = randn(3, 4)
    if p == "fro" and dim is not None and not isinstance(dim, tuple):
        dim = (dim,)
    check(lambda lib, x: lib.norm(x, p, dim, keepdim), x)
    check(lambda lib, x: x.norm(p=p, dim=dim, keepdim=keepdim), x)


def test_norm_defaults_and_zero():
    check(lambda lib, x: x.norm(), randn(3, 4, dtype=np.float32))
    check(lambda lib, x: x.norm(), np.zeros(3))
    check(lambda lib, x: x.norm(1), np.zeros(3))
    check(lambda lib, x: lib.norm(x), ints(3))


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name):
    for x in [randn(3, 4) > 0, ints(3, 4, lo=0, hi=2), randn(3, 4), np.zeros((0, 2), dtype=bool)]:
        check(lambda lib, x: getattr(lib, name)(x), x, grad=False)
        check(lambda lib, x: getattr(x, name)(0), x, grad=False)
        check(lambda lib, x: getattr(x, name)(1, keepdim=True), x, grad=False)
    check(lambda lib, x: getattr(x, name)(), ints(3, dtype=np.uint8, lo=0, hi=2))


def test_sum_to_size():
    x = randn(2, 3, 4)
    check(lambda lib, x: x.sum_to_size(3, 1), x)
    check(lambda lib, x: x.sum_to_size((1, 3, 4)), x)
    check(lambda lib, x: x.sum_to_size(2, 3, 4), x)
    check(lambda lib, x: x.sum_to_size(3, 3), x)


# ---- property tests --------------------------------------------------------------------------------
@st.composite
def shape_and_dims(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                         unique_by=lambda d: d % len(shape)))
    return shape, tuple(dims)


REDUCTIONS = {
    "sum": lambda lib, x, d, k: x.sum(d, keepdim=k), "mean": lambda lib, x, d, k: x.mean(d, keepdim=k),
    "amax": lambda lib, x, d, k: x.amax(d, keepdim=k), "amin": lambda lib, x, d, k: x.amin(d, keepdim=k),
    "var": lambda lib, x, d, k: x.var(d, keepdim=k, correction=0),
    "std": lambda lib, x, d, k: x.std(d, keepdim=k, unbiased=False),
    "norm": lambda lib, x, d, k: x.norm(2, d, k), "norm1": lambda lib, x, d, k: x.norm(1, d, k),
    "max": lambda lib, x, d, k: x.max(d[0], keepdim=k), "min": lambda lib, x, d, k: x.min(d[0], keepdim=k),
    "prod": lambda lib, x, d, k: x.prod(d[0], keepdim=k), "argmax": lambda lib, x, d, k: x.argmax(d[0], k),
    "logsumexp_like": lambda lib, x, d, k: (x - x.amax(d, keepdim=True)).exp().sum(d, keepdim=k).log(),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sd=shape_and_dims(), name=st.sampled_from(sorted(REDUCTIONS)), keepdim=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 1000))
def test_reduction_property(sd, name, keepdim, dtype, seed):
    shape, dims = sd
    x = np.asarray(randn(*shape, dtype=np.dtype(dtype), seed=seed))
    check(lambda lib, x: REDUCTIONS[name](lib, x, dims, keepdim), x, grad_atol=1e-4, grad_rtol=1e-4,
          atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.norm(x, dtype=lib.float64), lambda lib, x: lib.norm(x, 1, dim=0, dtype=lib.float64),
    lambda lib, x: x.norm(float("inf"), dtype=lib.float64), lambda lib, x: lib.norm(x.double(), dtype=lib.float32),
    lambda lib, x: lib.norm(x.long(), dtype=lib.float32), lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.float64),
    lambda lib, x: lib.linalg.matrix_norm(x, dtype=lib.float64)],
    ids=["norm", "norm-1-dim", "method-inf", "narrowing", "integer", "vector_norm", "matrix_norm"])
def test_norm_dtype(call):
    """torch.norm's dtype= computes in that dtype (it was ignored), with linalg.vector_norm's rules."""
    check(call, randn(3, 4).astype(np.float32))


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize("shape, kwargs", [((1,), {}), ((3, 1), {"dim": 1}), ((3,), {"correction": 3}),
                                           ((0,), {}), ((3,), {})])
def test_spread_without_degrees_of_freedom_warns_as_torch(name, shape, kwargs):
    """Without degrees of freedom (the reduced size at most the correction): PyTorch's UserWarning, no NumPy
    warning, and the same values (nan or inf)."""
    results = []
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(lib, name)(lib.ones(shape), **kwargs)
        out = out if isinstance(out, tuple) else (out,)
        results.append(([o.tolist() for o in out], [(w.category, str(w.message).split(" (Triggered")[0])
                                                   for w in caught]))
    np.testing.assert_equal(results[1], results[0])


def test_float_of_a_tensor_requiring_grad_warns_once_as_torch(monkeypatch):
    """PyTorch warns once per process, and not under no_grad (its own warning may have fired already, so only
    ember's is checked)."""
    monkeypatch.setattr(ember._tensor, "_WARNED_SCALAR", [False])
    x = ember.ones(1, requires_grad=True)
    with ember.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("error")
        float(x)
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True to a scalar"):
        float(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        float(x), int(x), x.item(), bool(x), float(x.detach())


HALF_REDUCTIONS = {
    "sum": lambda lib, x: x.sum(), "sum dim": lambda lib, x: x.sum(1), "mean": lambda lib, x: x.mean(),
    "mean dim": lambda lib, x: x.mean(0), "var": lambda lib, x: x.var(), "std dim": lambda lib, x: x.std(1),
    "var_mean": lambda lib, x: lib.var_mean(x, 1)[0], "norm": lambda lib, x: x.norm(),
    "vector_norm dim": lambda lib, x: lib.linalg.vector_norm(x, dim=1), "logsumexp": lambda lib, x: x.logsumexp(1),
    "nansum": lambda lib, x: x.nansum(), "nanmean": lambda lib, x: x.nanmean(1),
    "prod": lambda lib, x: x[:, :40].prod(1), "cumsum": lambda lib, x: x.cumsum(1)[:, -1],
    "cumprod": lambda lib, x: x[:, :40].cumprod(1)[:, -1], "logcumsumexp": lambda lib, x: x.logcumsumexp(1)[:, -1],
    "softmax": lambda lib, x: lib.softmax(x, 1)[:, :3], "log_softmax": lambda lib, x: lib.log_softmax(x, 1)[:, :3],
    "layer_norm": lambda lib, x: lib.nn.functional.layer_norm(x, (300,))[:, :3],
    "group_norm": lambda lib, x: lib.nn.functional.group_norm(x.reshape(64, 30, 10), 3)[:, :3],
    "batch_norm": lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True)[:, :3],
    "cross_entropy": lambda lib, x: lib.nn.functional.cross_entropy(x, lib.zeros(64, dtype=lib.long)),
    "mse_loss": lambda lib, x: lib.nn.functional.mse_loss(x, lib.zeros_like(x)),
    "sum of 20000 ones": lambda lib, x: lib.ones(20000, dtype=x.dtype).sum()}


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", HALF_REDUCTIONS)
def test_half_precision_reductions_accumulate_in_float32_as_torch(name, dtype):
    """Sums, means, norms, softmax and normalizations of float16 and bfloat16 accumulate in float32 and round once,
    as PyTorch's CPU kernels do (NumPy accumulates bfloat16 in bfloat16: a sum of 1000 ones gave 256)."""
    x = np.random.default_rng(0).random((64, 300)).astype(np.float32) + 0.5
    values = [HALF_REDUCTIONS[name](lib, lib.tensor(x).to(getattr(lib, dtype))) for lib in (torch, ember)]
    assert str(values[1].dtype).split(".")[1] == str(values[0].dtype).split(".")[1]
    expected = values[0].float().detach().numpy()
    step = 2.0 ** (-8 if dtype == "bfloat16" else -11)  # the dtype's relative rounding step
    if name == "prod":  # PyTorch multiplies in the half dtype itself: its own error grows with the 40 factors
        step *= 40
    np.testing.assert_allclose(values[1].float().detach().numpy(), expected, rtol=2 * step,
                               atol=2 * step * float(np.abs(expected).max()))


@pytest.mark.parametrize("keepdim", [True, False])
def test_logsumexp_over_an_empty_dim_list_as_torch(keepdim):
    """dim=() reduces every dim with keepdim (ember raised); without it PyTorch raises its own output error."""
    check(lambda lib, x: lib.logsumexp(x, dim=(), keepdim=keepdim), randn(2, 3))
