"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import pytest
from parity import torch

import ember

LIBS = [ember, torch]


@pytest.mark.parametrize("lib", LIBS, ids=["ember", "torch"])
def test_context_managers(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        y = x * 2
        with lib.enable_grad():
            assert lib.is_grad_enabled()
            z = x * 2
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with lib.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()
    with lib.inference_mode():
        assert not (x * 2).requires_grad
    with lib.inference_mode(False):
        assert (x * 2).requires_grad
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS, ids=["ember", "torch"])
def test_set_grad_enabled_as_function(lib):
    lib.set_grad_enabled(False)
    try:
        assert not lib.is_grad_enabled()
        assert not (lib.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS, ids=["ember", "torch"])
def test_decorators(lib):
    x = lib.ones(2, requires_grad=True)

    @lib.no_grad()
    def f(t):
        return t * 2

    @lib.no_grad
    def f2(t):
        return t * 2

    @lib.enable_grad()
    def g(t):
        return t * 2

    @lib.set_grad_enabled(False)
    def h(t):
        return t * 2

    @lib.inference_mode()
    def i(t):
        return t * 2

    assert lib.is_grad_enabled()
    assert not f(x).requires_grad and not f2(x).requires_grad and not h(x).requires_grad
    assert not i(x).requires_grad
    assert lib.is_grad_enabled()
    with lib.no_grad():
        assert g(x).requires_grad
        assert not lib.is_grad_enabled()
    assert f.__name__ == "f"


@pytest.mark.parametrize("lib", LIBS, ids=["ember", "torch"])
def test_mode_restored_after_exception(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS, ids=["ember", "torch"])
def test_manual_sgd_update(lib):
    lib.manual_seed(0)
    w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    x = lib.tensor([0.5, 1.0, -1.0])
    lr = 0.1
    for _ in range(3):
        loss = ((w * x).sum() - 1) ** 2
        loss.backward()
        with lib.no_grad():
            w -= lr * w.grad
            w.grad.zero_()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w.grad.tolist() == [0.0, 0.0, 0.0]
    return w


def test_manual_sgd_matches_torch():
    e, t = test_manual_sgd_update(ember), test_manual_sgd_update(torch)
    assert e.detach().numpy().tolist() == pytest.approx(t.detach().numpy().tolist(), rel=1e-6)


def test_sgd_update_outside_no_grad_raises():
    for lib in LIBS:
        w = lib.ones(2, requires_grad=True)
        (w * w).sum().backward()
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w -= 0.1 * w.grad


@pytest.mark.parametrize("decorator", ["no_grad()", "no_grad", "enable_grad()", "set_grad_enabled(False)",
                                       "inference_mode()", "inference_mode(False)"])
def test_decorated_generators_run_in_the_mode_as_torch(decorator):
    """Each resumption of a decorated generator runs in the decorator's mode, the caller's mode in between."""
    def run(lib):
        w = lib.ones(2, requires_grad=True)
        mode = eval(f"lib.{decorator}")  # the same spelling on both libraries

        @mode
        def steps():
            for k in range(2):
                sent = yield ((w * k).requires_grad, lib.is_grad_enabled(), lib.is_inference_mode_enabled())
                assert sent is None
        seen = []
        with lib.no_grad() if decorator.startswith("enable") else lib.enable_grad():
            for item in steps():
                seen.append(item + (lib.is_grad_enabled(),))
        return seen
    assert run(ember) == run(torch)
