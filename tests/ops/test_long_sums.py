"""Long float32 sums stay accurate: reductions NumPy would add one term after another (along a leading axis, or
over a transposed view) accumulate in float64, and so do cumulative sums and products, as PyTorch's CPU kernels
(cascade sums, double accumulators) keep their rounding near one step. A float32 running sum of a million 0.1s is
1% off."""
import numpy as np
import pytest
from parity import torch

import ember

ROWS = 200_000
REDUCTIONS = {
    "sum(0)": lambda t: t.sum(0), "mean(0)": lambda t: t.mean(0), "std(0)": lambda t: t.std(0),
    "var(0)": lambda t: t.var(0), "T.sum(1)": lambda t: t.T.sum(1), "sum((0, 1))": lambda t: t.sum((0, 1)),
    "cumsum(0)[-1]": lambda t: t.cumsum(0)[-1], "cumprod(0)[-1]": lambda t: (1 + t / ROWS).cumprod(0)[-1],
    "logcumsumexp(0)[-1]": lambda t: ember_or_torch(t).logcumsumexp(t, 0)[-1],
}


def ember_or_torch(t):
    return ember if isinstance(t, ember.Tensor) else torch


def _columns():
    """ROWS rows of three columns: a constant 0.1, a ramp, and values of mixed signs."""
    rows = np.arange(ROWS)
    return np.stack([np.full(ROWS, 0.1), rows / ROWS, np.sin(rows)], 1).astype(np.float32)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_long_float32_reductions_are_accurate(name):
    x = _columns()
    exact = REDUCTIONS[name](torch.tensor(x, dtype=torch.float64)).numpy()
    got = REDUCTIONS[name](ember.tensor(x))
    theirs = REDUCTIONS[name](torch.tensor(x))
    assert got.dtype == ember.float32
    error, torch_error = np.abs(got.numpy() - exact), np.abs(theirs.numpy() - exact)
    assert (error <= 2 * torch_error + 1e-6 * np.abs(exact) + 1e-7).all(), (error, torch_error)


def test_a_constant_column_has_no_spread():
    x = ember.full((ROWS, 2), 0.1)
    assert x.std(0).tolist() == [0.0, 0.0] and x.mean(0).tolist() == pytest.approx([0.1, 0.1], rel=1e-7)
