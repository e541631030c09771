"""Issue 15's smaller names against PyTorch: finfo/iinfo, layouts and memory formats, default device, casting and
debug settings, tensor predicates, Tensor.new, output_nr, post-accumulate-grad hooks, complex parts of real tensors,
window functions."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember

FLOAT_DTYPES = ["float16", "float32", "float64"]
INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOAT_DTYPES)
def test_finfo(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for attr in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"]:
        assert getattr(e, attr) == getattr(t, attr), attr
    assert repr(e) == repr(t)


@pytest.mark.parametrize("name", INT_DTYPES)
def test_iinfo(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (e.bits, e.max, e.min, e.dtype) == (t.bits, t.max, t.min, t.dtype)
    assert repr(e) == repr(t)


def test_info_defaults_and_errors():
    assert ember.finfo().dtype == torch.finfo().dtype
    for bad in [ember.int32, ember.bool]:
        with pytest.raises(TypeError):
            ember.finfo(bad)
    for bad in [ember.float32, ember.bool]:
        with pytest.raises(TypeError):
            ember.iinfo(bad)


def test_can_cast_matches_pytorch():
    names = ["bool", *INT_DTYPES, *FLOAT_DTYPES]
    for a in names:
        for b in names:
            assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


def test_layouts_and_memory_formats_are_accepted():
    x = ember.randn(2, 3, 4, 5)
    assert repr(ember.channels_last) == "ember.channels_last" and ember.strided.name == "strided"
    np.testing.assert_array_equal(x.contiguous(memory_format=ember.channels_last).numpy(), x.numpy())
    assert ember.empty_like(x, memory_format=ember.preserve_format).shape == x.shape
    assert ember.legacy_contiguous_format is ember.contiguous_format


def test_default_device():
    assert ember.get_default_device() == ember.device("cpu") and str(torch.get_default_device()) == "cpu"
    ember.set_default_device("cpu")
    try:
        assert ember.zeros(2).device == ember.device("cpu")
    finally:
        ember.set_default_device(None)
    with ember.device("cpu"):
        assert ember.get_default_device() == ember.device("cpu")
    if not ember.cuda.is_available():
        with ember.device("cuda"):
            assert ember.get_default_device() == ember.device("cuda")
            with pytest.raises(Exception):
                ember.zeros(2)
        assert ember.get_default_device() == ember.device("cpu")


def test_settings():
    for mode, expected in [("warn", 1), ("error", 2), (0, 0), ("default", 0)]:
        ember.set_deterministic_debug_mode(mode)
        torch.set_deterministic_debug_mode(mode)
        assert ember.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode() == expected
    assert ember.are_deterministic_algorithms_enabled() is False
    with pytest.raises(RuntimeError):
        ember.set_deterministic_debug_mode("loud")
    ember.set_warn_always(True)
    assert ember.is_warn_always_enabled()
    ember.set_warn_always(False)
    assert not ember.is_warn_always_enabled()
    assert ember.set_flush_denormal(True) is False
    assert ember.newaxis is None and ember.has_lapack and ember.has_spectral


def test_predicates():
    check(lambda lib, a: a.is_signed(), randn(2), grad=False)
    check(lambda lib, a: a.is_signed(), np.array([1], np.uint8))
    check(lambda lib, a: lib.is_nonzero(a), np.array([0.0]), grad=False)
    check(lambda lib, a: a.is_nonzero(), np.array([3]))
    check(lambda lib, a: lib.is_nonzero(a), np.array([1, 2]))
    check(lambda lib, a: lib.is_nonzero(a), np.zeros(0))
    check(lambda lib, a, b: lib.is_same_size(a, b), randn(2, 3), randn(2, 3), grad=False)
    check(lambda lib, a, b: a.is_same_size(b), randn(2, 3), randn(3, 2), grad=False)
    check(lambda lib, a: lib.is_same_size(a, np.ones((2, 3))), randn(2, 3), grad=False)
    check(lambda lib, a: (lib.get_device(a), a.get_device()), randn(2), grad=False)


def test_new_and_output_nr():
    check(lambda lib, a: a.new([1, 2]), randn(2).astype(np.float32), grad=False)
    check(lambda lib, a: a.new(2, 3).shape, np.arange(3), grad=False)
    check(lambda lib, a: a.new().shape, randn(2), grad=False)
    check(lambda lib, a: [t.output_nr for t in a.unbind()] + [a.output_nr], randn(3))


def test_post_accumulate_grad_hook():
    for lib in (ember, torch):
        w = lib.ones(3, requires_grad=True)
        seen = []
        handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (w * 2).sum().backward()
        (w * 3).sum().backward()
        handle.remove()
        (w * 4).sum().backward()
        assert [s.tolist() for s in seen] == [[2.0] * 3, [5.0] * 3]
        with pytest.raises(RuntimeError, match="non-leaf"):
            (w * 2).register_post_accumulate_grad_hook(print)
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_post_accumulate_grad_hook(print)


def test_complex_parts_of_real_tensors():
    x = np.array([-1.5, 0.0, 2.0, -0.0, 3.0])
    check(lambda lib, a: lib.angle(a), x)
    check(lambda lib, a: a.angle(), np.array([-2, 0, 3]))
    check(lambda lib, a: (lib.real(a), a.real), x)
    check(lambda lib, a: lib.imag(a), x)
    check(lambda lib, a: a.imag, x)
    for name in ["conj", "resolve_conj", "resolve_neg", "conj_physical"]:
        check(lambda lib, a: getattr(lib, name)(a), x)
        check(lambda lib, a: getattr(a, name)(), x)
    check(lambda lib, a: (lib.is_conj(a), a.is_neg()), x, grad=False)
    m = randn(2, 3, 4)
    check(lambda lib, a: lib.adjoint(a), m)
    check(lambda lib, a: (a.adjoint(), a.mH), m)
    check(lambda lib, a: a.H, randn(3, 4))
    check(lambda lib, a: a.H, m)


@pytest.mark.parametrize("name, args", [("hann_window", ()), ("hamming_window", ()),
                                        ("hamming_window", (True, 0.5, 0.4)), ("blackman_window", ()),
                                        ("bartlett_window", ()), ("kaiser_window", ()),
                                        ("kaiser_window", (False, 8.0))])
@pytest.mark.parametrize("length", [0, 1, 2, 5, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows(name, args, length, periodic):
    args = args or (periodic,)
    e, t = getattr(ember, name)(length, *args), getattr(torch, name)(length, *args)
    assert e.dtype == ember.float32 and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=1e-6)
    e64 = getattr(ember, name)(length, *args, dtype=ember.float64)
    np.testing.assert_allclose(e64.numpy(), getattr(torch, name)(length, *args, dtype=torch.float64).numpy(),
                               atol=1e-12)


def test_window_errors():
    check(lambda lib: lib.hann_window(-1))
    check(lambda lib: lib.hann_window(4, dtype=lib.int64))
