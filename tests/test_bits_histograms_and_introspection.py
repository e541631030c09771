"""Issue 15's last batch against PyTorch: frexp, bit shifts, dist, renorm, histc, logcumsumexp, fill_diagonal_,
in-place cumsum/cumprod/float_power, Tensor introspection and Python-callback methods, legacy tensor types."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember


def ints(*shape, lo=-20, hi=20, dtype=np.int64):
    return np.random.default_rng(sum(shape)).integers(lo, hi, shape).astype(dtype)


def test_frexp():
    x = np.array([8.0, 3.0, 0.5, -6.0, 0.0, 1e-30])
    check(lambda lib, a: lib.frexp(a), x)
    check(lambda lib, a: a.frexp(), x.astype(np.float32))
    check(lambda lib, a: lib.frexp(a), ints(3))


@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
def test_shifts(name):
    for dtype in [np.int8, np.int32, np.int64, np.uint8]:
        x = ints(6, lo=0 if dtype == np.uint8 else -20, dtype=dtype)
        check(lambda lib, a, b: getattr(lib, name)(a, b), x, np.array([0, 1, 3, 7, 2, 5], dtype))
        check(lambda lib, a: getattr(a, name)(2), x)
        check(lambda lib, a, b: getattr(a.clone(), name + "_")(b), x, np.array([1, 2, 0, 3, 1, 1], dtype))
    check(lambda lib, a, b: (a << b, a >> b), ints(4), np.array([1, 2, 3, 0]))
    check(lambda lib, a: getattr(lib, name)(a, 1), randn(3))


def test_dist_renorm_histc():
    x, y = randn(3, 4), randn(3, 4, seed=1)
    for p in [2, 1, 3.5, float("inf")]:
        check(lambda lib, a, b: lib.dist(a, b, p), x, y, check_grad_fn=False)
    check(lambda lib, a, b: lib.dist(a, b, 0), x, y, grad=False)  # PyTorch's backward of p=0 fails
    check(lambda lib, a, b: a.dist(b), x, y, check_grad_fn=False)
    check(lambda lib, a: lib.renorm(a, 2, 0, 1.0), x, check_grad_fn=False)
    check(lambda lib, a: a.renorm(1, 1, 0.5), x, check_grad_fn=False)
    check(lambda lib, a: a.clone().renorm_(2, 0, 1.0), x, check_grad_fn=False)
    check(lambda lib, a: lib.renorm(a, 2, 0, 1.0), randn(3))
    check(lambda lib, a: lib.histc(a, 10), randn(50))
    check(lambda lib, a: lib.histc(a, 4, 0, 3), np.array([1.0, 2.0, 1.0, 3.0, -1.0, 5.0]))
    check(lambda lib, a: a.histc(5, 2, 2), np.array([2.0, 2.0]))
    check(lambda lib, a: lib.histc(a, 4), ints(5))


def test_logcumsumexp():
    x = randn(3, 5) * 3
    x[0, 2] = -1000.0
    check(lambda lib, a: lib.logcumsumexp(a, 1), x)
    check(lambda lib, a: a.logcumsumexp(0), x)
    check(lambda lib, a: lib.logcumsumexp(a, 0), np.array([-np.inf, 0.0, np.inf]), grad=False)
    check(lambda lib, a: lib.logcumsumexp(a, 0), ints(3))


def test_in_place_extras():
    x = randn(3, 4)
    # ember's fill_diagonal_ is a masked where (WhereBackward0); PyTorch's writes through a view (CopySlices)
    check(lambda lib, a: a.clone().fill_diagonal_(5.0), x, check_grad_fn=False)
    check(lambda lib, a: a.clone().fill_diagonal_(1.5), ints(3, 4))
    check(lambda lib, a: a.clone().fill_diagonal_(1.0, wrap=True), randn(7, 3), check_grad_fn=False)
    check(lambda lib, a: a.clone().fill_diagonal_(2.0), randn(3, 3, 3), check_grad_fn=False)
    check(lambda lib, a: a.clone().fill_diagonal_(2.0), randn(3))
    check(lambda lib, a: a.clone().cumsum_(1), x)
    check(lambda lib, a: a.clone().cumprod_(0), x)
    check(lambda lib, a: a.clone().float_power_(2), x)
    check(lambda lib, a: a.clone().float_power_(2), x.astype(np.float32))


def test_introspection():
    x = randn(3, 4)
    check(lambda lib, a: (a.dim_order(), a.t().dim_order(), a.is_inference(), lib.is_inference(a),
                          lib.is_signed(a), a.layout.__class__.__name__), x, grad=False)
    e = ember.tensor(x)
    assert e.layout is ember.strided
    assert e.is_set_to(e) and not e.is_set_to(e.view(4, 3)) and e.const_data_ptr() == e.data_ptr()

    class Mine(ember.Tensor):
        pass

    m = e.as_subclass(Mine)
    assert type(m) is Mine and np.shares_memory(m.numpy(), e.numpy())


def test_python_callbacks():
    for lib in (ember, torch):
        t = lib.tensor([1.0, 2.0, 3.0])
        t.apply_(lambda v: v * 2)
        t.map_(lib.tensor([1.0]), lambda a, b: a + b)
        t.map2_(lib.tensor([1.0, 1.0, 1.0]), lib.tensor([2.0]), lambda a, b, c: a * b + c)
        assert t.tolist() == [5.0, 7.0, 9.0]


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "HalfTensor", "ByteTensor", "CharTensor",
                                  "ShortTensor", "IntTensor", "LongTensor", "BoolTensor", "BFloat16Tensor"])
def test_legacy_types(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert str(e([1, 0, 2]).dtype).split(".")[1] == str(t([1, 0, 2]).dtype).split(".")[1]
    assert tuple(e(2, 3).shape) == tuple(t(2, 3).shape)
    assert isinstance(e([1]), e) and isinstance(ember.ones(1, dtype=e.dtype), e)
    assert not isinstance(ember.ones(1, dtype=ember.float64 if name != "DoubleTensor" else ember.float32), e)
    check(lambda lib, a: getattr(lib, name)(a), np.array([1.0, 2.0]), grad=False)


def test_set_default_tensor_type():
    with pytest.warns(UserWarning, match="deprecated"):
        ember.set_default_tensor_type("torch.DoubleTensor")
    try:
        assert ember.tensor([1.0]).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError):
        ember.set_default_tensor_type(ember.LongTensor)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float64"])
def test_set_default_dtype_reaches_creation_and_layers_as_torch(dtype):
    """Every floating default PyTorch takes, bfloat16 included (ember refused it); integers are refused."""
    results = []
    for lib in (ember, torch):
        lib.set_default_dtype(getattr(lib, dtype))
        try:
            made = [lib.tensor([1.5]), lib.randn(2), lib.nn.Linear(2, 2).weight, lib.arange(0.0, 3), lib.zeros(2),
                    lib.tensor([1, 2]) * 1.5, lib.full((2,), 1.5), lib.linspace(0, 1, 3)]
            results.append([str(t.dtype).split(".")[1] for t in made] + [str(lib.get_default_dtype()).split(".")[1]])
        finally:
            lib.set_default_dtype(lib.float32)
        with pytest.raises(TypeError):
            lib.set_default_dtype(lib.int32)
    assert results[0] == results[1] == [dtype] * 9
