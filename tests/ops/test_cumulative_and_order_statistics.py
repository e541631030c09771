"""Parity of the further reductions (logsumexp, cumulative ops, nan-aware ops, order statistics) with PyTorch."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parity import check, randn, torch

import ember

FLOATS = [np.float32, np.float64]
TOL = {"grad_atol": 1e-4, "grad_rtol": 1e-4}


def ints(*shape, dtype=np.int64, lo=-5, hi=6, seed=0):
    return np.random.default_rng(seed + sum(shape)).integers(lo, hi, shape).astype(dtype)


def distinct(*shape, dtype=np.float64, seed=0):
    """Values without ties (so the selected index is unambiguous)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) - n // 2).reshape(shape).astype(dtype) * 0.5


# ---- logsumexp -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2), (-1, 0), [1]])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(dtype, dim, keepdim):
    x = randn(2, 3, 4, dtype=dtype)
    check(lambda lib, x: lib.logsumexp(x, dim, keepdim), x, **TOL)
    check(lambda lib, x: x.logsumexp(dim=dim, keepdim=keepdim), x, **TOL)


def test_logsumexp_stable_ints_and_errors():
    big = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1001.0]])
    check(lambda lib, x: lib.logsumexp(x, 1), big)
    check(lambda lib, x: lib.logsumexp(x, 0), big.astype(np.float32))
    check(lambda lib, x: lib.logsumexp(x, 0), np.array([-np.inf, -np.inf]), grad=False)
    check(lambda lib, x: lib.logsumexp(x, 0), np.array([np.inf, 1.0]), grad=False)
    check(lambda lib, x: lib.logsumexp(x, 0), ints(3, 4))
    check(lambda lib, x: lib.logsumexp(x, 0), np.array(2.5))
    check(lambda lib, x: lib.logsumexp(x, 3), randn(2, 3))
    check(lambda lib, x: lib.logsumexp(x, 1), np.zeros((2, 0)))
    check(lambda lib, x: lib.logsumexp(x, ()), randn(2, 3))


# ---- cumsum / cumprod ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_cumsum_cumprod(dtype, name, dim):
    x = randn(2, 3, 4, dtype=dtype)
    check(lambda lib, x: getattr(lib, name)(x, dim), x, **TOL)
    check(lambda lib, x: getattr(x, name)(dim=dim), x, **TOL)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_dtypes_and_errors(name):
    for dtype in [np.int64, np.int32, np.uint8, np.bool_]:
        check(lambda lib, x: getattr(x, name)(0), ints(3, 4, dtype=dtype, lo=0, hi=3))
    check(lambda lib, x: getattr(x, name)(1, dtype=lib.float64), randn(3, 4, dtype=np.float32))
    check(lambda lib, x: getattr(lib, name)(x, 0, dtype=lib.float32), ints(3, 4))
    check(lambda lib, x: getattr(x, name)(0), np.array(2.5))
    check(lambda lib, x: getattr(x, name)(-1), np.array(2.5))
    check(lambda lib, x: getattr(x, name)(1), np.zeros((2, 0)))
    check(lambda lib, x: getattr(x, name)(2), randn(3, 4))
    check(lambda lib, x: getattr(x, name)(), randn(3, 4))
    check(lambda lib, x: getattr(x, name)(0, dtype=lib.int32), randn(3, 4))  # no autograd for int results
    check(lambda lib, x: getattr(x, name)(0, dtype=lib.int32), randn(3, 4), grad=False)
    for dim in [1.5, True, None]:
        check(lambda lib, x: getattr(lib, name)(x, dim), randn(3, 4))
    check(lambda lib, x: getattr(lib, name)(x, lib.tensor(1)), randn(3, 4))
    check(lambda lib, x: getattr(lib, name)(x, x), randn(3, 4))


@pytest.mark.parametrize("dtype", FLOATS)
def test_cumprod_gradient_with_zeros(dtype):
    x = randn(3, 5, dtype=dtype)
    x[0, 2] = 0
    x[1, 0] = 0
    x[1, 3] = 0
    x[2, 4] = 0
    check(lambda lib, x: x.cumprod(1), x, **TOL)
    check(lambda lib, x: x.cumprod(0), x, **TOL)
    check(lambda lib, x: x.cumprod(0), np.array(0.0))


def test_cumsum_cumprod_higher_order():
    for name in ["cumsum", "cumprod"]:
        for zeros in [(), (1,), (1, 3), (0,), (0, 1)]:
            xs = randn(4, dtype=np.float64)
            xs[list(zeros)] = 0
            out = {}
            for lib in (ember, torch):
                x = lib.tensor(xs, requires_grad=True)
                y = (getattr(x, name)(0) ** 2).sum()
                (g,) = lib.autograd.grad(y, x, create_graph=True)
                (gg,) = lib.autograd.grad((g * lib.tensor(np.arange(4.0))).sum(), x)
                out[lib.__name__] = (g.detach().numpy(), gg.numpy())
            np.testing.assert_allclose(out["ember"][0], out["torch"][0], rtol=1e-10, atol=1e-10)
            np.testing.assert_allclose(out["ember"][1], out["torch"][1], rtol=1e-10, atol=1e-10)


# ---- nansum / nanmean / count_nonzero --------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nansum_nanmean(dtype, name, dim, keepdim):
    x = randn(3, 4, dtype=dtype)
    x[0, 1] = x[2, 3] = np.nan
    x[:, 2] = np.nan
    if dim is None and not keepdim:
        check(lambda lib, x: getattr(lib, name)(x), x)
        check(lambda lib, x: getattr(x, name)(), x)
    else:
        check(lambda lib, x: getattr(lib, name)(x, dim, keepdim), x)
        check(lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim), x)


def test_nan_ops_ints_and_dtype():
    check(lambda lib, x: x.nansum(), ints(3, 4))
    check(lambda lib, x: x.nansum(1, dtype=lib.float32), ints(3, 4))
    check(lambda lib, x: x.nansum(), ints(3, dtype=np.bool_, lo=0, hi=2))
    check(lambda lib, x: x.nanmean(), ints(3, 4))
    check(lambda lib, x: x.nanmean(dtype=lib.float64), ints(3, 4))
    check(lambda lib, x: x.nanmean(0, dtype=lib.float64), randn(3, 4, dtype=np.float32))
    check(lambda lib, x: x.nansum(2), randn(3, 4))


def test_count_nonzero():
    x = ints(3, 4, lo=0, hi=2)
    for f in [lambda lib, x: lib.count_nonzero(x), lambda lib, x: x.count_nonzero(0),
              lambda lib, x: x.count_nonzero(-1), lambda lib, x: lib.count_nonzero(x, (0, 1)),
              lambda lib, x: lib.count_nonzero(x, dim=[1])]:
        check(f, x)
        check(f, x.astype(np.float32))
        check(f, x.astype(bool))
    check(lambda lib, x: x.count_nonzero(2), x)


# ---- std_mean / var_mean ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
def test_std_var_mean(dtype, name):
    x = randn(3, 4, 2, dtype=dtype)
    for kwargs in [{}, {"unbiased": False}, {"correction": 0}, {"correction": 2}, {"dim": 1},
                   {"dim": (0, 2), "keepdim": True}, {"dim": -1, "unbiased": False},
                   {"dim": 0, "correction": 0, "keepdim": True}]:
        check(lambda lib, x: getattr(lib, name)(x, **kwargs), x, **TOL)
    check(lambda lib, x: getattr(lib, name)(x, 1)[1], x, **TOL)  # only the mean used
    check(lambda lib, x: getattr(lib, name)(x, 1)[0], x, **TOL)
    check(lambda lib, x: getattr(lib, name)(x), ints(3, 4))
    check(lambda lib, x: getattr(lib, name)(x, 3), x)


# ---- aminmax ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_aminmax(dtype):
    x = randn(3, 4, dtype=dtype)
    check(lambda lib, x: lib.aminmax(x), x)
    check(lambda lib, x: x.aminmax(dim=0), x)
    check(lambda lib, x: x.aminmax(dim=-1, keepdim=True), x)
    check(lambda lib, x: lib.aminmax(x, keepdim=True), x)
    check(lambda lib, x: lib.aminmax(x, dim=0).max, x)
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    check(lambda lib, x: lib.aminmax(x), ties)
    check(lambda lib, x: lib.aminmax(x, dim=1), ties)
    check(lambda lib, x: lib.aminmax(x), ints(3, 4))
    check(lambda lib, x: lib.aminmax(x), np.zeros((0, 3)))
    check(lambda lib, x: lib.aminmax(x, dim=2), x)
    check(lambda lib, x: lib.aminmax(x, dim=(0, 1)), x)
    r = ember.aminmax(ember.tensor([1.0, 2.0]))
    assert r.min is r[0] and r.max is r[1]
    assert repr(r).startswith("ember.return_types.aminmax(\nmin=tensor(1.)")


# ---- cummax / cummin -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin(dtype, name, dim):
    x = randn(3, 5, dtype=dtype)
    check(lambda lib, x: getattr(lib, name)(x, dim), x)
    check(lambda lib, x: getattr(x, name)(dim=dim), x)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_ties_ints_errors(name):
    check(lambda lib, x: getattr(x, name)(1), np.array([[1.0, 3, 3, 2, 1], [5, 5, 0, 0, 1]]))
    check(lambda lib, x: getattr(x, name)(0), np.ones(4))
    check(lambda lib, x: getattr(x, name)(0), ints(5, 3))
    check(lambda lib, x: getattr(x, name)(0), np.array(2.5))
    check(lambda lib, x: getattr(x, name)(2), randn(3, 4))
    for dim in [1.5, True, None]:
        check(lambda lib, x: getattr(lib, name)(x, dim), randn(3, 4))
    check(lambda lib, x: getattr(lib, name)(x, lib.tensor(1)), randn(3, 4))
    check(lambda lib, x: getattr(lib, name)(x, x), randn(3, 4))
    r = getattr(ember.tensor([1.0, 2.0]), name)(0)
    assert r.values is r[0] and r.indices is r[1]
    assert repr(r).startswith(f"ember.return_types.{name}(\nvalues=")


# ---- median / kthvalue / mode ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_median(dtype):
    for shape in [(3, 4), (3, 5), (2, 3, 4)]:
        x = distinct(*shape, dtype=dtype)
        check(lambda lib, x: x.median(), x)
        check(lambda lib, x: lib.median(x), x)
        for dim in range(-len(shape), len(shape)):
            for keepdim in [False, True]:
                check(lambda lib, x: lib.median(x, dim, keepdim), x)
                check(lambda lib, x: x.median(dim=dim, keepdim=keepdim), x)
    check(lambda lib, x: x.median(), np.array([1.0, 3.0, 3.0, 2.0]))  # ties share the gradient
    check(lambda lib, x: x.median(), distinct(6, dtype=np.int64))
    check(lambda lib, x: x.median(0), distinct(5, 2, dtype=np.int64))
    check(lambda lib, x: x.median(), np.zeros(0), grad=False)
    check(lambda lib, x: x.median(0), np.zeros((0, 2)))
    check(lambda lib, x: x.median(0), np.array(2.5))
    check(lambda lib, x: x.median(2), randn(2, 3))


@pytest.mark.parametrize("dtype", FLOATS)
def test_kthvalue(dtype):
    x = distinct(3, 5, dtype=dtype)
    for k in [1, 3, 5]:
        check(lambda lib, x: x.kthvalue(k), x)
        check(lambda lib, x: lib.kthvalue(x, k, 1, True), x)
    for k in [1, 2, 3]:
        check(lambda lib, x: x.kthvalue(k, 0), x)
        check(lambda lib, x: x.kthvalue(k, dim=-2, keepdim=True), x)
    check(lambda lib, x: x.kthvalue(2, 0), distinct(4, 3, dtype=np.int32))
    check(lambda lib, x: x.kthvalue(1), np.array(2.5))
    check(lambda lib, x: x.kthvalue(0), x)
    check(lambda lib, x: x.kthvalue(6), x)
    check(lambda lib, x: x.kthvalue(1, 2), x)
    for k in [True, 2.0, np.int64(2)]:  # k must be an int: TypeError for a bool or a float
        check(lambda lib, x: lib.kthvalue(x, k), x)
    for k in [np.array(2), np.array([2]), np.array([2.0]), np.array([2, 3])]:  # a one-element integer tensor is an int
        check(lambda lib, x, k: lib.kthvalue(x, k), x, k)


@pytest.mark.parametrize("dtype", FLOATS)
def test_mode(dtype):
    x = np.array([[1.0, 3, 3, 2, 1], [5, 5, 0, 0, 1], [4, 2, 2, 2, 4]], dtype=dtype)
    check(lambda lib, x: x.mode(), x)
    check(lambda lib, x: lib.mode(x, 1, True), x)
    check(lambda lib, x: x.mode(0), x)
    check(lambda lib, x: x.mode(dim=-2, keepdim=True), x)
    check(lambda lib, x: x.mode(), ints(4, 7, lo=0, hi=3))
    check(lambda lib, x: x.mode(0), ints(6, 3, lo=0, hi=3, dtype=np.int32))
    check(lambda lib, x: x.mode(), np.array(2.5))
    check(lambda lib, x: x.mode(2), x)
    r = ember.mode(ember.tensor([1.0, 1.0, 2.0]))
    assert repr(r).startswith("ember.return_types.mode(\nvalues=tensor(1.)")


# ---- sum / mean / prod with dtype= -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "prod"])
def test_dtype_argument(name):
    x = randn(3, 4, dtype=np.float32)
    check(lambda lib, x: getattr(x, name)(dtype=lib.float64), x)
    check(lambda lib, x: getattr(lib, name)(x, 1, dtype=lib.float64), x)
    check(lambda lib, x: getattr(x, name)(0, keepdim=True, dtype=lib.float64), x)
    check(lambda lib, x: getattr(x, name)(dtype=lib.float32), ints(3, 4, lo=1, hi=3))
    check(lambda lib, x: getattr(x, name)(1, dtype=lib.float64), ints(3, 4, lo=1, hi=3))
    if name != "mean":
        check(lambda lib, x: getattr(x, name)(dtype=lib.int32), ints(3, 4, lo=1, hi=3))


# ---- property test ---------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data(),
       name=st.sampled_from(["cumsum", "logsumexp"]), keepdim=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 1000))
def test_cumsum_logsumexp_property(shape, data, name, keepdim, dtype, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.asarray(randn(*shape, dtype=np.dtype(dtype), seed=seed)) * 30
    if name == "cumsum":
        check(lambda lib, x: x.cumsum(dim), x, atol=1e-4, rtol=1e-4, **TOL)
    else:
        check(lambda lib, x: x.logsumexp(dim, keepdim), x, atol=1e-4, rtol=1e-5, **TOL)


# ---- quantile --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(dtype, interpolation):
    x = distinct(3, 4, 5, dtype=dtype)
    qt = np.array([0.0, 0.25, 0.45, 0.5, 0.9, 1.0], dtype=dtype)
    for dim in [None, 0, 1, -1]:
        for keepdim in [False, True]:
            check(lambda lib, x: lib.quantile(x, 0.3, dim, keepdim, interpolation=interpolation), x)
            check(lambda lib, x, q: x.quantile(q, dim=dim, keepdim=keepdim, interpolation=interpolation),
                  x, qt, grad=False)
    check(lambda lib, x: x.quantile(lib.tensor(qt), 1, interpolation=interpolation), x)
    check(lambda lib, x: x.quantile(lib.tensor(dtype(0.7)), -1, interpolation=interpolation), x)


def test_quantile_edge_cases_and_errors():
    x = randn(3, 4)
    check(lambda lib, x: x.quantile(0.5), np.array(2.0))
    check(lambda lib, x: x.quantile(0.5, 0), np.array(2.0))
    check(lambda lib, x: x.quantile(lib.tensor([0.2, 0.5], dtype=lib.float64)), np.array(2.0))
    check(lambda lib, x: x.quantile(lib.tensor([], dtype=lib.float64), 0), x, grad=False)
    check(lambda lib, x: x.quantile(0.5, 1), np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]), grad=False)
    check(lambda lib, x: x.quantile(0.5), np.array([1.0, 1.0, 2.0, 1.0]))
    check(lambda lib, x: x.quantile(1.5), x)
    check(lambda lib, x: x.quantile(-0.1), x)
    check(lambda lib, x: x.quantile(lib.tensor([0.2, 1.5], dtype=lib.float64)), x)
    check(lambda lib, x: x.quantile(lib.tensor([0.2, 0.5])), x)  # q dtype differs
    check(lambda lib, x: x.quantile(lib.tensor([[0.2]], dtype=lib.float64)), x)
    check(lambda lib, x: x.quantile(0.5, interpolation="foo"), x)
    check(lambda lib, x: x.quantile(0.5), ints(3, 4))
    check(lambda lib, x: x.quantile(0.5), np.zeros(0))
    check(lambda lib, x: x.quantile(0.5, 2), x)


def test_nan_in_selection_ops():
    x = np.array([[1.0, np.nan, 2.0, np.nan], [3.0, 1.0, 2.0, 0.0]])
    check(lambda lib, x: x.median(1), x)
    check(lambda lib, x: x.median(), x)
    check(lambda lib, x: x.kthvalue(1, 1), x)
    check(lambda lib, x: x.cummax(1), x)
    check(lambda lib, x: x.cummin(1), x)


@pytest.mark.parametrize("op", [
    lambda lib, x: lib.logsumexp(x, 1), lambda lib, x: x.cummax(1).values, lambda lib, x: x.cummin(0).values,
    lambda lib, x: x.nansum(0), lambda lib, x: lib.std_mean(x, 1)[0], lambda lib, x: lib.var_mean(x, 0)[1],
    lambda lib, x: x.median(1).values, lambda lib, x: x.quantile(0.3, 1), lambda lib, x: lib.aminmax(x, dim=1).max,
    lambda lib, x: x.cumprod(1)])
def test_higher_order(op):
    xs = distinct(3, 4) * 0.3
    xs[1, 2] = 0
    out = {}
    for lib in (ember, torch):
        x = lib.tensor(xs, requires_grad=True)
        y = (op(lib, x) ** 3).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(np.arange(12.0).reshape(3, 4))).sum(), x, allow_unused=True)
        out[lib.__name__] = (g.detach().numpy(), None if gg is None else gg.numpy())
    np.testing.assert_allclose(out["ember"][0], out["torch"][0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(out["ember"][1], out["torch"][1], rtol=1e-9, atol=1e-9)


BINCOUNT = {
    "counts": lambda lib, w: lib.bincount(lib.tensor([0, 1, 1, 3])),
    "method": lambda lib, w: lib.tensor([2, 2, 0]).bincount(),
    "minlength": lambda lib, w: lib.bincount(lib.tensor([0, 1, 1, 3]), minlength=6),
    "empty": lambda lib, w: lib.bincount(lib.tensor([], dtype=lib.int64)),
    "empty minlength": lambda lib, w: lib.bincount(lib.tensor([], dtype=lib.int64), minlength=3),
    "uint8": lambda lib, w: lib.bincount(lib.tensor([0, 1, 1, 3], dtype=lib.uint8)),
    "weights": lambda lib, w: lib.bincount(lib.tensor([0, 1, 1, 3]), weights=w),
    "float32 weights": lambda lib, w: lib.bincount(lib.tensor([0, 1, 1, 3]), weights=w.float()),
    "int weights": lambda lib, w: lib.bincount(lib.tensor([0, 1, 1, 3]), weights=lib.tensor([1, 2, 3, 4])),
    "negative": lambda lib, w: lib.bincount(lib.tensor([-1, 2])),
    "2-d": lambda lib, w: lib.bincount(lib.tensor([[1, 2]])),
    "float input": lambda lib, w: lib.bincount(lib.tensor([1.0, 2.0])),
    "weights of another length": lambda lib, w: lib.bincount(lib.tensor([1, 2]), weights=w),
    "negative minlength": lambda lib, w: lib.bincount(lib.tensor([1, 2]), minlength=-1),
}


@pytest.mark.parametrize("fn", BINCOUNT.values(), ids=BINCOUNT.keys())
def test_bincount(fn):
    check(fn, np.array([0.5, 1.0, 1.5, 2.0]))


def test_bincount_is_not_differentiable_in_its_weights():
    check(lambda lib, w: lib.bincount(lib.tensor([0, 1, 1]), weights=w).sum().backward(), np.array([0.5, 1.0, 2.0]))


@pytest.mark.parametrize("interpolation", ["nearest", "linear", "lower", "higher", "midpoint"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_quantile_ranks_in_the_input_dtype_as_torch(interpolation, dtype):
    """q * (n - 1) in the input's dtype: in float32, 1/6 * 3 rounds to 0.5, and 'nearest' then takes index 0."""
    check(lambda lib, x: lib.quantile(x.to(getattr(lib, dtype)), lib.tensor([1 / 6, 0.5, 0.7]).to(getattr(lib, dtype)),
                                      interpolation=interpolation), np.arange(4.0), grad=False)
