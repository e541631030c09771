"""nn.utils.parametrizations.orthogonal against torch: orthogonality, shapes, dtypes, the values and gradients of each
map from the same original weights, assignment, and PyTorch's errors."""
import numpy as np
import pytest
from module_parity import copy_state
from parity import assert_same, raises_like_torch, torch

import ember

MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = {"square": (4, 4), "tall": (5, 3), "wide": (3, 5), "batched": (3, 2, 4)}


def _module(lib, shape, dtype, scale=1.0):
    """A module holding a `weight` of `shape` with the same values in both libraries."""
    m = lib.nn.Module()
    values = np.random.default_rng(sum(shape)).standard_normal(shape) * scale
    m.weight = lib.nn.Parameter(lib.tensor(values, dtype=getattr(lib, dtype)))
    return m


def _orthogonality_error(w):
    """max |W^T W - I| over the short side of each matrix of w."""
    w = w.detach().numpy()
    if w.shape[-2] < w.shape[-1]:
        w = np.swapaxes(w, -1, -2)
    gram = np.swapaxes(w, -1, -2).conj() @ w
    return np.abs(gram - np.eye(w.shape[-1])).max()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("trivialization", [True, False])
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_weight_is_orthogonal_with_the_shape_and_dtype(orthogonal_map, shape, trivialization, dtype):
    m = ember.nn.utils.parametrizations.orthogonal(_module(ember, SHAPES[shape], dtype), orthogonal_map=orthogonal_map,
                                                   use_trivialization=trivialization)
    w = m.weight
    assert tuple(w.shape) == SHAPES[shape] and w.dtype == getattr(ember, dtype)
    assert _orthogonality_error(w) < (1e-5 if dtype == "float32" else 1e-12)
    assert type(m).__name__ == "ParametrizedModule"


@pytest.mark.parametrize("trivialization", [True, False])
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_values_and_gradients_match_torch(orthogonal_map, shape, trivialization):
    """From the same state (original weight, and base where there is one), the same weight and gradients, also
    after the original moved away from its initial value."""
    scale = 0.3 if not trivialization and orthogonal_map != "householder" else 1.0  # the original is the weight
    t = torch.nn.utils.parametrizations.orthogonal(_module(torch, SHAPES[shape], "float64", scale),
                                                   orthogonal_map=orthogonal_map, use_trivialization=trivialization)
    e = ember.nn.utils.parametrizations.orthogonal(_module(ember, SHAPES[shape], "float64", scale),
                                                   orthogonal_map=orthogonal_map, use_trivialization=trivialization)
    assert list(e.state_dict()) == list(t.state_dict())
    if shape in ("square", "batched") or not trivialization:
        assert_same(e.weight, t.weight, check_grad_fn=False, atol=1e-10, rtol=1e-8)  # deterministic from the weight
    with torch.no_grad():  # move the original off its initial value (the diagonal only matters for its sign)
        t.parametrizations.weight.original.add_(torch.tensor(
            np.random.default_rng(1).standard_normal(SHAPES[shape]) * 0.1))
    copy_state(t, e)
    target = np.random.default_rng(2).standard_normal(SHAPES[shape])
    for lib, m in ((torch, t), (ember, e)):
        (m.weight * lib.tensor(target)).sum().backward()
    assert_same(e.weight, t.weight, check_grad_fn=False, atol=1e-10, rtol=1e-8)
    assert_same(e.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad,
                check_grad_fn=False, atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_assigning_an_orthogonal_matrix_makes_it_the_weight(orthogonal_map):
    for lib in (ember, torch):
        m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 4).double(), orthogonal_map=orthogonal_map)
        q = lib.linalg.qr(lib.tensor(np.random.default_rng(0).standard_normal((4, 3))))[0]
        m.weight = q
        np.testing.assert_allclose(m.weight.detach().numpy(), q.numpy(), atol=1e-12)
    square = ember.nn.utils.parametrizations.orthogonal(ember.nn.Linear(3, 3).double(), orthogonal_map="householder",
                                                         use_trivialization=False)
    square.weight = ember.eye(3, dtype=ember.float64)
    np.testing.assert_allclose(square.weight.detach().numpy(), np.eye(3), atol=1e-12)


@pytest.mark.parametrize("make, name", [(lambda lib: lib.nn.Linear(3, 3), "weight"),
                                        (lambda lib: lib.nn.Linear(3, 5), "weight"),
                                        (lambda lib: lib.nn.Conv1d(2, 3, 4), "weight"),
                                        (lambda lib: lib.nn.RNN(3, 3), "weight_hh_l0")])
def test_default_maps_and_layout_match_torch(make, name):
    e = ember.nn.utils.parametrizations.orthogonal(make(ember), name)
    t = torch.nn.utils.parametrizations.orthogonal(make(torch), name)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert e.parametrizations[name][0].orthogonal_map.name == t.parametrizations[name][0].orthogonal_map.name


def test_an_rnn_with_an_orthogonal_recurrent_matrix_trains():
    rnn = ember.nn.RNN(4, 4, batch_first=True)
    ember.nn.utils.parametrizations.orthogonal(rnn, "weight_hh_l0")
    opt = ember.optim.SGD(rnn.parameters(), lr=0.1)
    x = ember.randn(2, 5, 4)
    for _ in range(3):
        opt.zero_grad()
        rnn(x)[0].pow(2).mean().backward()
        opt.step()
    assert _orthogonality_error(rnn.weight_hh_l0) < 1e-5


BAD = {
    "unknown_map": lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), orthogonal_map="qr"),
    "no_such_tensor": lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), "nope"),
    "vector": lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), "bias"),
    "assign_exp_without_trivialization": lambda lib: setattr(lib.nn.utils.parametrizations.orthogonal(
        lib.nn.Linear(3, 3), use_trivialization=False), "weight", lib.eye(3)),
    "assign_wrong_shape": lambda lib: setattr(lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3)),
                                              "weight", lib.eye(4)),
    "complex_householder": lambda lib: lib.nn.utils.parametrizations.orthogonal(
        _complex_module(lib), orthogonal_map="householder"),
}


def _complex_module(lib):
    m = lib.nn.Module()
    m.weight = lib.nn.Parameter(lib.zeros(3, 3, dtype=lib.complex64))
    return m


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_raises_like_torch(name):
    raises_like_torch(BAD[name])


def test_complex_weights_are_unitary():
    """Without trivialization (ember has no complex QR, which trivialization needs: NotImplementedError)."""
    m = _complex_module(ember)
    with ember.no_grad():
        m.weight.copy_(ember.randn(3, 3, dtype=ember.complex64) * 0.3)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        ember.nn.utils.parametrizations.orthogonal(m)
    ember.nn.utils.parametrizations.orthogonal(m, use_trivialization=False)
    assert m.weight.dtype == ember.complex64 and _orthogonality_error(m.weight) < 1e-5
