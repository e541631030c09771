"""ember.testing against torch.testing: the same verdicts, exception types and messages."""
import numpy as np
import pytest
from parity import same_exception_type, torch

import ember

CASES = {
    "equal": lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0])),
    "within float32 tolerance": lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0 + 1e-6])),
    "one element off": lambda lib: (lib.tensor([1.0, 2.0, 3.0]), lib.tensor([1.0, 2.5, 3.0])),
    "two of four off": lambda lib: (lib.tensor([[1.0, 5.0], [2.0, 7.0]]), lib.tensor([[1.0, 5.1], [2.0, 9.0]])),
    "dtypes": lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0], dtype=lib.float64)),
    "shapes": lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0, 3.0])),
    "integers": lambda lib: (lib.tensor([1, 2]), lib.tensor([1, 3])),
    "nan": lambda lib: (lib.tensor([[1.0, float("nan")]]), lib.tensor([[1.0, float("nan")]])),
    "float64": lambda lib: (lib.tensor([1.0, 2.0], dtype=lib.float64), lib.tensor([1.0, 2.001], dtype=lib.float64)),
    "float16": lambda lib: (lib.tensor([1.0, 2.0], dtype=lib.float16), lib.tensor([1.0, 2.01], dtype=lib.float16)),
    "0-dim": lambda lib: (lib.tensor(1.0), lib.tensor(1.5)),
    "numbers": lambda lib: (1.0, 1.5), "numbers close": lambda lib: (1.0, 1.0 + 1e-9),
    "sequence": lambda lib: ([lib.tensor(1.0), lib.tensor(2.0)], [lib.tensor(1.0), lib.tensor(2.1)]),
    "mapping": lambda lib: ({"a": lib.tensor(1.0)}, {"a": lib.tensor(1.2)}),
    "tensor and list": lambda lib: (lib.tensor([1.0, 2.0]), [1.0, 2.0]),
    "bools": lambda lib: (lib.tensor([True, False]), lib.tensor([True, True])),
    "complex close": lambda lib: (lib.tensor([1 + 1j, 2 - 1j]), lib.tensor([1 + 1j, 2 - 1j + 1e-6j])),
    "complex off": lambda lib: (lib.tensor([1 + 1j, 2 - 1j]), lib.tensor([1 + 1j, 2 - 1.1j])),
    "complex128 off": lambda lib: (lib.tensor([1 + 1j], dtype=lib.complex128), lib.tensor([1.001 + 1j],
                                                                                         dtype=lib.complex128)),
    "complex numbers": lambda lib: (1 + 2j, 1 + 2.1j),
    "bfloat16": lambda lib: (lib.tensor([1.0, 2.0], dtype=lib.bfloat16), lib.tensor([1.0, 2.03], dtype=lib.bfloat16)),
}


def _verdict(lib, make, **kw):
    actual, expected = make(lib)
    try:
        lib.testing.assert_close(actual, expected, **kw)
    except Exception as err:  # noqa: BLE001 - the verdict is what is compared
        return err
    return None


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("kw", [{}, {"rtol": 0.1, "atol": 0.0}, {"equal_nan": True}, {"check_dtype": False},
                                {"msg": "custom"}, {"rtol": 0.5}], ids=["defaults", "tolerances", "equal_nan",
                                                                        "no dtype check", "msg", "rtol alone"])
def test_assert_close_matches_torch(make, kw):
    e, t = _verdict(ember, make, **kw), _verdict(torch, make, **kw)
    if t is None:
        assert e is None, f"ember raised {e!r}, torch passed"
        return
    assert e is not None and same_exception_type(e, t), f"torch raised {t!r}, ember {e!r}"
    assert str(e) == str(t).replace("torch", "ember")


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "complex64", "int64", "uint8",
                                   "uint32", "bool"])
def test_make_tensor(dtype):
    t = ember.testing.make_tensor(3, 4, dtype=getattr(ember, dtype), low=0 if dtype != "bool" else None, high=5)
    assert tuple(t.shape) == (3, 4) and t.dtype == getattr(ember, dtype)
    if dtype == "complex64":
        parts = ember.view_as_real(t).numpy()
        assert (parts >= 0).all() and (parts < 5).all() and (parts[..., 1] != 0).any()
    elif dtype != "bool":
        a = t.float().numpy().astype(np.float64)
        assert (a >= 0).all() and (a < 5).all()
    g = ember.testing.make_tensor((2,), dtype=ember.float32, requires_grad=True, exclude_zero=True)
    assert g.requires_grad and (g.detach().numpy() != 0).all()


@pytest.mark.parametrize("pair", [
    lambda lib: (lib.zeros(2, 3), lib.zeros(3, 2).T), lambda lib: ([lib.zeros(2, 3)], [lib.zeros(3, 2).T]),
    lambda lib: (lib.zeros(2, 3), lib.zeros(2, 3)), lambda lib: (lib.zeros(4)[::2], lib.zeros(2))],
    ids=["transposed", "in a list", "same strides", "sliced"])
@pytest.mark.parametrize("check_stride", [False, True])
def test_check_stride(pair, check_stride):
    """With check_stride, tensors whose strides differ are not close, with torch's message."""
    messages = []
    for lib in (torch, ember):
        try:
            lib.testing.assert_close(*pair(lib), check_stride=check_stride)
            messages.append(None)
        except AssertionError as err:
            messages.append(str(err))
    assert messages[1] == messages[0]


@pytest.mark.parametrize("actual, expected", [([1.0, 2.0], [1.00001, 2.0]), ([1.0], [1.1]), ([1, 2], [1.0, 2.0]),
                                              ([float("nan")], [float("nan")]), (3, 3.0000001)])
def test_deprecated_assert_allclose_as_torch(actual, expected):
    """Looser tolerances than assert_close, no dtype check, nan equal to nan, with PyTorch's FutureWarning."""
    outcomes = []
    for lib in (torch, ember):
        with pytest.warns(FutureWarning, match="assert_allclose\\(\\)` is deprecated"):
            try:
                lib.testing.assert_allclose(lib.tensor(actual), expected)
                outcomes.append("passed")
            except AssertionError:
                outcomes.append("failed")
    assert outcomes[1] == outcomes[0]
