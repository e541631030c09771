"""hash_tensor against PyTorch: the XOR of the elements' 64-bit patterns for every dtype it takes, over all dims or
some, keepdim, the method form, out=, and the errors."""
import numpy as np
import pytest
from parity import check, raises_like_torch

VALUES = np.array([[1.5, -2.0, 3.25, -0.0], [np.nan, np.inf, 7.0, 0.5]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False)])
def test_hash_tensor(dtype, dim, keepdim):
    values = VALUES if np.dtype(dtype).kind == "f" else np.nan_to_num(VALUES, posinf=100) * 3
    check(lambda lib, x: lib.hash_tensor(x, dim, keepdim=keepdim), values.astype(dtype), grad=False)


def test_forms():
    check(lambda lib, x: x.hash_tensor(), VALUES, grad=False)
    check(lambda lib, x: lib.hash_tensor(x.bfloat16(), 1), VALUES, grad=False)
    check(lambda lib, x: lib.hash_tensor(x[0, 0]), VALUES, grad=False)  # one element, 0-dim
    check(lambda lib, x: lib.hash_tensor(x, mode=0, out=lib.empty(0, dtype=lib.uint64)), VALUES, grad=False)
    check(lambda lib, x: lib.hash_tensor(x), VALUES)  # a tensor requiring grad: a result without grad


@pytest.mark.parametrize("call", [
    lambda lib: lib.hash_tensor(lib.ones(2, dtype=lib.complex64)),
    lambda lib: lib.hash_tensor(lib.ones(2, dtype=lib.uint64)),
    lambda lib: lib.hash_tensor(lib.ones(2), mode=1),
    lambda lib: lib.hash_tensor(lib.ones(0, 3)),
    lambda lib: lib.hash_tensor(lib.ones(0, 3), 0),
    lambda lib: lib.hash_tensor(lib.ones(2, 3), 5),
    lambda lib: lib.hash_tensor(lib.ones(2), out=lib.empty(0, dtype=lib.int64)),
    lambda lib: lib.hash_tensor([1.0, 2.0]),
])
def test_errors(call):
    raises_like_torch(call)
