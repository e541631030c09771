"""Parity of gather/scatter and the index ops (index_*, masked_*, take, put, nonzero) with PyTorch."""
import warnings

import numpy as np
import pytest
from parity import check, randn, torch

import ember

DTYPES = [np.float32, np.float64, np.int64]
TOL = {"grad_atol": 1e-6, "grad_rtol": 1e-6}


def values(*shape, dtype=np.float64, seed=0):
    """Test data of `dtype`: normal floats, or small integers."""
    if np.dtype(dtype).kind == "f":
        return randn(*shape, dtype=dtype, seed=seed)
    return np.random.default_rng(seed).integers(-5, 6, shape).astype(dtype)


def index(*shape, hi, seed=0, dtype=np.int64):
    """Random indices in [0, hi) (with repeats)."""
    return np.random.default_rng(seed + 7).integers(0, hi, shape).astype(dtype)


def distinct_index(shape, dim, n, seed=0):
    """Indices in [0, n) without repeats along `dim` (shape[dim] <= n), so scatter's result is determined."""
    rng = np.random.default_rng(seed + 11)
    full = list(shape)
    full[dim] = n
    return np.argsort(rng.random(full), axis=dim).take(range(shape[dim]), axis=dim).astype(np.int64)


# ---- gather / take_along_dim / take -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_gather(dtype, dim):
    x = values(3, 4, 5, dtype=dtype)
    shape = [2, 3, 4]
    shape[dim] = 6
    i = index(*shape, hi=x.shape[dim])
    check(lambda lib, x, i: lib.gather(x, dim, i), x, i, **TOL)
    check(lambda lib, x, i: x.gather(dim, i), x, i, **TOL)
    check(lambda lib, x, i: lib.gather(x, dim, index=i, sparse_grad=False), x, i, **TOL)


def test_gather_forms_and_errors():
    x = randn(3, 4)
    i = index(2, 4, hi=3)
    check(lambda lib, x, i: lib.gather(x, 0, i.int()), x, i)
    check(lambda lib, x, i: lib.gather(x, 0, i, out=lib.empty(0, dtype=lib.float64)), x, i, grad=False)
    check(lambda lib, x, i: lib.gather(x, 0, i, sparse_grad=True), x, i, check_grad_fn=True, grad=False)
    check(lambda lib, x, i: lib.gather(x, 0, i), np.array(2.5), np.array(0))
    check(lambda lib, x, i: lib.gather(x, 0, i), np.array(2.5), np.array([0, 0]))
    check(lambda lib, x, i: lib.gather(x, 0, i), np.array([2.5, 3.5]), np.array(1))
    check(lambda lib, x, i: lib.gather(x, 1, i), x, np.zeros((0, 2), np.int64))
    check(lambda lib, x, i: lib.gather(x, 1, i.to(lib.int16)), x, i)  # index dtype
    check(lambda lib, x, i: lib.gather(x, 1, i.float()), x, i)
    check(lambda lib, x, i: lib.gather(x, 1, i), x, np.array([[4]]))  # out of range
    check(lambda lib, x, i: lib.gather(x, 1, i), x, np.array([[-1]]))
    check(lambda lib, x, i: lib.gather(x, 2, i), x, i)  # bad dim
    check(lambda lib, x, i: lib.gather(x, 1, i), x, np.array([0]))  # ndim mismatch
    check(lambda lib, x, i: lib.gather(x, 1, i), x, np.zeros((4, 1), np.int64))  # index larger than input
    check(lambda lib, x, i: lib.gather(x, 1, i), x, np.zeros((2, 7), np.int64))  # larger along dim is fine


def test_gather_double_backward():
    x, g0 = randn(3, 4), randn(2, 4, seed=1)
    i = index(2, 4, hi=3)
    out = {}
    for lib in (ember, torch):
        xt, gt = lib.tensor(x, requires_grad=True), lib.tensor(g0, requires_grad=True)
        (gx,) = lib.autograd.grad(lib.gather(xt, 0, lib.tensor(i)), xt, gt, create_graph=True)
        (gg,) = lib.autograd.grad((gx * gx).sum(), gt)
        out[lib] = gx.detach().numpy(), gg.numpy()
    np.testing.assert_allclose(out[ember][0], out[torch][0])
    np.testing.assert_allclose(out[ember][1], out[torch][1])


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_take_along_dim(dim):
    x = randn(3, 4)
    i = index(3, 4, hi=3 if dim == 0 else 4) if dim is not None else index(5, hi=12)
    check(lambda lib, x, i: lib.take_along_dim(x, i, dim), x, i, **TOL)
    check(lambda lib, x, i: x.take_along_dim(i, dim=dim), x, i, **TOL)


def test_take_along_dim_broadcast_negative_and_errors():
    x = randn(3, 4)
    check(lambda lib, x, i: lib.take_along_dim(x, i, 1), x, np.array([[0, 3, 3]]))  # broadcast over dim 0
    check(lambda lib, x, i: lib.take_along_dim(x, i, 1), randn(1, 4), index(3, 2, hi=4))  # input broadcasts
    check(lambda lib, x, i: lib.take_along_dim(x, i, 1), x, np.array([[-1, -4, 2]]))
    check(lambda lib, x, i: lib.take_along_dim(x, i, 1, out=lib.empty(0, dtype=lib.float64)), x,
          np.array([[1]]), grad=False)
    check(lambda lib, x, i: lib.take_along_dim(x, i, 1), x, index(2, 2, hi=4))  # shapes don't broadcast
    check(lambda lib, x, i: lib.take_along_dim(x, i.int(), 1), x, index(3, 2, hi=4))
    check(lambda lib, x, i: lib.take_along_dim(x, i, 1), x, np.array([0]))
    check(lambda lib, x, i: lib.take_along_dim(x, i), x, np.array([-1]))
    check(lambda lib, x, i: lib.take_along_dim(x, i, 2), x, index(3, 2, hi=4))
    with pytest.raises(RuntimeError):  # PyTorch wraps 5 to 1 silently; ember refuses
        ember.take_along_dim(ember.tensor(x), ember.tensor([[5]]), 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_take(dtype):
    x = values(3, 4, dtype=dtype)
    i = np.array([[0, 5, -1], [11, -12, 5]])
    check(lambda lib, x, i: lib.take(x, i), x, i, **TOL)  # repeated 5: gradients add
    check(lambda lib, x, i: x.take(i), x, i, **TOL)
    check(lambda lib, x, i: lib.take(x, i, out=lib.empty(0, dtype=x.dtype)), x, i, grad=False)
    check(lambda lib, x, i: lib.take(x, i), np.array(2.5), np.array(0))
    check(lambda lib, x, i: lib.take(x, i), x, np.array([12]))
    check(lambda lib, x, i: lib.take(x, i), x, np.array([-13]))
    check(lambda lib, x, i: lib.take(x, i.int()), x, np.array([1]))


# ---- scatter ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_src(dtype, dim):
    x, s = values(4, 5, dtype=dtype), values(3, 4, dtype=dtype, seed=1)
    i = distinct_index((3, 4), dim, x.shape[dim])
    check(lambda lib, x, i, s: lib.scatter(x, dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: x.scatter(dim, i, src=s), x, i, s, **TOL)
    check(lambda lib, x, i, s: (x * 1).scatter_(dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: lib.scatter(x, dim, i, s, out=lib.empty(0, dtype=x.dtype)), x, i, s, grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_value(dtype):
    x = values(4, 5, dtype=dtype)
    i = index(2, 3, hi=4)
    for v in (2, -1.5, True):
        check(lambda lib, x, i: lib.scatter(x, 0, i, v), x, i, **TOL)
        check(lambda lib, x, i: x.scatter(1, i, value=v), x, i, **TOL)
        check(lambda lib, x, i: (x * 1).scatter_(0, i, v), x, i, **TOL)


def test_scatter_src_larger_than_index():
    x, s = randn(4, 5), randn(3, 6, seed=1)
    i = distinct_index((2, 4), 0, 4)
    check(lambda lib, x, i, s: lib.scatter(x, 0, i, s), x, i, s, grad=False)
    check(lambda lib, x, i, s: lib.scatter_add(x, 0, i, s), x, i, s, grad=False)
    # PyTorch's backward fails on a src larger than the index; ember's gives zeros where src was not read
    for op in (ember.scatter, ember.scatter_add):
        st = ember.tensor(s, requires_grad=True)
        op(ember.tensor(x), 0, ember.tensor(i), st).sum().backward()
        expected = np.zeros_like(s)
        expected[:2, :4] = 1
        np.testing.assert_array_equal(st.grad.numpy(), expected)
        assert ember.autograd.gradcheck(lambda s: op(ember.tensor(x), 0, ember.tensor(i), s), (st,))


@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_argument(dtype, reduce):
    x, s = values(3, 4, dtype=dtype), values(2, 4, dtype=dtype, seed=1)
    i = index(2, 4, hi=3)  # repeats combine
    check(lambda lib, x, i, s: lib.scatter(x, 0, i, s, reduce=reduce), x, i, s, grad=False)
    check(lambda lib, x, i, s: x.clone().scatter_(0, i, s, reduce=reduce), x, i, s, grad=False)
    check(lambda lib, x, i: x.clone().scatter_(0, i, 3, reduce=reduce), x, i, grad=False)
    check(lambda lib, x, i: x.scatter(0, i, value=3, reduce=reduce), x, i, grad=False)


@pytest.mark.filterwarnings("ignore:The reduce argument")
def test_scatter_reduce_argument_has_no_gradient():
    x, s = randn(3, 4), randn(2, 4, seed=1)
    i = index(2, 4, hi=3)
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        r = lib.scatter(xt, 0, lib.tensor(i), lib.tensor(s), reduce="add")
        assert r.grad_fn.name().split("::")[-1] == "NotImplemented"
        with pytest.raises(RuntimeError):
            r.sum().backward()
    with pytest.warns(UserWarning):
        ember.scatter(ember.tensor(x), 0, ember.tensor(i), ember.tensor(s), reduce="add")


def test_scatter_errors():
    x, s = randn(3, 4), randn(2, 4, seed=1)
    i = index(2, 4, hi=3)
    check(lambda lib, x, i, s: lib.scatter(x, 0, i.int(), s), x, distinct_index((2, 4), 0, 3), s)
    check(lambda lib, x, i, s: lib.scatter(x, 0, i.to(lib.int16), s), x, i, s)
    check(lambda lib, x, i, s: lib.scatter(x, 0, i.float(), s), x, i, s)
    check(lambda lib, x, i, s: lib.scatter(x, 1, i, s), x, np.array([[4]]), s)
    check(lambda lib, x, i, s: lib.scatter(x, 1, i, s), x, np.array([[-1]]), s)
    check(lambda lib, x, i, s: lib.scatter(x, 2, i, s), x, i, s)
    check(lambda lib, x, i, s: lib.scatter(x, 0, i, s.float()), x, i, s)  # dtype of src
    check(lambda lib, x, i, s: lib.scatter(x, 0, i, s), x, i, randn(1, 4))  # src smaller than index
    check(lambda lib, x, i, s: lib.scatter(x, 0, i, s), x, np.zeros((2, 5), np.int64), randn(2, 5))
    check(lambda lib, x, i, s: lib.scatter(x, 1, i, s), x, np.zeros((2, 7), np.int64), randn(2, 7), grad=False)
    check(lambda lib, x, i: lib.scatter(x, 1, i, 1.0), x, np.zeros(2, np.int64))
    check(lambda lib, x, i, s: lib.scatter(x, 1, i, s), x, i, np.array(2.0))  # 0-dim src tensor
    check(lambda lib, x, i: x.clone().scatter_(1, i, 2.0, reduce="max"), x, i, grad=False)
    check(lambda lib, x, i, s: lib.scatter_add(x, 0, i, s.float()), x, i, s)
    check(lambda lib, x, i, s: lib.scatter_add(x, 1, i, s), x, np.array([[4]]), s)
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "foo"), x, i, s)
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i.to(lib.int16), s, "sum"), x, i, s)


def test_scatter_zero_dim():
    check(lambda lib, x, i, s: lib.scatter(x, 0, i, s), np.array(1.5), np.array(0), np.array(2.5))
    check(lambda lib, x, i, s: lib.scatter_add(x, 0, i, s), np.array(1.5), np.array([0, 0]), np.array([2.5, 1.0]))


def test_scatter_gather_edge_cases():
    x, xi = randn(3, 4), np.arange(12).reshape(3, 4)
    empty = np.zeros((0, 9), np.int64)  # an empty index skips the shape checks
    check(lambda lib, x, i, s: x.scatter(0, i, s), x, empty, randn(2, 4), grad=False)
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, "amax"), x, empty, randn(2, 4), grad=False)
    check(lambda lib, x, i: x.gather(0, i), x, empty)
    check(lambda lib, x, i, s: x.scatter_add(0, i, s), np.zeros((3, 4), bool), np.zeros((1, 4), np.int64),
          np.ones((1, 4), bool))
    check(lambda lib, x, i: x.scatter(0, i, True), np.zeros((3, 4), bool), np.zeros((1, 4), np.int64))
    check(lambda lib, x, i, s: x.scatter_reduce(1, i, s, "amax", include_self=False), randn(2, 3, 4),
          index(2, 5, 3, hi=3), randn(2, 5, 3, seed=1), **TOL)
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, "prod", include_self=False), xi, np.zeros((2, 4), np.int64),
          xi[:2] + 1)
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, "mean"), -xi, np.zeros((2, 4), np.int64),
          np.full((2, 4), -7))
    check(lambda lib, x, i: lib.take_along_dim(x, i, 1), randn(2, 3, 4), index(1, 5, 4, hi=3), **TOL)


# ---- scatter_add ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -2])
def test_scatter_add(dtype, dim):
    x, s = values(3, 4, dtype=dtype), values(5, 3, dtype=dtype, seed=1)
    i = index(5, 3, hi=x.shape[dim])  # repeated indices add up, in the values and the gradients
    check(lambda lib, x, i, s: lib.scatter_add(x, dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: x.scatter_add(dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: (x * 1).scatter_add_(dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: lib.scatter_add(x, dim, i.int(), s), x, i, s, **TOL)
    check(lambda lib, x, i, s: lib.scatter_add(x, dim, i, s, out=lib.empty(0, dtype=x.dtype)), x, i, s, grad=False)


def test_scatter_add_many_repeats():
    """1000 values into 10 bins (the accumulation kernel)."""
    x, s = randn(10), randn(1000, seed=2)
    check(lambda lib, x, i, s: lib.scatter_add(x, 0, i, s), x, index(1000, hi=10), s, **TOL)
    check(lambda lib, x, i, s: lib.scatter_add(x, 0, i, s), values(10, dtype=np.int64), index(1000, hi=10),
          values(1000, dtype=np.int64))


# ---- scatter_reduce ---------------------------------------------------------------------------------
REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


def ties(*shape, seed=0, dtype=np.float64):
    """Small integer-valued data, so amax/amin have ties."""
    return np.random.default_rng(seed).integers(-3, 4, shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(dtype, reduce, include_self):
    x, s = values(3, 5, dtype=dtype), values(4, 5, dtype=dtype, seed=1)
    i = index(4, 5, hi=3)
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, reduce, include_self=include_self), x, i, s, **TOL)
    check(lambda lib, x, i, s: x.scatter_reduce(-1, i, s, reduce, include_self=include_self), x,
          index(3, 4, hi=5), values(3, 4, dtype=dtype, seed=2), **TOL)
    check(lambda lib, x, i, s: (x * 1).scatter_reduce_(0, i, s, reduce, include_self=include_self), x, i, s, **TOL)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_share_the_gradient(reduce, include_self):
    x, s = ties(3, 4) + (0 if include_self else 0.5), ties(6, 4, seed=1)  # see test_..._excluded_self_ties
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, reduce, include_self=include_self), x,
          index(6, 4, hi=3), s, **TOL)
    # PyTorch also takes 'max' and 'min' for amax and amin (its backward then fails; ember's does not)
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, reduce[1:], include_self=include_self), x,
          index(6, 4, hi=3), s, grad=False)


def test_scatter_reduce_excluded_self_ties():
    """With include_self=False, PyTorch still counts a self equal to the result when it shares the gradient
    among ties, so the src gradients sum to half of it; ember shares it among the elements that were reduced."""
    x, s = ember.tensor([3.0, 1.0]), ember.tensor([3.0, 3.0, 2.0], requires_grad=True)
    ember.scatter_reduce(x, 0, ember.tensor([0, 0, 1]), s, "amax", include_self=False).sum().backward()
    np.testing.assert_array_equal(s.grad.numpy(), [0.5, 0.5, 1.0])


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros(include_self):
    x, s = ties(3, 4), ties(6, 4, seed=1)
    x[0, 0] = x[1, 1] = 0
    s[0, :] = s[3, 2] = s[4, 2] = 0
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "prod", include_self=include_self), x,
          index(6, 4, hi=3), s, **TOL)


def test_scatter_reduce_integer_mean_rounds_down():
    x, s = values(3, 6, dtype=np.int64), values(4, 6, dtype=np.int64, seed=3) * 7
    for include_self in (True, False):
        check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "mean", include_self=include_self), x,
              index(4, 6, hi=3), s)
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "sum", out=lib.empty(0, dtype=lib.int64)), x,
          index(4, 6, hi=3), s)


@pytest.mark.parametrize("reduce", ["amax", "amin", "mean", "prod", "sum"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradcheck(reduce, include_self):
    x = ember.tensor(np.arange(12.0).reshape(3, 4) / 7 + 0.3, requires_grad=True)
    s = ember.tensor(np.arange(24.0)[::-1].reshape(6, 4) / 5 - 2.1, requires_grad=True)  # no ties, no zeros
    i = ember.tensor(index(6, 4, hi=3))
    assert ember.autograd.gradcheck(
        lambda x, s: ember.scatter_reduce(x, 0, i, s, reduce, include_self=include_self), (x, s))


# ---- index_select / index_add / index_copy / index_fill ---------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dtype, dim):
    x = values(3, 4, 2, dtype=dtype)
    i = np.array([0, 2, 0, 1, 2])[: 5 if dim != -1 else 3] % x.shape[dim]  # repeats: gradients add
    check(lambda lib, x, i: lib.index_select(x, dim, i), x, i, **TOL)
    check(lambda lib, x, i: x.index_select(dim, i.int()), x, i, **TOL)
    check(lambda lib, x, i: lib.index_select(x, dim, i, out=lib.empty(0, dtype=x.dtype)), x, i, grad=False)


def test_index_select_edges_and_errors():
    x = randn(3, 4)
    check(lambda lib, x, i: lib.index_select(x, 0, i), x, np.array(1))
    check(lambda lib, x, i: lib.index_select(x, 0, i), x, np.zeros(0, np.int64))
    check(lambda lib, x, i: lib.index_select(x, 0, i), np.array(2.5), np.array([0]))
    check(lambda lib, x, i: lib.index_select(x, 0, i), np.array(2.5), np.array(0))
    check(lambda lib, x, i: lib.index_select(x, 0, i), np.array(2.5), np.array([0, 0]))
    check(lambda lib, x, i: lib.index_select(x, 0, i), x, np.array([3]))
    check(lambda lib, x, i: lib.index_select(x, 0, i), x, np.array([-1]))
    check(lambda lib, x, i: lib.index_select(x, 0, i), x, np.array([[0]]))
    check(lambda lib, x, i: lib.index_select(x, 0, i.to(lib.int16)), x, np.array([0]))
    check(lambda lib, x, i: lib.index_select(x, 0, i.float()), x, np.array([0]))
    check(lambda lib, x, i: lib.index_select(x, 2, i), x, np.array([0]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add(dtype, dim):
    x = values(3, 4, dtype=dtype)
    i = np.array([0, 2, 0, 0, 1])[:5 if x.shape[dim] == 3 else 5] % x.shape[dim]
    shape = [3, 4]
    shape[dim] = 5
    s = values(*shape, dtype=dtype, seed=1)
    check(lambda lib, x, i, s: lib.index_add(x, dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: x.index_add(dim, i.int(), s, alpha=3), x, i, s, **TOL)
    check(lambda lib, x, i, s: (x * 1).index_add_(dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: (x * 1).index_add_(dim, i, s, alpha=-2), x, i, s, **TOL)
    check(lambda lib, x, i, s: lib.index_add(x, dim, i, s, out=lib.empty(0, dtype=x.dtype)), x, i, s, grad=False)


def test_index_add_errors():
    x = randn(3, 4)
    check(lambda lib, x, i, s: lib.index_add(x, 0, i.to(lib.int16), s), x, np.array([0]), randn(1, 4))
    check(lambda lib, x, i, s: lib.index_add(x, 0, i, s), x, np.array([3]), randn(1, 4))
    check(lambda lib, x, i, s: lib.index_add(x, 0, i, s), x, np.array([-1]), randn(1, 4))
    check(lambda lib, x, i, s: lib.index_add(x, 0, i, s), x, np.array([1]), randn(1, 3))
    check(lambda lib, x, i, s: lib.index_add(x, 0, i, s), x, np.array([1, 2]), randn(1, 4))
    check(lambda lib, x, i, s: lib.index_add(x, 0, i, s.float()), x, np.array([1]), randn(1, 4))
    check(lambda lib, x, i, s: lib.index_add(x, 0, i, s), np.array(1.5), np.array([0]), np.array(2.0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_copy(dtype, dim):
    x = values(3, 4, dtype=dtype)
    i = np.array([2, 0])
    shape = [3, 4]
    shape[dim] = 2
    s = values(*shape, dtype=dtype, seed=1)
    check(lambda lib, x, i, s: lib.index_copy(x, dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: x.index_copy(dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: (x * 1).index_copy_(dim, i, s), x, i, s, **TOL)
    check(lambda lib, x, i, s: lib.index_copy(x, dim, i, s, out=lib.empty(0, dtype=x.dtype)), x, i, s, grad=False)


def test_index_copy_errors():
    x, s = randn(3, 4), randn(1, 4)
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i.int(), s), x, np.array([0]), s)
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i, s), x, np.array([3]), s)
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i, s), x, np.array([-1]), s)
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i, s), x, np.array([0]), randn(1, 3))
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i, s.float()), x, np.array([0]), s)
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i, s), x, np.array(1), randn(4))
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i, s), x, np.array(1), s)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_fill(dtype, dim):
    x = values(3, 4, dtype=dtype)
    i = np.array([2, 0, -1, 2])  # negative and repeated
    for v in (1.5, -2, True):
        check(lambda lib, x, i: lib.index_fill(x, dim, i, v), x, i, **TOL)
        check(lambda lib, x, i: (x * 1).index_fill_(dim, i, v), x, i, **TOL)
    i = i[[0, 1, 3]]  # PyTorch's gradient for a tensor value fails on negative indices
    v = np.array(2.5, dtype=np.float64 if dtype != np.float32 else np.float32)
    if dtype != np.int64:
        check(lambda lib, x, i, v: x.index_fill(dim, i, v), x, i, v, **TOL)  # the value's gradient
        check(lambda lib, x, i, v: (x * 1).index_fill_(dim, i, v), x, i, v, **TOL)


def test_index_fill_errors():
    x = randn(3, 4)
    check(lambda lib, x, i: lib.index_fill(x, 0, i.int(), 1.0), x, np.array([0]))
    check(lambda lib, x, i: lib.index_fill(x, 0, i, 1.0), x, np.array([3]))
    check(lambda lib, x, i: lib.index_fill(x, 0, i, 1.0), x, np.array([-4]))
    check(lambda lib, x, i, v: lib.index_fill(x, 0, i, v), x, np.array([0]), randn(1))
    check(lambda lib, x, i: lib.index_fill(x, 2, i, 1.0), x, np.array([0]))
    check(lambda lib, x, i: lib.index_fill(x, 0, i, 1.0), np.array(2.5), np.array([0]))


# ---- index_put --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put(dtype, accumulate):
    x = values(4, 3, dtype=dtype)
    rows, cols = np.array([0, 2, 3]), np.array([1, 1, 0])
    v = values(3, dtype=dtype, seed=1)
    check(lambda lib, x, r, c, v: lib.index_put(x, (r, c), v, accumulate), x, rows, cols, v, **TOL)
    check(lambda lib, x, r, c, v: x.index_put([r, c], v, accumulate=accumulate), x, rows, cols, v, **TOL)
    check(lambda lib, x, r, c, v: (x * 1).index_put_((r, c), v, accumulate), x, rows, cols, v, **TOL)
    check(lambda lib, x, r, v: lib.index_put_(x * 1, (r,), v, accumulate), x, rows, values(3, dtype=dtype), **TOL)
    check(lambda lib, x, r, v: x.index_put((r.int(),), v, accumulate), x, rows, values(1, 3, dtype=dtype), **TOL)
    mask = np.array([True, False, True, True])
    check(lambda lib, x, m, v: x.index_put((m,), v, accumulate), x, mask, values(3, dtype=dtype), **TOL)
    check(lambda lib, x, m, v: x.index_put((m,), v, accumulate), x, mask.astype(np.uint8), values(3, dtype=dtype))


def test_index_put_accumulate_repeats():
    x = randn(4, 3)
    rows, cols = np.array([0, 2, 0, 0, 3]), np.array([1, 1, 1, 1, -1])
    check(lambda lib, x, r, c, v: lib.index_put(x, (r, c), v, accumulate=True), x, rows, cols, randn(5), **TOL)
    check(lambda lib, x, r, v: lib.index_put(x, (r,), v, accumulate=True), x, rows, randn(5, 3), **TOL)
    check(lambda lib, x, r, v: lib.index_put(x, (r,), v, accumulate=True), x, rows, np.array(2.0), **TOL)
    check(lambda lib, x, r, v: (x * 1).index_put_((r,), v, accumulate=True), x, rows, randn(3), **TOL)
    check(lambda lib, x, r, v: lib.index_put(x, (r,), v, accumulate=True), values(4, 3, dtype=np.int64), rows,
          values(5, 3, dtype=np.int64))


def test_index_put_errors():
    x = randn(4, 3)
    rows = np.array([0, 2])
    check(lambda lib, x, r, v: lib.index_put(x, (r,), v), x, rows, randn(2, 3).astype(np.float32))
    check(lambda lib, x, r, v: lib.index_put(x, (r.float(),), v), x, rows, randn(2, 3))
    check(lambda lib, x, r, v: lib.index_put(x, (r.to(lib.int16),), v), x, rows, randn(2, 3))
    check(lambda lib, x, r, v: lib.index_put(x, (None, r), v), x, rows, randn(2, 3))
    check(lambda lib, x, r, v: lib.index_put(x, (r,), v, True), x, np.array([4]), randn(1, 3))
    check(lambda lib, x, r, v: lib.index_put(x, (r,), v, True), x, rows, randn(3, 3))


# ---- masked_select / masked_scatter -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_select(dtype):
    x = values(3, 4, dtype=dtype)
    m = np.random.default_rng(0).random((3, 4)) > 0.4
    check(lambda lib, x, m: lib.masked_select(x, m), x, m, **TOL)
    check(lambda lib, x, m: x.masked_select(m), x, m[0], **TOL)  # the mask broadcasts
    check(lambda lib, x, m: x.masked_select(m), x[:1], m, **TOL)  # the input broadcasts: gradients add
    check(lambda lib, x, m: lib.masked_select(x, m.reshape(3, 1, 4)), x, m, **TOL)
    check(lambda lib, x, m: lib.masked_select(x, m, out=lib.empty(0, dtype=x.dtype)), x, m, grad=False)
    check(lambda lib, x, m: lib.masked_select(x, m), np.array(2.5), np.array(True))


def test_masked_select_errors():
    x = randn(3, 4)
    check(lambda lib, x, m: lib.masked_select(x, m), x, np.ones(4, np.uint8))
    check(lambda lib, x, m: lib.masked_select(x, m), x, np.ones(4))
    check(lambda lib, x, m: lib.masked_select(x, m), x, np.ones(3, bool))


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_scatter(dtype):
    x, s = values(3, 4, dtype=dtype), values(14, dtype=dtype, seed=1)
    m = np.random.default_rng(0).random((3, 4)) > 0.4
    check(lambda lib, x, m, s: lib.masked_scatter(x, m, s), x, m, s, **TOL)
    check(lambda lib, x, m, s: x.masked_scatter(m, s.reshape(2, 7)), x, m, s, **TOL)
    check(lambda lib, x, m, s: (x * 1).masked_scatter_(m, s), x, m, s, **TOL)
    check(lambda lib, x, m, s: (x * 1).masked_scatter_(m[1], s), x, m, s, **TOL)  # the mask broadcasts
    check(lambda lib, x, m, s: x.masked_scatter(m, s), x[:1], m, s, **TOL)  # self broadcasts out of place


def test_masked_scatter_errors():
    x = randn(3, 4)
    m = np.ones((3, 4), bool)
    check(lambda lib, x, m, s: x.masked_scatter(m, s), x, m, randn(5))
    check(lambda lib, x, m, s: x.masked_scatter(m, s), x, m, randn(12).astype(np.float32))
    check(lambda lib, x, m, s: x.masked_scatter(m, s), x, m.astype(np.uint8), randn(12))
    check(lambda lib, x, m, s: x.clone().masked_scatter_(m, s), x[:1], m, randn(12))


# ---- nonzero / argwhere / put -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_nonzero(dtype):
    x = (np.random.default_rng(0).integers(0, 3, (3, 4, 2)) * (np.arange(2) + 1)).astype(dtype)
    check(lambda lib, x: lib.nonzero(x), x, grad=False)
    check(lambda lib, x: x.nonzero(), x, grad=False)
    check(lambda lib, x: lib.nonzero(x, as_tuple=True), x, grad=False)
    check(lambda lib, x: lib.argwhere(x), x, grad=False)
    check(lambda lib, x: x.argwhere(), x, grad=False)
    check(lambda lib, x: lib.nonzero(x, out=lib.empty(0, dtype=lib.int64)), x, grad=False)
    for scalar in (np.array(2, dtype), np.array(0, dtype)):
        check(lambda lib, x: lib.nonzero(x), scalar, grad=False)
        check(lambda lib, x: lib.nonzero(x, as_tuple=True), scalar, grad=False)
        check(lambda lib, x: lib.argwhere(x), scalar, grad=False)
    check(lambda lib, x: lib.nonzero(x), np.zeros((2, 0), dtype), grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("accumulate", [False, True])
def test_put(dtype, accumulate):
    x = values(3, 4, dtype=dtype)
    i = np.array([[0, 5], [-1, 7]]) if not accumulate else np.array([[0, 5], [-1, 5]])  # repeats add up
    s = values(2, 2, dtype=dtype, seed=1)
    check(lambda lib, x, i, s: lib.put(x, i, s, accumulate), x, i, s, **TOL)
    check(lambda lib, x, i, s: x.put(i, s.reshape(4), accumulate=accumulate), x, i, s, **TOL)
    check(lambda lib, x, i, s: (x * 1).put_(i, s, accumulate), x, i, s, **TOL)


def test_put_errors():
    x = randn(3, 4)
    check(lambda lib, x, i, s: x.put(i, s), x, np.array([12]), randn(1))
    check(lambda lib, x, i, s: x.put(i, s), x, np.array([-13]), randn(1))
    check(lambda lib, x, i, s: x.put(i.int(), s), x, np.array([1]), randn(1))
    check(lambda lib, x, i, s: x.put(i, s), x, np.array([1, 2]), randn(1))
    check(lambda lib, x, i, s: x.put(i, s.float()), x, np.array([1]), randn(1))


# ---- in-place semantics -----------------------------------------------------------------------------
def test_in_place_writes_through_views_and_numpy():
    base = np.zeros((3, 4))
    x = ember.from_numpy(base)
    x.t().scatter_(0, ember.tensor([[1, 2]]), ember.ones(1, 2, dtype=ember.float64))  # a strided view
    x.index_fill_(0, ember.tensor([2]), 5.0)
    x.put_(ember.tensor([0]), ember.tensor([7.0], dtype=ember.float64), accumulate=True)
    expected = torch.zeros(3, 4, dtype=torch.float64)
    expected.t().scatter_(0, torch.tensor([[1, 2]]), torch.ones(1, 2, dtype=torch.float64))
    expected.index_fill_(0, torch.tensor([2]), 5.0)
    expected.put_(torch.tensor([0]), torch.tensor([7.0], dtype=torch.float64), accumulate=True)
    np.testing.assert_array_equal(base, expected.numpy())
    assert x._version == 3


def test_in_place_through_a_view_reaches_the_base_gradient():
    x, s = randn(3, 4), randn(1, 3, seed=1)
    check(lambda lib, x, s: _through_view(lib, x, s), x, s, **TOL)


def _through_view(lib, x, s):
    y = x * 2
    y[1:].scatter_add_(1, lib.tensor([[0, 0, 3]]), s)
    return y


def test_in_place_refuses_a_leaf_that_requires_grad():
    x = ember.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError):
        x.index_fill_(0, ember.tensor([0]), 1.0)
    with pytest.raises(RuntimeError):
        x.scatter_(0, ember.tensor([[0]]), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ember.no_grad():
            x.index_fill_(0, ember.tensor([0]), 1.0)
    assert (x[0] == 1).all()
