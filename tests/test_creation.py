"""Parity of the creation functions (ember/_creation.py) with PyTorch: logspace, tril/triu_indices, eye, the
*_like functions, empty_strided, scalar_tensor, and tensor()'s dtype inference over mixed nested lists."""
import array
import collections
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import check, torch

import ember

DTYPES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool"]


def same(fn, **kw):
    """Run `fn(lib)` on ember and torch and compare results (or exception types)."""
    return check(lambda lib: fn(lib), **kw)


# ---- logspace -----------------------------------------------------------------------------------------
LOGSPACE = {
    "default": lambda lib: lib.logspace(0, 2, 3), "base 2": lambda lib: lib.logspace(0, 3, 4, base=2),
    "base positional": lambda lib: lib.logspace(-1, 1, 5, 2.5),
    "fractional": lambda lib: lib.logspace(0.5, 1.5, 5, 3.0),
    "descending": lambda lib: lib.logspace(2, -2, 5), "one step": lambda lib: lib.logspace(2, 3, 1),
    "zero steps": lambda lib: lib.logspace(2, 3, 0), "float64": lambda lib: lib.logspace(0, 3, 4, dtype=lib.float64),
    "float16": lambda lib: lib.logspace(0, 3, 4, dtype=lib.float16),
    "int64": lambda lib: lib.logspace(0, 3, 4, dtype=lib.int64),
    "int64 truncates": lambda lib: lib.logspace(0, 3, 4, base=2.5, dtype=lib.int64),
    "int64 half steps": lambda lib: lib.logspace(0, 1, 3, dtype=lib.int64),
    "uint8": lambda lib: lib.logspace(0, 4, 5, base=2, dtype=lib.uint8),
    "negative base": lambda lib: lib.logspace(0, 2, 3, base=-2),
    "tensor ends": lambda lib: lib.logspace(lib.tensor(0), lib.tensor(2.0), 3),
    "requires_grad": lambda lib: lib.logspace(0, 2, 3, requires_grad=True),
    "out": lambda lib: lib.logspace(0, 2, 3, out=lib.empty(1, dtype=lib.float64)),
    "default float64": lambda lib: (lib.set_default_dtype(lib.float64), lib.logspace(0, 1, 3),
                                    lib.set_default_dtype(lib.float32))[1],
    # errors
    "negative steps": lambda lib: lib.logspace(2, 3, -1), "float steps": lambda lib: lib.logspace(0, 2, 3.0),
    "1-d start": lambda lib: lib.logspace(lib.tensor([0.0]), 2, 3),
    "bool": lambda lib: lib.logspace(0, 2, 3, dtype=lib.bool),
}


@pytest.mark.parametrize("fn", LOGSPACE.values(), ids=LOGSPACE.keys())
def test_logspace(fn):
    same(fn)


LINSPACE = {
    "tensor ends": lambda lib: lib.linspace(lib.tensor(0), lib.tensor(1.0), 3),
    "float steps": lambda lib: lib.linspace(0, 1, 3.0), "1-d end": lambda lib: lib.linspace(0, lib.ones(1), 3),
}


@pytest.mark.parametrize("fn", LINSPACE.values(), ids=LINSPACE.keys())
def test_linspace_arguments(fn):
    same(fn)


# ---- tril_indices / triu_indices ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("row,col", [(3, 3), (3, 4), (4, 3), (1, 5), (0, 0), (0, 3), (3, 0)])
@pytest.mark.parametrize("offset", [0, 1, -1, 2, -2, 10, -10])
def test_triangle_indices(name, row, col, offset):
    same(lambda lib: getattr(lib, name)(row, col, offset))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_triangle_indices_dtypes_and_errors(name):
    for dtype in DTYPES:
        same(lambda lib: getattr(lib, name)(3, 4, dtype=getattr(lib, dtype)))
    for args in [(-1, 3), (3, -1), (3.0, 3), (3, 3, 1.5), (3,)]:
        same(lambda lib: getattr(lib, name)(*args))
    same(lambda lib: getattr(lib, name)(row=2, col=3, offset=1))
    r, c = ember.tril_indices(5, 4, 1).numpy()
    assert ember.ones(5, 4).numpy()[r, c].sum() == np.tril(np.ones((5, 4)), 1).sum()


# ---- eye, full_like, empty_like -------------------------------------------------------------------------
OTHERS = {
    "eye m keyword": lambda lib: lib.eye(2, m=3), "eye out": lambda lib: lib.eye(2, out=lib.empty(5)),
    "eye requires_grad": lambda lib: lib.eye(2, requires_grad=True), "eye bool": lambda lib: lib.eye(2, dtype=lib.bool),
    "eye int8": lambda lib: lib.eye(3, 2, dtype=lib.int8), "eye float n": lambda lib: lib.eye(2.0),
    "eye negative m": lambda lib: lib.eye(2, -1),
    "full_like bool fill": lambda lib: lib.full_like(lib.zeros(2), True),
    "full_like int from float": lambda lib: lib.full_like(lib.zeros(2, dtype=lib.int64), 2.7),
    "full_like dtype": lambda lib: lib.full_like(lib.zeros(2, 2), 3, dtype=lib.int16),
    "full_like requires_grad": lambda lib: lib.full_like(lib.zeros(2), 1, requires_grad=True),
    "full_like int requires_grad": lambda lib: lib.full_like(lib.zeros(2, dtype=lib.int64), 1, requires_grad=True),
    "full_like tensor fill": lambda lib: lib.full_like(lib.zeros(2), lib.tensor(3.0)),
    "full_like 0-dim": lambda lib: lib.full_like(lib.tensor(1.0), -2.5),
    "empty_like": lambda lib: lib.empty_like(lib.zeros(2, 3, dtype=lib.int8)).shape,
    "empty_like dtype": lambda lib: lib.empty_like(lib.zeros(2), dtype=lib.float64).dtype,
    "empty_like requires_grad": lambda lib: lib.empty_like(lib.zeros(2), requires_grad=True).requires_grad,
    "empty_like keeps no grad": lambda lib: lib.empty_like(lib.zeros(2, requires_grad=True)).requires_grad,
}


@pytest.mark.parametrize("fn", OTHERS.values(), ids=OTHERS.keys())
def test_eye_and_like(fn):
    same(fn)


# ---- random *_like ---------------------------------------------------------------------------------------
RANDOM_LIKE = {
    "rand_like": lambda lib, x: lib.rand_like(x).dtype, "rand_like int": lambda lib, x: lib.rand_like(x.long()),
    "rand_like requires_grad": lambda lib, x: lib.rand_like(x, requires_grad=True).requires_grad,
    "rand_like float64": lambda lib, x: lib.rand_like(x, dtype=lib.float64).dtype,
    "randn_like half": lambda lib, x: lib.randn_like(x.half()).dtype,
    "randn_like requires_grad": lambda lib, x: lib.randn_like(x.double(), requires_grad=True).requires_grad,
    "randint_like": lambda lib, x: lib.randint_like(x, 3, 7).dtype,
    "randint_like requires_grad": lambda lib, x: lib.randint_like(x, 7, requires_grad=True).requires_grad,
    "randint_like int requires_grad": lambda lib, x: lib.randint_like(x.int(), 7, requires_grad=True),
    "randint_like bool": lambda lib, x: lib.randint_like(x.bool(), 2).dtype,
    "randint_like empty range": lambda lib, x: lib.randint_like(x, 4, 4),
    "generator": lambda lib, x: lib.rand_like(x, generator=lib.Generator()).shape,
}


@pytest.mark.parametrize("fn", RANDOM_LIKE.values(), ids=RANDOM_LIKE.keys())
def test_random_like(fn):
    check(fn, np.zeros((2, 3), np.float32), grad=False)


def test_random_like_ranges():
    x = ember.empty(2000, dtype=ember.int32)
    r = ember.randint_like(x, 3, 7)
    assert r.dtype is ember.int32 and set(r.tolist()) == {3, 4, 5, 6}
    u = ember.rand_like(ember.empty(2000, dtype=ember.float64)).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.03


# ---- empty_strided, scalar_tensor ------------------------------------------------------------------------
STRIDED = {
    "column major": lambda lib: lib.empty_strided((2, 3), (1, 2)).stride(),
    "row major": lambda lib: lib.empty_strided([2, 3], [3, 1]).is_contiguous(),
    "padded": lambda lib: lib.empty_strided((2, 3), (4, 1)).stride(),
    "shape": lambda lib: lib.empty_strided((2, 3), (1, 2)).shape,
    "dtype": lambda lib: lib.empty_strided((2, 3), (3, 1), dtype=lib.int64).dtype,
    "0-dim": lambda lib: lib.empty_strided((), ()).shape, "empty": lambda lib: lib.empty_strided((0, 3), (3, 1)).shape,
    "requires_grad": lambda lib: lib.empty_strided((2,), (1,), requires_grad=True).requires_grad,
    "mismatched lengths": lambda lib: lib.empty_strided((2, 3), (1,)),
    "negative size": lambda lib: lib.empty_strided((2, -3), (3, 1)),
    "float stride": lambda lib: lib.empty_strided((2, 3), (1.5, 1)), "int size": lambda lib: lib.empty_strided(2, 1),
}


@pytest.mark.parametrize("fn", STRIDED.values(), ids=STRIDED.keys())
def test_empty_strided(fn):
    same(fn)


def test_empty_strided_is_writable_with_its_layout():
    t = ember.empty_strided((2, 3), (1, 2))
    t.copy_(ember.arange(6.0).reshape(2, 3))
    assert t.tolist() == [[0, 1, 2], [3, 4, 5]] and t.t().is_contiguous()


SCALAR = {
    "int": lambda lib: lib.scalar_tensor(1), "float": lambda lib: lib.scalar_tensor(1.5),
    "bool": lambda lib: lib.scalar_tensor(True), "dtype": lambda lib: lib.scalar_tensor(3, dtype=lib.int64),
    "float to int": lambda lib: lib.scalar_tensor(3.7, dtype=lib.int32),
    "bool dtype": lambda lib: lib.scalar_tensor(2, dtype=lib.bool),
    "requires_grad": lambda lib: lib.scalar_tensor(3, requires_grad=True),
    "0-dim tensor": lambda lib: lib.scalar_tensor(lib.tensor(3)), "numpy": lambda lib: lib.scalar_tensor(np.float64(2)),
    "float64 default": lambda lib: (lib.set_default_dtype(lib.float64), lib.scalar_tensor(2),
                                    lib.set_default_dtype(lib.float32))[1],
    "1-d tensor": lambda lib: lib.scalar_tensor(lib.tensor([3])), "string": lambda lib: lib.scalar_tensor("a"),
    "list": lambda lib: lib.scalar_tensor([1]), "huge int": lambda lib: lib.scalar_tensor(2**70),
    "overflow uint8": lambda lib: lib.scalar_tensor(300, dtype=lib.uint8),
    "nan to int": lambda lib: lib.scalar_tensor(float("nan"), dtype=lib.int64),
}


@pytest.mark.parametrize("fn", SCALAR.values(), ids=SCALAR.keys())
def test_scalar_tensor(fn):
    same(fn)


# ---- tensor(): dtype inference over mixed nested lists ---------------------------------------------------
MIXED = [[1, 2.0], [True, 1], [[1], [2.5]], [True, 1.5], [[True, False], [1, 0]], [[[1, 2.5]], [[True, 0]]],
         [False, 0.0], [[1, 2], [3, True]], [[True], [False]], (1, True), [(1, 2), [3.5, 4]], [2**62, 1.5],
         [float("nan"), 1, True], [float("inf"), -1], [1e39, 1], [[[]], [[]]], [[], []], [2**63], [1, 2**63],
         [2**63 - 1], [-2**63]]


@pytest.mark.parametrize("data", MIXED, ids=[repr(d) for d in MIXED])
def test_tensor_infers_dtype_of_mixed_lists(data):
    same(lambda lib: lib.tensor(data))


SEQUENCES_OF_ARRAYS_AND_TENSORS = {
    "numpy float64 rows": lambda lib: lib.tensor([np.array([1.0, 2.0]), np.array([3.0, 4.0])]),
    "numpy int64 rows": lambda lib: lib.tensor([np.array([1, 2]), np.array([3, 4])]),
    "numpy bool rows": lambda lib: lib.tensor([np.array([True])]),
    "numpy row and list": lambda lib: lib.tensor([np.array([1, 2]), [3, 4]]),
    "one-element tensors": lambda lib: lib.tensor([lib.tensor([1.0]), lib.tensor([2.0])]),
    "nested one-element tensors": lambda lib: lib.tensor([[lib.tensor([1.0])], [lib.tensor([2.0])]]),
    "int32 0-dim tensors": lambda lib: lib.tensor([lib.tensor(1, dtype=lib.int32), lib.tensor(2, dtype=lib.int32)]),
    "float64 tensor and int": lambda lib: lib.tensor([lib.tensor(1.5, dtype=lib.float64), 2]),
    "int tensor and float": lambda lib: lib.tensor([lib.tensor(1), 2.5]),
    "as_tensor of 0-dim tensors": lambda lib: lib.as_tensor([lib.tensor(1.0), lib.tensor(2.0)]),
    "tensors of two elements": lambda lib: lib.tensor([lib.ones(2), lib.zeros(2)]),
}


@pytest.mark.parametrize("name", SEQUENCES_OF_ARRAYS_AND_TENSORS)
def test_tensor_of_sequences_of_arrays_and_tensors(name):
    """NumPy arrays in a list are rows (their dtypes promote); a tensor in a list is its one element."""
    same(SEQUENCES_OF_ARRAYS_AND_TENSORS[name])


def test_tensor_of_tensors_requiring_grad_warns_and_detaches():
    """(Only ember runs it: PyTorch warns once per process, and other tests check that warning of its own.)"""
    w = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True to a scalar"):
        r = ember.tensor([(w * 2).sum(), (w * 3).sum()])
    assert r.tolist() == torch.tensor([torch.tensor(4.0), torch.tensor(6.0)]).tolist() and not r.requires_grad


OVERFLOW = [(v, d) for d in ("uint8", "int8", "int16", "int32", "int64") for v in
            (-1, 255, 256, -255, -256, -129, 128, 2**31, -2**31 - 1, 2**63 - 1, 127.9, -128.9, -0.5, 255.5, 65504.0,
             2.0**63, float("nan"), float("inf"))] + [(1e300, "float32"), (1e5, "float16"), (2**63 - 1, "bool")]


@pytest.mark.parametrize("value,dtype", OVERFLOW, ids=[f"{v}-{d}" for v, d in OVERFLOW])
def test_tensor_overflow_for_dtype(value, dtype):
    same(lambda lib: lib.tensor([1, value], dtype=getattr(lib, dtype)))
    same(lambda lib: lib.tensor(value, dtype=getattr(lib, dtype)))


LEAVES = st.one_of(st.booleans(), st.integers(-2**53, 2**53), st.integers(-300, 300), st.floats(),
                   st.floats(-300, 300))


@st.composite
def nested_lists(draw):
    """Rectangular nested lists (or a bare number) of bools, ints and floats mixed at random."""
    shape = draw(st.lists(st.integers(0, 3), max_size=3))
    leaves = draw(st.lists(LEAVES, min_size=math.prod(shape), max_size=math.prod(shape)))
    return _nest(leaves, shape)


def _nest(leaves, shape):
    if not shape:
        return leaves[0]
    step = len(leaves) // shape[0] if shape[0] else 0
    return [_nest(leaves[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


@settings(max_examples=200, deadline=None)
@given(nested_lists())
def test_tensor_dtype_inference_property(data):
    same(lambda lib: lib.tensor(data))


@settings(max_examples=200, deadline=None)
@given(nested_lists(), st.sampled_from(DTYPES))
def test_tensor_with_dtype_property(data, dtype):
    same(lambda lib: lib.tensor(data, dtype=getattr(lib, dtype)))


RANDINT_FORMS = {
    "high, size": lambda lib: lib.randint(9, (3,)).shape, "high, size=": lambda lib: lib.randint(9, size=(1,)).shape,
    "low, high, size": lambda lib: lib.randint(2, 9, (2, 2)).shape,
    "high=, size=": lambda lib: lib.randint(high=4, size=(2,)).shape,
    "dtype": lambda lib: lib.randint(9, size=(2,), dtype=lib.int32).dtype, "no size": lambda lib: lib.randint(9),
    "empty range": lambda lib: lib.randint(3, 3, (2,)),
    "one-element tensor high": lambda lib: lib.randint(lib.tensor([9]), (3,)).shape,
    "float high": lambda lib: lib.randint(2.5, (3,)), "bool high": lambda lib: lib.randint(True, (3,)),
    "float low": lambda lib: lib.randint(0.0, 9, (3,)), "float high after low": lambda lib: lib.randint(0, 9.0, (3,)),
    "float tensor high": lambda lib: lib.randint(lib.tensor(9.0), (3,)),
}


@pytest.mark.parametrize("fn", RANDINT_FORMS.values(), ids=RANDINT_FORMS.keys())
def test_randint_call_forms(fn):
    same(fn)


def test_randint_high_only_draws_below_high():
    assert 0 <= int(ember.randint(9, size=(1000,)).min()) and int(ember.randint(9, size=(1000,)).max()) <= 8


ARANGE_INTEGER_DTYPES = [(a, d) for a in [(0, 3.5), (0.5, 3), (0, 4, 1.5), (1.2, 5.5, 1.1), (3.7, 0, -0.9), (0, 1, 0.5)]
                         for d in ("int64", "int32", "uint8")]


@pytest.mark.parametrize("bounds,dtype", ARANGE_INTEGER_DTYPES, ids=[f"{a}-{d}" for a, d in ARANGE_INTEGER_DTYPES])
def test_arange_of_float_bounds_with_an_integer_dtype_as_torch(bounds, dtype):
    """int64 truncates the bounds and step first; other integer dtypes count the steps from the float bounds, then
    step from int(start) by int(step) (PyTorch's two kernels; ember gave the truncated float values)."""
    same(lambda lib: lib.arange(*bounds, dtype=getattr(lib, dtype)))


@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor(range(4)), lambda lib: lib.as_tensor(range(3)),
    lambda lib: lib.tensor(collections.deque([1, 2, 3])), lambda lib: lib.tensor([range(2), range(2)]),
    lambda lib: lib.tensor(collections.deque([True, False])), lambda lib: lib.tensor(array.array("d", [1.5, 2])),
    lambda lib: lib.tensor(memoryview(bytes([1, 2])))],
    ids=["range", "as_tensor range", "deque", "ranges", "deque of bools", "array.array", "memoryview"])
def test_tensor_of_other_sequences(make):
    check(lambda lib: make(lib), grad=False)


def test_numpy_array_of_a_tensor_copies_and_asarray_shares():
    t = ember.tensor([1.0, 2.0, 3.0])
    a, b = np.array(t), np.array(t, dtype=np.float64)
    a[0] = b[1] = 100.0
    assert t.tolist() == [1.0, 2.0, 3.0]
    np.asarray(t)[2] = 7.0
    assert t.tolist() == [1.0, 2.0, 7.0]
    with pytest.raises(ValueError, match="avoid copy"):
        np.array(t, dtype=np.float64, copy=False)


# (start, end, steps, dtype): PyTorch counts the first half from start and the rest back from end, each value one
# fused multiply-add
SPACED = [(-1, 1, 6, "float64"), (0, 1, 7, "float64"), (3, -2, 5, "float64"), (-1, 1, 6, "float32"),
          (0, 1, 7, "float32"), (0, 10, 5, "int64"), (0, 7, 4, "int32"), (0, 255, 7, "uint8"), (2, 2, 1, "float32"),
          (0, 1, 0, "float64"), (0, 1, 10, "float32"), (-3.5, 7.25, 11, "float32"), (-2, 3, 37, "float64"),
          (0, 5, 1000, "float32"), (0, 5, 1000, "float64")]


@pytest.mark.parametrize("start,end,steps,dtype", SPACED)
def test_linspace_values_bit_for_bit(start, end, steps, dtype):
    mine = ember.linspace(start, end, steps, dtype=getattr(ember, dtype)).numpy()
    theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
    assert mine.dtype == theirs.dtype and mine.tobytes() == theirs.tobytes()
    if steps > 1:
        assert mine[0] == start and mine[-1] == end
