"""Parity of the pointwise math ops (issue 3) with PyTorch: values, dtypes, gradients, in-place, out=."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember

FLOATS = [np.float32, np.float64]


def unit(*shape, dtype=np.float64, lo=0.05, hi=0.95, seed=0):
    return np.random.default_rng(seed + sum(shape)).uniform(lo, hi, shape).astype(dtype)


def ints(*shape, dtype=np.int64, lo=-5, hi=6, seed=0):
    return np.random.default_rng(seed + sum(shape)).integers(lo, hi, shape).astype(dtype)


def with_out(call):
    """A check function that calls `call(lib, *inputs, out)` with a fresh out= tensor like the first input
    and returns both the result and the out tensor."""
    def f(lib, *xs):
        out = lib.empty(3, 4, dtype=xs[0].dtype)
        return call(lib, *xs, out), out
    return f


def tol(dtype, name=""):
    if name in ("digamma", "lgamma"):  # polygamma(1, x) appears in gradients: torch's is only ~1e-9 accurate
        return {"grad_atol": 1e-4, "grad_rtol": 1e-4} if dtype == np.float32 else {"grad_rtol": 1e-8,
                                                                                  "grad_atol": 1e-8}
    return {"grad_atol": 1e-4, "grad_rtol": 1e-4} if dtype == np.float32 else {}


# name -> (input data maker(dtype), float-only)
UNARY = {
    "square": lambda d: randn(3, 4, dtype=d),
    "exp2": lambda d: randn(3, 4, dtype=d),
    "expm1": lambda d: randn(3, 4, dtype=d),
    "log1p": lambda d: unit(3, 4, dtype=d, hi=3),
    "log2": lambda d: unit(3, 4, dtype=d, hi=3),
    "log10": lambda d: unit(3, 4, dtype=d, hi=3),
    "rsqrt": lambda d: unit(3, 4, dtype=d, lo=0.3, hi=3),
    "sgn": lambda d: randn(3, 4, dtype=d),
    "floor": lambda d: randn(3, 4, dtype=d) * 3,
    "ceil": lambda d: randn(3, 4, dtype=d) * 3,
    "round": lambda d: randn(3, 4, dtype=d) * 3,
    "trunc": lambda d: randn(3, 4, dtype=d) * 3,
    "frac": lambda d: randn(3, 4, dtype=d) * 3,
    "tan": lambda d: unit(3, 4, dtype=d, lo=-1.2, hi=1.2),
    "asin": lambda d: unit(3, 4, dtype=d, lo=-0.9, hi=0.9),
    "acos": lambda d: unit(3, 4, dtype=d, lo=-0.9, hi=0.9),
    "atan": lambda d: randn(3, 4, dtype=d) * 2,
    "sinh": lambda d: randn(3, 4, dtype=d),
    "cosh": lambda d: randn(3, 4, dtype=d),
    "asinh": lambda d: randn(3, 4, dtype=d) * 2,
    "acosh": lambda d: unit(3, 4, dtype=d, lo=1.2, hi=4),
    "atanh": lambda d: unit(3, 4, dtype=d, lo=-0.9, hi=0.9),
    "logit": lambda d: unit(3, 4, dtype=d),
    "nan_to_num": lambda d: randn(3, 4, dtype=d),
    "erf": lambda d: randn(3, 4, dtype=d) * 2,
    "erfc": lambda d: randn(3, 4, dtype=d) * 2,
    "erfinv": lambda d: unit(3, 4, dtype=d, lo=-0.95, hi=0.95),
    "lgamma": lambda d: unit(3, 4, dtype=d, lo=-4.5, hi=8),
    "digamma": lambda d: unit(3, 4, dtype=d, lo=-4.5, hi=8),
}
ZERO_GRAD = {"sgn", "floor", "ceil", "round", "trunc"}  # torch gives a ZeroTensor gradient: add a path


def _op(name, method=False):
    if name in ZERO_GRAD:
        return (lambda lib, x: (getattr(x, name)(), x * 1)) if method else \
            (lambda lib, x: (getattr(lib, name)(x), x * 1))
    return (lambda lib, x: getattr(x, name)()) if method else (lambda lib, x: getattr(lib, name)(x))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, dtype):
    x = UNARY[name](dtype)
    check(_op(name), x, **tol(dtype, name))
    check(_op(name, True), x, **tol(dtype, name))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_order(name):
    def f(lib, x):
        y = getattr(lib, name)(x)
        g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        return g + x if name in ZERO_GRAD else g
    # torch's formulas name inner nodes differently
    check(f, UNARY[name](np.float64), check_grad_fn=False, **tol(np.float64, name), atol=1e-8)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
@pytest.mark.parametrize("name", sorted(UNARY) + ["erf_free_frac"])
def test_unary_integer_inputs(name, dtype):
    if name == "erf_free_frac":
        name = "frac"
    x = ints(3, 4, lo=0 if dtype in (np.uint8, np.bool_) else -3, hi=2 if dtype == np.bool_ else 4).astype(dtype)
    check(lambda lib, x: getattr(lib, name)(x), x)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_inplace_and_out(name):
    x = UNARY[name](np.float64)
    def on_clone(lib, x):
        t = x.clone()
        return getattr(t, name + "_")(), t
    check(on_clone, x, grad=False)
    if name in ("acosh", "asinh", "atanh"):  # torch: AcoshBackward1 etc., whose backward raises
        def f(lib, x):
            r = getattr(x * 1, name + "_")()
            with pytest.raises(NotImplementedError):
                r.sum().backward()
            return r.grad_fn.name().replace("ember::", "torch::")
        check(f, x)
    else:
        check(lambda lib, x: (getattr(x * 1, name + "_")(), x * 1), x, **tol(np.float64, name))
    check(lambda lib, x: getattr(x, name + "_")(), x)              # leaf requiring grad: RuntimeError
    check(with_out(lambda lib, x, out: getattr(lib, name)(x, out=out)), x, grad=False)
    i = ints(3, 4, lo=1, hi=4)
    check(lambda lib, i: getattr(i.clone(), name + "_")(), i)      # int in place: only where dtype stays


def test_round_decimals():
    x = randn(3, 4) * 100
    check(lambda lib, x: lib.round(x, decimals=0), ints(3, 4))
    for d in (1, 2, -1, 0):
        check(lambda lib, x, d=d: lib.round(x, decimals=d), x)
        check(lambda lib, x, d=d: x.round(decimals=d), x.astype(np.float32))
    check(lambda lib, x: lib.round(x, decimals=2), ints(3, 4))     # NotImplementedError for ints
    check(lambda lib, x: lib.round(x), np.array([0.5, 1.5, 2.5, -0.5, -1.5]))
    check(lambda lib, x: x.clone().round_(decimals=1), x, grad=False)


def test_aliases():
    x = unit(3, 4, lo=-0.9, hi=0.9)
    for name in ("arcsin", "arccos", "arctan", "arcsinh", "arctanh", "fix"):
        check(lambda lib, x, name=name: getattr(lib, name)(x), x)
        check(lambda lib, x, name=name: getattr(x, name)(), x)
    check(lambda lib, x: lib.arccosh(x + 2), x)
    check(lambda lib, x, y: lib.arctan2(x, y), x, randn(3, 4))


def test_stability():
    big = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    for dt in FLOATS:
        check(lambda lib, x: lib.expm1(x), big.astype(dt))
        check(lambda lib, x: lib.logit(x), big.astype(dt))
        check(lambda lib, x: lib.logit(x, eps=1e-6), big.astype(dt))
        check(lambda lib, x: lib.softmax(x, 0), big.astype(dt))
        check(lambda lib, x: lib.log_softmax(x, 0), big.astype(dt))
    check(lambda lib, x: lib.expm1(x), np.array([1e-10, -1e-12, 1e-300]))
    check(lambda lib, x: lib.log1p(x), np.array([1e-10, -1e-12, 1e-300]))


def test_logit_eps_and_edges():
    x = np.array([-0.5, 0.0, 0.05, 0.3, 0.97, 1.0, 1.5])
    check(lambda lib, x: lib.logit(x, eps=0.1), x)
    check(lambda lib, x: lib.logit(x, 0.1), x.astype(np.float32))
    check(lambda lib, x: lib.logit(x), np.array([-0.5, 0.3, 0.6, 1.5]))
    check(lambda lib, x: x.logit(eps=0.2), unit(3, 4))


def test_nan_to_num():
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0])
    for dt in FLOATS:
        check(lambda lib, x: lib.nan_to_num(x), x.astype(dt))
        check(lambda lib, x: lib.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0), x.astype(dt))
        check(lambda lib, x: x.nan_to_num(0.5, neginf=-1.0), x.astype(dt))
    check(lambda lib, x: x.clone().nan_to_num_(), x, grad=False)


# ---- binary and ternary --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,))])
@pytest.mark.parametrize("name", ["atan2", "hypot", "fmax", "fmin", "fmod"])
def test_binary(name, dtype, shapes):
    a, b = randn(*shapes[0], dtype=dtype), randn(*shapes[1], dtype=dtype, seed=3)
    b = np.where(np.abs(b) < 0.2, 0.7, b).astype(dtype)
    check(lambda lib, a, b: getattr(lib, name)(a, b), a, b, **tol(dtype))
    check(lambda lib, a, b: getattr(a, name)(b), a, b, **tol(dtype))


@pytest.mark.parametrize("name", ["atan2", "hypot", "fmax", "fmin", "fmod"])
def test_binary_dtypes_inplace_out_errors(name):
    a, b = randn(3, 4), randn(3, 4, seed=3) + 3
    i, j = ints(3, 4), ints(3, 4, lo=1, hi=4, seed=2)
    check(lambda lib, a, b: getattr(lib, name)(a, b), i, j)                     # int inputs
    check(lambda lib, a, b: getattr(lib, name)(a, b), a.astype(np.float32), b)  # promotion
    check(lambda lib, a, b: getattr(lib, name)(a, b), a, i)
    check(lambda lib, a: getattr(lib, name)(a, 2.0), a)                         # number other
    check(lambda lib, a, b: getattr(lib, name)(a, b), randn(3, 4), randn(2, 4))  # shape mismatch
    check(with_out(lambda lib, a, b, out: getattr(lib, name)(a, b, out=out)), a, b, grad=False)
    if hasattr(torch.Tensor, name + "_"):
        check(lambda lib, a, b: getattr(a.clone(), name + "_")(b), a, b, grad=False)
        check(lambda lib, a, b: getattr(a * 1, name + "_")(b), a, b)


def test_fmax_fmin_nan_and_ties():
    a = np.array([1.0, np.nan, 2.0, np.nan, 3.0])
    b = np.array([np.nan, 1.0, 2.0, np.nan, -1.0])
    check(lambda lib, a, b: lib.fmax(a, b), a, b)
    check(lambda lib, a, b: lib.fmin(a, b), a, b)


def test_fmod():
    a, b = randn(3, 4) * 5, randn(3, 4, seed=3) + 3
    check(lambda lib, a: lib.fmod(a, 1.5), a)
    check(lambda lib, a: a.fmod(-2), a)
    check(lambda lib, a, b: lib.fmod(a, b), a, b)
    check(lambda lib, a: lib.fmod(a, 0), ints(3, 4))                 # ZeroDivisionError (RuntimeError)
    check(lambda lib, a: lib.fmod(a, 3), ints(3, 4))
    check(lambda lib, a: a.clone().fmod_(1.5), a, grad=False)


@pytest.mark.parametrize("dtype", FLOATS)
def test_lerp(dtype):
    a, b, w = randn(3, 4, dtype=dtype), randn(3, 4, dtype=dtype, seed=1), unit(3, 4, dtype=dtype, lo=-0.5, hi=1.5)
    check(lambda lib, a, b: lib.lerp(a, b, 0.3), a, b, **tol(dtype))
    check(lambda lib, a, b: lib.lerp(a, b, 0.8), a, b, **tol(dtype))
    check(lambda lib, a, b, w: lib.lerp(a, b, w), a, b, w, **tol(dtype))
    check(lambda lib, a, b, w: a.lerp(b[0], w[:, :1]), a, b, w, **tol(dtype))
    check(lambda lib, a, b, w: (a * 1).lerp_(b, w), a, b, w, **tol(dtype))
    check(lambda lib, a, b: a.clone().lerp_(b, 0.25), a, b, grad=False)
    check(with_out(lambda lib, a, b, out: lib.lerp(a, b, 0.5, out=out)), a, b, grad=False)


def test_lerp_errors():
    a = randn(3, 4)
    check(lambda lib, a, b: lib.lerp(a, b, 0.5), a, a.astype(np.float32))     # dtype mismatch
    check(lambda lib, a, b: lib.lerp(a, a, b), a, a.astype(np.float32))       # weight dtype mismatch
    check(lambda lib, a: lib.lerp(a, 2.0, 0.5), a)                            # end must be a tensor
    check(lambda lib, a: lib.lerp(a, a, 0.5), ints(3, 4))                     # ints refused
    check(lambda lib, a, b: lib.lerp(a, b, 0.5), a, randn(2, 4))              # shapes


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv(name, dtype):
    a, b, c = randn(3, 4, dtype=dtype), randn(3, 4, dtype=dtype, seed=1), randn(3, 4, dtype=dtype, seed=2) + 3
    check(lambda lib, a, b, c: getattr(lib, name)(a, b, c), a, b, c, **tol(dtype))
    check(lambda lib, a, b, c: getattr(lib, name)(a, b, c, value=0.5), a, b, c, **tol(dtype))
    check(lambda lib, a, b, c: getattr(a, name)(b[0], c[:, :1], value=-2), a, b, c, **tol(dtype))
    check(lambda lib, a, b, c: getattr(a * 1, name + "_")(b, c, value=2), a, b, c, **tol(dtype))
    check(lambda lib, a, b, c: getattr(a.clone(), name + "_")(b, c), a, b, c, grad=False)
    check(with_out(lambda lib, a, b, c, out: getattr(lib, name)(a, b, c, out=out)), a, b, c, grad=False)


def test_addcmul_addcdiv_dtypes_and_errors():
    i, j, k = ints(3, 4), ints(3, 4, seed=1), ints(3, 4, lo=1, hi=4, seed=2)
    f = randn(3, 4)
    check(lambda lib, a, b, c: lib.addcmul(a, b, c), i, j, k)
    check(lambda lib, a, b, c: lib.addcmul(a, b, c), f.astype(np.float32), j, k)
    check(lambda lib, a, b, c: lib.addcmul(a, b, c), i, f, f)
    check(lambda lib, a, b, c: lib.addcdiv(a, b, c), i, j, k)                 # integer division refused
    check(lambda lib, a, b, c: lib.addcdiv(a, b, c), f, j, k)
    check(lambda lib, a, b, c: lib.addcdiv(a, b, c), i, f, f + 5)
    check(lambda lib, a, b, c: lib.addcmul(a, b, c), f, randn(2, 4), f)


# ---- softmax -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, dtype):
    x = randn(2, 3, 4, dtype=dtype) * 3
    for dim in (0, 1, -1):
        check(lambda lib, x, dim=dim: getattr(lib, name)(x, dim), x, **tol(dtype))
        check(lambda lib, x, dim=dim: getattr(x, name)(dim=dim), x, **tol(dtype))
    check(lambda lib, x: getattr(lib, name)(x, 1, dtype=lib.float64), x, **tol(dtype))
    check(lambda lib, x: getattr(lib, name)(x, 0), np.array(1.5, dtype=dtype))      # 0-dim
    check(lambda lib, x: getattr(lib, name)(x, 0), np.zeros((0, 3), dtype=dtype))   # empty


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_second_order_and_errors(name):
    def f(lib, x):
        y = getattr(lib, name)(x, 1)
        g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        return g
    check(f, randn(3, 4), check_grad_fn=False)
    check(lambda lib, x: getattr(lib, name)(x, 2), randn(3, 4))                      # IndexError
    check(lambda lib, x: getattr(lib, name)(x, 0), ints(3, 4))                       # ints refused
    check(lambda lib, x: getattr(lib, name)(x, 0, dtype=lib.float32), ints(3, 4))
    check(lambda lib, x: getattr(lib, name)(x, 0, dtype=lib.int64), randn(3, 4))
    check(lambda lib, x: getattr(lib, name)(x), randn(3, 4))                         # dim is required
    check(lambda lib, x: getattr(lib, name)(x, 1), np.array([[-np.inf, 0.0, 1.0], [1000.0, -1000.0, 0.0]]))


# ---- special functions: accuracy against torch over wide ranges ---------------------------------
def _close(name, x, rtol, atol=0.0):
    e = getattr(ember, name)(ember.tensor(x)).numpy()
    t = getattr(torch, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)


def test_erf_erfc_accuracy():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(5000) * 3, rng.uniform(-28, 28, 2000),
                        [0.0, -0.0, 1.0, -1.0, 1e-300, 5.9, 6.0, 26.5, np.inf, -np.inf, np.nan]])
    _close("erf", x, 1e-14)
    _close("erfc", x, 1e-13, 1e-300)
    _close("erf", x.astype(np.float32), 1e-6, 1e-30)
    _close("erfc", x.astype(np.float32), 1e-5, 1e-30)


def test_erfinv_accuracy():
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.uniform(-1, 1, 5000), 1 - 10.0 ** -rng.uniform(1, 15.5, 500),
                        [0.0, 1.0, -1.0, 1.5, -2.0, 1e-300, 0.5, -0.5, np.nan]])
    _close("erfinv", y, 1e-12)
    _close("erfinv", y.astype(np.float32), 1e-5, 1e-6)


def test_lgamma_digamma_accuracy():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(-20, 20, 5000), 10.0 ** rng.uniform(-8, 12, 1000),
                        [0.0, -1.0, -2.0, 1.0, 2.0, 0.5, np.inf, np.nan, -2.5]])
    _close("lgamma", x, 1e-12, 1e-13)
    _close("digamma", x, 1e-11, 1e-13)
    _close("lgamma", x.astype(np.float32), 1e-5, 1e-5)
    _close("digamma", x.astype(np.float32), 1e-4, 1e-5)


def test_special_second_order():
    def f(lib, x):
        g, = lib.autograd.grad(lib.lgamma(x).sum(), x, create_graph=True)
        return g
    check(f, unit(3, 4, lo=0.5, hi=6), atol=1e-8, grad_rtol=1e-8, grad_atol=1e-8)  # lgamma -> digamma -> trigamma

    def f3(lib, x):
        g, = lib.autograd.grad(lib.digamma(x).sum(), x, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), x, create_graph=True)
        return g2
    check(f3, unit(3, 4, lo=-3.5, hi=6), atol=1e-8, rtol=1e-8, grad_rtol=1e-8, grad_atol=1e-8)  # polygamma(2), (3)


def test_where_takes_a_uint8_condition_with_pytorchs_deprecation_warning():
    mask = np.array([1, 0, 1], dtype=np.uint8)
    with pytest.warns(UserWarning, match="where received a uint8 condition tensor"):
        check(lambda lib, m, x: lib.where(m, x, 0.0), mask, randn(3))
