"""Sizes and dims given by keyword where PyTorch's functions take them as arguments too (zeros(size=(2, 3)),
x.view(size=...), x.reshape(shape=...), x.permute(dims=...)): torch's results, and its TypeError for both forms at
once or for another keyword."""
import pytest
from parity import check, randn


@pytest.mark.parametrize("call", [
    lambda lib, x: x.permute(dims=(1, 0)), lambda lib, x: x.view(size=(3, 2)), lambda lib, x: x.reshape(shape=(6,)),
    lambda lib, x: lib.reshape(x, shape=(3, -1)), lambda lib, x: x[None].expand(size=(2, 2, 3)),
    lambda lib, x: lib.zeros(size=(2, 3)) + x, lambda lib, x: lib.ones(size=[2], dtype=lib.int64),
    lambda lib, x: lib.empty(size=(2, 3)).shape == x.shape, lambda lib, x: x.new_zeros(size=(2,)),
    lambda lib, x: x.new_ones(size=(1, 3)), lambda lib, x: x.new_empty(size=(4,)).shape[0] * x,
    lambda lib, x: lib.rand(size=(2, 3)).shape == x.shape, lambda lib, x: lib.randn(size=(2,)).shape[0] * x,
    lambda lib, x: lib.zeros(2, size=(2, 3)), lambda lib, x: lib.zeros(shape=(2, 3)),
    lambda lib, x: x.view(shape=(3, 2)), lambda lib, x: x.permute(0, 1, dims=(1, 0)),
    lambda lib, x: x.expand(2, 3, sizes=(2, 3))],
    ids=["permute", "view", "reshape", "torch.reshape", "expand", "zeros", "ones", "empty", "new_zeros", "new_ones",
         "new_empty", "rand", "randn", "both-forms", "zeros-shape", "view-shape", "permute-both", "expand-sizes"])
def test_size_keywords(call):
    check(lambda lib, x: lib.as_tensor(call(lib, x)), randn(2, 3))
