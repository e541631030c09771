"""Parity of the vision functionals (interpolate, grid_sample, affine_grid, shuffles, one_hot, normalize)
with PyTorch."""
import warnings

import numpy as np
import pytest
from parity import check, randn, torch

import ember
import ember.nn.functional as EF
from ember.autograd import gradcheck


def F(lib):
    return lib.nn.functional


# ---- interpolate -------------------------------------------------------------------------------------
RESIZE_2D = [dict(size=(5, 11)), dict(size=(14, 16)), dict(size=7), dict(scale_factor=1.7),
             dict(scale_factor=(0.5, 2.3)), dict(scale_factor=2), dict(scale_factor=1.7, recompute_scale_factor=True),
             dict(size=(1, 1)), dict(size=[3, 1])]


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "area"])
@pytest.mark.parametrize("how", RESIZE_2D)
def test_interpolate_nearest_area(mode, how):
    check(lambda lib, x: F(lib).interpolate(x, mode=mode, **how), randn(2, 3, 7, 8))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("how", RESIZE_2D)
def test_interpolate_bilinear_bicubic(mode, align_corners, how):
    check(lambda lib, x: F(lib).interpolate(x, mode=mode, align_corners=align_corners, **how), randn(2, 3, 7, 8))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("how", [dict(size=(5, 3)), dict(size=(14, 16)), dict(scale_factor=0.4), dict(size=(2, 11))])
def test_interpolate_antialias(mode, align_corners, how):
    check(lambda lib, x: F(lib).interpolate(x, mode=mode, align_corners=align_corners, antialias=True, **how),
          randn(2, 3, 7, 8))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear", "area"])
@pytest.mark.parametrize("how", [dict(size=13), dict(scale_factor=0.6), dict(scale_factor=2.5), dict(size=1)])
def test_interpolate_1d(mode, how):
    kw = {"align_corners": True} if mode == "linear" and "size" in how else {}
    check(lambda lib, x: F(lib).interpolate(x, mode=mode, **how, **kw), randn(2, 3, 9))


def test_interpolate_long_axes():
    """Long axes resample through gathers rather than dense matrix products."""
    check(lambda lib, x: F(lib).interpolate(x, size=301, mode="linear"), randn(1, 2, 150))
    check(lambda lib, x: F(lib).interpolate(x, scale_factor=0.45, mode="linear", align_corners=True), randn(1, 2, 150))
    check(lambda lib, x: F(lib).interpolate(x, size=(3, 400), mode="bicubic"), randn(1, 1, 2, 290))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "trilinear", "area"])
@pytest.mark.parametrize("how", [dict(size=(3, 7, 5)), dict(scale_factor=(1.5, 0.7, 2))])
def test_interpolate_3d(mode, how):
    check(lambda lib, x: F(lib).interpolate(x, mode=mode, **how), randn(2, 2, 4, 5, 6))
    if mode == "trilinear":
        check(lambda lib, x: F(lib).interpolate(x, mode=mode, align_corners=True, **how), randn(1, 2, 4, 5, 6))


def test_interpolate_dtypes():
    x = randn(2, 3, 5, 6, dtype=np.float32)
    for mode in ["nearest", "bilinear", "bicubic", "area"]:
        check(lambda lib, x: F(lib).interpolate(x, size=(7, 4), mode=mode), x)
    images = np.random.default_rng(0).integers(0, 256, (2, 3, 7, 9)).astype(np.uint8)
    for mode in ["nearest", "nearest-exact"]:
        check(lambda lib, x: F(lib).interpolate(x, size=(5, 13), mode=mode), images)
    for mode, aa in [("bilinear", False), ("bilinear", True), ("bicubic", False), ("bicubic", True)]:  # within 1
        check(lambda lib, x: F(lib).interpolate(x, size=(5, 13), mode=mode, antialias=aa).float(), images, atol=1.01)
    check(lambda lib, x: F(lib).interpolate(x, size=3), images.astype(np.int64))
    check(lambda lib, x: F(lib).interpolate(x, size=3, mode="bilinear"), randn(0, 3, 5, 5))


@pytest.mark.parametrize("call", [
    lambda F, x: F.interpolate(x),
    lambda F, x: F.interpolate(x, size=3, scale_factor=2),
    lambda F, x: F.interpolate(x, size=3, align_corners=True),
    lambda F, x: F.interpolate(x, size=3, mode="area", align_corners=False),
    lambda F, x: F.interpolate(x, size=3, mode="linear"),
    lambda F, x: F.interpolate(x[0], size=3, mode="bilinear"),
    lambda F, x: F.interpolate(x, size=3, mode="trilinear"),
    lambda F, x: F.interpolate(x, size=3, mode="foo"),
    lambda F, x: F.interpolate(x[0, 0], size=3),
    lambda F, x: F.interpolate(x, size=(3, 3, 3)),
    lambda F, x: F.interpolate(x, scale_factor=(2, 2, 2)),
    lambda F, x: F.interpolate(x, size=0),
    lambda F, x: F.interpolate(x, size=-1),
    lambda F, x: F.interpolate(x, scale_factor=0.1),
    lambda F, x: F.interpolate(x, size=3.0),
    lambda F, x: F.interpolate(x, size=3, recompute_scale_factor=True),
    lambda F, x: F.interpolate(x, size=3, antialias=True),
    lambda F, x: F.interpolate(x[:, :, :0], size=3),
    lambda F, x: F.interpolate(x[:, :0], size=3, mode="bilinear"),
])
def test_interpolate_errors(call):
    check(lambda lib, x: call(F(lib), x), randn(1, 2, 4, 4))


def test_upsample_aliases_warn():
    x = randn(1, 2, 4, 5)
    for name, kw in [("upsample", {"mode": "bilinear"}), ("upsample_nearest", {}), ("upsample_bilinear", {})]:
        with pytest.warns(UserWarning, match="deprecated"):
            out = check(lambda lib, x: getattr(F(lib), name)(x, scale_factor=2, **kw), x)
        assert out.shape == (1, 2, 8, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x: F(lib).upsample_bilinear(x, size=(3, 7)), x)


@pytest.mark.parametrize("name", ["UpsampleBilinear2D", "UpsampleNearest2D", "UpsampleBicubic2DAa"])
def test_interpolate_double_backward(name):
    how = {"UpsampleBilinear2D": dict(mode="bilinear"), "UpsampleNearest2D": dict(mode="nearest"),
           "UpsampleBicubic2DAa": dict(mode="bicubic", antialias=True)}[name]
    x, g = randn(1, 2, 5, 6), randn(1, 2, 3, 8, seed=1)

    def gradient(lib, x, g):
        x = x.detach().requires_grad_()
        return lib.autograd.grad(F(lib).interpolate(x, size=(3, 8), **how), x, g, create_graph=True)[0]

    gx = check(gradient, x, g)
    assert gx.grad_fn.name() == name + "BackwardBackward0"


# ---- grid_sample -------------------------------------------------------------------------------------
def grid(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1.3, 1.3, shape)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d(mode, padding_mode, align_corners):
    check(lambda lib, x, g: F(lib).grid_sample(x, g, mode, padding_mode, align_corners), randn(2, 3, 5, 6),
          grid(2, 4, 3, 2))


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_3d(mode, padding_mode, align_corners):
    check(lambda lib, x, g: F(lib).grid_sample(x, g, mode, padding_mode, align_corners), randn(2, 2, 3, 4, 5),
          grid(2, 2, 3, 4, 3))


def test_grid_sample_edges_and_errors():
    x, g = randn(1, 2, 4, 4), grid(1, 3, 5, 2)
    check(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=True), x.astype(np.float32), g.astype(np.float32))
    check(lambda lib, x, g: F(lib).grid_sample(x, g, padding_mode="reflection", align_corners=True), randn(1, 1, 1, 3),
          g)
    check(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), randn(0, 2, 4, 4), grid(0, 3, 5, 2))
    check(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), x, grid(1, 0, 5, 2))
    for bad in [lambda lib, x, g: F(lib).grid_sample(x, g.expand(2, 3, 5, 2), align_corners=False),
                lambda lib, x, g: F(lib).grid_sample(x, g[..., :1], align_corners=False),
                lambda lib, x, g: F(lib).grid_sample(x, g[None], align_corners=False),
                lambda lib, x, g: F(lib).grid_sample(x[:, :, None], g[:, None].expand(1, 1, 3, 5, 2)),
                lambda lib, x, g: F(lib).grid_sample(x[:, :, :0], g, align_corners=False),
                lambda lib, x, g: F(lib).grid_sample(x, g, mode="foo"),
                lambda lib, x, g: F(lib).grid_sample(x, g, padding_mode="foo"),
                lambda lib, x, g: F(lib).grid_sample(x.float(), g, align_corners=False),
                lambda lib, x, g: F(lib).grid_sample(x.long(), g.long(), align_corners=False)]:
        check(bad, x, g)
    with pytest.warns(UserWarning, match="align_corners"):
        EF.grid_sample(ember.tensor(x), ember.tensor(g))


def test_grid_sample_second_derivative_raises():
    x = ember.tensor(randn(1, 1, 3, 3)).requires_grad_()
    g = ember.tensor(grid(1, 2, 2, 2)).requires_grad_()
    out = EF.grid_sample(x, g, align_corners=False)
    gx, gg = ember.autograd.grad(out.sum(), (x, g), create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        gg.sum().backward()
    assert gradcheck(lambda x, g: EF.grid_sample(x, g, padding_mode="border", align_corners=False), (x, g))


# ---- affine_grid -------------------------------------------------------------------------------------
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(align_corners):
    check(lambda lib, t: F(lib).affine_grid(t, (2, 3, 4, 5), align_corners), randn(2, 2, 3))
    check(lambda lib, t: F(lib).affine_grid(t, [2, 3, 4, 5, 3], align_corners), randn(2, 3, 4))
    check(lambda lib, t: F(lib).affine_grid(t, lib.Size([1, 1, 3, 1]), False), randn(1, 2, 3, dtype=np.float32))
    # affine_grid then grid_sample: a spatial transformer
    check(lambda lib, t, x: F(lib).grid_sample(x, F(lib).affine_grid(t, x.shape, align_corners), "bilinear",
                                               "zeros", align_corners), randn(2, 2, 3), randn(2, 3, 5, 6))


def test_affine_grid_errors():
    t = randn(2, 2, 3)
    for bad in [lambda lib, t: F(lib).affine_grid(t, (3, 3, 4, 5), False),
                lambda lib, t: F(lib).affine_grid(t[:, :, :2], (2, 3, 4, 5), False),
                lambda lib, t: F(lib).affine_grid(t, (2, 3, 4), False),
                lambda lib, t: F(lib).affine_grid(t.long(), (2, 3, 4, 5), False),
                lambda lib, t: F(lib).affine_grid(t, (2, 3, 0, 5), False)]:
        check(bad, t)
    with pytest.warns(UserWarning, match="align_corners"):
        EF.affine_grid(ember.tensor(t), (2, 3, 4, 5))
    with pytest.warns(UserWarning, match="unit-size"):
        EF.affine_grid(ember.tensor(t), (2, 3, 1, 5), align_corners=True)


# ---- pixel and channel shuffles ----------------------------------------------------------------------
def test_pixel_shuffle():
    check(lambda lib, x: F(lib).pixel_shuffle(x, 2), randn(2, 8, 3, 4))
    check(lambda lib, x: F(lib).pixel_shuffle(x, 3), randn(2, 1, 9, 2, 3))
    check(lambda lib, x: F(lib).pixel_shuffle(x, 1), randn(4, 2, 3))
    check(lambda lib, x: F(lib).pixel_unshuffle(x, 2), randn(2, 2, 4, 6))
    check(lambda lib, x: F(lib).pixel_unshuffle(x, 3), randn(1, 3, 6, 3))
    check(lambda lib, x: F(lib).pixel_shuffle(F(lib).pixel_unshuffle(x, 2), 2), randn(2, 2, 4, 6))
    check(lambda lib, x: F(lib).pixel_shuffle(x, 2), np.arange(2 * 8 * 3 * 4).reshape(2, 8, 3, 4))
    for bad in [lambda lib, x: F(lib).pixel_shuffle(x[0, 0], 2), lambda lib, x: F(lib).pixel_shuffle(x[:, :6], 2),
                lambda lib, x: F(lib).pixel_shuffle(x, 0), lambda lib, x: F(lib).pixel_shuffle(x, -1),
                lambda lib, x: F(lib).pixel_shuffle(x, 2.0), lambda lib, x: F(lib).pixel_unshuffle(x[..., :3], 2),
                lambda lib, x: F(lib).pixel_unshuffle(x[0, 0], 2), lambda lib, x: F(lib).pixel_unshuffle(x, 0)]:
        check(bad, randn(1, 8, 4, 4))


def test_channel_shuffle():
    x = randn(2, 6, 2, 3)
    for groups in (1, 2, 3, 6):
        check(lambda lib, x: F(lib).channel_shuffle(x, groups), x)
    check(lambda lib, x: F(lib).channel_shuffle(x, 2), randn(1, 6, 2))
    check(lambda lib, x: F(lib).channel_shuffle(x, 3), randn(1, 6, 2, 3, 2))
    check(lambda lib, x: F(lib).native_channel_shuffle(x, 3), x, grad=False)
    for bad in [lambda lib, x: F(lib).channel_shuffle(x[0, :, 0], 3), lambda lib, x: F(lib).channel_shuffle(x, 4),
                lambda lib, x: F(lib).channel_shuffle(x, 0), lambda lib, x: F(lib).channel_shuffle(x, -2)]:
        check(bad, x)
    out = EF.native_channel_shuffle(ember.tensor(x).requires_grad_(), 3)
    assert out.grad_fn.name() == "ember::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="not implemented"):
        out.sum().backward()


# ---- one_hot and normalize -----------------------------------------------------------------------------
def test_one_hot():
    labels = np.array([[1, 4], [0, 2]])
    check(lambda lib, t: F(lib).one_hot(t), labels)
    check(lambda lib, t: F(lib).one_hot(t, 6), labels)
    check(lambda lib, t: F(lib).one_hot(t, 3), np.array(2))
    check(lambda lib, t: F(lib).one_hot(t, 3), np.zeros(0, np.int64))
    for bad in [lambda lib, t: F(lib).one_hot(t, 3), lambda lib, t: F(lib).one_hot(-t, 6),
                lambda lib, t: F(lib).one_hot(t.int(), 6), lambda lib, t: F(lib).one_hot(t.float(), 6),
                lambda lib, t: F(lib).one_hot(t[:0]), lambda lib, t: F(lib).one_hot(t, 0)]:
        check(bad, labels)


def test_normalize():
    x = randn(2, 3, 4)
    check(lambda lib, x: F(lib).normalize(x), x)
    check(lambda lib, x: F(lib).normalize(x, 1, -1), x)
    check(lambda lib, x: F(lib).normalize(x, 3.0, (1, 2)), x)
    check(lambda lib, x: F(lib).normalize(x, dim=0), randn(5, dtype=np.float32))
    check(lambda lib, x: F(lib).normalize(x), np.zeros((2, 3)))
    check(lambda lib, x: F(lib).normalize(x, dim=3), x)
    check(lambda lib, x: F(lib).normalize(x), np.ones((2, 3), np.int64))
    out = ember.empty(2, 3, 4, dtype=ember.float64)
    r = EF.normalize(ember.tensor(x), out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), torch.nn.functional.normalize(torch.tensor(x)).numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_grid_at_the_identity_samples_pixel_centres_as_pytorch(dtype):
    """The spatial transformer tutorial starts at the identity, where the grid's points are the pixel centres: a
    one-ulp difference in the grid (linspace's rounding) moved grid_sample's cell and its gradient."""
    image = (np.arange(30.0).reshape(1, 1, 6, 5) ** 2).astype(dtype)
    tol = {} if dtype == np.float64 else {"atol": 1e-3, "rtol": 1e-5, "grad_atol": 1e-3, "grad_rtol": 1e-5}
    check(lambda lib, theta, x: lib.nn.functional.grid_sample(
        x, lib.nn.functional.affine_grid(theta, (1, 1, 6, 5), align_corners=False), align_corners=False),
        np.eye(2, 3, dtype=dtype)[None], image, check_grad_fn=False, **tol)


def test_affine_grid_backward_runs_twice():
    for lib in (ember, torch):
        theta = lib.eye(2, 3).unsqueeze(0).requires_grad_()
        grid = lib.nn.functional.affine_grid(theta, (1, 1, 3, 3), align_corners=False)
        grid.sum().backward()
        grid.sum().backward()  # the base grid is a constant, not a saved tensor freed by the first backward
        np.testing.assert_allclose(theta.grad.numpy(), [[[0.0, 0.0, 18.0], [0.0, 0.0, 18.0]]], atol=1e-6)
