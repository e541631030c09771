"""Property tests: binary elementwise ops over random broadcastable (and non-broadcastable) shapes,
mixed dtypes and Python scalars, against PyTorch (values, dtype, shape, grad_fn, gradients)."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from parity import check
from prop_common import DTYPES, GRAD_TOL, arrays, floats

BINARY = {
    "add": lambda lib, a, b: lib.add(a, b),
    "sub": lambda lib, a, b: lib.sub(a, b),
    "mul": lambda lib, a, b: lib.mul(a, b),
    "div": lambda lib, a, b: lib.div(a, b),
    "pow": lambda lib, a, b: lib.pow(a, b),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "atan2": lambda lib, a, b: lib.atan2(a, b),
    "eq": lambda lib, a, b: lib.eq(a, b),
    "lt": lambda lib, a, b: lib.lt(a, b),
    "+": lambda lib, a, b: a + b,
    "-": lambda lib, a, b: a - b,
    "*": lambda lib, a, b: a * b,
    "/": lambda lib, a, b: a / b,
    "**": lambda lib, a, b: a ** b,
    "==": lambda lib, a, b: a == b,
    "<": lambda lib, a, b: a < b,
}
OPS = st.sampled_from(sorted(BINARY))
SCALARS = st.one_of(st.booleans(), st.integers(-3, 3), floats(3))
BIG_INTS = st.sampled_from([255, 256, -129, 2 ** 31, -2 ** 40])  # outside some dtypes' range


@st.composite
def two_operands(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3)).input_shapes
    return [draw(arrays(draw(st.sampled_from(DTYPES)), s)) for s in shapes]


@st.composite
def mismatched_shapes(draw):
    """Two shapes with one aligned dim whose sizes differ and are both not 1."""
    a = list(draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=3)))
    b = list(draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=3)))
    i = draw(st.integers(1, min(len(a), len(b))))
    size = draw(st.integers(2, 3))
    a[-i], b[-i] = size, size + draw(st.integers(1, 2))
    return (tuple(a), tuple(b)) if draw(st.booleans()) else (tuple(b), tuple(a))


def _kind(x):
    return x.dtype.kind if isinstance(x, np.ndarray) else type(x).__name__


def _torch_quirk(op, a, b):
    """Cases where PyTorch itself misbehaves: x ** False has a nan gradient at 0; False ** x and a float
    tensor ** a bool tensor or atan2(a bool tensor, a float tensor) crash in backward."""
    if op == "atan2":
        return _kind(a) == "b" and _kind(b) == "f"
    if op not in ("pow", "**"):
        return False
    return isinstance(a, bool) or isinstance(b, bool) or _kind(a) == "f" and _kind(b) == "b"


@settings(max_examples=150, deadline=None)
@given(op=OPS, xs=two_operands())
def test_binary_broadcast(op, xs):
    assume(not _torch_quirk(op, *xs))
    check(BINARY[op], *xs, **GRAD_TOL)


@settings(max_examples=100, deadline=None)
@given(op=OPS, x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, hnp.array_shapes(min_dims=0, max_dims=3,
                                                                                        max_side=3))),
       s=st.one_of(SCALARS, BIG_INTS), scalar_first=st.booleans())
def test_binary_with_python_scalar(op, x, s, scalar_first):
    fn = BINARY[op]
    assume(not (op in ("pow", "**") and abs(s) > 3))  # huge integer powers
    a, b = (s, x) if scalar_first else (x, s)
    assume(not _torch_quirk(op, a, b))
    if scalar_first:
        check(lambda lib, x: fn(lib, s, x), x, **GRAD_TOL)
    else:
        check(lambda lib, x: fn(lib, x, s), x, **GRAD_TOL)


@st.composite
def where_operands(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    cond = draw(arrays(np.bool_, shapes[0]))
    ab = [draw(st.one_of(SCALARS, st.sampled_from(DTYPES).flatmap(lambda d, s=s: arrays(d, s))))
          for s in shapes[1:]]
    return [cond] + ab


@settings(max_examples=80, deadline=None)
@given(xs=where_operands())
def test_where_broadcast(xs):
    cond, a, b = xs
    assume(isinstance(a, np.ndarray) or isinstance(b, np.ndarray))  # test_where_two_scalars
    inputs = [cond] + [v for v in (a, b) if isinstance(v, np.ndarray)]

    def fn(lib, c, *tensors):
        it = iter(tensors)
        x = next(it) if isinstance(a, np.ndarray) else a
        y = next(it) if isinstance(b, np.ndarray) else b
        return lib.where(c, x, y)
    check(fn, *inputs, **GRAD_TOL)


@settings(max_examples=60, deadline=None)
@given(op=OPS, shapes=mismatched_shapes(), dtypes=st.tuples(st.sampled_from(DTYPES), st.sampled_from(DTYPES)))
def test_not_broadcastable_raises_like_torch(op, shapes, dtypes):
    a, b = (np.ones(s, d) for s, d in zip(shapes, dtypes))
    check(BINARY[op], a, b)


# ---- ember bugs the properties above found, fixed, kept as regression tests --------------------------
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("number, dtype", [(2, np.float64), (2.5, np.int32), (3, np.uint8), (True, np.int16)])
def test_function_with_number_first(op, number, dtype):
    check(lambda lib, x: getattr(lib, op)(number, x), np.array([1, 2], dtype))


@pytest.mark.parametrize("a, b", [(1, 2.5), (1, 2), (True, 2), (1.5, False), (True, False)])
def test_where_two_numbers(a, b):
    check(lambda lib, c: lib.where(c, a, b), np.array([True, False]))


def test_pow_bool_bool():
    check(lambda lib, a, b: a ** b, np.array([True]), np.array([False]))


def test_pow_bool_tensor_bool_scalar_dtype():
    check(lambda lib, a: a ** False, np.array([True, False]))


def test_pow_grad_of_exponent_only():
    check(lambda lib, a, b: lib.pow(a, b), np.array([2]), np.array([0.5]))


def test_pow_int_scalar_base_negative_exponent():
    check(lambda lib, e: 2 ** e, np.array([-1, 0, 1]))


def test_pow_zero_scalar_base_grad():
    check(lambda lib, e: 0 ** e, np.array([0.0, 2.0]))


def test_pow_zero_base_broadcast_exponent_grad():
    check(lambda lib, a, b: lib.pow(a, b), np.array(0.0), np.array([1.0, 2.0]))


def test_masked_fill_broadcasts_input():
    check(lambda lib, x: x.masked_fill(lib.tensor([[True], [False]]), 0.0), np.zeros(2))


def test_atan2_grad_at_origin():
    check(lambda lib, a, b: lib.atan2(a, b), np.array([0.0, 1.0]), np.array([0.0, 1.0]))


@pytest.mark.parametrize("op", ["/ scalar", "/", "atan2"])
def test_int_to_float_op_converts_operands_directly(op):
    x, y = np.array([1, 2], np.uint8), np.array(-1, np.int64)
    if op == "/ scalar":
        check(lambda lib, x: x / -1, x)
    else:
        check(lambda lib, x, y: BINARY[op](lib, x, y), x, y)
