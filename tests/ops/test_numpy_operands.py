"""A NumPy array as the other operand of a tensor's operator (NOTE [ NumPy operands ] in ember/ops/operators.py): a
tensor with PyTorch's values and dtype (NumPy's promotion, as PyTorch computes these through NumPy), also with
the array on the left, where PyTorch 2.13 with NumPy 2 raises and ember gives the same tensor; a tensor that
requires grad keeps its graph (PyTorch raises). A NumPy function applied to a tensor (np.exp(t)) gives a tensor, as
PyTorch's __array_wrap__ does, with its bool-to-uint8 conversion."""
import operator

import numpy as np
import pytest
from parity import torch

import ember

ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
              "%": operator.mod, "**": operator.pow, "==": operator.eq}
BITWISE = {"&": operator.and_, "|": operator.or_, "^": operator.xor, "<<": operator.lshift}
ARRAYS = {"float64": np.array([1.5, -2.0, 4.0]), "float32": np.array([1.5, -2.0, 4.0], np.float32),
          "int64": np.array([1, -2, 4]), "0-d float64": np.array(2.0)}
BASE = np.array([3.0, 0.5, -1.25], np.float32)


def _check(mine, theirs):
    assert isinstance(mine, ember.Tensor)
    assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PyTorch's own __array_wrap__ under NumPy 2
@pytest.mark.parametrize("array", list(ARRAYS), ids=list(ARRAYS))
@pytest.mark.parametrize("symbol", list(ARITHMETIC), ids=list(ARITHMETIC))
def test_tensor_operator_array(symbol, array):
    op, a = ARITHMETIC[symbol], ARRAYS[array]
    _check(op(ember.tensor(BASE), a), op(torch.tensor(BASE), a))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("symbol", list(BITWISE), ids=list(BITWISE))
def test_integer_tensor_operator_array(symbol):
    op, a = BITWISE[symbol], np.array([1, 2, 3])
    _check(op(ember.tensor([4, 5, 6]), a), op(torch.tensor([4, 5, 6]), a))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_matmul_with_an_array():
    m, a = np.arange(6.0, dtype=np.float32).reshape(2, 3), np.ones((3, 2))
    _check(ember.tensor(m) @ a, torch.tensor(m) @ a)
    np.testing.assert_allclose((a.T @ ember.tensor(m).T).numpy(), a.T @ m.T)


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "**", "==", "!=", "<"])
def test_array_on_the_left_or_a_comparison_gives_the_elementwise_tensor(symbol):
    """Where PyTorch raises (the array on the left) or answers one bool (tensor != array), ember computes the
    elementwise result as NumPy would, as a tensor."""
    op = {**ARITHMETIC, "!=": operator.ne, "<": operator.lt}[symbol]
    a, base = np.abs(ARRAYS["float64"]), np.abs(BASE)
    for mine, expected in ((op(a, ember.tensor(base)), op(a, base.astype(np.float64))),
                           (op(ember.tensor(base), a), op(base.astype(np.float64), a))):
        assert isinstance(mine, ember.Tensor)
        np.testing.assert_allclose(mine.numpy(), expected, rtol=1e-6)


def test_a_tensor_that_requires_grad_keeps_its_graph():
    a = np.array([2.0, 3.0, 4.0], np.float32)
    x = ember.tensor(BASE, requires_grad=True)
    ((x * a + a) ** np.full(3, 2.0)).sum().backward()
    y = ember.tensor(BASE, requires_grad=True)
    ((y * ember.tensor(a) + ember.tensor(a)) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-6)
    assert x.grad.dtype == ember.float32


def test_in_place_with_an_array_writes_into_the_tensor():
    x = ember.tensor(BASE)
    before = x
    x += ARRAYS["float64"]
    assert x is before and x.dtype == ember.float32
    np.testing.assert_allclose(x.numpy(), BASE + ARRAYS["float64"], rtol=1e-6)


def test_an_array_that_is_not_numeric_is_refused():
    with pytest.raises(TypeError, match="NumPy array of <U1"):
        ember.ones(2) + np.array(["a", "b"])


NUMPY_FUNCTIONS = {"exp": np.exp, "add": lambda t: np.add(t, 1), "maximum": lambda t: np.maximum(t, 0.5),
                   "isnan": np.isnan, "sqrt": np.sqrt, "abs": np.abs, "argmax": np.argmax,
                   "reshape": lambda t: np.reshape(t, (3, 2)), "transpose": np.transpose,
                   "0-d": lambda t: np.exp(t[0, 0])}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PyTorch's own __array_wrap__ under NumPy 2
@pytest.mark.parametrize("name", list(NUMPY_FUNCTIONS))
def test_a_numpy_function_of_a_tensor_gives_a_tensor(name):
    fn, base = NUMPY_FUNCTIONS[name], np.abs(np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5)
    mine, theirs = fn(ember.tensor(base)), fn(torch.tensor(base))
    assert isinstance(theirs, torch.Tensor)
    _check(mine, theirs)
    assert mine.shape == tuple(theirs.shape)
