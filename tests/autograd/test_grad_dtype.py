"""Tensor.grad_dtype (PyTorch 2.13) against PyTorch: its default, the engine's cast of a leaf's gradient before hooks,
autograd.grad and .grad see it, None accepting any dtype in .grad assignment, and the errors."""
import numpy as np
import pytest
from parity import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def name(dtype) -> str:
    return str(dtype).split(".")[-1]


@LIBS
def test_default_is_the_tensors_dtype(lib):
    assert name(lib.tensor([1.0], requires_grad=True).grad_dtype) == "float32"
    assert name(lib.tensor([1.0], dtype=lib.float64).grad_dtype) == "float64"
    assert name(lib.tensor([1]).grad_dtype) == "int64"


@LIBS
def test_gradients_are_cast_before_anyone_sees_them(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.grad_dtype = lib.float16
    assert name(x.grad_dtype) == "float16"
    assert name(lib.autograd.grad((x * 3).sum(), x)[0].dtype) == "float16"
    seen = []
    x.register_hook(lambda g: seen.append(name(g.dtype)))
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    assert seen == ["float16", "float16"] and name(x.grad.dtype) == "float16"
    np.testing.assert_array_equal(x.grad.float().numpy(), [4.0, 4.0])


@LIBS
def test_assigned_grad_must_match_unless_none(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="must match the tensor's grad_dtype"):
        x.grad = lib.zeros(2, dtype=lib.float64)
    x.grad_dtype = None
    assert x.grad_dtype is None
    x.grad = lib.zeros(2, dtype=lib.float64)
    assert name(x.grad.dtype) == "float64"
    x.grad_dtype = lib.float64
    x.grad = lib.ones(2, dtype=lib.float64)


@LIBS
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")  # PyTorch's, on the setter
def test_errors(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="can only be accessed on leaf tensors"):
        y.grad_dtype
    with pytest.raises(RuntimeError, match="can only be set on leaf tensors"):
        y.grad_dtype = lib.float16
    with pytest.raises(RuntimeError, match="grad_dtype must be a .*dtype or None, but got str"):
        x.grad_dtype = "float16"
