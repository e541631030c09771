"""Property tests: binary elementwise ops over random broadcastable (and non-broadcastable) shapes,
mixed dtypes and Python scalars, against PyTorch (values, dtype, shape, grad_fn, gradients)."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from parity import check, torch
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


def _known_bug(op, a, b):
    """Cases that hit an ember bug kept as an xfail test below (so the property checks everything else)."""
    ka, kb = _kind(a), _kind(b)
    if op in ("div", "/", "atan2") and _wraps_before_float_op(a, b):
        return True  # test_int_to_float_op_wraps_operand
    if op == "atan2":
        return "f" in (ka, kb) and ((a == 0) & (b == 0)).any()  # test_atan2_grad_at_origin
    if op not in ("pow", "**"):
        return False
    if ka == "b" and kb in ("b", "bool"):
        return True  # test_pow_bool_bool
    if ka in "biu" and kb == "f":
        return True  # test_pow_grad_of_exponent_only
    if ka in ("int", "bool") and kb in "iu":
        return True  # test_pow_int_scalar_base_negative_exponent
    if ka in ("int", "float") and a == 0 and kb == "f":
        return True  # test_pow_zero_scalar_base_grad
    return (ka == "f" and kb == "f" and (a == 0).any()  # test_pow_zero_base_broadcast_exponent_grad
            and np.broadcast_shapes(a.shape, b.shape) != a.shape)


def _wraps_before_float_op(a, b):
    """True when an integer operand of div or atan2 (float results) does not fit the promoted integer dtype."""
    if isinstance(a, float) or isinstance(b, float) or "f" in (_kind(a), _kind(b)):
        return False
    as_torch = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in (a, b)]
    promoted = torch.empty(0, dtype=torch.result_type(*as_torch)).numpy().dtype
    return any((np.array(v).astype(promoted) != v).any() for v in (a, b))


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
    assume(not _known_bug(op, *xs) and not _torch_quirk(op, *xs))
    check(BINARY[op], *xs, **GRAD_TOL)


@settings(max_examples=100, deadline=None)
@given(op=OPS, x=st.sampled_from(DTYPES).flatmap(lambda d: arrays(d, hnp.array_shapes(min_dims=0, max_dims=3,
                                                                                        max_side=3))),
       s=st.one_of(SCALARS, BIG_INTS), scalar_first=st.booleans())
def test_binary_with_python_scalar(op, x, s, scalar_first):
    fn = BINARY[op]
    assume(not (scalar_first and op in ("add", "sub", "mul", "div")))  # test_function_with_scalar_first
    assume(not (op in ("pow", "**") and abs(s) > 3))  # huge integer powers
    a, b = (s, x) if scalar_first else (x, s)
    assume(not _known_bug(op, a, b) and not _torch_quirk(op, a, b))
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


# ---- ember bugs found by the properties above (kept out of them by _known_bug and the assumes) -------------
@pytest.mark.xfail(strict=True, reason="ember bug: add/sub/mul/div reject a Python number as first argument")
def test_function_with_scalar_first():
    check(lambda lib, x: lib.sub(2, x), np.array([1.0, 2.0]))


@pytest.mark.xfail(strict=True, reason="ember bug: where() with two Python scalars raises TypeError")
def test_where_two_scalars():
    check(lambda lib, c: lib.where(c, 1, 2.5), np.array([True, False]))


@pytest.mark.xfail(strict=True, reason="ember bug: bool ** bool tensors must raise NotImplementedError")
def test_pow_bool_bool():
    check(lambda lib, a, b: a ** b, np.array([True]), np.array([False]))


@pytest.mark.xfail(strict=True, reason="ember bug: bool tensor ** bool scalar gives int8, not bool")
def test_pow_bool_tensor_bool_scalar_dtype():
    check(lambda lib, a: a ** False, np.array([True, False]))


@pytest.mark.xfail(strict=True, reason="ember bug: PowBackward1 crashes when only the exponent requires grad")
def test_pow_grad_of_exponent_only():
    check(lambda lib, a, b: lib.pow(a, b), np.array([2]), np.array([0.5]))


@pytest.mark.xfail(strict=True, reason="ember bug: int ** int tensor with negative entries: raw NumPy ValueError")
def test_pow_int_scalar_base_negative_exponent():
    check(lambda lib, e: 2 ** e, np.array([-1, 0, 1]))


@pytest.mark.xfail(strict=True, reason="ember bug: d(0 ** e)/de is -inf, PyTorch gives 0 where e >= 0")
def test_pow_zero_scalar_base_grad():
    check(lambda lib, e: 0 ** e, np.array([0.0, 2.0]))


@pytest.mark.xfail(strict=True, reason="ember bug: pow backward crashes for a zero base broadcast against the "
                                       "exponent (masked_fill does not broadcast its input)")
def test_pow_zero_base_broadcast_exponent_grad():
    check(lambda lib, a, b: lib.pow(a, b), np.array(0.0), np.array([1.0, 2.0]))


@pytest.mark.xfail(strict=True, reason="ember bug: out-of-place masked_fill does not broadcast input to the mask")
def test_masked_fill_broadcasts_input():
    check(lambda lib, x: x.masked_fill(lib.tensor([[True], [False]]), 0.0), np.zeros(2))


@pytest.mark.xfail(strict=True, reason="ember bug: atan2 gradient at (0, 0) is nan, PyTorch gives 0")
def test_atan2_grad_at_origin():
    check(lambda lib, a, b: lib.atan2(a, b), np.array([0.0, 1.0]), np.array([0.0, 1.0]))


@pytest.mark.xfail(strict=True, reason="ember bug: div and atan2 of integers cast the operands to the promoted "
                                       "integer dtype first, wrapping values that do not fit (uint8 / -1 gives 1/255)")
@pytest.mark.parametrize("op", ["/ scalar", "/", "atan2"])
def test_int_to_float_op_wraps_operand(op):
    x, y = np.array([1, 2], np.uint8), np.array(-1, np.int64)
    if op == "/ scalar":
        check(lambda lib, x: x / -1, x)
    else:
        check(lambda lib, x, y: BINARY[op](lib, x, y), x, y)
