"""vision.transforms.functional on tensors, against torchvision's documented algorithms written with torch ops
(torchvision itself is not installed) and against independent NumPy references."""
import colorsys
import math

import numpy as np
import pytest
from parity import torch

import ember
from ember.autograd import gradcheck
from ember.vision.transforms import functional as F

IM = F.InterpolationMode
TF = torch.nn.functional


def image(*shape, dtype=np.float32, seed=0):
    """Random image data: floats in [0, 1) or integers over the whole uint8 range."""
    rng = np.random.default_rng(seed + sum(shape))
    if np.dtype(dtype) == np.uint8:
        return rng.integers(0, 256, shape).astype(np.uint8)
    return rng.random(shape).astype(dtype)


def E(a, **kw):
    return ember.tensor(a, **kw)


def assert_matches(e, expected, atol=1e-6):
    """ember tensor `e` equals torch tensor or array `expected` in shape, dtype and values."""
    want = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    got = e.detach().numpy()
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"dtype {got.dtype} != {want.dtype}"
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), atol=atol, rtol=0)


# ---- to_tensor / convert_image_dtype / normalize -------------------------------------------------------
def test_to_tensor_ndarray_uint8_is_chw_float_div_255():
    a = image(5, 7, 3, dtype=np.uint8)
    want = torch.from_numpy(a.transpose(2, 0, 1).copy()).to(torch.float32).div(255)
    t = F.to_tensor(a)
    assert_matches(t, want, atol=0)
    assert t.is_contiguous()
    assert_matches(F.to_tensor(a[:, :, 0]), want[:1], atol=0)


def test_to_tensor_follows_default_dtype_and_keeps_other_dtypes():
    a = image(4, 6, 3, dtype=np.uint8)
    ember.set_default_dtype(ember.float64)
    assert_matches(F.to_tensor(a), a.transpose(2, 0, 1).astype(np.float64) / 255, atol=0)
    ember.set_default_dtype(ember.float32)
    f = image(4, 6, 2, dtype=np.float64)
    assert_matches(F.to_tensor(f), f.transpose(2, 0, 1), atol=0)


def test_to_tensor_bad_input():
    with pytest.raises(ValueError, match="2/3 dimensional"):
        F.to_tensor(np.zeros(5, np.uint8))
    with pytest.raises(TypeError, match="PIL Image or ndarray"):
        F.to_tensor([[1, 2]])


def ref_convert(t, dtype):
    """torchvision's convert_image_dtype, written with torch ops."""
    if t.dtype == dtype:
        return t
    top = {torch.uint8: 255, torch.int8: 127, torch.int16: 32767, torch.int32: 2 ** 31 - 1, torch.int64: 2 ** 63 - 1}
    if t.is_floating_point():
        if dtype.is_floating_point:
            return t.to(dtype)
        return t.mul(float(top[dtype]) + 1.0 - 1e-3).to(dtype)
    if dtype.is_floating_point:
        return t.to(dtype) / float(top[t.dtype])
    if top[t.dtype] > top[dtype]:
        return torch.div(t, (top[t.dtype] + 1) // (top[dtype] + 1), rounding_mode="floor").to(dtype)
    return t.to(dtype) * ((top[dtype] + 1) // (top[t.dtype] + 1))


CONVERT_VALUES = {"uint8": np.array([0, 1, 127, 128, 254, 255], np.uint8),
                  "int16": np.array([0, 1, 255, 256, 32766, 32767], np.int16),
                  "int32": np.array([0, 7, 65535, 2 ** 31 - 1], np.int32),
                  "float32": np.array([0.0, 0.1, 0.5, 0.999, 1.0], np.float32),
                  "float64": np.array([0.0, 0.25, 0.7, 1.0], np.float64)}


@pytest.mark.parametrize("src", list(CONVERT_VALUES))
@pytest.mark.parametrize("dst", ["uint8", "int16", "int32", "int64", "float32", "float64"])
def test_convert_image_dtype(src, dst):
    a = CONVERT_VALUES[src]
    unsafe = (src, dst) in (("float32", "int32"), ("float32", "int64"), ("float64", "int64"))
    if unsafe:
        with pytest.raises(RuntimeError, match="cannot be performed safely"):
            F.convert_image_dtype(E(a), getattr(ember, dst))
        return
    assert_matches(F.convert_image_dtype(E(a), getattr(ember, dst)), ref_convert(torch.tensor(a), getattr(torch, dst)),
                   atol=0)


def test_convert_image_dtype_same_dtype_returns_input():
    x = E(image(3, 4))
    assert F.convert_image_dtype(x, ember.float32) is x
    with pytest.raises(TypeError):
        F.convert_image_dtype(np.zeros((3, 4)), ember.float32)


@pytest.mark.parametrize("shape", [(3, 5, 6), (2, 3, 5, 6), (2, 2, 3, 4, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_matches_torch_and_backpropagates(shape, dtype):
    a = image(*shape, dtype=dtype)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    x, tx = E(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    tdt = getattr(torch, np.dtype(dtype).name)
    want = (tx - torch.tensor(mean, dtype=tdt).view(-1, 1, 1)) / torch.tensor(std, dtype=tdt).view(-1, 1, 1)
    out = F.normalize(x, mean, std)
    assert_matches(out, want, atol=1e-6)
    g = image(*shape, dtype=dtype, seed=1)
    out.backward(E(g))
    want.backward(torch.tensor(g))
    assert_matches(x.grad, tx.grad, atol=1e-6)


def test_normalize_inplace_tensor_stats_and_errors():
    a = image(3, 4, 4)
    x = E(a)
    out = F.normalize(x, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25), inplace=True)
    assert out is x
    np.testing.assert_allclose(x.numpy(), (a - 0.5) / 0.25, atol=1e-6)
    y = E(a)
    F.normalize(y, E(np.array([0.5, 0.5, 0.5], np.float32)), [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(y.numpy(), a)  # not in place by default
    with pytest.raises(TypeError, match="float tensor"):
        F.normalize(E(image(3, 4, 4, dtype=np.uint8)), [0.5], [0.5])
    with pytest.raises(ValueError, match=r"\(\.\.\., C, H, W\)"):
        F.normalize(E(image(4, 4)), [0.5], [0.5])
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(E(a), [0.5, 0.5, 0.5], [0.5, 0.0, 0.5])
    with pytest.raises(TypeError):
        F.normalize(a, [0.5], [0.5])


# ---- resize --------------------------------------------------------------------------------------
def ref_resize(a, size, mode, antialias):
    """torchvision's tensor resize: interpolate in float (align_corners=False), then round back for uint8."""
    t = torch.tensor(a)
    x = t if t.is_floating_point() else t.to(torch.float32)
    smooth = mode in ("bilinear", "bicubic")
    y = TF.interpolate(x.reshape((-1,) + x.shape[-3:]), size=size, mode=mode,
                       align_corners=False if smooth else None, antialias=antialias and smooth)
    if mode == "bicubic" and t.dtype == torch.uint8:
        y = y.clamp(0, 255)
    y = y.reshape(t.shape[:-2] + y.shape[-2:])
    return y if t.is_floating_point() else torch.round(y).to(t.dtype)


@pytest.mark.parametrize("mode", [IM.NEAREST, IM.NEAREST_EXACT, IM.BILINEAR, IM.BICUBIC])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [[5, 9], [14, 20]])
@pytest.mark.parametrize("shape", [(3, 8, 13), (2, 3, 8, 13)])
def test_resize_float_matches_torchvision_algorithm(mode, antialias, size, shape):
    a = image(*shape)
    assert_matches(F.resize(E(a), size, mode, antialias=antialias), ref_resize(a, size, mode.value, antialias),
                   atol=1e-5)


@pytest.mark.parametrize("mode", [IM.NEAREST, IM.BILINEAR, IM.BICUBIC])
def test_resize_uint8_rounds_like_torchvision(mode):
    a = image(3, 9, 12, dtype=np.uint8)
    got = F.resize(E(a), [5, 7], mode).numpy().astype(int)
    want = ref_resize(a, [5, 7], mode.value, True).numpy().astype(int)
    assert got.dtype == int and np.abs(got - want).max() <= 1  # float rounding ties may fall either way
    assert (got == want).mean() > 0.98


@pytest.mark.parametrize("hw, size, max_size, want", [
    ((8, 13), 4, None, (4, 6)), ((13, 8), 4, None, (6, 4)), ((8, 13), [4], None, (4, 6)),
    ((8, 13), 4, 5, (3, 5)), ((8, 13), None, 9, (5, 9)), ((8, 13), [3, 11], None, (3, 11))])
def test_resize_output_size(hw, size, max_size, want):
    out = F.resize(E(image(1, *hw)), size, max_size=max_size)
    assert tuple(out.shape[-2:]) == want


def test_resize_same_size_returns_input_and_errors():
    x = E(image(3, 6, 6))
    assert F.resize(x, 6) is x
    with pytest.raises(ValueError, match="max_size"):
        F.resize(x, 4, max_size=4)
    with pytest.raises(ValueError, match="max_size"):
        F.resize(x, [4, 5], max_size=9)
    with pytest.raises(ValueError):
        F.resize(x, [1, 2, 3])
    with pytest.raises(TypeError):
        F.resize(x, "4")
    with pytest.raises(TypeError, match="InterpolationMode"):
        F.resize(x, 4, "bilinear")
    with pytest.raises(ValueError, match="unsupported with Tensor"):
        F.resize(x, 4, IM.LANCZOS)
    with pytest.warns(UserWarning, match="InterpolationMode"):
        assert F.resize(x, 4, 2).shape == (3, 4, 4)


# ---- pad, crop, flips ----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("padding, ltrb", [(2, (2, 2, 2, 2)), ([1], (1, 1, 1, 1)), ([1, 3], (1, 3, 1, 3)),
                                           ((3, 0, 1, 2), (3, 0, 1, 2))])
def test_pad_matches_numpy_modes(mode, dtype, padding, ltrb):
    a = image(2, 3, 5, 6, dtype=dtype)
    left, top, right, bottom = ltrb
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    kw = {"constant_values": 7} if mode == "constant" else {}
    assert_matches(F.pad(E(a), padding, fill=7, padding_mode=mode), np.pad(a, widths, mode, **kw), atol=0)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_negative_crops_first(mode):
    a = image(3, 6, 7)
    want = np.pad(a[:, :, 2:-1], ((0, 0), (1, 3), (0, 0)), "constant" if mode == "constant" else mode)
    assert_matches(F.pad(E(a), [-2, 1, -1, 3], padding_mode=mode), want, atol=0)


def test_pad_bad_arguments():
    x = E(image(3, 4, 4))
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        F.pad(x, [1, 2, 3])
    with pytest.raises(ValueError, match="Padding mode"):
        F.pad(x, 1, padding_mode="wrap")
    with pytest.raises(TypeError, match="fill"):
        F.pad(x, 1, fill=(1, 2, 3))
    with pytest.raises(TypeError, match="padding"):
        F.pad(x, "1")
    with pytest.raises(TypeError, match="torch image"):
        F.pad(E(np.zeros(4, np.float32)), 1)


def paste(a, top, left, h, w):
    """Reference crop: the box on a zero canvas."""
    out = np.zeros(a.shape[:-2] + (h, w), a.dtype)
    for i in range(h):
        for j in range(w):
            y, x = top + i, left + j
            if 0 <= y < a.shape[-2] and 0 <= x < a.shape[-1]:
                out[..., i, j] = a[..., y, x]
    return out


@pytest.mark.parametrize("box", [(1, 2, 3, 4), (0, 0, 6, 7), (-2, 3, 5, 6), (4, -1, 5, 9), (-1, -2, 9, 11)])
def test_crop_inside_and_outside(box):
    a = image(2, 3, 6, 7, dtype=np.uint8)
    assert_matches(F.crop(E(a), *box), paste(a, *box), atol=0)


@pytest.mark.parametrize("size", [3, [4, 2], (6, 7), [9, 10], [8, 3]])
def test_center_crop(size):
    a = image(3, 6, 7)
    ch, cw = (size, size) if isinstance(size, int) else size
    # torchvision pads a too-small image by floor((crop - size) / 2) before, then crops the centre
    top = -((ch - 6) // 2) if ch > 6 else round((6 - ch) / 2.0)
    left = -((cw - 7) // 2) if cw > 7 else round((7 - cw) / 2.0)
    assert_matches(F.center_crop(E(a), size), paste(a, top, left, ch, cw), atol=0)


def test_flips_and_five_ten_crop():
    a = image(2, 3, 6, 7)
    assert_matches(F.hflip(E(a)), a[..., ::-1], atol=0)
    assert_matches(F.vflip(E(a)), a[..., ::-1, :], atol=0)
    crops = F.five_crop(E(a), [4, 3])
    want = [a[..., :4, :3], a[..., :4, 4:], a[..., 2:, :3], a[..., 2:, 4:], a[..., 1:5, 2:5]]
    for c, w in zip(crops, want):
        assert_matches(c, w, atol=0)
    ten = F.ten_crop(E(a), 3, vertical_flip=True)
    assert len(ten) == 10
    assert_matches(ten[5], a[..., ::-1, :][..., :3, :3], atol=0)
    assert_matches(F.ten_crop(E(a), 3)[6], a[..., ::-1][..., :3, 4:], atol=0)
    with pytest.raises(ValueError, match="bigger than input size"):
        F.five_crop(E(a), 7)


# ---- rotate, affine, perspective -----------------------------------------------------------------
def ref_affine_grid(matrix, w, h, ow, oh, dtype):
    """torchvision's _gen_affine_grid."""
    theta = torch.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3, dtype=dtype)
    base[..., 0].copy_(torch.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow))
    base[..., 1].copy_(torch.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    scaled = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=dtype)
    return base.view(1, oh * ow, 3).bmm(scaled).view(1, oh, ow, 2)


def ref_grid_transform(a, grid, mode, fill):
    """torchvision's _apply_grid_transform."""
    t = torch.tensor(a)
    x = t if t.is_floating_point() else t.to(torch.float32)
    x = x.reshape((-1,) + x.shape[-3:])
    n = x.shape[0]
    if fill is not None:
        x = torch.cat((x, torch.ones(n, 1, *x.shape[2:], dtype=x.dtype)), 1)
    y = TF.grid_sample(x, grid.expand(n, *grid.shape[1:]), mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask, y = y[:, -1:], y[:, :-1]
        f = torch.tensor(fill, dtype=y.dtype).view(1, -1, 1, 1).expand_as(y)
        y = torch.where(mask.expand_as(y) < 0.5, f, y) if mode == "nearest" else y * mask + (1.0 - mask) * f
    y = y.reshape(t.shape[:-2] + y.shape[-2:])
    return y if t.is_floating_point() else torch.round(y).to(t.dtype)


def ref_inverse_affine(center, angle, translate, scale, shear):
    """inv(T * C * R(angle) * S(scale) * SHy(shear_y) * SHx(shear_x) * C^-1), the map torchvision documents."""
    rot, sx, sy = map(math.radians, (angle, shear[0], shear[1]))
    T = np.array([[1, 0, translate[0]], [0, 1, translate[1]], [0, 0, 1.0]])
    C = np.array([[1, 0, center[0]], [0, 1, center[1]], [0, 0, 1.0]])
    R = np.array([[math.cos(rot), -math.sin(rot), 0], [math.sin(rot), math.cos(rot), 0], [0, 0, 1.0]])
    S = np.diag([scale, scale, 1.0])
    SHx = np.array([[1, -math.tan(sx), 0], [0, 1, 0], [0, 0, 1.0]])
    SHy = np.array([[1, 0, 0], [-math.tan(sy), 1, 0], [0, 0, 1.0]])
    M = T @ C @ R @ S @ SHy @ SHx @ np.linalg.inv(C)
    return list(np.linalg.inv(M)[:2].reshape(-1))


def test_inverse_affine_matrix_inverts_the_forward_map():
    for args in [((0.0, 0.0), 30.0, (2.0, -1.0), 1.3, (10.0, 5.0)), ((3.0, 4.0), -75.0, (0.0, 0.0), 0.7, (0.0, 0.0))]:
        want = ref_inverse_affine(*args)
        np.testing.assert_allclose(F.inverse_affine_matrix(*args), want, atol=1e-12)


@pytest.mark.parametrize("mode", [IM.NEAREST, IM.BILINEAR])
@pytest.mark.parametrize("fill", [None, [0.0, 0.0, 0.0], [0.2, 0.5, 0.9]])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("angle, expand, center", [(33.0, False, None), (-70.0, True, None), (15.0, False, [2, 3])])
def test_rotate_matches_torchvision_algorithm(mode, fill, dtype, angle, expand, center):
    a = image(2, 3, 9, 12, dtype=dtype)
    if fill is not None and dtype == np.uint8:
        fill = [255 * f for f in fill]
    h, w = 9, 12
    cf = [0.0, 0.0] if center is None else [center[0] - w * 0.5, center[1] - h * 0.5]
    matrix = F.inverse_affine_matrix(cf, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = F.FT.affine_output_size(matrix, w, h) if expand else (w, h)
    grid = ref_affine_grid(matrix, w, h, ow, oh, torch.float32)
    got = F.rotate(E(a), angle, mode, expand=expand, center=center, fill=fill)
    want = ref_grid_transform(a, grid, mode.value, fill)
    assert_matches(got, want, atol=1e-5 if dtype == np.float32 else 1)


def test_rotate_expand_size_is_the_box_of_the_rotated_corners():
    for angle, (w, h) in [(90, (12, 9)), (45, (10, 10)), (30, (7, 13))]:
        rad = math.radians(angle)
        corners = np.array([[-w, -h], [-w, h], [w, h], [w, -h]]) * 0.5
        rotated = corners @ np.array([[math.cos(rad), math.sin(rad)], [-math.sin(rad), math.cos(rad)]])
        lo = np.floor(np.round(rotated.min(0) + [w / 2, h / 2], 4))
        hi = np.ceil(np.round(rotated.max(0) + [w / 2, h / 2], 4))
        out = F.rotate(E(image(1, h, w)), angle, expand=True)
        assert (out.shape[-1], out.shape[-2]) == tuple(int(v) for v in hi - lo)


def test_rotate_quarter_turn_is_rot90_and_zero_is_identity():
    a = image(2, 6, 6)
    assert_matches(F.rotate(E(a), 90), np.rot90(a, 1, axes=(-2, -1)), atol=0)
    assert_matches(F.rotate(E(a), -90, IM.BILINEAR), np.rot90(a, -1, axes=(-2, -1)), atol=1e-6)
    assert_matches(F.rotate(E(a), 0), a, atol=0)
    b = image(1, 4, 6)
    assert_matches(F.rotate(E(b), 90, expand=True), np.rot90(b, 1, axes=(-2, -1)), atol=0)


@pytest.mark.parametrize("mode", [IM.NEAREST, IM.BILINEAR])
@pytest.mark.parametrize("params", [(0.0, [0, 0], 1.0, [0.0, 0.0]), (25.0, [2, -1], 1.2, [10.0, 4.0]),
                                    (-40.0, [0, 3], 0.8, 12.0), (5.0, [1, 1], 1.0, [-7.0])])
@pytest.mark.parametrize("center", [None, [1, 2]])
def test_affine_matches_torchvision_algorithm(mode, params, center):
    a = image(3, 10, 11)
    angle, translate, scale, shear = params
    shear = [shear, 0.0] if isinstance(shear, float) else shear * 2 if len(shear) == 1 else shear
    cf = [0.0, 0.0] if center is None else [center[0] - 11 * 0.5, center[1] - 10 * 0.5]
    matrix = F.inverse_affine_matrix(cf, angle, [float(t) for t in translate], scale, shear)
    want = ref_grid_transform(a, ref_affine_grid(matrix, 11, 10, 11, 10, torch.float32), mode.value, [0.3, 0.6, 0.1])
    assert_matches(F.affine(E(a), *params, interpolation=mode, fill=[0.3, 0.6, 0.1], center=center), want,
                   atol=1e-5)


def test_affine_integer_translation_shifts_the_image():
    a = image(3, 7, 8)
    out = F.affine(E(a), 0, [2, -1], 1.0, 0.0, fill=[0.5, 0.5, 0.5]).numpy()
    want = np.full_like(a, 0.5)
    want[:, :-1, 2:] = a[:, 1:, :-2]
    np.testing.assert_array_equal(out, want)


def test_affine_bad_arguments():
    x = E(image(3, 4, 4))
    with pytest.raises(TypeError, match="angle"):
        F.affine(x, "1", [0, 0], 1.0, 0)
    with pytest.raises(TypeError, match="translate"):
        F.affine(x, 1, 0, 1.0, 0)
    with pytest.raises(ValueError, match="translate"):
        F.affine(x, 1, [0], 1.0, 0)
    with pytest.raises(ValueError, match="scale"):
        F.affine(x, 1, [0, 0], 0.0, 0)
    with pytest.raises(ValueError, match="Shear"):
        F.affine(x, 1, [0, 0], 1.0, [1, 2, 3])
    with pytest.raises(ValueError, match="fill"):
        F.affine(x, 1, [0, 0], 1.0, 0, fill=[1, 2])
    with pytest.raises(ValueError, match="unsupported with Tensor"):
        F.rotate(x, 10, IM.BICUBIC)


def test_perspective_coefficients_map_endpoints_to_startpoints():
    start = [[0, 0], [9, 0], [9, 7], [0, 7]]
    end = [[1, 2], [8, 0], [9, 6], [2, 7]]
    c = F.perspective_coeffs(start, end)
    for (x, y), (u, v) in zip(end, start):
        den = c[6] * x + c[7] * y + 1
        assert abs((c[0] * x + c[1] * y + c[2]) / den - u) < 1e-4
        assert abs((c[3] * x + c[4] * y + c[5]) / den - v) < 1e-4


def ref_perspective_grid(coeffs, ow, oh):
    """torchvision's _perspective_grid."""
    theta1 = torch.tensor([[[coeffs[0], coeffs[1], coeffs[2]], [coeffs[3], coeffs[4], coeffs[5]]]])
    theta2 = torch.tensor([[[coeffs[6], coeffs[7], 1.0], [coeffs[6], coeffs[7], 1.0]]])
    base = torch.empty(1, oh, ow, 3)
    base[..., 0].copy_(torch.linspace(0.5, ow - 0.5, steps=ow))
    base[..., 1].copy_(torch.linspace(0.5, oh - 0.5, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    g1 = base.view(1, oh * ow, 3).bmm(theta1.transpose(1, 2) / torch.tensor([0.5 * ow, 0.5 * oh]))
    g2 = base.view(1, oh * ow, 3).bmm(theta2.transpose(1, 2))
    return (g1 / g2 - 1.0).view(1, oh, ow, 2)


@pytest.mark.parametrize("mode", [IM.NEAREST, IM.BILINEAR])
@pytest.mark.parametrize("fill", [None, [0.4, 0.4, 0.4]])
def test_perspective_matches_torchvision_algorithm(mode, fill):
    a = image(2, 3, 8, 10)
    start, end = [[0, 0], [9, 0], [9, 7], [0, 7]], [[1, 1], [8, 0], [9, 6], [0, 7]]
    grid = ref_perspective_grid(F.perspective_coeffs(start, end), 10, 8)
    assert_matches(F.perspective(E(a), start, end, mode, fill), ref_grid_transform(a, grid, mode.value, fill),
                   atol=1e-5)


# ---- gaussian blur -------------------------------------------------------------------------------
def ref_blur(a, ksize, sigma):
    """torchvision's tensor gaussian_blur: separable kernel, reflect padding, grouped conv2d."""
    t = torch.tensor(a)
    x = t if t.is_floating_point() else t.to(torch.float32)

    def k1(n, s):
        xs = torch.linspace(-(n - 1) * 0.5, (n - 1) * 0.5, steps=n, dtype=x.dtype)
        pdf = torch.exp(-0.5 * (xs / s).pow(2))
        return pdf / pdf.sum()
    kernel = torch.mm(k1(ksize[1], sigma[1])[:, None], k1(ksize[0], sigma[0])[None, :])
    x = x.reshape((-1,) + x.shape[-3:])
    c = x.shape[1]
    x = TF.pad(x, [ksize[0] // 2, ksize[0] // 2, ksize[1] // 2, ksize[1] // 2], mode="reflect")
    y = TF.conv2d(x, kernel.expand(c, 1, *kernel.shape), groups=c).reshape(t.shape)
    return y if t.is_floating_point() else torch.round(y).to(t.dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("ksize, sigma", [([3, 3], [1.0, 1.0]), ([5, 3], [1.5, 0.6]), ([1, 7], [0.3, 2.0])])
def test_gaussian_blur_matches_torchvision_algorithm(dtype, ksize, sigma):
    a = image(2, 3, 9, 10, dtype=dtype)
    got = F.gaussian_blur(E(a), ksize, sigma)
    want = ref_blur(a, ksize, sigma)
    assert_matches(got, want, atol=1e-5 if dtype != np.uint8 else 1)


def test_gaussian_blur_arguments():
    x = E(image(3, 8, 8))
    assert_matches(F.gaussian_blur(x, 5), ref_blur(x.numpy(), [5, 5], [5 * 0.15 + 0.35] * 2), atol=1e-6)
    assert_matches(F.gaussian_blur(x, (3, 5), 0.9), ref_blur(x.numpy(), [3, 5], [0.9, 0.9]), atol=1e-6)
    for bad in ([4, 3], 0, [3, 3, 3]):
        with pytest.raises(ValueError):
            F.gaussian_blur(x, bad)
    with pytest.raises(TypeError):
        F.gaussian_blur(x, 3.0)
    with pytest.raises(ValueError, match="positive"):
        F.gaussian_blur(x, 3, [0.0, 1.0])


# ---- colour --------------------------------------------------------------------------------------
def ref_blend(t1, t2, ratio):
    bound = 1.0 if t1.is_floating_point() else 255.0
    return (ratio * t1 + (1.0 - ratio) * t2).clamp(0, bound).to(t1.dtype)


def ref_gray(t):
    r, g, b = t.unbind(-3)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(t.dtype).unsqueeze(-3)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("factor", [0.0, 0.6, 1.0, 1.7])
def test_brightness_contrast_saturation_match_torchvision_formulas(dtype, factor):
    a = image(2, 3, 5, 6, dtype=dtype)
    t = torch.tensor(a)
    fdt = t.dtype if t.is_floating_point() else torch.float32
    assert_matches(F.adjust_brightness(E(a), factor), ref_blend(t, torch.zeros_like(t), factor), atol=1e-6)
    mean = ref_gray(t).to(fdt).mean(dim=(-3, -2, -1), keepdim=True)
    assert_matches(F.adjust_contrast(E(a), factor), ref_blend(t, mean, factor), atol=1e-6)
    assert_matches(F.adjust_saturation(E(a), factor), ref_blend(t, ref_gray(t), factor), atol=1e-6)
    g = a[:, :1]
    assert_matches(F.adjust_contrast(E(g), factor), ref_blend(torch.tensor(g), torch.tensor(g).to(fdt).mean(
        dim=(-3, -2, -1), keepdim=True), factor), atol=1e-6)
    gx = E(g)
    assert F.adjust_saturation(gx, factor) is gx  # one channel: unchanged, as PIL does


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_rgb_to_grayscale(dtype):
    a = image(2, 3, 4, 5, dtype=dtype)
    want = ref_gray(torch.tensor(a))
    assert_matches(F.rgb_to_grayscale(E(a)), want, atol=1e-6)
    assert_matches(F.rgb_to_grayscale(E(a), 3), want.expand(2, 3, 4, 5), atol=1e-6)
    assert_matches(F.rgb_to_grayscale(E(a[:, :1]), 3), a[:, :1], atol=0)  # torchvision expands to the input shape
    with pytest.raises(ValueError):
        F.rgb_to_grayscale(E(a), 2)
    with pytest.raises(TypeError, match="channel"):
        F.rgb_to_grayscale(E(a[:, :2]))
    with pytest.raises(TypeError, match="3 dimensions"):
        F.rgb_to_grayscale(E(a[0, 0]))


@pytest.mark.parametrize("hue", [-0.5, -0.2, 0.0, 0.13, 0.5])
def test_adjust_hue_matches_colorsys(hue):
    a = image(3, 4, 5)
    got = F.adjust_hue(E(a), hue).numpy()
    want = np.empty_like(a)
    for i in range(4):
        for j in range(5):
            h, s, v = colorsys.rgb_to_hsv(*a[:, i, j])
            want[:, i, j] = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_adjust_hue_uint8_grey_and_errors():
    a = image(3, 4, 5, dtype=np.uint8)
    out = F.adjust_hue(E(a), 0.0)
    assert out.dtype == ember.uint8 and np.abs(out.numpy().astype(int) - a).max() <= 1
    g = E(a[:1])
    assert F.adjust_hue(g, 0.3) is g
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(E(a), 0.6)
    for fn in (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation):
        with pytest.raises(ValueError, match="non-negative"):
            fn(E(a), -0.1)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("gamma, gain", [(0.5, 1.0), (2.2, 0.9), (1.0, 1.3)])
def test_adjust_gamma_matches_formula(dtype, gamma, gain):
    a = image(3, 4, 5, dtype=dtype)
    t = torch.tensor(a)
    x = t if t.is_floating_point() else ref_convert(t, torch.float32)
    want = ref_convert((gain * x ** gamma).clamp(0, 1), t.dtype)
    assert_matches(F.adjust_gamma(E(a), gamma, gain), want, atol=1e-6)
    with pytest.raises(ValueError, match="Gamma"):
        F.adjust_gamma(E(a), -1.0)


def test_erase_copies_unless_inplace():
    a = image(3, 6, 7)
    x = E(a)
    out = F.erase(x, 1, 2, 3, 4, E(np.zeros((3, 1, 1), np.float32)))
    want = a.copy()
    want[:, 1:4, 2:6] = 0
    assert_matches(out, want, atol=0)
    np.testing.assert_array_equal(x.numpy(), a)
    assert F.erase(x, 0, 0, 2, 2, 1.0, inplace=True) is x and x.numpy()[:, :2, :2].min() == 1.0
    with pytest.raises(TypeError):
        F.erase(a, 0, 0, 1, 1, 0.0)


# ---- batches, gradients, bad input ---------------------------------------------------------------
BATCHED = {
    "resize": lambda x: F.resize(x, [5, 4]),
    "rotate": lambda x: F.rotate(x, 21, IM.BILINEAR),
    "blur": lambda x: F.gaussian_blur(x, 3, 0.8),
    "hue": lambda x: F.adjust_hue(x, 0.2),
    "contrast": lambda x: F.adjust_contrast(x, 0.4),
    "pad": lambda x: F.pad(x, [1, 2], padding_mode="reflect"),
    "perspective": lambda x: F.perspective(x, [[0, 0], [6, 0], [6, 5], [0, 5]], [[1, 0], [5, 1], [6, 4], [0, 5]]),
}


@pytest.mark.parametrize("name", list(BATCHED))
def test_batched_images_equal_one_at_a_time(name):
    fn = BATCHED[name]
    a = image(2, 2, 3, 6, 7)
    out = fn(E(a)).numpy()
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(out[i, j], fn(E(a[i, j])).numpy(), atol=1e-6)


GRADS = {
    "normalize": lambda x: F.normalize(x, [0.1, 0.2, 0.3], [0.5, 0.6, 0.7]),
    "resize": lambda x: F.resize(x, [4, 9]),
    "rotate": lambda x: F.rotate(x, 33, IM.BILINEAR, fill=[0.2, 0.3, 0.4]),
    "affine": lambda x: F.affine(x, 10, [1, 2], 1.2, [3, 4], IM.BILINEAR),
    "perspective": BATCHED["perspective"],
    "blur": lambda x: F.gaussian_blur(x, [3, 5], [0.7, 1.1]),
    "pad": lambda x: F.pad(x, [1, 2, 3, 1], padding_mode="symmetric"),
    "crop": lambda x: F.crop(x, -1, 2, 5, 8),
    "saturation": lambda x: F.adjust_saturation(x * 0.5, 1.3),
    "contrast": lambda x: F.adjust_contrast(x * 0.5, 1.3),
    "gamma": lambda x: F.adjust_gamma(x * 0.5 + 0.1, 1.7),
}


@pytest.mark.parametrize("name", list(GRADS))
def test_tensor_transforms_are_differentiable(name):
    x = E(image(2, 3, 6, 7, dtype=np.float64), requires_grad=True)
    assert gradcheck(GRADS[name], (x,))


def test_non_images_raise_type_error():
    for fn in (F.hflip, F.vflip, lambda x: F.crop(x, 0, 0, 1, 1), F.get_dimensions):
        with pytest.raises(TypeError):
            fn(np.zeros((3, 4, 4)))
        with pytest.raises(TypeError):
            fn(E(np.zeros(4, np.float32)))
    assert F.get_dimensions(E(image(2, 3, 4, 5))) == [3, 4, 5]
    assert F.get_image_size(E(image(4, 5))) == [5, 4]
    assert F.get_image_num_channels(E(image(4, 5))) == 1
