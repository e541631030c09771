"""Parity of the pooling functionals (max, average, adaptive, LP pooling, max_unpool) with PyTorch."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember
import ember.nn.functional as EF
from ember.autograd import gradcheck, gradgradcheck


def F(lib):
    return lib.nn.functional


def ties(*shape, seed=0):
    """Values with many ties (a relu of rounded values), where the choice of the max matters."""
    return np.maximum(np.round(randn(*shape, seed=seed) * 1.5), 0)


def ints(*shape, dtype=np.int64, seed=0):
    return np.random.default_rng(seed).integers(-9, 10, shape).astype(dtype)


# ---- max pooling -------------------------------------------------------------------------------------
POOL2D = [  # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False), (3, 1, 1, 1, False), (3, 2, 1, 2, True), (2, 3, 1, 1, True),
    ((2, 3), (1, 2), (1, 0), (2, 1), False), (3, 2, 0, 1, True), (1, 1, 0, 1, False), ((3, 1), 2, (1, 0), 1, True)]


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", POOL2D)
@pytest.mark.parametrize("return_indices", [False, True])
def test_max_pool2d(kernel, stride, padding, dilation, ceil_mode, return_indices):
    check(lambda lib, x: F(lib).max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices),
          randn(2, 3, 7, 8))
    check(lambda lib, x: F(lib).max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices),
          ties(2, 2, 7, 8))


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", [
    (2, None, 0, 1, False), (3, 1, 1, 1, True), (3, 2, 1, 2, True), (4, 3, 2, 1, False)])
def test_max_pool1d_3d(kernel, stride, padding, dilation, ceil_mode):
    check(lambda lib, x: F(lib).max_pool1d(x, kernel, stride, padding, dilation, ceil_mode, True), randn(2, 3, 11))
    check(lambda lib, x: F(lib).max_pool1d(x, kernel, stride, padding, dilation, ceil_mode), ties(3, 11))
    check(lambda lib, x: F(lib).max_pool3d(x, kernel, stride, padding, dilation, ceil_mode, True), randn(2, 2, 6, 7, 5))
    check(lambda lib, x: F(lib).max_pool3d(x, kernel, stride, padding, dilation, ceil_mode), ties(2, 6, 7, 5))


def test_max_pool_with_indices_forms_and_unbatched():
    x = randn(2, 3, 6, 6)
    check(lambda lib, x: F(lib).max_pool2d_with_indices(x, 3, 2, 1), x)
    check(lambda lib, x: F(lib).max_pool1d_with_indices(x, 2), randn(2, 3, 7))
    check(lambda lib, x: F(lib).max_pool3d_with_indices(x, 2, ceil_mode=True), randn(2, 3, 3, 5))
    check(lambda lib, x: F(lib).max_pool2d(x, 2, return_indices=True), randn(3, 5, 6))
    check(lambda lib, x: F(lib).max_pool2d(x, 2, stride=[]), x)
    check(lambda lib, x: F(lib).max_pool2d(x, [2], [1]), x)
    check(lambda lib, x: F(lib).max_pool2d(x, 2), randn(0, 3, 4, 4))


def test_max_pool_ties_nan_and_dtypes():
    # the first max in window order takes the index and the gradient; a nan wins (the last one)
    check(lambda lib, x: F(lib).max_pool2d(x, 2, return_indices=True), np.ones((1, 1, 4, 4)))
    nan = randn(1, 2, 5, 5)
    nan[0, 0, 0, 0] = nan[0, 0, 1, 1] = nan[0, 1, 2, :] = np.nan
    check(lambda lib, x: F(lib).max_pool2d(x, 3, 1, 1, return_indices=True), nan)
    check(lambda lib, x: F(lib).max_pool2d(x, 3, 2, 1, return_indices=True), randn(2, 3, 7, 7, dtype=np.float32))
    check(lambda lib, x: F(lib).max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True), ints(2, 3, 7, 7))
    check(lambda lib, x: F(lib).max_pool2d(x, 2), ints(1, 2, 4, 4, dtype=np.uint8))
    check(lambda lib, x: F(lib).max_pool2d(x, 2), np.ones((1, 1, 4, 4), bool))


@pytest.mark.parametrize("call", [
    lambda F, x: F.max_pool2d(x[0, 0], 2),                      # rank
    lambda F, x: F.max_pool2d(x[None], 2),
    lambda F, x: F.max_pool1d(x, 2),
    lambda F, x: F.max_pool3d(x, 2),
    lambda F, x: F.max_pool2d(x, 6),                            # kernel larger than the input
    lambda F, x: F.max_pool2d(x, 2, padding=2),                 # padding over half the kernel
    lambda F, x: F.max_pool2d(x, 2, padding=-1),
    lambda F, x: F.max_pool2d(x, 2, stride=0),
    lambda F, x: F.max_pool2d(x, 0, 1),
    lambda F, x: F.max_pool2d(x, 2, dilation=0),
    lambda F, x: F.max_pool2d(x, (2, 3, 1)),
    lambda F, x: F.max_pool2d(x, 2.0),                          # TypeError
    lambda F, x: F.max_pool2d(x[:, :0], 2),                     # empty channels
    lambda F, x: F.max_pool1d(x[0, :, :0], 2),
])
def test_max_pool_errors(call):
    check(lambda lib, x: call(F(lib), x), randn(1, 2, 5, 5))


# ---- average pooling ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", [
    (2, None, 0, False), (3, 1, 1, False), (3, 2, 1, True), (2, 3, 1, True), ((2, 3), (1, 2), (1, 0), False),
    (3, 2, 0, True)])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool(kernel, stride, padding, ceil_mode, count_include_pad):
    check(lambda lib, x: F(lib).avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad), randn(2, 3, 7, 8))
    check(lambda lib, x: F(lib).avg_pool3d(x, kernel, stride, padding, ceil_mode, count_include_pad),
          randn(1, 2, 5, 6, 7))
    k, s, p = [v if isinstance(v, int) or v is None else v[0] for v in (kernel, stride, padding)]
    check(lambda lib, x: F(lib).avg_pool1d(x, k, s, p, ceil_mode, count_include_pad), randn(2, 3, 9))


def test_avg_pool_divisor_dtypes_unbatched():
    x = randn(2, 3, 7, 7)
    check(lambda lib, x: F(lib).avg_pool2d(x, 3, 2, 1, divisor_override=5), x)
    check(lambda lib, x: F(lib).avg_pool3d(x, 3, 2, 1, True, False, 4), randn(1, 2, 5, 5, 5))
    check(lambda lib, x: F(lib).avg_pool2d(x, 3, 2, 1), randn(3, 6, 6, dtype=np.float32))
    check(lambda lib, x: F(lib).avg_pool1d(x, 3, 2, 1), randn(3, 6))
    check(lambda lib, x: F(lib).avg_pool3d(x, 2), randn(2, 4, 4, 4))
    # integers divide truncating toward zero
    check(lambda lib, x: F(lib).avg_pool2d(x, 3, 2, 1, True, False), ints(2, 3, 7, 7))
    check(lambda lib, x: F(lib).avg_pool1d(x, 2, ceil_mode=True, count_include_pad=False), ints(1, 2, 5))
    check(lambda lib, x: F(lib).avg_pool2d(x, 2, divisor_override=0), x)
    check(lambda lib, x: F(lib).avg_pool2d(x, 8), x)
    check(lambda lib, x: F(lib).avg_pool2d(x, 2, padding=2), x)
    check(lambda lib, x: F(lib).avg_pool1d(x, 2), randn(5))
    check(lambda lib, x: F(lib).avg_pool3d(x, 2), randn(4, 4, 4))


# ---- adaptive pooling --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(3, 4), (5, 9), 1, (None, 3), (7, 8), (7, 4), (2, 1), (10, 3), 0])
def test_adaptive_pool2d(size):
    grad = size != 0  # torch's backward refuses an empty gradient
    check(lambda lib, x: F(lib).adaptive_avg_pool2d(x, size), randn(2, 3, 7, 8), grad=grad)
    check(lambda lib, x: F(lib).adaptive_max_pool2d(x, size, True), randn(2, 3, 7, 8), grad=grad)
    check(lambda lib, x: F(lib).adaptive_max_pool2d(x, size), ties(2, 7, 8), grad=grad)


@pytest.mark.parametrize("size", [3, 1, 5, 8])
def test_adaptive_pool1d_3d(size):
    check(lambda lib, x: F(lib).adaptive_avg_pool1d(x, size), randn(2, 3, 7))
    check(lambda lib, x: F(lib).adaptive_max_pool1d(x, size, True), randn(3, 7))
    check(lambda lib, x: F(lib).adaptive_max_pool1d_with_indices(x, size), randn(2, 3, 7))
    check(lambda lib, x: F(lib).adaptive_avg_pool3d(x, size), randn(1, 2, 4, 5, 6))
    check(lambda lib, x: F(lib).adaptive_avg_pool3d(x, (size, None, 2)), randn(2, 4, 5, 6))
    check(lambda lib, x: F(lib).adaptive_max_pool3d(x, size, True), randn(1, 2, 4, 5, 6))
    check(lambda lib, x: F(lib).adaptive_max_pool2d_with_indices(x, size), randn(2, 6, 5))


def test_adaptive_pool_dtypes_and_errors():
    x = randn(1, 2, 4, 4)
    nan = randn(2, 2, 4, 6)
    nan[0, 0, 1, 1] = nan[0, 0, 2, 3] = nan[1, 1, 0, :] = np.nan
    for size in [1, (2, 3), (3, 4)]:  # global, regular and irregular windows: the last nan wins
        check(lambda lib, x: F(lib).adaptive_max_pool2d(x, size, True), nan)
    check(lambda lib, x: F(lib).adaptive_avg_pool2d(x, 3), randn(1, 2, 5, 5, dtype=np.float32))
    check(lambda lib, x: F(lib).adaptive_max_pool2d(x, 3, True), randn(0, 2, 5, 5))
    check(lambda lib, x: F(lib).adaptive_avg_pool2d(x, 3), ints(1, 2, 5, 5))
    check(lambda lib, x: F(lib).adaptive_max_pool2d(x, 3), ints(1, 2, 5, 5))
    check(lambda lib, x: F(lib).adaptive_avg_pool2d(x, -1), x)
    check(lambda lib, x: F(lib).adaptive_avg_pool2d(x, (1, 2, 3)), x)
    check(lambda lib, x: F(lib).adaptive_avg_pool2d(x, 2), x[0, 0])
    check(lambda lib, x: F(lib).adaptive_avg_pool2d(x, 2), x[:, :, :0])
    check(lambda lib, x: F(lib).adaptive_max_pool2d(x, 2), x[:, :, :0])
    check(lambda lib, x: F(lib).adaptive_avg_pool1d(x, 2), x)
    check(lambda lib, x: F(lib).adaptive_max_pool1d(x, 2), randn(4))
    check(lambda lib, x: F(lib).adaptive_avg_pool3d(x, 2), randn(3, 5, 5))


# ---- max_unpool --------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,kernel,stride,padding,shape", [
    (1, 2, None, 0, (2, 3, 8)), (1, 3, 2, 1, (3, 9)), (2, 2, None, 0, (2, 3, 6, 6)), (2, 3, 2, 1, (2, 2, 7, 6)),
    (2, 2, None, 0, (3, 4, 4)), (3, 2, None, 0, (1, 2, 4, 4, 4)), (3, 3, 2, 1, (1, 2, 5, 5, 5))])
def test_max_unpool(n, kernel, stride, padding, shape):
    x = randn(*shape)
    pool = getattr(torch.nn.functional, f"max_pool{n}d")
    values, indices = pool(torch.tensor(x), kernel, stride, padding, return_indices=True)
    values, indices = values.numpy(), indices.numpy()
    sizes = [None, tuple(shape[-n:]), (1, 1) + tuple(shape[-n:])]
    for size in sizes:
        check(lambda lib, v, i: getattr(F(lib), f"max_unpool{n}d")(v, i, kernel, stride, padding, size), values,
              indices)


def test_max_unpool_errors():
    values, indices = torch.nn.functional.max_pool2d(torch.tensor(randn(1, 2, 4, 4)), 2, return_indices=True)
    v, i = values.numpy(), indices.numpy()
    check(lambda lib, v, i: F(lib).max_unpool2d(v, i, 2, output_size=(7, 7)), v, i)  # ValueError
    check(lambda lib, v, i: F(lib).max_unpool2d(v, i, 2, output_size=(2, 7, 7)), v, i)
    check(lambda lib, v, i: F(lib).max_unpool2d(v, i * 100, 2), v, i)  # index out of range
    check(lambda lib, v, i: F(lib).max_unpool2d(v, i[:, :, :1], 2), v, i)  # shape mismatch
    check(lambda lib, v, i: F(lib).max_unpool2d(v, i.int(), 2), v, i)  # int32 indices
    check(lambda lib, v, i: F(lib).max_unpool2d(v, i, 2), v, i.astype(np.int32))


# ---- LP pooling --------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2, 1.5, 3.0, float("inf")])
def test_lp_pool(norm_type):
    x = np.abs(randn(2, 3, 7, 8)) + 0.1
    check(lambda lib, x: F(lib).lp_pool2d(x, norm_type, 3, 2, True), x)
    check(lambda lib, x: F(lib).lp_pool2d(x, norm_type, (2, 3)), x[0])
    check(lambda lib, x: F(lib).lp_pool1d(x, norm_type, 3), x[0])
    check(lambda lib, x: F(lib).lp_pool1d(x, norm_type, 2, 1, True), x[:, :, 0])
    check(lambda lib, x: F(lib).lp_pool3d(x, norm_type, 2), x[None])
    check(lambda lib, x: F(lib).lp_pool2d(x, 2, 9), x)


# ---- higher-order gradients and gradcheck --------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda F, x: F.max_pool3d(x[None], 2, 1),
    lambda F, x: F.avg_pool2d(x, 3, 2, 1, True, False),
    lambda F, x: F.adaptive_avg_pool2d(x, (3, 4)),
    lambda F, x: F.adaptive_max_pool2d(x, (3, 4)),
    lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
])
def test_double_backward(call):
    """The gradient, as a function of the output's gradient, matches torch's: values, grad_fn and its own
    gradient (the double backward)."""
    x = randn(2, 5, 6)
    g = randn(*call(torch.nn.functional, torch.tensor(x)).shape, seed=1)

    def gradient(lib, x, g):
        x = x.detach().requires_grad_()
        return lib.autograd.grad(call(F(lib), x), x, g, create_graph=True)[0]

    check(gradient, x, g)


def test_gradcheck():
    x = ember.tensor(randn(1, 2, 5, 5)).requires_grad_()
    assert gradcheck(lambda x: EF.max_pool2d(x, 3, 1, 1), (x,))
    assert gradcheck(lambda x: EF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (x,))
    assert gradcheck(lambda x: EF.adaptive_avg_pool2d(x, 3), (x,))
    assert gradgradcheck(lambda x: EF.adaptive_max_pool2d(x, 3), (x,))
    assert gradgradcheck(lambda x: EF.lp_pool2d(x.abs() + 0.5, 2, 2), (x,))

