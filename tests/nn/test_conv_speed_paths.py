"""Parity of the two column layouts of the convolution kernels: batch first (per-sample products) for output
rows of 16 or more, batch last for shorter rows."""
import numpy as np
import pytest
from parity import check, randn, torch
from test_conv_functional import functional as F
from test_conv_functional import second_order

import ember
from ember.autograd import gradcheck
from ember.backend import conv as kernels

# stride, padding, dilation, groups
COMBOS = [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (3, 1, 2, 2), ((2, 1), (0, 2), (1, 3), 2)]
WIDTHS = [20, 40]  # output rows of about 6-17 and 13-40 elements: both layouts


def test_both_layouts_are_exercised():
    assert kernels._batch_last((5, 10)) and not kernels._batch_last((5, 16))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("stride,padding,dilation,groups", COMBOS)
def test_conv2d_layouts(width, stride, padding, dilation, groups):
    x, w, b = randn(3, 4, 5, width), randn(6, 4 // groups, 3, 2), randn(6)
    check(lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)
    check(lambda lib, x, w: F(lib).conv2d(x, w, None, stride, padding, dilation, groups), x, w)


@pytest.mark.parametrize("width", WIDTHS)
def test_conv1d_conv3d_layouts(width):
    check(lambda lib, x, w, b: F(lib).conv1d(x, w, b, 2, 1, 2, 2), randn(2, 4, width), randn(6, 2, 3), randn(6))
    check(lambda lib, x, w, b: F(lib).conv3d(x, w, b, 1, (1, 0, 1), 1, 1), randn(2, 2, 3, 4, width),
          randn(3, 2, 2, 3, 2), randn(3))


@pytest.mark.parametrize("width", WIDTHS)
def test_conv_transpose_layouts(width):
    check(lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, 2, 1, 1, 2, (1, 2)), randn(2, 4, 3, width // 2),
          randn(4, 3, 3, 2), randn(6))
    check(lambda lib, x, w: F(lib).conv_transpose1d(x, w, None, 1, 2), randn(2, 3, width), randn(3, 2, 5))


@pytest.mark.parametrize("width", WIDTHS)
def test_float32_layouts(width):
    x, w, b = (a.astype(np.float32) for a in (randn(5, 3, 6, width), randn(4, 3, 3, 3), randn(4)))
    check(lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding=1), x, w, b, grad=False, atol=1e-4, rtol=1e-4)


def test_non_contiguous_input():
    x = randn(6, 3, 8, 18)
    check(lambda lib, x, w: F(lib).conv2d(x.transpose(2, 3)[::2], w, padding=(2, 0)), x, randn(2, 3, 3, 3))
    check(lambda lib, x, w: F(lib).conv2d(x.permute(1, 0, 2, 3)[:, :, 1:, 2:], w, groups=2), x, randn(4, 3, 2, 2))


@pytest.mark.parametrize("width", [17, 6])
def test_gradcheck_layouts(width):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((2, 2, 3, width))).requires_grad_()
    w = ember.tensor(rng.standard_normal((4, 1, 2, 3))).requires_grad_()
    b = ember.tensor(rng.standard_normal(4)).requires_grad_()
    conv = ember.nn.functional.conv2d
    assert gradcheck(lambda x, w, b: conv(x, w, b, stride=(1, 1), padding=(0, 1), dilation=(1, 1), groups=2),
                     (x, w, b))


@pytest.mark.parametrize("width", WIDTHS)
def test_double_backward_layouts(width):
    fn = lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride=(1, 2), padding=1, groups=2)  # noqa: E731
    arrays = [randn(2, 4, 4, width, seed=0), randn(6, 2, 3, 2, seed=1), randn(6, seed=2)]
    for e, t in zip(second_order(ember, fn, arrays), second_order(torch, fn, arrays)):
        np.testing.assert_allclose(e, t, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("x_grad,w_grad", [(True, True), (True, False), (False, True)])
def test_requires_grad_combinations(x_grad, w_grad):
    x, w = randn(2, 3, 5, 20), randn(4, 3, 3, 3)
    ex, ew = ember.tensor(x, requires_grad=x_grad), ember.tensor(w, requires_grad=w_grad)
    tx, tw = torch.tensor(x, requires_grad=x_grad), torch.tensor(w, requires_grad=w_grad)
    ember.nn.functional.conv2d(ex, ew, padding=1).pow(2).sum().backward()
    torch.nn.functional.conv2d(tx, tw, padding=1).pow(2).sum().backward()
    for e, t in ((ex, tx), (ew, tw)):
        assert (e.grad is None) == (t.grad is None)
        if t.grad is not None:
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10)
    with ember.no_grad():
        y = ember.nn.functional.conv2d(ex, ew, padding=1)
    np.testing.assert_allclose(y.numpy(), torch.nn.functional.conv2d(tx, tw, padding=1).detach().numpy(), rtol=1e-10)


def test_input_modified_after_forward_raises():
    for lib in (ember, torch):
        x = lib.tensor(randn(2, 3, 5, 20))
        w = lib.tensor(randn(4, 3, 3, 3), requires_grad=True)
        y = lib.nn.functional.conv2d(x, w)
        x.add_(1)
        with pytest.raises(RuntimeError):
            y.sum().backward()


@pytest.mark.parametrize("width", WIDTHS)
def test_empty_batch(width):
    check(lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding=1), randn(0, 3, 4, width), randn(2, 3, 3, 3), randn(2))
    check(lambda lib, x, w: F(lib).conv_transpose2d(x, w, stride=2), randn(0, 3, 4, width // 2), randn(3, 2, 3, 3))


@pytest.mark.parametrize("batch,stride", [(1, 1), (3, 2)])
def test_pointwise_kernels(batch, stride):
    check(lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride), randn(batch, 4, 3, 36), randn(6, 4, 1, 1), randn(6))
    check(lambda lib, x, w: F(lib).conv1d(x, w, None, stride, groups=2), randn(batch, 4, 40), randn(2, 2, 1))


def test_chunks_cover_the_batch():
    x = np.zeros((5, 2), np.float32)
    assert kernels._chunks(x, 5, kernels.CHUNK_BYTES // 2) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert kernels._chunks(x, 5, 1) == [slice(0, 5)]
    assert kernels._chunks(x, 0, 10) == [slice(0, 0)]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("stride,padding,dilation,groups", COMBOS[1:4])
def test_layouts_in_chunks_of_samples(monkeypatch, width, stride, padding, dilation, groups):
    """NOTE [ Column chunks ]: one or two samples a chunk, the last chunk shorter."""
    x, w, b = randn(5, 4, 5, width), randn(6, 4 // groups, 3, 2), randn(6)
    for chunk_bytes in (1, 2 * kernels._column_bytes(x, 4, (3, 2), (5, width))):
        monkeypatch.setattr(kernels, "CHUNK_BYTES", chunk_bytes)
        check(lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)
        check(lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, stride, padding, 0, groups, dilation), x,
              randn(4, 6 // groups, 3, 2), b)


# padding, dilation: the depthwise input gradient is the forward of the flipped kernels where d(k-1) >= padding
DEPTHWISE = [(1, 1), (0, 1), ((1, 0), (2, 1)), (2, (1, 2)), (3, 1)]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("padding,dilation", DEPTHWISE)
def test_depthwise_input_gradient(width, padding, dilation):
    x, w, b = randn(2, 4, 5, width), randn(4, 1, 3, 2), randn(4)
    check(lambda lib, x, w, b: F(lib).conv2d(x, w, b, 1, padding, dilation, 4), x, w, b)
    check(lambda lib, x, w: F(lib).conv2d(x, w, None, 2, padding, dilation, 4), x, w)  # strided: col2im
    check(lambda lib, x, w: F(lib).conv1d(x, w, None, 1, 1, 2, 4), randn(3, 4, width), randn(4, 1, 3))
    check(lambda lib, x, w: F(lib).conv3d(x, w, None, 1, 1, 1, 2), randn(1, 2, 3, 4, width), randn(2, 1, 2, 3, 2))
