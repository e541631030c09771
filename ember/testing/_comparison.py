"""assert_close: tensors, numbers, and sequences or mappings of them, compared as PyTorch compares them."""
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from .._tensor import Tensor
from ..backend import to_numpy

# (rtol, atol) by dtype, as PyTorch's defaults; integer and bool dtypes compare exactly
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | None = None) -> None:
    """AssertionError unless `actual` and `expected` agree: same shape, dtype and device, and every element
    within atol + rtol * |expected| (defaults by dtype); sequences and mappings are compared item by item.
    With `check_stride`, the strides too. `allow_subclasses` and `check_layout` are accepted: ember has one tensor
    class and one layout."""
    checks = (check_device, check_dtype, check_stride)
    _compare(actual, expected, [], rtol, atol, equal_nan, checks, msg)


def _compare(actual, expected, path, rtol, atol, equal_nan, checks, msg):
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            _fail(f"The keys of the mappings do not match: {sorted(actual)} != {sorted(expected)}.", path, msg)
        for key in expected:
            _compare(actual[key], expected[key], path + [key], rtol, atol, equal_nan, checks, msg)
        return
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path, msg)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + [i], rtol, atol, equal_nan, checks, msg)
        return
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        _compare_tensors(actual, expected, path, rtol, atol, equal_nan, checks, msg)
        return
    if _is_number(actual) and _is_number(expected):
        _compare_numbers(actual, expected, path, rtol, atol, equal_nan, msg)
        return
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _is_sequence(x):
    return isinstance(x, Sequence) and not isinstance(x, str)


def _is_number(x):
    return isinstance(x, (bool, int, float, complex, np.number, np.bool_))


def _check_tolerances(rtol, atol, path):
    if (rtol is None) != (atol is None):
        _fail(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
              f"{'atol' if atol is None else 'rtol'}.", path, None, ValueError)


def _compare_tensors(actual, expected, path, rtol, atol, equal_nan, checks, msg):
    _check_tolerances(rtol, atol, path)
    check_device, check_dtype, check_stride = checks
    for attribute, check in (("shape", True), ("device", check_device), ("dtype", check_dtype)):
        a, e = getattr(actual, attribute), getattr(expected, attribute)
        if check and a != e:
            _fail(f"The values for attribute '{attribute}' do not match: {a} != {e}.", path, msg)
    if check_stride and actual.stride() != expected.stride():
        _fail(f"The values for attribute 'stride()' do not match: {actual.stride()} != {expected.stride()}.", path,
              msg)
    a, e = to_numpy(actual.detach()._data), to_numpy(expected.detach()._data)
    if a.dtype != e.dtype:
        common = np.promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    rtol, atol = (rtol, atol) if rtol is not None else _TOLERANCES.get(a.dtype.name, (0.0, 0.0))
    if a.ndim == 0:
        _compare_numbers(a.item(), e.item(), path, rtol, atol, equal_nan, msg)
        return
    close = _close(a, e, rtol, atol, equal_nan)
    if close.all():
        return
    exact = rtol == 0 and atol == 0
    bad = ~close
    # the differences in the inputs' dtype, as PyTorch reports them (integers: float32 relative differences)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if a.dtype.kind in "fcV":
            abs_diff = np.abs(a - e)  # real: a complex difference's modulus
        else:
            abs_diff = np.abs(a.astype(np.int64) - e.astype(np.int64))
        real = abs_diff.dtype if a.dtype.kind in "fcV" else np.float32
        rel_diff = abs_diff.astype(real) / np.abs(e).astype(real)
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {int(bad.sum())} / {a.size} ({100 * bad.sum() / a.size:.1f}%)",
             _greatest("absolute", abs_diff, bad, atol, exact, a.dtype.kind in "iub"),
             _greatest("relative", rel_diff, bad, rtol, exact, False)]
    _fail("\n".join(lines), path, msg)


def _close(a, e, rtol, atol, equal_nan):
    if a.dtype.kind == "b":
        return a == e
    wide = np.complex128 if a.dtype.kind == "c" or e.dtype.kind == "c" else np.float64
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(a.astype(wide) - e.astype(wide)) <= atol + rtol * np.abs(e.astype(wide))
        close |= a == e
    if equal_nan:
        close |= np.isnan(a) & np.isnan(e)
    return close


def _greatest(kind, diff, bad, tolerance, exact, integral):
    """'Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)', as PyTorch words it."""
    masked = np.where(bad, diff, -np.inf)
    where = np.unravel_index(np.argmax(np.where(np.isnan(masked), np.inf, masked)), diff.shape)
    value = diff[where]
    shown = int(value) if integral else float(value)
    allowed = "" if exact else f" (up to {tolerance} allowed)"
    return f"Greatest {kind} difference: {shown} at index {tuple(int(i) for i in where)}{allowed}"


def _compare_numbers(actual, expected, path, rtol, atol, equal_nan, msg):
    _check_tolerances(rtol, atol, path)
    if rtol is None:
        inexact = (float, complex, np.inexact)
        rtol, atol = (1e-7, 1e-7) if isinstance(actual, inexact) or isinstance(expected, inexact) else (0.0, 0.0)
    a, e = (complex(actual), complex(expected)) if isinstance(actual, complex) or isinstance(expected, complex) \
        else (float(actual), float(expected))
    if _close(np.array(a), np.array(e), rtol, atol, equal_nan):
        return
    abs_diff = abs(a - e)
    rel_diff = abs_diff / abs(e) if e else float("inf")
    exact = rtol == 0 and atol == 0
    lines = [f"Scalars are not {'equal' if exact else 'close'}!", "", f"Expected {expected} but got {actual}.",
             f"Absolute difference: {abs_diff}{'' if exact else f' (up to {atol} allowed)'}",
             f"Relative difference: {rel_diff}{'' if exact else f' (up to {rtol} allowed)'}"]
    _fail("\n".join(lines), path, msg)


def _fail(text, path, msg, error=AssertionError):
    if msg is not None:
        raise error(msg)
    if path:
        text += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
    raise error(text)


_ALLCLOSE_TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol: float | None = None, atol: float | None = None, equal_nan: bool = True,
                    msg: str = "") -> None:
    """Deprecated (PyTorch's FutureWarning): assert_close with looser default tolerances, the dtypes unchecked and
    numbers taken as tensors (of actual's dtype for `expected`)."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    from .._creation import tensor  # lazy: ember.testing loads with ember
    actual = actual if isinstance(actual, Tensor) else tensor(actual)
    expected = expected if isinstance(expected, Tensor) else tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [_ALLCLOSE_TOLERANCES.get(t.dtype.name, (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)
