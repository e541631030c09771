"""nn.init: the distributions' statistics, PyTorch's gains and fans, in-place writes, reproducibility."""
import math

import numpy as np
import pytest
from parity import torch

import ember
from ember.nn import init


def test_calculate_gain_matches_torch():
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        mine, theirs = init.calculate_gain(name, param), torch.nn.init.calculate_gain(name, param)
        assert mine == theirs and type(mine) is type(theirs)  # the int 1 for the linear ones, as PyTorch's
    with pytest.raises(ValueError):
        init.calculate_gain("swish")


def test_fans_match_torch():
    for shape in [(3, 4), (6, 3, 5, 5), (2, 4, 3)]:
        assert init._calculate_fan_in_and_fan_out(ember.empty(shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(ember.empty(3))


@pytest.mark.parametrize("fn,kwargs,bound_or_std", [
    (init.uniform_, {"a": -2.0, "b": 3.0}, None),
    (init.normal_, {"mean": 1.0, "std": 2.0}, None),
    (init.xavier_uniform_, {}, ("uniform", math.sqrt(6.0 / (200 + 300)))),
    (init.xavier_normal_, {"gain": 2.0}, ("normal", 2.0 * math.sqrt(2.0 / 500))),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, ("uniform", math.sqrt(6 / 6) / math.sqrt(300))),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, ("normal", math.sqrt(2) / math.sqrt(200))),
])
def test_distributions(fn, kwargs, bound_or_std):
    w = ember.empty(200, 300)
    version = w._version
    out = fn(w, **kwargs)
    assert out is w and w._version > version
    v = w.numpy()
    if bound_or_std is None:
        if fn is init.uniform_:
            assert v.min() >= -2 and v.max() <= 3 and abs(v.mean() - 0.5) < 0.02
        else:
            assert abs(v.mean() - 1) < 0.02 and abs(v.std() - 2) < 0.02
    elif bound_or_std[0] == "uniform":
        b = bound_or_std[1]
        assert v.min() >= -b and v.max() <= b and abs(v.std() - b / math.sqrt(3)) < 0.01 * b
    else:
        assert abs(v.std() - bound_or_std[1]) < 0.02 * bound_or_std[1]


def test_deterministic_fills_match_torch():
    for fn, args in [(init.constant_, (0.3,)), (init.ones_, ()), (init.zeros_, ()), (init.eye_, ())]:
        e, t = ember.empty(3, 4), torch.empty(3, 4)
        fn(e, *args)
        getattr(torch.nn.init, fn.__name__)(t, *args)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 2, 3, 3, 3), 1)]:
        e, t = ember.empty(shape), torch.empty(shape)
        init.dirac_(e, groups)
        torch.nn.init.dirac_(t, groups)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_orthogonal_sparse_trunc_normal():
    for shape in [(5, 3), (3, 5), (4, 2, 3)]:
        w = init.orthogonal_(ember.empty(shape), gain=2.0)
        flat = w.numpy().reshape(shape[0], -1)
        gram = flat @ flat.T if shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(gram, 4 * np.eye(len(gram)), atol=1e-5)
    s = init.sparse_(ember.empty(10, 6), sparsity=0.3).numpy()
    assert ((s == 0).sum(0) >= 3).all()
    t = init.trunc_normal_(ember.empty(10000), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    expected_mean = 0.5 + (pdf(-1.5) - pdf(1.0)) / (cdf(1.0) - cdf(-1.5))
    assert t.min() >= -1.0 and t.max() <= 1.5 and abs(t.mean() - expected_mean) < 0.03


def test_init_under_autograd_and_reproducible():
    p = ember.nn.Parameter(ember.empty(3, 3))
    init.kaiming_uniform_(p)
    assert p.requires_grad and p.grad_fn is None
    ember.manual_seed(5)
    a = init.normal_(ember.empty(4)).numpy().copy()
    ember.manual_seed(5)
    np.testing.assert_array_equal(a, init.normal_(ember.empty(4)).numpy())
    ember.manual_seed(3)
    l1 = ember.nn.Linear(4, 2)
    ember.manual_seed(3)
    l2 = ember.nn.Linear(4, 2)
    np.testing.assert_array_equal(l1.weight.detach().numpy(), l2.weight.detach().numpy())


@pytest.mark.parametrize("name", ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
                                  "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"])
def test_deprecated_names_warn_and_fill(name):
    """The old names without the underscore fill in place as the new ones do, with PyTorch's FutureWarning."""
    args = {"constant": (0.5,), "sparse": (0.5,)}.get(name, ())
    shape = (2, 3, 3) if name == "dirac" else (4, 3)
    for lib in (torch, ember):
        t = lib.zeros(shape)
        with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`"):
            out = getattr(lib.nn.init, name)(t, *args)
        assert out is t
        assert bool((t != 0).any())
