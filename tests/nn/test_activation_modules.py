"""Activation layers and their functional forms against torch: values, grad_fn, gradients, repr."""
import numpy as np
import pytest
from module_parity import check_module
from parity import check, randn, torch

import ember

X = randn(3, 4, 5)
X[0, 0, :3] = [0.0, 3.0, -3.0]  # kinks of hardswish/hardsigmoid/relu

MODULES = [
    ("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", ()), ("LeakyReLU", (0.2,)), ("PReLU", ()), ("PReLU", (4,)),
    ("RReLU", ()), ("ELU", ()), ("ELU", (0.5,)), ("SELU", ()), ("CELU", (2.0,)), ("GELU", ()),
    ("GELU", ("tanh",)), ("SiLU", ()), ("Mish", ()), ("Sigmoid", ()), ("Tanh", ()), ("Hardtanh", ()),
    ("Hardtanh", (-2.0, 0.5)), ("Hardswish", ()), ("Hardsigmoid", ()), ("Softplus", ()), ("Softplus", (2.0, 1.0)),
    ("Softsign", ()), ("Softshrink", ()), ("Hardshrink", (0.3,)), ("Tanhshrink", ()), ("LogSigmoid", ()),
    ("Threshold", (0.1, 20.0)), ("GLU", ()), ("Softmax", (1,)), ("LogSoftmax", (-1,)), ("Softmin", (2,)),
    ("Softmax2d", ()), ("GLU", (1,)),
]


@pytest.mark.parametrize("name,args", MODULES, ids=[f"{n}{a}" for n, a in MODULES])
def test_module_matches_torch(name, args):
    x = randn(3, 4, 6) if name == "GLU" else X
    check_module(name, args, inputs=[x], train=False)


@pytest.mark.parametrize("name,kwargs", [("ReLU", {}), ("ELU", {"alpha": 0.5}), ("LeakyReLU", {"negative_slope": 0.3}),
                                         ("Hardtanh", {}), ("ReLU6", {}), ("SELU", {}), ("CELU", {}), ("SiLU", {}),
                                         ("Mish", {}), ("Hardswish", {}), ("Hardsigmoid", {})])
def test_inplace_module_writes_into_input(name, kwargs):
    def run(lib):
        x = lib.tensor(X.copy()).requires_grad_()
        y = x * 1
        out = getattr(lib.nn, name)(inplace=True, **kwargs)(y)
        assert out is y
        (out * lib.tensor(X)).sum().backward()
        return out.detach().numpy(), x.grad.numpy(), repr(getattr(lib.nn, name)(inplace=True, **kwargs))
    e, t = run(ember), run(torch)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-12)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-12)
    assert e[2] == t[2]


FUNCTIONAL = ["relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardtanh", "hardswish",
              "hardsigmoid", "softplus", "softsign", "softshrink", "hardshrink", "tanhshrink", "logsigmoid",
              "sigmoid", "tanh", "relu"]


@pytest.mark.parametrize("name", FUNCTIONAL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_matches_torch(name, dtype):
    check(lambda lib, x: getattr(lib.nn.functional, name)(x), X.astype(dtype))


def test_stable_at_extremes():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    for name in ("softplus", "logsigmoid", "mish", "silu", "elu", "selu", "gelu"):
        check(lambda lib, x: getattr(lib.nn.functional, name)(x), x)


def test_threshold_glu_prelu_softmin_functional():
    check(lambda lib, x: lib.nn.functional.threshold(x, 0.2, -1.0), X)
    check(lambda lib, x: lib.nn.functional.glu(x, 1), randn(2, 6, 3))
    check(lambda lib, x, w: lib.nn.functional.prelu(x, w), randn(2, 3, 4), np.array([0.1, 0.2, 0.3]))
    check(lambda lib, x, w: lib.nn.functional.prelu(x, w), randn(2, 3), np.array([0.1]))
    check(lambda lib, x: lib.nn.functional.softmin(x, dim=1), X)
    check(lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), X)


def test_bad_arguments_raise_torch_errors():
    check(lambda lib, x: lib.nn.functional.glu(x, 2), X)  # odd halving dim
    check(lambda lib, x, w: lib.nn.functional.prelu(x, w), randn(2, 3, 4), np.array([0.1, 0.2]))
    check(lambda lib, x: lib.nn.functional.gelu(x, approximate="fast"), X)
    check(lambda lib, x: lib.nn.functional.gelu(x, "tanh"), X)  # approximate is keyword-only
    check(lambda lib, x: lib.nn.functional.prelu(x, 0.25), X)
    check(lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0), X)
    check(lambda lib, x: lib.nn.functional.softshrink(x, -1.0), X)


def test_implicit_softmax_dim_warns_like_torch():
    x = randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        e = ember.nn.functional.softmax(ember.tensor(x))
    with pytest.warns(UserWarning):
        t = torch.nn.functional.softmax(torch.tensor(x))
    np.testing.assert_allclose(e.numpy(), t.numpy())


def test_rrelu_training_slopes_lie_between_bounds():
    x = ember.tensor(-np.ones((1000,)), requires_grad=True)
    y = ember.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    assert y.grad_fn.name() == torch.nn.functional.rrelu(torch.ones(2, requires_grad=True), training=True
                                                         ).grad_fn.name()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_family_at_extreme_values(dtype):
    """log(1 + exp(x)) without overflow or NaN, for softplus, mish, logsigmoid and binary_cross_entropy_with_logits
    (soft_margin_loss too, where PyTorch's float32 overflows to inf above 88)."""
    x = np.array([-1e4, -100.0, -20.5, -1e-8, 0.0, 1e-8, 15.0, 20.5, 100.0, 1e4, np.inf, -np.inf], dtype)
    t = np.array([0.0, 1.0] * 6, dtype)
    for fn in (lambda lib, x: lib.nn.functional.softplus(x), lambda lib, x: lib.nn.functional.softplus(x, 2.0, 5.0),
               lambda lib, x: lib.nn.functional.mish(x), lambda lib, x: lib.nn.functional.logsigmoid(x)):
        check(fn, x, grad=False)
    check(lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none"), x[:10], t[:10],
          grad=False)
