"""nanmedian and nanquantile against PyTorch: values, indices, dtypes, gradients over input subsets, NaN-only slices,
every interpolation, tensor q, keepdim, and errors."""
import numpy as np
import pytest
from parity import check, randn


def with_nans(*shape, seed=0):
    x = randn(*shape, seed=seed)
    mask = np.random.default_rng(seed + 7).random(shape) < 0.3
    x[mask] = np.nan
    return x


def test_nanmedian():
    x = with_nans(4, 5)
    x[2] = np.nan  # a slice holding only NaN
    check(lambda lib, a: lib.nanmedian(a), x)
    check(lambda lib, a: lib.nanmedian(a), np.full(3, np.nan))
    check(lambda lib, a: lib.nanmedian(a, 1), x)
    check(lambda lib, a: a.nanmedian(0, keepdim=True), x)
    check(lambda lib, a: lib.nanmedian(a, 0), np.array([3, 1, 2, 2]))
    check(lambda lib, a: lib.nanmedian(a), randn(6))


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_nanquantile(interpolation):
    x = with_nans(4, 6)
    x[1] = np.nan
    check(lambda lib, a: lib.nanquantile(a, 0.3, interpolation=interpolation), x, check_grad_fn=False)
    check(lambda lib, a: lib.nanquantile(a, 0.75, 1, interpolation=interpolation), x, check_grad_fn=False)
    check(lambda lib, a: a.nanquantile(lib.tensor([0.1, 0.5, 0.9], dtype=a.dtype), 0, keepdim=True,
                                       interpolation=interpolation), x, check_grad_fn=False)
    check(lambda lib, a: lib.quantile(a, 0.75, 1, interpolation=interpolation), x, check_grad_fn=False)


def test_nanquantile_errors():
    check(lambda lib, a: lib.nanquantile(a, 1.5), randn(4))
    check(lambda lib, a: lib.nanquantile(a, 0.5), np.arange(4))
