"""Issue 15's remaining small names against PyTorch: exception classes, ember.random and fork_rng, gradient,
histogram(dd), nonzero_static, binomial, empty_permuted, get_device_module, the deprecated norm forms, resize_,
new_empty_strided, module_load, unsafe_split_with_sizes."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember


def test_exceptions():
    for name, base in [("OutOfMemoryError", RuntimeError), ("AcceleratorError", RuntimeError),
                       ("FatalError", Exception)]:
        assert issubclass(getattr(ember, name), base) and issubclass(getattr(torch, name), base)
    assert ember.cuda.OutOfMemoryError is ember.OutOfMemoryError


def test_random_module_and_fork_rng():
    ember.random.manual_seed(3)
    first = ember.rand(3)
    ember.random.manual_seed(3)
    with ember.random.fork_rng():
        inside = ember.rand(3)
    assert ember.rand(3).tolist() == first.tolist() == inside.tolist()
    assert ember.random.initial_seed() == 3 and ember.random.default_generator is ember.default_generator


@pytest.mark.parametrize("kwargs", [{}, {"spacing": 2.0}, {"dim": 1}, {"spacing": [0.5, 2.0]},
                                    {"edge_order": 2}, {"dim": 0, "edge_order": 2, "spacing": 3.0}])
def test_gradient(kwargs):
    check(lambda lib, a: lib.gradient(a, **kwargs), randn(4, 5), check_grad_fn=False)


def test_gradient_at_coordinates_and_errors():
    coords = np.array([0.0, 0.5, 1.5, 1.75, 3.0])
    check(lambda lib, a, c: lib.gradient(a, spacing=(c,), dim=1), randn(3, 5), coords, check_grad_fn=False)
    check(lambda lib, a: lib.gradient(a), np.array([1, 4, 9, 16]))
    check(lambda lib, a: lib.gradient(a, edge_order=3), randn(5))
    check(lambda lib, a: lib.gradient(a, edge_order=2), randn(2))


def test_histograms():
    x = randn(50)
    check(lambda lib, a: lib.histogram(a, 7), x)
    check(lambda lib, a: lib.histogram(a, 4, range=(-1.0, 1.0), density=True), x)
    check(lambda lib, a, w: lib.histogram(a, 5, weight=w), x, np.abs(randn(50, seed=1)))
    check(lambda lib, a, e: lib.histogram(a, e), x, np.array([-2.0, -0.5, 0.0, 1.0, 3.0]))
    check(lambda lib, a: lib.histogramdd(a, [3, 4]), randn(40, 2))
    check(lambda lib, a: lib.histogramdd(a, 3, range=[-1.0, 1.0, -2.0, 2.0], density=True), randn(40, 2))


def test_nonzero_static():
    x = np.array([[0, 1, 0], [2, 0, 3]])
    for size, fill in [(2, -1), (5, -1), (0, 0), (4, 9)]:
        check(lambda lib, a: lib.nonzero_static(a, size=size, fill_value=fill), x)
    check(lambda lib, a: a.nonzero_static(size=3), x)


def test_binomial():
    ember.manual_seed(0)
    counts = ember.full((20000,), 10.0)
    sample = ember.binomial(counts, ember.full((20000,), 0.3))
    assert sample.dtype == ember.float32 and 2.9 < sample.mean().item() < 3.1
    assert ((sample.numpy() >= 0) & (sample.numpy() <= 10) & (sample.numpy() == np.round(sample.numpy()))).all()


def test_empty_permuted_and_device_module():
    for layout in [(0, 1, 2), (0, 2, 1), (2, 0, 1)]:
        e, t = ember.empty_permuted((2, 3, 4), layout), torch.empty_permuted((2, 3, 4), layout)
        assert e.stride() == t.stride() and tuple(e.shape) == tuple(t.shape)
    assert ember.get_device_module("cpu") is ember.cpu and ember.get_device_module("cuda:0") is ember.cuda
    assert ember.cpu.is_available() and ember.cpu.device_count() == 1


def test_deprecated_norms():
    x = randn(3, 4)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, a: lib.frobenius_norm(a, (0, 1)), x, check_grad_fn=False)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, a: lib.nuclear_norm(a), x, check_grad_fn=False)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, a: lib.nuclear_norm(a, (1, 2), True), randn(2, 3, 4), check_grad_fn=False)
    check(lambda lib, a: lib.norm_except_dim(a, 2, 1), x, check_grad_fn=False)
    check(lambda lib, a: lib.norm_except_dim(a, 3, -1), x, check_grad_fn=False)


def test_resize_and_friends():
    check(lambda lib, a: a.clone().resize_(2, 2), np.arange(6.0), grad=False)
    check(lambda lib, a: a.clone().resize_(6)[:4], np.arange(4.0), grad=False)
    check(lambda lib, a, b: a.clone().resize_as_(b), np.arange(6.0), randn(3, 2), grad=False)
    check(lambda lib, a: a.resize_(2), randn(3))
    check(lambda lib, a: (a.new_empty_strided((2, 3), (1, 2)).stride(), a.is_distributed()), randn(2), grad=False)
    check(lambda lib, a, b: a.module_load(b), randn(2), randn(2), grad=False)
    check(lambda lib, a: lib.unsafe_split_with_sizes(a, [2, 3]), np.arange(5), grad=False)


def test_tensor_odds_and_ends():
    for lib in (ember, torch):
        x = lib.arange(6.0)
        with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
            assert tuple(x.resize(2, 3).shape) == (2, 3) and tuple(x.shape) == (6,)
        y = lib.zeros(3)
        y.set_(x)
        assert y.data_ptr() == x.data_ptr() and y.tolist() == x.tolist()
        with pytest.warns(UserWarning, match="volatile was removed"):
            assert x.volatile is False
        assert x.name is None and not lib.is_distributed(x) and not lib.is_storage(x)
    with pytest.raises(AttributeError, match="reinforce is not supported"):
        ember.ones(1).reinforce


def test_fill_feature_dropout_and_inference_flag():
    check(lambda lib, a: lib.fill(a, 2.5), randn(3))
    check(lambda lib, a: lib.feature_dropout(a, 0.5, False), randn(2, 3, 4))
    check(lambda lib, a: lib.feature_dropout(a, 0.5, True), randn(3))
    ember.manual_seed(0)
    out = ember.feature_dropout(ember.ones(200, 8, 5), 0.25, True).numpy()
    assert np.isin(out, np.float32([0.0, 1 / 0.75])).all() and (out.min(axis=2) == out.max(axis=2)).all()
    assert 0.65 < (out[:, :, 0] != 0).mean() < 0.85
    for lib in (ember, torch):
        assert not lib.is_inference_mode_enabled()
        with lib.inference_mode():
            assert lib.is_inference_mode_enabled()
        assert not lib.is_inference_mode_enabled()


def test_buffers_and_dlpack():
    data = bytearray(np.arange(4, dtype=np.int32).tobytes())
    e, t = ember.frombuffer(data, dtype=ember.int32, count=2, offset=4), torch.frombuffer(data, dtype=torch.int32,
                                                                                       count=2, offset=4)
    assert e.tolist() == t.tolist() == [1, 2]
    e[0] = 7
    assert np.frombuffer(data, np.int32)[1] == 7  # shares the buffer's memory
    with pytest.warns(UserWarning, match="not writable"):
        ember.frombuffer(b"\x01\x00", dtype=ember.int16)
    t = torch.arange(4.0)
    shared = ember.from_dlpack(t)
    shared[0] = 9
    assert t[0].item() == 9
    back = torch.from_dlpack(ember.arange(3.0))
    assert back.tolist() == [0.0, 1.0, 2.0]
    assert ember.from_dlpack(np.arange(2)).tolist() == [0, 1]
    check(lambda lib, a: a.histogram(4), randn(20))
