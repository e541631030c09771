"""Parity tests: dtypes, the default dtype, and PyTorch's type promotion."""
import copy
import itertools
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import TOLERANCE, check

import ember

torch = pytest.importorskip("torch")

NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
ALIASES = {"half": "float16", "float": "float32", "double": "float64", "short": "int16", "int": "int32",
           "long": "int64"}
OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
       "div": lambda a, b: a / b, "floor_divide": lambda a, b: a // b}
SCALARS = [True, 2, 1.5]


def name(d):
    return str(d).split(".")[-1]


def pair(lib, dtype_name, shape):
    """A tensor of ones (nonzero, so integer division is defined) of `shape` and dtype `dtype_name`."""
    return lib.ones(shape, dtype=getattr(lib, dtype_name))


def outcome(fn):
    """The result dtype's name, or the exception's builtin base type."""
    try:
        return name(fn().dtype)
    except (RuntimeError, TypeError, ValueError) as e:
        return next(t for t in (TypeError, ValueError, RuntimeError) if isinstance(e, t))


# ---- the dtype objects ------------------------------------------------------------------------
@pytest.mark.parametrize("n", NAMES)
def test_dtype_exists_with_repr(n):
    d = getattr(ember, n)
    assert isinstance(d, ember.dtype)
    assert repr(d) == f"ember.{n}" == str(d)
    t = getattr(torch, n)
    assert d.is_floating_point == t.is_floating_point
    assert d.is_signed == t.is_signed
    assert d.itemsize == t.itemsize
    assert pickle.loads(pickle.dumps(d)) is d
    assert copy.deepcopy(d) is d


@pytest.mark.parametrize("alias,n", ALIASES.items())
def test_dtype_aliases(alias, n):
    assert getattr(ember, alias) is getattr(ember, n)
    assert repr(getattr(ember, alias)) == repr(getattr(torch, alias)).replace("torch", "ember")


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    ember.set_default_dtype(ember.float64)
    assert ember.get_default_dtype() is ember.float64
    assert ember.tensor([1.5]).dtype is ember.float64
    assert ember.zeros(2).dtype is ember.float64
    assert ember.arange(0.0, 1.0, 0.5).dtype is ember.float64
    assert (ember.tensor([1, 2]) * 1.5).dtype is ember.float64
    assert ember.tensor([1, 2]).dtype is ember.int64
    ember.set_default_dtype(ember.float32)
    assert ember.tensor([1.5]).dtype is ember.float32


@pytest.mark.parametrize("n", ["int64", "int32", "bool", "uint8"])
def test_set_default_dtype_rejects_non_float(n):
    with pytest.raises(TypeError):
        torch.set_default_dtype(getattr(torch, n))
    with pytest.raises(TypeError):
        ember.set_default_dtype(getattr(ember, n))
    assert ember.get_default_dtype() is ember.float32


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types(a, b):
    assert name(ember.promote_types(getattr(ember, a), getattr(ember, b))) == \
        name(torch.promote_types(getattr(torch, a), getattr(torch, b)))


def promote_types_argument(lib, d):
    """`d` for lib.promote_types: a dtype's name as lib's dtype, "tensor" as a tensor, anything else as it is."""
    return lib.ones(2) if d == "tensor" else getattr(lib, d) if isinstance(d, str) else d


@pytest.mark.parametrize("a,b", [(float, "float32"), ("float16", int), (bool, bool), (float, int), (complex, "float32"),
                                 ("int8", bool)])
def test_promote_types_takes_python_types(a, b):
    """Python's float, int, bool and complex stand for their dtypes in promote_types, as in PyTorch."""
    assert name(ember.promote_types(promote_types_argument(ember, a), promote_types_argument(ember, b))) == \
        name(torch.promote_types(promote_types_argument(torch, a), promote_types_argument(torch, b)))


@pytest.mark.parametrize("a,b", [(2.5, "float32"), ("float32", 2.5), (2.5, 2.5), ("float32", None),
                                 ("float32", np.float64), ("float32", "tensor")])
def test_promote_types_refuses_what_is_not_a_dtype(a, b):
    with pytest.raises(TypeError):
        torch.promote_types(promote_types_argument(torch, a), promote_types_argument(torch, b))
    with pytest.raises(TypeError, match="promote_types"):
        ember.promote_types(promote_types_argument(ember, a), promote_types_argument(ember, b))


# ---- promotion through ops --------------------------------------------------------------------
SHAPES = {"dim-dim": ((2,), (2,)), "dim-0dim": ((2,), ()), "0dim-dim": ((), (2,)), "0dim-0dim": ((), ())}
INTEGRAL = {"int8", "int16", "int32", "int64", "uint8", "bool"}


def mismatches(op, pairs, shapes):
    """(a, b, ember, torch) for each dtype pair whose result dtype (or exception) differs."""
    fn, bad = OPS[op], []
    for a, b in pairs:
        make = [lambda lib, v=v, s=s: v if not isinstance(v, str) else pair(lib, v, s) for v, s in zip((a, b), shapes)]
        want = outcome(lambda: fn(make[0](torch), make[1](torch)))
        got = outcome(lambda: fn(make[0](ember), make[1](ember)))
        if want != got:
            bad.append((a, b, got, want))
    return bad


@pytest.mark.parametrize("shapes", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("op", OPS)
def test_tensor_tensor_promotion(op, shapes):
    bad = mismatches(op, itertools.product(NAMES, NAMES), shapes)
    assert not bad, f"(a, b, ember, torch): {bad}"


@pytest.mark.parametrize("shape", [(2,), ()], ids=["dim", "0dim"])
@pytest.mark.parametrize("op", OPS)
def test_tensor_scalar_promotion(op, shape):
    pairs = list(itertools.product(NAMES, SCALARS))
    bad = mismatches(op, pairs, (shape, None)) + mismatches(op, [(s, a) for a, s in pairs], (None, shape))
    assert not bad, f"(a, b, ember, torch): {bad}"


@pytest.mark.parametrize("other", [True, "tensor"])
def test_bool_floor_divide_bool_raises(other):
    b = pair(ember, "bool", (2,))
    with pytest.raises(NotImplementedError):
        b // (b if other == "tensor" else other)


def test_known_promotion_rules():
    i = ember.tensor([1, 2, 3])
    assert (i / i).dtype is ember.float32
    assert (2 // ember.tensor(3, dtype=ember.int8)).dtype is ember.int8
    assert (i * 1.5).dtype is ember.float32
    assert (ember.ones(2, dtype=ember.float16) * 2.0).dtype is ember.float16
    assert (i // i).dtype is ember.int64
    assert (ember.ones(2) + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32
    assert (ember.ones(2, dtype=ember.int32) + ember.tensor(5)).dtype is ember.int32
    assert (ember.ones(2, dtype=ember.uint8) + ember.tensor(5, dtype=ember.int8)).dtype is ember.uint8
    assert (ember.ones(2, dtype=ember.bool) + ember.tensor(5, dtype=ember.int8)).dtype is ember.int8


def test_promotion_with_default_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for n in NAMES:
            for s in SCALARS:
                assert name((pair(ember, n, (2,)) * s).dtype) == name((pair(torch, n, (2,)) * s).dtype)
    finally:
        torch.set_default_dtype(torch.float32)


# ---- random broadcasting shapes ---------------------------------------------------------------
@st.composite
def broadcastable(draw):
    """Two shapes that broadcast together, and two dtype names."""
    out = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    def operand():
        k = draw(st.integers(0, len(out)))
        return tuple(s if draw(st.booleans()) else 1 for s in out[len(out) - k:])
    return operand(), operand(), draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))


@settings(max_examples=50, deadline=None)
@given(broadcastable(), st.sampled_from(["add", "mul", "sub", "div"]))
def test_broadcast_promotion_property(case, op):
    sa, sb, da, db = case
    rng = np.random.default_rng(0)
    a = (rng.integers(1, 5, sa) if da != "bool" else rng.integers(0, 2, sa)).astype(da)
    b = (rng.integers(1, 5, sb) if db != "bool" else np.ones(sb)).astype(db)
    # A float64 operand broadcast into a float32 (or float16) result gets that result's gradient summed in the
    # result's dtype, by each library in its own order: the sum is only as exact as the result's dtype.
    result = str(torch.result_type(torch.from_numpy(a), torch.from_numpy(b))).split(".")[-1]
    rtol, atol = TOLERANCE.get(result, (None, None))
    check(lambda lib, x, y: OPS[op](x, y), a, b, grad_rtol=rtol, grad_atol=atol)


def test_types_print_as_torch_types_do():
    """type(ember.float32) is ember.dtype, as type(torch.float32) is torch.dtype."""
    for make in (lambda lib: lib.float32, lambda lib: lib.device("cpu"), lambda lib: lib.Size([2]),
                 lambda lib: lib.ones(1)):
        assert str(type(make(ember))) == str(type(make(torch))).replace("torch", "ember")
    assert pickle.loads(pickle.dumps(ember.float32)) is ember.float32


def test_bfloat16_loads_ml_dtypes_on_first_use():
    """NOTE [ Lazy bfloat16 ]: import ember leaves ml_dtypes unloaded; ember's first bfloat16 op loads it, and a NumPy
    bfloat16 array made by the program itself converts too."""
    import subprocess
    import sys
    script = ("import sys, ember\n"
              "assert 'ml_dtypes' not in sys.modules\n"
              "t = ember.ones(2).bfloat16()\n"
              "assert t.dtype is ember.bfloat16 and 'ml_dtypes' in sys.modules\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    script = ("import ml_dtypes, numpy, ember\n"
              "assert ember.from_numpy(numpy.ones(2, ml_dtypes.bfloat16)).dtype is ember.bfloat16\n"
              "assert ember.tensor([numpy.ones(2, ml_dtypes.bfloat16)]).dtype is ember.bfloat16\n")
    subprocess.run([sys.executable, "-c", script], check=True)
