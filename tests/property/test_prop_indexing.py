"""Property tests: random index expressions (ints, negative ints, slices with steps, None, Ellipsis, bool masks,
integer tensors and lists) in getitem and setitem (scalar and broadcast tensor values), against PyTorch: values,
dtype, shape, grad_fn, gradients to the source and to the value, and the exception type for bad indices."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from parity import check, torch
from prop_common import DTYPES, GRAD_TOL, arrays, floats, shapes


@st.composite
def _int_array(draw, size, unique):
    """Integer indices into a dim of `size` (negative ones too), as an array of 0 to 2 dims."""
    shape = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 2), (1, 3)]))
    n = int(np.prod(shape))
    values = st.integers(-size, size - 1)
    if unique:
        assume(n <= size)
        picked = draw(st.lists(values, min_size=n, max_size=n, unique_by=lambda v: v % size))
    else:
        picked = draw(st.lists(values, min_size=n, max_size=n))
    return np.array(picked, dtype=draw(st.sampled_from([np.int64, np.int32]))).reshape(shape)


def _parts(draw, shape, advanced, unique):
    """Parts that index every dim of `shape` in order, with None inserted here and there.
    `advanced` is a one-element list counting the advanced parts drawn so far."""
    parts, dim = [], 0
    while dim < len(shape) or draw(st.integers(0, 4)) == 4:
        if dim == len(shape) or draw(st.integers(0, 5)) == 5:
            parts.append(None)
            continue
        size = shape[dim]
        kinds = ["int", "slice", "slice"]
        if size and not (unique and advanced[0]):
            kinds += ["mask", "tensor", "list"]
        kind = draw(st.sampled_from(kinds))
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)) if size else slice(None))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-size - 2, size + 2)))
            stop = draw(st.one_of(st.none(), st.integers(-size - 2, size + 2)))
            parts.append(slice(start, stop, draw(st.sampled_from([None, 1, 2, 3]))))
        elif kind == "mask":
            k = draw(st.integers(1, min(len(shape) - dim, 2)))
            parts.append(("mask", draw(arrays(np.bool_, shape[dim:dim + k]))))
            dim += k - 1
        elif kind == "tensor":
            parts.append(("tensor", draw(_int_array(size, unique))))
        else:
            parts.append(("list", draw(_int_array(size, unique)).astype(np.int64).tolist()))
        advanced[0] += kind in ("mask", "tensor", "list")
        dim += 1
    return parts


@st.composite
def keys(draw, shape, unique=False):
    """An index expression for a tensor of `shape`, as a tuple of parts: Python ints, slices, None,
    Ellipsis, ("mask", bool array), ("tensor", int array), ("list", list of ints).

    `unique`: advanced indices never pick an element twice (setitem with a tensor value)."""
    n, advanced = len(shape), [0]
    k = draw(st.integers(0, n))
    prefix = _parts(draw, shape[:k], advanced, unique)
    if draw(st.booleans()):
        m = draw(st.integers(0, n - k))
        key = prefix + [Ellipsis] + _parts(draw, shape[n - m:], advanced, unique)
    else:
        key = prefix or [slice(None) if shape else Ellipsis]
    return tuple(key)


def _width(part):
    if part is None or part is Ellipsis:
        return 0
    if isinstance(part, tuple) and part[0] == "mask":
        return part[1].ndim
    return 1


@st.composite
def bad_keys(draw, shape):
    """A key with one out-of-range integer (plain, in a tensor or in a list) or one index too many."""
    key = [p for p in draw(keys(shape)) if p is not Ellipsis]
    dims = [i for i, p in enumerate(key) if _width(p) == 1]
    if not dims or draw(st.booleans()):
        return tuple(key + [0] * (len(shape) + 1 - sum(_width(p) for p in key)))
    i = draw(st.sampled_from(dims))
    dim = sum(_width(p) for p in key[:i])
    size = shape[dim]
    bad = draw(st.sampled_from([size, size + 2, -size - 1]))
    key[i] = draw(st.sampled_from([bad, ("tensor", np.array([0, bad])), ("list", [bad])]))
    return tuple(key)


def to_key(lib, parts, bare):
    """The index expression for library `lib` (tensors made with lib); `bare`: a lone part without its tuple,
    except a nested list, which PyTorch reads as a tuple of indices (a deprecated legacy form)."""
    key = tuple(lib.tensor(p[1]) if isinstance(p, tuple) and p[0] in ("mask", "tensor") else
                p[1] if isinstance(p, tuple) else p for p in parts)
    nested = isinstance(key[0], list) and key[0] and isinstance(key[0][0], list)
    return key[0] if bare and len(key) == 1 and not nested else key


def _torch_result_shape(shape, parts):
    return tuple(torch.zeros(shape)[to_key(torch, parts, False)].shape)


def _torch_raises(fn, *inputs, message=""):
    """Whether fn(torch, ...) raises with `message` in its text."""
    try:
        fn(torch, *(torch.tensor(x) for x in inputs))
    except Exception as e:  # noqa: BLE001
        return message in str(e)
    return False


X_CASES = st.sampled_from(DTYPES).flatmap(lambda d: shapes(max_dims=4, max_side=4).flatmap(lambda s: arrays(d, s)))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), x=X_CASES, bare=st.booleans())
def test_getitem(data, x, bare):
    parts = data.draw(keys(x.shape), "key")
    check(lambda lib, x: x[to_key(lib, parts, bare)], x, **GRAD_TOL)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), shape=shapes(max_dims=3, max_side=4), bare=st.booleans())
def test_getitem_out_of_range_raises(data, shape, bare):
    parts = data.draw(bad_keys(shape), "key")
    fn = lambda lib, x: x[to_key(lib, parts, bare)]  # noqa: E731
    assume(_torch_raises(fn, np.zeros(shape)))  # none checked for an empty result: test_empty_result_skips_bounds_check
    check(fn, np.zeros(shape))


def _broadcastable_to(draw, shape):
    suffix = shape[len(shape) - draw(st.integers(0, len(shape))):]
    return tuple(1 if draw(st.booleans()) else s for s in suffix)


def _setitem(lib, x, parts, bare, value):
    y = x.clone()
    y[to_key(lib, parts, bare)] = value
    return y


@settings(max_examples=150, deadline=None)
@given(data=st.data(), shape=shapes(max_dims=3, max_side=4), bare=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_setitem_tensor_value(data, shape, bare, dtype):
    """x[key] = v with v broadcast to x[key]'s shape: gradients reach x (outside key) and v."""
    x = data.draw(arrays(np.float64, shape), "x")
    parts = data.draw(keys(shape, unique=True), "key")
    target = _torch_result_shape(shape, parts)
    value = data.draw(arrays(dtype, _broadcastable_to(data.draw, target)), "value")
    check(lambda lib, x, v: _setitem(lib, x, parts, bare, v), x, value.astype(np.float64), **GRAD_TOL)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), x=X_CASES, bare=st.booleans(),
       value=st.one_of(st.integers(-3, 3), floats(3), st.booleans()))
def test_setitem_scalar_value(data, x, bare, value):
    parts = data.draw(keys(x.shape), "key")
    check(lambda lib, x: _setitem(lib, x, parts, bare, value), x, **GRAD_TOL)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), x=X_CASES, bare=st.booleans(), value_dtype=st.sampled_from(DTYPES))
def test_setitem_mixed_dtype_value(data, x, bare, value_dtype):
    """A value of another dtype: cast by basic indexing, refused by advanced indexing (index_put_)."""
    parts = data.draw(keys(x.shape, unique=True), "key")
    target = _torch_result_shape(x.shape, parts)
    value = data.draw(arrays(value_dtype, _broadcastable_to(data.draw, target)), "value")
    fn = lambda lib, x, v: _setitem(lib, x, parts, bare, v)  # noqa: E731
    check(fn, x, value, grad=False)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), shape=shapes(max_dims=3, max_side=4), bare=st.booleans())
def test_setitem_out_of_range_raises(data, shape, bare):
    parts = data.draw(bad_keys(shape), "key")
    fn = lambda lib, x: _setitem(lib, x, parts, bare, 1.0)  # noqa: E731
    assume(_torch_raises(fn, np.zeros(shape)))  # see test_empty_result_skips_bounds_check
    check(fn, np.zeros(shape))



# ---- ember bugs found by the properties above ---------------------------------------------------------------
def test_setitem_trivial_key_grad_fn():
    check(lambda lib, x: _setitem(lib, x, (Ellipsis,), True, 2.0), np.ones(2))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("value", [-1, -255, -256, 127, 128, 300])
@pytest.mark.parametrize("key", [(0,), (("tensor", np.array([0])),), (Ellipsis,)])
def test_setitem_int_out_of_dtype_range(dtype, value, key):
    """PyTorch wraps a Python int around within [min, max] ([-max, max] for uint8), else RuntimeError."""
    check(lambda lib, x: _setitem(lib, x, key, True, value), np.zeros(2, dtype))


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.int8])
@pytest.mark.parametrize("value", [-0.5, 127.9, 255.5, float("nan")])
@pytest.mark.parametrize("key", [(Ellipsis,), (("mask", np.array([True, False])),)])
def test_setitem_float_into_int(dtype, value, key):
    """A float is truncated when it lies in the dtype's range, else RuntimeError."""
    check(lambda lib, x: _setitem(lib, x, key, True, value), np.zeros(2, dtype))


@pytest.mark.parametrize("key", [(("tensor", np.array([0])),), (0, ("tensor", np.array([0]))),
                                 (("mask", np.array([True, False])),), (("mask", np.array([True, True])),)])
def test_index_put_dtype_mismatch(key):
    """index_put_ needs equal dtypes; x[mask] = one-element value is a masked_fill_, which casts."""
    x = np.zeros((2, 2) if len(key) == 2 else 2, np.float32)
    check(lambda lib, x, v: _setitem(lib, x, key, True, v), x, np.ones(1), grad=False)


def test_empty_ellipsis_between_advanced():
    check(lambda lib, x: x[None, [0, 1], ..., [0, 1]], np.zeros((2, 2)))


def test_setitem_full_slice_grad_fn():
    check(lambda lib, x: _setitem(lib, x, (slice(0, 2), ("tensor", np.array([0]))), False, 1.0), np.ones((2, 2)))


@pytest.mark.xfail(strict=True, reason="ember diverges: x[:0, idx] with an out-of-range idx raises IndexError; "
                                       "PyTorch checks no index when the result is empty")
def test_empty_result_skips_bounds_check():
    check(lambda lib, x: x[:0, lib.tensor([0, 5])], np.zeros((1, 1)))
