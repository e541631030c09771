"""nn.grad's convolution gradients, from_file, as_strided_, embedding_renorm_, the grid sampler forms, F.conv_tbc and
ember.functional against PyTorch."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_conv_gradients(dims):
    x = randn(2, 4, *(6,) * dims)
    w = randn(6, 2, *(3,) * dims)
    out_shape = (2, 6) + (4,) * dims
    g = randn(*out_shape, seed=1)
    kwargs = {"stride": 1, "padding": 0, "dilation": 1, "groups": 2}
    check(lambda lib, a, b: getattr(lib.nn.grad, f"conv{dims}d_input")(x.shape, a, b, **kwargs), w, g,
          check_grad_fn=False)
    check(lambda lib, a, b: getattr(lib.nn.grad, f"conv{dims}d_weight")(a, w.shape, b, **kwargs), x, g,
          check_grad_fn=False)
    assert ember.nn.functional.grad is ember.nn.grad


def test_from_file(tmp_path):
    path = tmp_path / "raw.bin"
    np.arange(6, dtype=np.float32).tofile(path)
    e, t = ember.from_file(str(path), size=4), torch.from_file(str(path), size=4)
    assert e.tolist() == t.tolist() and e.dtype == ember.float32
    shared = ember.from_file(str(path), shared=True, size=6, dtype=ember.float32)
    shared[0] = 42.0
    shared._data.flush()
    assert np.fromfile(path, np.float32)[0] == 42.0
    with pytest.raises(RuntimeError):
        ember.from_file(str(path), size=100)


def test_as_strided_in_place():
    for lib in (ember, torch):
        x = lib.arange(6.0)
        y = x[1:]
        y.as_strided_((2, 2), (1, 2))
        assert y.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_embedding_renorm():
    w = randn(5, 3) * 3
    check(lambda lib, a: lib.embedding_renorm_(a.clone(), lib.tensor([0, 2, 2]), 1.0, 2.0), w, grad=False)


def test_grid_sampler_forms():
    x, grid = randn(1, 2, 4, 4), np.random.default_rng(0).uniform(-1, 1, (1, 3, 3, 2))
    for mode in (0, 1, 2):
        for padding in (0, 1, 2):
            check(lambda lib, a, g: lib.grid_sampler(a, g, mode, padding, False), x, grid, check_grad_fn=False)
    check(lambda lib, a, g: lib.grid_sampler_2d(a, g, 0, 0, True), x, grid, check_grad_fn=False)
    check(lambda lib, t: lib.affine_grid_generator(t, [1, 2, 4, 4], False), randn(1, 2, 3), check_grad_fn=False)


def test_conv_tbc_and_functional():
    check(lambda lib, a, w, b: lib.nn.functional.conv_tbc(a, w, b, 1), randn(5, 2, 3), randn(3, 3, 4), randn(4),
          check_grad_fn=False)
    for name in ["einsum", "split", "meshgrid", "unique", "atleast_2d", "broadcast_tensors", "norm"]:
        assert getattr(ember.functional, name) is getattr(ember, name)
