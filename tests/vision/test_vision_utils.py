"""vision.utils: make_grid and save_image against a NumPy transcription of torchvision's algorithm, and
draw_bounding_boxes."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from ember.vision.utils import draw_bounding_boxes, make_grid, save_image


def ref_make_grid(batch, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """torchvision's make_grid, image by image, in NumPy."""
    x = np.array(batch, copy=True)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        if x.shape[0] == 1:
            x = np.concatenate([x] * 3, 0)
        x = x[None]
    if x.shape[1] == 1:
        x = np.concatenate([x] * 3, 1)
    if normalize:
        def norm(img, low, high):
            np.clip(img, low, high, out=img)
            img -= x.dtype.type(low)
            img /= x.dtype.type(max(high - low, 1e-5))
        for img in (x if scale_each else [x]):
            low, high = value_range if value_range is not None else (float(img.min()), float(img.max()))
            norm(img, low, high)
    if x.shape[0] == 1:
        return x[0]
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    H, W = h + padding, w + padding
    grid = np.full((c, H * rows + padding, W * cols + padding), pad_value, x.dtype)
    for k in range(n):
        y, xx = divmod(k, cols)
        grid[:, y * H + padding:y * H + padding + h, xx * W + padding:xx * W + padding + w] = x[k]
    return grid


def batch(*shape, seed=0, dtype=np.float32):
    return (np.random.default_rng(seed).random(shape) * 4 - 1.5).astype(dtype)


@pytest.mark.parametrize("shape", [(5, 3, 4, 6), (8, 1, 3, 3), (3, 2, 5, 4), (1, 3, 4, 4), (3, 4, 5), (1, 4, 5),
                                   (6, 7)])
@pytest.mark.parametrize("kw", [{}, {"nrow": 2, "padding": 1}, {"nrow": 3, "padding": 0, "pad_value": 0.5},
                                {"normalize": True}, {"normalize": True, "scale_each": True, "nrow": 4},
                                {"normalize": True, "value_range": (-1.0, 1.0), "padding": 3},
                                {"normalize": True, "value_range": (0.0, 0.5), "scale_each": True}])
def test_make_grid_matches_torchvision_algorithm(shape, kw):
    a = batch(*shape)
    got = make_grid(ember.tensor(a), **kw)
    want = ref_make_grid(a, **kw)
    assert got.dtype == ember.float32 and tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


def test_make_grid_list_constant_image_and_errors():
    images = [ember.tensor(batch(3, 4, 4, seed=i)) for i in range(3)]
    np.testing.assert_allclose(make_grid(images, nrow=2).numpy(),
                               ref_make_grid(np.stack([t.numpy() for t in images]), nrow=2), atol=0)
    flat = make_grid(ember.full((2, 3, 2, 2), 0.7), normalize=True)
    assert np.allclose(flat.numpy()[:, 2:4, 2:4], 0.0)  # no spread: divided by 1e-5 after subtracting the min
    u8 = np.random.default_rng(0).integers(0, 256, (3, 3, 4, 4)).astype(np.uint8)
    np.testing.assert_array_equal(make_grid(ember.tensor(u8), pad_value=255).numpy(),
                                  ref_make_grid(u8, pad_value=255))
    with pytest.raises(TypeError, match="list of tensors"):
        make_grid(np.zeros((3, 4, 4)))
    with pytest.raises(TypeError, match="list containing"):
        make_grid([ember.zeros(3, 4, 4), np.zeros((3, 4, 4))])
    with pytest.raises(TypeError, match="value_range"):
        make_grid(ember.zeros(2, 3, 4, 4), normalize=True, value_range=[0, 1])
    x = ember.zeros(2, 3, 4, 4)
    assert make_grid(x[:1]).data_ptr() == x.data_ptr()  # one image comes back as a view, as in torchvision


def test_make_grid_is_differentiable():
    x = ember.tensor(batch(3, 2, 3, 3, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda t: make_grid(t, nrow=2, padding=1, pad_value=0.3), (x,))
    assert gradcheck(lambda t: make_grid(t, normalize=True, value_range=(-2.0, 2.0)), (x,))


def test_save_image_writes_the_rounded_grid(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    a = np.random.default_rng(1).random((4, 3, 5, 6)).astype(np.float32)
    save_image(ember.tensor(a), tmp_path / "grid.png", nrow=2, padding=1)
    grid = ref_make_grid(a, nrow=2, padding=1)
    want = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    with Image.open(tmp_path / "grid.png") as img:
        assert img.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(img), want)
    save_image(ember.rand(1, 8, 9, requires_grad=True), tmp_path / "gray.jpg")  # 1 channel: saved as RGB
    with Image.open(tmp_path / "gray.jpg") as img:
        assert img.size == (9, 8) and img.mode == "RGB"
    save_image(ember.tensor(np.zeros((3, 4, 4), np.uint8)), tmp_path / "raw", format="PNG")
    assert (tmp_path / "raw").read_bytes()[:4] == b"\x89PNG"


def test_draw_bounding_boxes():
    pytest.importorskip("PIL.Image")
    img = ember.zeros(3, 20, 30, dtype=ember.uint8)
    boxes = ember.tensor([[2, 3, 10, 12], [15, 5, 28, 18]])
    out = draw_bounding_boxes(img, boxes, labels=["a", "b"], colors=["red", (0, 255, 0)], width=1)
    a = out.numpy()
    assert out.dtype == ember.uint8 and tuple(out.shape) == (3, 20, 30)
    assert a[:, 3, 5].tolist() == [255, 0, 0] and a[:, 5, 20].tolist() == [0, 255, 0]
    assert a[:, 8, 6].tolist() == [0, 0, 0] and img.numpy().max() == 0  # inside untouched, input unchanged
    filled = draw_bounding_boxes(ember.zeros(1, 20, 30), boxes, fill=True)
    assert filled.dtype == ember.float32 and filled.shape[0] == 3 and filled.numpy()[:, 10, 20].max() > 0
    with pytest.raises(ValueError, match="xmin, ymin, xmax, ymax"):
        draw_bounding_boxes(img, ember.tensor([[10, 3, 2, 12]]))
    with pytest.raises(ValueError, match="batches"):
        draw_bounding_boxes(ember.zeros(1, 3, 4, 4, dtype=ember.uint8), boxes)
    with pytest.raises(ValueError, match="labels"):
        draw_bounding_boxes(img, boxes, labels=["a"])
    with pytest.warns(UserWarning, match="No box"):
        assert draw_bounding_boxes(img, ember.zeros(0, 4)) is img
