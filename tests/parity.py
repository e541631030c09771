"""The parity helper: one lambda, two libraries.

`check(fn, *inputs)` runs `fn(lib, *tensors)` with `lib` = ember and with `lib` = torch on the same
input values, and compares what PyTorch's users can observe: the exception type for bad input, the
values, dtype and shape of every output, the `grad_fn` name, and the gradients of every input.
Tests that use it skip where torch is not installed.

EMBER_TEST_DEVICE (default "cpu") is where ember runs: "cuda" (or "cuda:N") puts ember's inputs on that GPU (PyTorch's
stay on the CPU, the reference), and compares after copying back. Where ember has no GPU (no CuPy, or no device),
every test that reaches a helper here skips, saying why.
"""
import itertools
import os

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def device_under_test(name: str | None = None):
    """(device, why not) for EMBER_TEST_DEVICE (or `name`): (None, None) for the CPU, where nothing moves; a reason
    to skip, instead of None, for a GPU that ember cannot use."""
    name = os.environ.get("EMBER_TEST_DEVICE", "cpu") if name is None else name
    place = ember.device(name)
    if place.type == "cpu":
        return None, None
    if not ember.cuda.is_available():
        return place, f"EMBER_TEST_DEVICE={name}: ember.cuda.is_available() is False (it needs CuPy and an NVIDIA GPU)"
    return place, None


DEVICE, UNAVAILABLE = device_under_test()


def _skip_without_device():
    if UNAVAILABLE:
        pytest.skip(UNAVAILABLE)


TOLERANCE = {"float16": (1e-2, 1e-2), "float32": (1e-5, 1e-5), "float64": (1e-10, 1e-10),
             "complex64": (1e-5, 1e-5), "complex128": (1e-10, 1e-10)}


def to_ember(x, requires_grad=False):
    """An ember tensor with a copy of `x` (NumPy array or Python value), on EMBER_TEST_DEVICE."""
    _skip_without_device()
    t = ember.tensor(np.array(x, copy=True) if isinstance(x, np.ndarray) else x, device=DEVICE)
    return t.requires_grad_(requires_grad) if requires_grad else t


def to_torch(x, requires_grad=False):
    """A torch tensor with a copy of `x`."""
    t = torch.tensor(np.array(x, copy=True)) if isinstance(x, np.ndarray) else torch.tensor(x)
    return t.requires_grad_(requires_grad) if requires_grad else t


def as_numpy(t):
    """The values of an ember or torch tensor as a NumPy array."""
    if isinstance(t, ember.Tensor):
        return t.detach().numpy() if DEVICE is None else t.detach().cpu().numpy()
    return t.detach().numpy(force=True)  # force: a gradient may be one of torch's ZeroTensors


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


def assert_same_tensor(e, t, where="output", atol=None, rtol=None, check_grad_fn=True, signed_zeros=False):
    """Assert that ember tensor `e` matches torch tensor `t` in shape, dtype, values (with `signed_zeros`, no
    -0. where torch has 0.: gradients are compared so, as `print(x.grad)` shows them) and grad_fn name."""
    assert isinstance(e, ember.Tensor), f"{where}: ember gave {type(e).__name__}, torch gave a Tensor"
    assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} != torch {tuple(t.shape)}"
    assert dtype_name(e) == dtype_name(t), f"{where}: dtype {e.dtype} != torch {t.dtype}"
    default_rtol, default_atol = TOLERANCE.get(dtype_name(t), (0, 0))
    np.testing.assert_allclose(as_numpy(e), as_numpy(t), rtol=default_rtol if rtol is None else rtol,
                               atol=default_atol if atol is None else atol, equal_nan=True,
                               err_msg=f"{where}: values differ")
    if signed_zeros:
        e_neg, t_neg = _negative_zeros(as_numpy(e)), _negative_zeros(as_numpy(t))
        extra = e_neg & ~t_neg
        assert not extra.any(), f"{where}: -0. where torch has 0. at {np.argwhere(extra)[:4].tolist()}"
    if check_grad_fn:
        t_name = None if t.grad_fn is None else t.grad_fn.name().replace("torch::", "ember::")
        e_name = None if e.grad_fn is None else e.grad_fn.name()
        assert e_name == t_name, f"{where}: grad_fn {e_name} != torch {t_name}"
        assert e.requires_grad == t.requires_grad, f"{where}: requires_grad {e.requires_grad} != {t.requires_grad}"


def _negative_zeros(a):
    """Where `a` holds -0. (printed as `-0.`, so a user sees it)."""
    return np.signbit(a) & (a == 0) if a.dtype.kind == "f" else np.zeros(a.shape, bool)


def assert_same(e, t, where="output", **kw):
    """Compare outputs that may be tensors, tuples of them, or Python values."""
    if isinstance(t, torch.Tensor):
        assert_same_tensor(e, t, where, **kw)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{where}: {e!r} vs torch {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, f"{where}[{i}]", **kw)
    elif isinstance(t, dict):
        assert isinstance(e, dict) and list(e) == list(t), f"{where}: keys {list(e)} vs torch {list(t)}"
        for key in t:
            assert_same(e[key], t[key], f"{where}[{key!r}]", **kw)
    elif isinstance(t, torch.Size):
        assert tuple(e) == tuple(t), f"{where}: {e} != torch {t}"
    elif isinstance(t, float):
        assert isinstance(e, float) and (e == t or np.isclose(e, t, rtol=1e-6, atol=1e-7)), f"{where}: {e} != {t}"
    elif isinstance(t, torch.dtype):
        assert str(e).replace("ember", "torch") == str(t), f"{where}: {e} != {t}"
    else:
        assert type(e) is type(t) and e == t, f"{where}: {e!r} != torch {t!r}"


def _float_outputs(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _float_outputs(x)]
    if hasattr(out, "requires_grad") and out.requires_grad and (out.dtype.is_floating_point or out.dtype.is_complex):
        return [out]
    return []


def grad_subsets(indices):
    """The sets of inputs to run with requires_grad: all, each alone (every subset where there are at
    most 3), and none. A backward formula must be right for each, not only when every input requires grad."""
    indices = tuple(indices)
    if len(indices) <= 3:
        subsets = [c for k in range(len(indices), 0, -1) for c in itertools.combinations(indices, k)]
    else:
        subsets = [indices] + [(i,) for i in indices]
    return subsets + [()]


def check(fn, *inputs, grad=True, atol=None, rtol=None, grad_atol=None, grad_rtol=None, check_grad_fn=True,
          signed_zeros=True):
    """Run `fn(lib, *tensors)` on ember and torch and assert they agree (see the module docstring).

    `inputs` are NumPy arrays or Python values. With `grad`, the call runs once for each subset of the
    float arrays requiring grad (`grad_subsets`); without, once with none. With `signed_zeros`, gradients
    hold no -0. where torch's hold 0. Returns the ember output of the first run (every float array
    requiring grad).
    """
    _skip_without_device()
    floats = [i for i, x in enumerate(inputs) if grad and isinstance(x, np.ndarray) and x.dtype.kind in "fc"]
    first = None
    for n, subset in enumerate(grad_subsets(floats)):
        try:
            out = _check_once(fn, inputs, subset, atol, rtol, grad_atol, grad_rtol, check_grad_fn, signed_zeros)
        except AssertionError as err:
            raise AssertionError(f"with inputs {list(subset)} requiring grad: {err}") from None
        except Exception as err:
            raise AssertionError(f"with inputs {list(subset)} requiring grad, ember raised {err!r}") from err
        if n == 0:
            first = out
    return first


def _check_once(fn, inputs, subset, atol, rtol, grad_atol, grad_rtol, check_grad_fn, signed_zeros):
    """One run of `check` with the inputs at positions `subset` requiring grad."""
    e_in = [to_ember(x, i in subset) if isinstance(x, np.ndarray) else x for i, x in enumerate(inputs)]
    t_in = [to_torch(x, i in subset) if isinstance(x, np.ndarray) else x for i, x in enumerate(inputs)]
    try:
        t_out = fn(torch, *t_in)
    except Exception as t_err:
        with pytest.raises(Exception) as info:
            fn(ember, *e_in)
        assert same_exception_type(info.value, t_err), \
            f"torch raised {type(t_err).__name__}({t_err}), ember raised {type(info.value).__name__}({info.value})"
        return None
    e_out = fn(ember, *e_in)
    assert_same(e_out, t_out, atol=atol, rtol=rtol, check_grad_fn=check_grad_fn)

    t_float = _float_outputs(t_out)
    if not t_float:
        return e_out
    e_float = _float_outputs(e_out)
    assert len(e_float) == len(t_float), "ember and torch disagree on which outputs require grad"
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(tuple(o.shape) + ((2,) if o.dtype.is_complex else ())) for o in t_float]
    t_loss = sum(_weighted(torch, o, w) for o, w in zip(t_float, weights))
    e_loss = sum(_weighted(ember, o, w) for o, w in zip(e_float, weights))
    try:
        t_loss.backward()
    except RuntimeError as t_err:  # e.g. a double backward that torch does not implement
        with pytest.raises(RuntimeError) as info:
            e_loss.backward()
        assert same_exception_type(info.value, t_err), f"torch's backward raised {t_err!r}, ember's {info.value!r}"
        return e_out
    e_loss.backward()
    for i, (a, b) in enumerate(zip(e_in, t_in)):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            assert_same_grad(a.grad, b.grad, f"grad of input {i}", atol=grad_atol, rtol=grad_rtol,
                             signed_zeros=signed_zeros)
    return e_out


def _weighted(lib, o, w):
    """A real loss of output `o`: its values, or its real and imaginary parts, weighted by `w` and summed."""
    if o.dtype.is_complex:
        return ((o.real.double() * lib.tensor(w[..., 0], device=o.device)).sum()
                + (o.imag.double() * lib.tensor(w[..., 1], device=o.device)).sum())
    return (o.double() * lib.tensor(w, device=o.device)).sum()


def assert_same_grad(e, t, where, **kw):
    """Compare a gradient of ember's with torch's: both None, or the same tensor (no grad_fn compared)."""
    if t is None:
        assert e is None, f"{where}: ember has a gradient, torch has None"
    else:
        assert e is not None, f"{where}: ember has no gradient"
        assert_same_tensor(e, t, where, check_grad_fn=False, **kw)


def second_order(fn):
    """`fn`'s gradients, taken with create_graph: `check(second_order(fn), ...)` compares the gradients of
    every subset of inputs and, through check's backward, their own gradients (the double backward)."""
    def gradients(lib, *args):
        out = fn(lib, *args)
        leaves = [a for a in args if isinstance(a, lib.Tensor) and a.requires_grad]
        outs = [o for o in (out if isinstance(out, (tuple, list)) else (out,))
                if isinstance(o, lib.Tensor) and o.requires_grad]
        if not leaves or not outs:
            return out
        rng = np.random.default_rng(2)
        total = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype, device=o.device)).sum()
                    for o in outs)
        return lib.autograd.grad(total, leaves, create_graph=True, allow_unused=True)
    return gradients


def same_exception_type(e_err, t_err):
    """ember must raise PyTorch's exception type (torch's own subclasses map to their builtin base)."""
    for base in (IndexError, TypeError, ValueError, NotImplementedError, RuntimeError):
        if isinstance(t_err, base):
            return isinstance(e_err, base)
    return type(e_err) is type(t_err)


def raises_like_torch(fn):
    """Assert that `fn(torch)` raises and `fn(ember)` raises PyTorch's exception type (bad input that needs more
    than one call, or no tensors, to set up); ember's factory functions put their tensors on EMBER_TEST_DEVICE."""
    _skip_without_device()
    with pytest.raises(Exception) as t_info:
        fn(torch)
    with pytest.raises(Exception) as e_info:
        if DEVICE is None:
            fn(ember)
        else:
            with DEVICE:  # the default device of ember.tensor, zeros, ... inside
                fn(ember)
    e, t = e_info.value, t_info.value
    assert same_exception_type(e, t), f"torch raised {type(t).__name__}({t}), ember {type(e).__name__}({e})"


def randn(*shape, dtype=np.float64, seed=0):
    """Standard normal test data (for a complex dtype, in each part)."""
    rng = np.random.default_rng(seed + sum(shape))
    if np.dtype(dtype).kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)
