"""Parity tests: ember._printing against torch's tensor repr."""

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _load_printing():
    """Load ember/_printing.py by path so these tests do not depend on the rest of ember."""
    path = pathlib.Path(__file__).resolve().parents[1] / "ember" / "_printing.py"
    spec = importlib.util.spec_from_file_location("_ember_printing_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_printing = _load_printing()
format_tensor = _printing.format_tensor
format_parameter = _printing.format_parameter
set_printoptions = _printing.set_printoptions
get_printoptions = _printing.get_printoptions

NAN, INF = math.nan, math.inf


@pytest.fixture(autouse=True)
def _restore_defaults():
    """Every test starts and ends with default print options and float32 default dtype."""
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


def _name(dtype) -> str:
    return str(dtype).replace("torch.", "")


def ember_repr(t, **kwargs) -> str:
    """format_tensor called with everything taken from torch tensor ``t``."""
    grad_fn = None if t.grad_fn is None else type(t.grad_fn).__name__
    return format_tensor(
        t.detach().numpy(),
        dtype_name=_name(t.dtype),
        default_dtype_name=_name(torch.get_default_dtype()),
        requires_grad=t.requires_grad,
        grad_fn_name=grad_fn,
        **kwargs,
    )


def torch_repr(t) -> str:
    return repr(t).replace("torch.", "ember.")


def check(t):
    assert ember_repr(t) == torch_repr(t)


def set_both(**options):
    torch.set_printoptions(**options)
    set_printoptions(**options)


# ---------------------------------------------------------------- dtypes x shapes

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
SHAPES = [(), (1,), (5,), (2, 3), (2, 3, 4), (2, 1, 2, 3), (0,), (0, 3), (2, 0, 3)]


def _sample(dtype: str, shape, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith("float"):
        return (rng.standard_normal(shape) * 3).astype(dtype)
    low = 0 if dtype == "uint8" else -100
    return rng.integers(low, 100, size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_dtypes_and_shapes(dtype, shape):
    check(torch.from_numpy(np.asarray(_sample(dtype, shape))))


# ---------------------------------------------------------------- value ranges

VALUES = {
    "small": [0.001, 0.02, 0.3],
    "large": [12345.678, 99999.5, 3.25],
    "mixed_sign": [-1.5, 2.25, -0.125, 7.0],
    "tiny": [1e-5, 2e-5, 3e-5],
    "huge": [1e10, -2e10, 3.5e10],
    "ratio_1000": [1.0, 1000.0, 5.5],
    "ratio_above_1000": [1.0, 1000.5, 5.5],
    "above_1e8": [1.5e8, 2.0],
    "min_1e-4": [1e-4, 0.5],
    "nan": [NAN, 1.5, -2.0],
    "inf": [INF, -INF, 1.25],
    "only_nonfinite": [NAN, INF, -INF],
    "neg_zero": [-0.0, 1.0, 2.0],
    "neg_zero_frac": [-0.0, 0.5],
    "zeros": [0.0, 0.0],
    "integer_valued": [1.0, 2.0, -30.0, 400.0],
    "integer_valued_huge": [1e9, 2.0, -3.0],
    "integer_with_nan": [1.0, NAN, INF, 0.0],
    "rounding_carry": [9.99996, 0.5],
    "exponent_3_digits": [1e-200, 1e200, -5.0],
    "rounds_to_1e100": [9.99999e99, 1.0],
}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", list(VALUES))
def test_value_ranges(name, dtype):
    t = torch.tensor(VALUES[name], dtype=getattr(torch, dtype))
    check(t)
    check(t.reshape(-1, 1))
    check(t[0])


@pytest.mark.parametrize(
    "values, dtype",
    [
        ([2**62, -(2**63), 5], torch.int64),
        ([2**31 - 1, -(2**31), 0], torch.int32),
        ([-128, 127, 0], torch.int8),
        ([255, 0, 7], torch.uint8),
        ([[1, -100000], [22, 3]], torch.int64),
    ],
)
def test_large_int_alignment(values, dtype):
    check(torch.tensor(values, dtype=dtype))


def test_scalars():
    for t in [torch.tensor(27.0), torch.tensor(-0.0), torch.tensor(NAN), torch.tensor(3),
              torch.tensor(True), torch.tensor(1e-7), torch.tensor(0.1, dtype=torch.float16)]:
        check(t)


def test_complex():
    check(torch.tensor([1 + 2j, 3 - 0j, NAN, -1.5j]))
    check(torch.randn(4, 5, dtype=torch.complex64) * 1000)
    check(torch.randn(3, 2, dtype=torch.complex128))
    check(torch.randn(40, 40, dtype=torch.complex64))


def test_bfloat16_from_float32_values():
    t = torch.tensor([1.5, -2.25, 1e-3, 300.0], dtype=torch.bfloat16)
    expected = torch_repr(t)
    got = format_tensor(t.float().numpy(), dtype_name="bfloat16", default_dtype_name="float32")
    assert got == expected


# ---------------------------------------------------------------- summarization & wrapping

@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.randn(2000),
        lambda: torch.arange(2000),
        lambda: torch.randn(30, 40),
        lambda: torch.randn(3, 1000, 3),
        lambda: torch.randn(10, 10, 11) * 1e6,
        lambda: torch.randn(2, 3, 20, 20),
        lambda: torch.arange(1001, dtype=torch.int16),
        lambda: torch.rand(50, 50) < 0.5,
        lambda: torch.randn(1001).half(),
    ],
)
def test_summarization(make):
    torch.manual_seed(0)
    check(make())


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.randn(100),
        lambda: torch.randn(100) * 1e6,
        lambda: torch.arange(100),
        lambda: torch.arange(100.0),
        lambda: torch.rand(100) < 0.5,
        lambda: torch.randn(3, 40),
        lambda: torch.randn(2, 2, 30, dtype=torch.float64),
    ],
)
def test_linewidth_wrapping(make):
    torch.manual_seed(0)
    check(make())


# ---------------------------------------------------------------- print options

OPTIONS = [
    dict(precision=2),
    dict(precision=0),
    dict(precision=8),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(threshold=5),
    dict(threshold=0),
    dict(edgeitems=1, threshold=10),
    dict(edgeitems=0),
    dict(edgeitems=0, threshold=10),
    dict(linewidth=40),
    dict(linewidth=5),
    dict(profile="full"),
    dict(profile="short"),
    dict(profile="short", precision=6),
]

OPTION_TENSORS = [
    lambda: torch.randn(2000),
    lambda: torch.randn(30, 40) * 1e4,
    lambda: torch.arange(20.0),
    lambda: torch.arange(20),
    lambda: torch.tensor([1e-6, 1.0, NAN]),
    lambda: torch.tensor([0.0, 0.0]),
    lambda: torch.tensor(3.5),
    lambda: torch.zeros(0, 3),
    lambda: torch.randn(3, 4, 5, requires_grad=True),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("index", range(len(OPTION_TENSORS)))
def test_printoptions(options, index):
    torch.manual_seed(index)
    t = OPTION_TENSORS[index]()
    set_both(**options)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    check(t)


def test_get_printoptions_defaults_and_roundtrip():
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    set_both(precision=3, linewidth=100, sci_mode=True)
    saved = get_printoptions()
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == math.inf
    assert get_printoptions()["sci_mode"] is None
    set_printoptions(**saved)
    assert get_printoptions() == saved == torch._tensor_str.get_printoptions()


# ---------------------------------------------------------------- autograd suffixes, device, dtype

def test_requires_grad_and_grad_fn():
    a = torch.randn(3, requires_grad=True)
    check(a)
    check(a + 1)
    check((a * 2).sum())
    check(torch.randn(4, 20, requires_grad=True) @ torch.randn(20, 5))
    check(torch.randn(12, requires_grad=True).double())  # long last line: suffix wraps
    check(torch.randn(0, 3, requires_grad=True) * 2)
    check(torch.arange(9.0, requires_grad=True).reshape(3, 3) * 1.5)


def test_suffix_wrapping_on_long_last_line():
    t = torch.tensor([1.12345678] * 9, dtype=torch.float64, requires_grad=True)
    check(t)
    check(t * 3)
    set_both(linewidth=30)
    check(torch.ones(2, dtype=torch.float16, requires_grad=True) * 2)


def test_device_suffix():
    x = np.array([1.0, 2.0], dtype=np.float32)
    kwargs = dict(dtype_name="float32", default_dtype_name="float32")
    assert format_tensor(x, device="cuda:0", **kwargs) == "tensor([1., 2.], device='cuda:0')"
    assert format_tensor(x, device="cpu", **kwargs) == "tensor([1., 2.])"
    assert (
        format_tensor(x.astype(np.float64), dtype_name="float64", default_dtype_name="float32",
                      device="cuda:0", requires_grad=True)
        == "tensor([1., 2.], device='cuda:0', dtype=ember.float64, requires_grad=True)"
    )


@pytest.mark.parametrize("default", [torch.float64, torch.float16])
def test_default_dtype(default):
    torch.set_default_dtype(default)
    cases = [torch.tensor([1.5, 2.0]), torch.tensor([1.5], dtype=torch.float32), torch.zeros(0),
             torch.zeros(0, dtype=torch.float32), torch.arange(3), torch.zeros(0, dtype=torch.int64)]
    if default == torch.float64:  # complex128 becomes the default complex dtype
        cases += [torch.tensor([1 + 1j]), torch.tensor([1 + 1j], dtype=torch.complex64)]
    for t in cases:
        check(t)


def test_empty_tensors():
    for t in [torch.tensor([]), torch.zeros(0, 3), torch.zeros(2, 0), torch.zeros(0, dtype=torch.int32),
              torch.zeros(0, dtype=torch.int64), torch.zeros(0, 1, dtype=torch.bool),
              torch.zeros(0, dtype=torch.float64, requires_grad=True)]:
        check(t)


# ---------------------------------------------------------------- Parameter

@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.randn(2, 3),
        lambda: torch.randn(5),
        lambda: torch.randn(64, 64),
        lambda: torch.randn(3, dtype=torch.float64),
        lambda: torch.tensor(2.5),
    ],
)
@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter(make, requires_grad):
    torch.manual_seed(0)
    p = torch.nn.Parameter(make(), requires_grad=requires_grad)
    kwargs = dict(dtype_name=_name(p.dtype), default_dtype_name="float32")
    expected = torch_repr(p)
    assert format_parameter(p.detach().numpy(), requires_grad=requires_grad, **kwargs) == expected
    prefixed = format_tensor(p.detach().numpy(), requires_grad=requires_grad,
                             prefix="Parameter containing:\ntensor(", **kwargs)
    assert prefixed == expected


def test_parameter_defaults_to_requires_grad():
    p = torch.nn.Parameter(torch.ones(2))
    assert format_parameter(np.ones(2, np.float32), dtype_name="float32",
                            default_dtype_name="float32") == torch_repr(p)


# ---------------------------------------------------------------- randomized

def _random_array(rng: np.random.Generator) -> np.ndarray:
    ndim = int(rng.integers(0, 5))
    big = rng.random() < 0.15
    shape = tuple(int(rng.integers(0, 40 if big else 6)) for _ in range(ndim))
    if rng.random() < 0.9:  # mostly non-empty
        shape = tuple(max(1, s) for s in shape)
    dtype = DTYPES[int(rng.integers(len(DTYPES)))]
    if dtype == "bool":
        return rng.random(shape) < 0.5
    magnitude = 10.0 ** rng.uniform(-7, 11)
    if not dtype.startswith("float"):
        info = np.iinfo(dtype)
        values = rng.uniform(-1, 1, shape) * min(magnitude, info.max)
        return np.clip(np.round(values), info.min, info.max).astype(dtype)
    values = rng.standard_normal(shape) * magnitude
    kind = rng.random()
    if kind < 0.2:
        values = np.round(values)
    elif kind < 0.35:
        specials = np.array([NAN, INF, -INF, -0.0, 0.0])
        mask = rng.random(shape) < 0.3
        values = np.where(mask, specials[rng.integers(0, 5, shape)], values)
    with np.errstate(over="ignore"):
        return np.asarray(values).astype(dtype)


def _random_options(rng: np.random.Generator) -> dict:
    if rng.random() < 0.6:
        return {}
    return dict(
        precision=int(rng.integers(0, 7)),
        threshold=int(rng.integers(1, 300)),
        edgeitems=int(rng.integers(0, 4)),
        linewidth=int(rng.integers(20, 120)),
        sci_mode=[None, True, False][int(rng.integers(3))],
    )


def test_random_arrays():
    rng = np.random.default_rng(1234)
    for _ in range(200):
        array = _random_array(rng)
        options = _random_options(rng)
        set_both(profile="default", **options)
        t = torch.from_numpy(np.array(array))
        if t.is_floating_point() and rng.random() < 0.2:
            t.requires_grad_(True)
        expected = torch_repr(t)
        assert ember_repr(t) == expected, (array.dtype, array.shape, options)
