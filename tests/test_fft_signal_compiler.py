"""ember.fft's real functions (fftfreq, rfftfreq, fftshift, ifftshift), ember.signal.windows and ember.compiler
against PyTorch (the transforms are in test_fft.py)."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember


@pytest.mark.parametrize("n, d", [(1, 1.0), (4, 1.0), (5, 0.5), (8, 2.0)])
def test_frequencies(n, d):
    for name in ["fftfreq", "rfftfreq"]:
        e, t = getattr(ember.fft, name)(n, d), getattr(torch.fft, name)(n, d)
        assert e.dtype == ember.float32 and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
        e64 = getattr(ember.fft, name)(n, d, dtype=ember.float64)
        np.testing.assert_allclose(e64.numpy(), getattr(torch.fft, name)(n, d, dtype=torch.float64).numpy())


def test_shifts():
    x = randn(3, 5)
    for name in ["fftshift", "ifftshift"]:
        check(lambda lib, a: getattr(lib.fft, name)(a), x, check_grad_fn=False)
        check(lambda lib, a: getattr(lib.fft, name)(a, dim=1), x, check_grad_fn=False)
        check(lambda lib, a: getattr(lib.fft, name)(a, dim=(0, 1)), randn(4, 6), check_grad_fn=False)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'rfft3'"):
        ember.fft.rfft3


WINDOWS = [("hann", {}), ("hamming", {}), ("blackman", {}), ("bartlett", {}), ("nuttall", {}), ("cosine", {}),
           ("kaiser", {"beta": 8.0}), ("gaussian", {"std": 1.5}), ("exponential", {"tau": 2.0}),
           ("general_hamming", {"alpha": 0.6}), ("general_cosine", {"a": [0.46, 0.23, 0.31]})]


@pytest.mark.parametrize("name, kwargs", WINDOWS, ids=[w[0] for w in WINDOWS])
@pytest.mark.parametrize("M", [0, 1, 2, 7, 16])
@pytest.mark.parametrize("sym", [True, False])
def test_signal_windows(name, kwargs, M, sym):
    e = getattr(ember.signal.windows, name)(M, sym=sym, **kwargs)
    t = getattr(torch.signal.windows, name)(M, sym=sym, **kwargs)
    assert e.dtype == ember.float32 and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=1e-6)


def test_signal_window_errors():
    for lib in (ember, torch):
        with pytest.raises(ValueError):
            lib.signal.windows.gaussian(4, std=-1.0)
        with pytest.raises(ValueError):
            lib.signal.windows.exponential(4, center=1.0)


def test_compiler():
    for lib in (ember, torch):
        assert lib.compiler.is_compiling() is False

        @lib.compiler.disable
        def f(x):
            return x + 1

        @lib.compiler.disable(recursive=False)
        def g(x):
            return x * 2
        assert f(1) == 2 and g(2) == 4
        lib.compiler.reset()


def test_compile_wraps_a_module_as_torch():
    """torch.compile(module) gives an OptimizedModule holding it as `_orig_mod` (PyTorch's state dict keys, which
    checkpoints carry); functions, classes and disable=True come back as they are. PyTorch's compiled module is not
    called here: that would compile it."""
    seen = []
    for lib in (ember, torch):
        m = lib.nn.Linear(2, 3)
        c = lib.compile(m)
        c.eval()
        seen.append((type(c).__name__, c._orig_mod is m, list(c.state_dict()), list(dict(c.named_modules())),
                     c.weight is m.weight, c.in_features, m.training, isinstance(c, lib.nn.Module),
                     type(lib.compile(m, disable=True)).__name__,
                     isinstance(c, lib._dynamo.eval_frame.OptimizedModule)))

        def f(x):
            return x + 1
        assert lib.compile(f)(1) == 2 or lib is torch
        assert lib.compile(mode="max-autotune")(lib.nn.Linear) is lib.nn.Linear
    assert seen[0] == seen[1]
    m = ember.nn.Linear(2, 3)
    x = ember.randn(4, 2)
    assert ember.equal(ember.compile(m)(x), m(x))
