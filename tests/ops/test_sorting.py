"""Parity of sorting and selection (sort, argsort, msort, topk, unique, unique_consecutive, searchsorted,
bucketize) with PyTorch."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, torch

import ember
from ember.autograd import gradcheck, gradgradcheck

DTYPES = [np.float32, np.float64, np.int64]


def ties(*shape, dtype=np.float64, seed=0):
    """Values from a small range, so most of them repeat."""
    return np.random.default_rng(seed + sum(shape)).integers(-3, 4, shape).astype(dtype)


def distinct(*shape, dtype=np.float64, seed=0):
    """Values without ties (so the indices of topk are unambiguous)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) - n // 2).reshape(shape).astype(dtype) * 0.5


def with_nan(dtype=np.float64):
    x = ties(3, 5, dtype=dtype)
    x[0, 1] = x[0, 3] = x[2, 0] = np.nan
    x[1, 2] = np.inf
    x[2, 4] = -np.inf
    return x


# ---- sort / argsort / msort ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort_with_ties(dtype, dim, descending):
    x = ties(3, 4, 5, dtype=dtype)
    check(lambda lib, x: lib.sort(x, dim=dim, descending=descending, stable=True), x)
    check(lambda lib, x: x.sort(dim=dim, descending=descending), x)
    check(lambda lib, x: lib.argsort(x, dim=dim, descending=descending, stable=True), x)
    check(lambda lib, x: x.argsort(dim=dim, descending=descending, stable=True), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_nan_and_inf(dtype, descending):
    x = with_nan(dtype)
    check(lambda lib, x: lib.sort(x, descending=descending, stable=True), x)
    check(lambda lib, x: lib.sort(x, dim=0, descending=descending, stable=True), x)
    check(lambda lib, x: lib.argsort(x, dim=0, descending=descending, stable=True), x)


def test_sort_grad_fn_names_and_gradients():
    x = randn(4, 6)
    check(lambda lib, x: lib.sort(x), x)  # SortBackward0
    check(lambda lib, x: lib.sort(x, 0, True), x)
    check(lambda lib, x: lib.sort(x, stable=False), x)  # SortBackward1: the overload with `stable`
    check(lambda lib, x: lib.sort(x * 2, 1)[0] * 3, ties(4, 6))  # gradient through ties
    t = ember.tensor(randn(3, 5), requires_grad=True)
    assert gradcheck(lambda t: ember.sort(t, 1, True).values, [t])
    assert gradcheck(lambda t: ember.sort(t, 0).values, [t])
    assert gradgradcheck(lambda t: ember.sort(t, 1).values ** 2, [t])


def test_sort_edge_cases():
    check(lambda lib, x: lib.sort(x), np.array(2.5))
    check(lambda lib, x: lib.sort(x, 0, True), np.array(2.5))
    check(lambda lib, x: lib.argsort(x), np.array(2.5))
    check(lambda lib, x: lib.sort(x, 1), np.zeros((2, 0)))
    check(lambda lib, x: lib.sort(x, 0, True), np.array([True, False, True, False]))
    check(lambda lib, x: lib.sort(x, descending=True, stable=True), np.array([5, 3, 5, 3], dtype=np.uint8))
    check(lambda lib, x: lib.sort(x, descending=True, stable=True), np.array([2, 1, 2, 3], dtype=np.int32))


def test_sort_errors():
    check(lambda lib, x: lib.sort(x, 2), randn(3, 4))
    check(lambda lib, x: lib.sort(x, -3), randn(3, 4))
    check(lambda lib, x: lib.sort(x, 1), np.array(1.0))
    check(lambda lib, x: lib.sort(x, 1.5), randn(3, 4))
    check(lambda lib, x: lib.argsort(x, 2), randn(3, 4))
    check(lambda lib, x: lib.msort(x.sum(0).sum(0)), randn(3, 4))  # 0-dim is fine for msort


def test_sort_out():
    for lib in (ember, torch):
        x = lib.tensor([[2.0, 1.0, 3.0], [0.0, -1.0, 0.0]])
        values, indices = lib.zeros(2, 3), lib.zeros(2, 3, dtype=lib.int64)
        r = lib.sort(x, 1, True, out=(values, indices))
        assert r[0] is values and r.indices is indices
        np.testing.assert_array_equal(values.numpy(), [[3, 2, 1], [0, 0, -1]])
        np.testing.assert_array_equal(indices.numpy(), [[2, 0, 1], [0, 2, 1]])
        with pytest.raises(TypeError):
            lib.sort(x, out=values)
        with pytest.raises(RuntimeError):
            lib.sort(x.requires_grad_(), out=(values, indices))


def test_sort_result_type():
    r = ember.sort(ember.tensor([3, 1, 2]))
    values, indices = r
    assert values is r.values is r[0] and indices is r.indices is r[1]
    assert repr(r).startswith("ember.return_types.sort(")


@pytest.mark.parametrize("dtype", DTYPES)
def test_msort(dtype):
    x = ties(4, 3, dtype=dtype)
    check(lambda lib, x: lib.msort(x), x)
    check(lambda lib, x: x.msort(), x)
    check(lambda lib, x: lib.msort(x), randn(4, 3, 2))
    check(lambda lib, x: lib.msort(x), np.array(1.5))


def test_argsort_out():
    for lib in (ember, torch):
        idx = lib.zeros(3, dtype=lib.int64)
        assert lib.argsort(lib.tensor([2.0, 3.0, 1.0]), stable=True, out=idx) is idx
        np.testing.assert_array_equal(idx.numpy(), [2, 0, 1])


# ---- topk ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(dtype, dim, largest):
    x = distinct(6, 9, dtype=dtype) if dtype != np.int64 else (distinct(6, 9) * 2).astype(np.int64)
    for k in (0, 1, 2, 3, 5, x.shape[dim]):
        check(lambda lib, x: lib.topk(x, k, dim, largest), x)
        check(lambda lib, x: x.topk(k, dim=dim, largest=largest, sorted=True), x)


def test_topk_unsorted_selects_the_same_elements():
    x = distinct(5, 40)
    for k in (1, 7, 30):
        check(lambda lib, x: lib.topk(x, k, sorted=False).values.sort().values, x)
        check(lambda lib, x: lib.topk(x, k, largest=False, sorted=False).values.sort().values, x)


@pytest.mark.parametrize("largest", [True, False])
def test_topk_ties_and_nan(largest):
    # PyTorch's order among equal values is unspecified: compare values, and that indices point at them.
    x = ties(4, 50)
    x[1, 3] = x[2, 40] = np.nan
    for k in (1, 10, 25, 40, 50):
        check(lambda lib, x: lib.topk(x, k, 1, largest).values, x, grad=False)
        v, i = ember.topk(ember.tensor(x), k, 1, largest)
        np.testing.assert_array_equal(np.take_along_axis(x, i.numpy(), 1), v.numpy())
        assert (np.diff(np.sort(i.numpy(), 1), axis=1) > 0).all()  # k different elements


def test_topk_gradients():
    x = distinct(4, 30)
    check(lambda lib, x: lib.topk(x, 4), x)
    check(lambda lib, x: lib.topk(x, 20, 1, largest=False)[0] * 2, x)
    check(lambda lib, x: lib.topk(x, 3, 0), x)
    t = ember.tensor(x, requires_grad=True)
    assert gradcheck(lambda t: ember.topk(t, 5, 1).values, [t])
    assert gradcheck(lambda t: ember.topk(t, 2, 0, largest=False).values, [t])
    assert gradgradcheck(lambda t: ember.topk(t, 5, 1).values ** 2, [t])


def test_topk_edge_cases_and_errors():
    check(lambda lib, x: lib.topk(x, 1), np.array(2.5))
    check(lambda lib, x: lib.topk(x, 0), np.array(2.5))
    check(lambda lib, x: lib.topk(x, 2), np.array(2.5))
    check(lambda lib, x: lib.topk(x, 0), np.zeros((2, 0)))
    check(lambda lib, x: lib.topk(x, 4), randn(3))
    check(lambda lib, x: lib.topk(x, -1), randn(3))
    check(lambda lib, x: lib.topk(x, 1, 2), randn(3, 4))
    check(lambda lib, x: lib.topk(x, 1.5), randn(3, 4))
    check(lambda lib, x: lib.topk(x, 1), np.array([True, False]))


def test_topk_out():
    for lib in (ember, torch):
        values, indices = lib.zeros(2), lib.zeros(2, dtype=lib.int64)
        r = lib.topk(lib.tensor([1.0, 5.0, 3.0, 4.0]), 2, out=(values, indices))
        assert r.values is values and r.indices is indices
        np.testing.assert_array_equal(indices.numpy(), [1, 3])
    assert repr(r).startswith("torch.return_types.topk")
    assert repr(ember.topk(ember.tensor([1.0]), 1)).startswith("ember.return_types.topk(")


# ---- unique / unique_consecutive -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES + [np.bool_])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique(dtype, dim, flags):
    x = ties(6, 4, dtype=dtype)
    x[3] = x[1]  # a repeated row
    x[:, 2] = x[:, 0]  # a repeated column
    inverse, counts = flags
    check(lambda lib, x: lib.unique(x, return_inverse=inverse, return_counts=counts, dim=dim), x, grad=False)
    check(lambda lib, x: x.unique(False, inverse, counts, dim), x, grad=False)
    # positional flags only for the method: torch.unique_consecutive mishandles them
    check(lambda lib, x: lib.unique_consecutive(x, return_inverse=inverse, return_counts=counts, dim=dim), x,
          grad=False)
    check(lambda lib, x: x.unique_consecutive(inverse, counts, dim), x, grad=False)


def test_unique_3d_and_runs():
    x = ties(2, 3, 2, dtype=np.int64)
    x[:, 2] = x[:, 0]
    for dim in (None, 0, 1, 2):
        check(lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True, dim=dim), x)
        check(lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True, dim=dim), x)
    runs = np.array([1, 1, 2, 2, 2, 1, 3, 3, 1])
    check(lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True), runs)


def test_unique_nan_and_signed_zero():
    x = np.array([1.0, np.nan, -0.0, np.nan, 1.0, 0.0, np.inf])
    check(lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True), x, grad=False)
    check(lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True), x, grad=False)


def test_unique_edge_cases_and_errors():
    for fn in ("unique", "unique_consecutive"):
        check(lambda lib, x: getattr(lib, fn)(x, return_inverse=True, return_counts=True), np.array(5.0), grad=False)
        check(lambda lib, x: getattr(lib, fn)(x, return_inverse=True, return_counts=True), np.zeros((0, 3)),
              grad=False)
        check(lambda lib, x: getattr(lib, fn)(x, return_inverse=True, return_counts=True, dim=0), np.zeros((0, 3)),
              grad=False)
        check(lambda lib, x: getattr(lib, fn)(x, return_inverse=True, return_counts=True, dim=1),
              np.zeros((2, 0), np.int64), grad=False)  # zero-size rows are equal
        check(lambda lib, x: getattr(lib, fn)(x, dim=1), np.zeros((0, 3)), grad=False)
        check(lambda lib, x: getattr(lib, fn)(x, dim=2), ties(2, 3), grad=False)
        check(lambda lib, x: getattr(lib, fn)(x, dim=0), np.array(5.0), grad=False)


UNIQUE_CONSECUTIVE_FLAGS = {
    "int": lambda lib: lib.unique_consecutive(lib.ones(3), 1),
    "None": lambda lib: lib.unique_consecutive(lib.ones(3), return_counts=None),
    "numpy bool": lambda lib: lib.unique_consecutive(lib.ones(3), np.bool_(True)),
    "one-element tensor": lambda lib: lib.unique_consecutive(lib.ones(3), lib.ones(1)),
    "tensor": lambda lib: lib.unique_consecutive(lib.ones(3), lib.ones(3)),
    "tensor before a number input": lambda lib: lib.unique_consecutive(2.5, lib.ones(3)),
    "number input": lambda lib: lib.unique_consecutive(2.5, False),
}


@pytest.mark.parametrize("call", UNIQUE_CONSECUTIVE_FLAGS.values(), ids=UNIQUE_CONSECUTIVE_FLAGS.keys())
def test_unique_consecutive_flags_must_be_bools(call):
    """A flag that is no bool is PyTorch's TypeError; a tensor of several elements its RuntimeError, which comes
    first, even before a wrong input: PyTorch's dispatch on the flags tests their truth."""
    raises_like_torch(call)


@pytest.mark.parametrize("call", [lambda lib, x: lib.unique(x), lambda lib, x: lib.unique(x, sorted=False),
                                  lambda lib, x: lib.unique(x, return_inverse=True)[0],
                                  lambda lib, x: lib.unique(x, dim=0),
                                  lambda lib, x: lib.unique_consecutive(x),
                                  lambda lib, x: lib.unique_consecutive(x, dim=1)])
def test_unique_is_recorded_but_not_differentiable(call):
    results = []
    for lib in (ember, torch):
        x = lib.tensor([[3.0, 1.0, 1.0], [3.0, 1.0, 1.0]], requires_grad=True)
        r = call(lib, x)
        results.append((r.grad_fn.name(), r.requires_grad))
        with pytest.raises(NotImplementedError):
            r.sum().backward()
    assert results[0] == results[1]


# ---- searchsorted / bucketize ----------------------------------------------------------------------
def sorted_rows(*shape, dtype=np.float64, seed=0):
    return np.sort(ties(*shape, dtype=dtype, seed=seed), axis=-1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("side", [dict(), dict(right=True), dict(side="left"), dict(side="right"),
                                  dict(side="right", right=False), dict(out_int32=True)])
def test_searchsorted(dtype, side):
    seq1, seqn = sorted_rows(7, dtype=dtype), sorted_rows(2, 3, 6, dtype=dtype)
    values = ties(2, 3, 5, dtype=dtype, seed=1)
    check(lambda lib, s, v: lib.searchsorted(s, v, **side), seq1, values)
    check(lambda lib, s, v: lib.searchsorted(s, v, **side), seqn, values)
    check(lambda lib, s, v: lib.searchsorted(s, v, **side), seqn[0], values[0])
    check(lambda lib, s: lib.searchsorted(s, 1, **side), seq1)
    check(lambda lib, s: lib.searchsorted(s, 0.5, **side), seq1)
    check(lambda lib, s, v: lib.searchsorted(s, v, **side), seq1, np.array(2, dtype))


def test_searchsorted_rows_at_scale():
    seq = np.sort(randn(40, 100), axis=-1)
    values = np.concatenate([randn(40, 60, seed=1), seq[:, ::7]], axis=1)  # some values equal boundaries
    for right in (False, True):
        check(lambda lib, s, v: lib.searchsorted(s, v, right=right), seq, values)


def test_searchsorted_mixed_dtypes_nan_and_empty():
    check(lambda lib, s, v: lib.searchsorted(s, v), np.array([1, 2, 3]), np.array([1.5, 2.0, 3.5]))
    check(lambda lib, s, v: lib.searchsorted(s, v, right=True), np.array([1.0, 2, 3]), np.array([1, 2, 4]))
    check(lambda lib, s, v: lib.searchsorted(s, v), np.array([1.0, 2, 3], np.float32), np.array([1.0, 2.0000001]))
    nan_values = np.array([np.nan, 2.0, -np.inf, np.inf])
    check(lambda lib, s, v: lib.searchsorted(s, v), np.array([1.0, 2.0, 2.0, 3.0]), nan_values)
    check(lambda lib, s, v: lib.searchsorted(s, v, right=True), sorted_rows(2, 4), np.stack([nan_values] * 2))
    check(lambda lib, s, v: lib.searchsorted(s, v), np.zeros(0), np.array([1.0, 2.0]))
    check(lambda lib, s, v: lib.searchsorted(s, v), np.array([1.0, 2.0]), np.zeros((0, 3)))
    check(lambda lib, s, v: lib.searchsorted(s, v), np.zeros((3, 0)), np.ones((3, 2)))


def test_searchsorted_sorter():
    seq = ties(9)
    sorter = np.argsort(seq, kind="stable")
    check(lambda lib, s, v, o: lib.searchsorted(s, v, sorter=o), seq, ties(4, seed=2), sorter)
    rows = ties(3, 5)
    check(lambda lib, s, v, o: lib.searchsorted(s, v, side="right", sorter=o), rows, ties(3, 4, seed=2),
          np.argsort(rows, axis=-1, kind="stable"))


def test_searchsorted_errors():
    seq, v = sorted_rows(2, 3), randn(2, 2)
    check(lambda lib, s, v: lib.searchsorted(s, v), seq, randn(3, 2))  # leading dims differ
    check(lambda lib, s, v: lib.searchsorted(s, v), seq, randn(2))
    check(lambda lib, s, v: lib.searchsorted(s, v), seq, randn(2, 1, 2))
    check(lambda lib, s: lib.searchsorted(s, 1.0), seq)  # a scalar needs 1-D boundaries
    check(lambda lib, s, v: lib.searchsorted(s, v), np.array(1.0), v)
    check(lambda lib, s, v: lib.searchsorted(s, v, side="left", right=True), seq, v)
    check(lambda lib, s, v: lib.searchsorted(s, v, side="middle"), seq, v)
    check(lambda lib, s, v: lib.searchsorted(s, v, sorter=lib.tensor([1, 0])), randn(3), v)
    check(lambda lib, s, v: lib.searchsorted(s, v, sorter=lib.tensor([1, 0, 2], dtype=lib.int32)), randn(3), v)
    check(lambda lib, s, v: lib.searchsorted(s, v, sorter=lib.tensor([1, 0, 5])), randn(3), v)
    check(lambda lib, s, v: lib.searchsorted(s, v), np.array([False, True]), np.array([True]))
    check(lambda lib, s: lib.searchsorted(s, [1.0]), seq)
    check(lambda lib, v: lib.searchsorted([1.0, 2.0], v), v)


def test_searchsorted_out_and_no_grad():
    for lib in (ember, torch):
        s = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = lib.tensor([2.5, 0.0], requires_grad=True)
        r = lib.searchsorted(s, v)
        assert not r.requires_grad and r.grad_fn is None
        out = lib.zeros(2, dtype=lib.int32)
        assert lib.searchsorted(s, v, out_int32=True, out=out) is out
        np.testing.assert_array_equal(out.numpy(), [2, 0])
        with pytest.raises(RuntimeError):
            lib.searchsorted(s, v, out=out)  # int32 out without out_int32
        with pytest.raises(RuntimeError):
            lib.searchsorted(s, v, out=lib.zeros(2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(), dict(right=True), dict(out_int32=True)])
def test_bucketize(dtype, kw):
    boundaries = np.array([-2, 0, 0, 1, 3], dtype=dtype)
    check(lambda lib, x, b: lib.bucketize(x, b, **kw), ties(3, 4, dtype=dtype), boundaries)
    check(lambda lib, x, b: lib.bucketize(x, b, **kw), np.array(0, dtype), boundaries)
    check(lambda lib, b: lib.bucketize(1, b, **kw), boundaries)
    check(lambda lib, b: lib.bucketize(0.5, b, **kw), boundaries)


def test_bucketize_errors_and_out():
    check(lambda lib, x, b: lib.bucketize(x, b), randn(3), sorted_rows(2, 3))
    check(lambda lib, x: lib.bucketize(x, 3), randn(3))
    for lib in (ember, torch):
        out = lib.zeros(3, dtype=lib.int64)
        assert lib.bucketize(lib.tensor([0.5, 1.0, 9.0]), lib.tensor([1.0, 2.0]), right=True, out=out) is out
        np.testing.assert_array_equal(out.numpy(), [0, 1, 2])
