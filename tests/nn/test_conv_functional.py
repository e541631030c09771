"""Parity of the convolution functionals (conv1d/2d/3d, conv_transpose1d/2d/3d, unfold, fold) with PyTorch."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember
from ember.autograd import gradcheck

TOL32 = {"atol": 1e-4, "rtol": 1e-4}
# stride, padding, dilation, groups
COMBOS = [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (3, 1, 2, 2), ((2, 1), (0, 2), (1, 3), 2)]


def conv_args(nd, combo):
    """(stride, padding, dilation, groups) with 2-tuples cut or widened to `nd` dims."""
    def fit(v):
        return v if isinstance(v, int) else (v * 2)[:nd]
    stride, padding, dilation, groups = combo
    return fit(stride), fit(padding), fit(dilation), groups


def functional(lib):
    return lib.nn.functional


def second_order(lib, fn, arrays):
    """Gradients of sum(grad ** 2) where grad is the first-order gradient of sum(fn(...) ** 2)."""
    ts = [lib.tensor(a.copy()).requires_grad_() for a in arrays]
    y = fn(lib, *ts)
    grads = lib.autograd.grad((y * y).sum(), ts, create_graph=True)
    sum((g * g).sum() for g in grads).backward()
    return [t.grad.numpy() for t in ts]


# ---- conv1d / conv2d / conv3d --------------------------------------------------------------------
@pytest.mark.parametrize("combo", COMBOS)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(combo, bias):
    stride, padding, dilation, groups = conv_args(2, combo)
    x, w = randn(2, 4, 9, 8), randn(6, 4 // groups, 3, 2)
    b = randn(6) if bias else None
    check(lambda lib, x, w, b: functional(lib).conv2d(x, w, b, stride, padding, dilation, groups), x, w, b)
    check(lambda lib, x, w: functional(lib).conv2d(x, w, stride=stride, padding=padding, dilation=dilation,
                                                   groups=groups), x.astype(np.float32), w.astype(np.float32),
          grad=False, **TOL32)


@pytest.mark.parametrize("combo", COMBOS)
def test_conv1d_conv3d(combo):
    stride, padding, dilation, groups = conv_args(1, combo)
    check(lambda lib, x, w, b: functional(lib).conv1d(x, w, b, stride, padding, dilation, groups),
          randn(2, 4, 11), randn(6, 4 // groups, 3), randn(6))
    stride, padding, dilation, groups = conv_args(3, combo)
    check(lambda lib, x, w, b: functional(lib).conv3d(x, w, b, stride, padding, dilation, groups),
          randn(2, 4, 7, 6, 8), randn(2, 4 // groups, 2, 3, 2), randn(2))


def test_conv_unbatched_and_sizes():
    check(lambda lib, x, w, b: functional(lib).conv1d(x, w, b, padding=1), randn(3, 7), randn(2, 3, 3), randn(2))
    check(lambda lib, x, w, b: functional(lib).conv2d(x, w, b, stride=2), randn(3, 7, 6), randn(2, 3, 3, 3), randn(2))
    check(lambda lib, x, w: functional(lib).conv3d(x, w), randn(3, 4, 5, 4), randn(2, 3, 2, 2, 2))
    check(lambda lib, x, w: functional(lib).conv2d(x, w, stride=(2,), padding=[1, 2]), randn(1, 3, 5, 5),
          randn(2, 3, 3, 3))
    check(lambda lib, x, w: functional(lib).conv2d(x, w), randn(0, 3, 5, 5), randn(2, 3, 3, 3))  # empty batch
    check(lambda lib, x, w: functional(lib).conv2d(x, w, groups=3), randn(2, 3, 4, 4), randn(6, 1, 4, 4))


@pytest.mark.parametrize("kernel,dilation", [((4, 2), 1), ((4, 3), (1, 2)), ((2, 5), (3, 1)), ((3, 3), 2)])
def test_conv_padding_same_valid(kernel, dilation):
    x = randn(2, 3, 7, 8)
    w = randn(4, 3, *kernel)
    check(lambda lib, x, w, b: functional(lib).conv2d(x, w, b, padding="same", dilation=dilation), x, w, randn(4))
    check(lambda lib, x, w: functional(lib).conv2d(x, w, padding="valid", dilation=dilation), x, w)
    check(lambda lib, x, w: functional(lib).conv1d(x, w, padding="same"), randn(3, 9), randn(2, 3, 4))  # unbatched
    check(lambda lib, x, w: functional(lib).conv3d(x, w, padding="same"), randn(1, 2, 4, 5, 3), randn(2, 2, 2, 3, 2))


def test_conv_dtypes():
    check(lambda lib, x, w: functional(lib).conv2d(x, w, padding=1),
          np.arange(50).reshape(1, 2, 5, 5), np.ones((3, 2, 3, 3), np.int64))
    check(lambda lib, x, w, b: functional(lib).conv2d(x, w, b, groups=2), randn(2, 4, 6, 6, dtype=np.float32),
          randn(4, 2, 3, 3, dtype=np.float32), randn(4, dtype=np.float32), grad_atol=1e-4, grad_rtol=1e-4, **TOL32)
    check(lambda lib, x, w: functional(lib).conv2d(x, w), randn(1, 3, 4, 4, dtype=np.float16),
          randn(2, 3, 3, 3, dtype=np.float16), grad=False)
    check(lambda lib, x, w: functional(lib).conv2d(x, w), np.ones((1, 3, 4, 4), np.uint8),
          np.ones((2, 3, 3, 3), np.uint8))
    check(lambda lib, x, w: functional(lib).conv2d(x, w), np.ones((1, 3, 4, 4), bool), np.ones((2, 3, 3, 3), bool))


def test_conv_errors():
    x, w = randn(2, 3, 8, 8), randn(4, 3, 3, 3)
    conv2d = lambda lib, *a, **k: functional(lib).conv2d(*a, **k)  # noqa: E731
    check(lambda lib, x, w: conv2d(lib, x[None], w), x, w)  # input rank
    check(lambda lib, x, w: conv2d(lib, x[0, 0], w), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w), x, randn(4, 2, 3, 3))  # channels
    check(lambda lib, x, w: conv2d(lib, x, w, groups=2), x, randn(4, 1, 3, 3))
    check(lambda lib, x, w: conv2d(lib, x, w, groups=2), randn(2, 4, 8, 8), randn(3, 2, 3, 3))  # groups divide
    check(lambda lib, x, w: conv2d(lib, x, w, groups=0), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w), x, randn(4, 3, 9, 9))  # kernel larger than input
    check(lambda lib, x, w: conv2d(lib, x[0], w, padding=(0, 1)), x, randn(4, 3, 9, 9))
    check(lambda lib, x, w: conv2d(lib, x, w, dilation=4), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w), x, randn(4, 3, 3))  # weight rank
    check(lambda lib, x, w, b: conv2d(lib, x, w, b), x, w, randn(5))  # bias size
    check(lambda lib, x, w, b: conv2d(lib, x, w, b), x, w, randn(4, 1))
    check(lambda lib, x, w: conv2d(lib, x, w, stride=0), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w, padding=-1), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w, dilation=0), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w, stride=(1, 1, 1)), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w, stride=1.5), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w, padding="same", stride=2), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w, padding="full"), x, w)
    check(lambda lib, x, w: conv2d(lib, x, w), x, w.astype(np.float32))  # dtypes
    check(lambda lib, x, w, b: conv2d(lib, x, w, b), x, w, randn(4, dtype=np.float32))
    check(lambda lib, w: conv2d(lib, [1.0], w), w)
    check(lambda lib, x, w: functional(lib).conv1d(x, w), randn(8), randn(4, 1, 3))
    check(lambda lib, x, w: functional(lib).conv3d(x, w), randn(5, 5, 5), randn(4, 1, 3, 3, 3))


# ---- transposed convolution ----------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation", [
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (3, 2, 2, 2, 1), (2, 0, 2, 1, 3), ((2, 1), (1, 0), (1, 0), 2, (1, 2))])
def test_conv_transpose2d(stride, padding, output_padding, groups, dilation):
    x, w, b = randn(2, 4, 5, 4), randn(4, 6 // groups, 3, 2), randn(6)
    check(lambda lib, x, w, b: functional(lib).conv_transpose2d(x, w, b, stride, padding, output_padding, groups,
                                                                dilation), x, w, b)
    check(lambda lib, x, w: functional(lib).conv_transpose2d(x, w, stride=stride, padding=padding,
                                                             output_padding=output_padding, groups=groups,
                                                             dilation=dilation),
          x.astype(np.float32), w.astype(np.float32), grad=False, **TOL32)


def test_conv_transpose1d_3d_unbatched():
    check(lambda lib, x, w, b: functional(lib).conv_transpose1d(x, w, b, 2, 1, 1), randn(2, 3, 6), randn(3, 2, 4),
          randn(2))
    check(lambda lib, x, w: functional(lib).conv_transpose1d(x, w, stride=3, dilation=2), randn(3, 5), randn(3, 2, 3))
    check(lambda lib, x, w, b: functional(lib).conv_transpose3d(x, w, b, 2, (0, 1, 0), 1, 1, (1, 1, 2)),
          randn(1, 2, 3, 4, 3), randn(2, 2, 2, 3, 2), randn(2))
    check(lambda lib, x, w: functional(lib).conv_transpose2d(x, w, groups=2), randn(4, 3, 3), randn(4, 1, 2, 2))
    check(lambda lib, x, w: functional(lib).conv_transpose2d(x, w, padding=3), randn(1, 2, 8, 8), randn(2, 2, 1, 1))
    check(lambda lib, x, w: functional(lib).conv_transpose2d(x, w, stride=2), randn(0, 3, 4, 4), randn(3, 2, 3, 3))


def test_conv_transpose_errors():
    x, w = randn(2, 3, 5, 5), randn(3, 2, 3, 3)
    tconv = lambda lib, *a, **k: functional(lib).conv_transpose2d(*a, **k)  # noqa: E731
    check(lambda lib, x, w: tconv(lib, x[None], w), x, w)
    check(lambda lib, x, w: tconv(lib, x, w), x, randn(4, 2, 3, 3))  # channels
    check(lambda lib, x, w: tconv(lib, x, w, groups=2), randn(2, 4, 5, 5), randn(3, 2, 3, 3))
    check(lambda lib, x, w, b: tconv(lib, x, w, b), x, w, randn(3))  # bias has out_channels = 2
    check(lambda lib, x, w: tconv(lib, x, w, stride=2, output_padding=2), x, w)
    check(lambda lib, x, w: tconv(lib, x, w, output_padding=-1), x, w)
    check(lambda lib, x, w: tconv(lib, x, w, padding="same"), x, w)
    check(lambda lib, x, w: tconv(lib, x, w, padding=4), x, w)  # output too small
    check(lambda lib, x, w: functional(lib).conv_transpose1d(x, w, output_padding=1), randn(1, 3, 5), randn(3, 2, 3))


# ---- gradients -------------------------------------------------------------------------------------
def test_gradcheck_conv2d_and_transpose():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((2, 2, 5, 4))).requires_grad_()
    w = ember.tensor(rng.standard_normal((4, 1, 3, 2))).requires_grad_()
    b = ember.tensor(rng.standard_normal(4)).requires_grad_()
    F = ember.nn.functional
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
                     (x, w, b))
    wt = ember.tensor(rng.standard_normal((2, 3, 2, 3))).requires_grad_()
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b[:3], stride=2, padding=(1, 0), output_padding=1),
                     (x, wt, b))


@pytest.mark.parametrize("fn,shapes", [
    (lambda lib, x, w, b: functional(lib).conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2), groups=2),
     [(2, 4, 7, 6), (6, 2, 3, 2), (6,)]),
    (lambda lib, x, w: functional(lib).conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2),
     [(2, 4, 4, 3), (4, 3, 3, 2)]),
    (lambda lib, x, w: functional(lib).conv_transpose1d(x, w, stride=2, output_padding=2, dilation=3),
     [(2, 4, 5), (4, 3, 3)]),
    (lambda lib, x: functional(lib).unfold(x, 2, padding=1, stride=(1, 2)), [(2, 3, 4, 5)]),
    (lambda lib, x: functional(lib).fold(x, (4, 5), 2, padding=1, stride=(1, 2)), [(2, 12, 15)]),
])
def test_double_backward(fn, shapes):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    for e, t in zip(second_order(ember, fn, arrays), second_order(torch, fn, arrays)):
        np.testing.assert_allclose(e, t, rtol=1e-9, atol=1e-9)


def test_grad_fn_names_and_edges():
    x = ember.randn(1, 2, 5, 5, requires_grad=True)
    w = ember.randn(3, 2, 3, 3)
    y = ember.nn.functional.conv2d(x, w)
    assert y.grad_fn.name() == "ConvolutionBackward0" and len(y.grad_fn.next_functions) == 3
    y.sum().backward()
    assert x.grad.shape == x.shape and w.grad is None


# ---- unfold / fold ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel,dilation,padding,stride",
                         [(2, 1, 0, 1), ((2, 3), 2, 1, (2, 1)), (3, (1, 2), (0, 2), 3)])
def test_unfold_fold(kernel, dilation, padding, stride):
    x = randn(2, 3, 7, 8)
    cols = check(lambda lib, x: functional(lib).unfold(x, kernel, dilation, padding, stride), x)
    check(lambda lib, x: functional(lib).unfold(x, kernel, dilation, padding, stride), x[0])  # unbatched
    check(lambda lib, x: functional(lib).unfold(x, kernel, dilation, padding, stride), x.astype(np.float32))
    c = cols.detach().numpy()
    check(lambda lib, c: functional(lib).fold(c, (7, 8), kernel, dilation, padding, stride), c)
    check(lambda lib, c: functional(lib).fold(c, (7, 8), kernel, dilation, padding, stride), c[0])
    check(lambda lib, c: functional(lib).fold(c, [7, 8], kernel, dilation, padding, stride), c.astype(np.float32))


def test_unfold_fold_round_trip():
    x = ember.randn(2, 3, 6, 8)
    F = ember.nn.functional
    back = F.fold(F.unfold(x, (2, 4), stride=(2, 4)), (6, 8), (2, 4), stride=(2, 4))  # disjoint blocks: identity
    assert ember.equal(back, x)
    ones = ember.ones(2, 3, 6, 8)
    counts = F.fold(F.unfold(ones, 3, padding=1), (6, 8), 3, padding=1)  # overlapping: each pixel times its windows
    assert ember.allclose(F.fold(F.unfold(x, 3, padding=1), (6, 8), 3, padding=1), x * counts)


def test_unfold_fold_errors():
    unfold = lambda lib, x, *a, **k: functional(lib).unfold(x, *a, **k)  # noqa: E731
    fold = lambda lib, x, *a, **k: functional(lib).fold(x, *a, **k)  # noqa: E731
    x = randn(2, 3, 8, 8)
    check(lambda lib, x: unfold(lib, x[None], 3), x)
    check(lambda lib, x: unfold(lib, x[0, 0], 3), x)
    check(lambda lib, x: unfold(lib, x, 9), x)
    check(lambda lib, x: unfold(lib, x, 3, stride=0), x)
    check(lambda lib, x: unfold(lib, x, 3, dilation=0), x)
    check(lambda lib, x: unfold(lib, x, 0), x)
    check(lambda lib, x: unfold(lib, x, 3, padding=-1), x)
    check(lambda lib, x: unfold(lib, x, (3, 3, 3)), x)
    check(lambda lib, x: unfold(lib, x, 3), np.zeros((2, 0, 8, 8)))
    check(lambda lib, x: unfold(lib, x, 3), np.arange(64).reshape(1, 1, 8, 8))
    c = randn(2, 27, 36)
    check(lambda lib, c: fold(lib, c[..., None], (8, 8), 3), c)
    check(lambda lib, c: fold(lib, c[0, :, 0], (8, 8), 3), c)
    check(lambda lib, c: fold(lib, c[:, 1:], (8, 8), 3), c)
    check(lambda lib, c: fold(lib, c[..., 1:], (8, 8), 3), c)
    check(lambda lib, c: fold(lib, c, (8, 8, 8), 3), c)
    check(lambda lib, c: fold(lib, c, 8, 3, stride=0), c)
    check(lambda lib, c: fold(lib, c, 8, 3), np.ones((2, 27, 36), np.int64))


def test_unfold_fold_empty_batch_and_half():
    check(lambda lib, x: functional(lib).unfold(x, 3), np.zeros((0, 3, 8, 8)))
    check(lambda lib, c: functional(lib).fold(c, 8, 3), np.zeros((0, 27, 36)))
    check(lambda lib, x: functional(lib).unfold(x, 2), randn(1, 3, 4, 4, dtype=np.float16), grad=False)
