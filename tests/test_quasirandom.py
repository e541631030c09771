"""SobolEngine against PyTorch: unscrambled points are PyTorch's point for point, draws continue, fast_forward,
reset, draw_base2's balance check; scrambled points are checked for their properties only."""
import numpy as np
import pytest
from parity import torch

import ember


@pytest.mark.parametrize("dimension", [1, 3, 10])
def test_unscrambled_points_are_pytorchs(dimension):
    e, t = ember.quasirandom.SobolEngine(dimension), torch.quasirandom.SobolEngine(dimension)
    for n in [1, 4, 3, 8]:
        a, b = e.draw(n), t.draw(n)
        assert a.dtype == ember.float32
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert e.num_generated == t.num_generated == 16
    np.testing.assert_array_equal(e.fast_forward(5).draw(2).numpy(), t.fast_forward(5).draw(2).numpy())
    np.testing.assert_array_equal(e.reset().draw_base2(2).numpy(), t.reset().draw_base2(2).numpy())
    assert repr(e) == repr(t)
    with pytest.raises(ValueError, match="power of 2"):
        e.draw_base2(1)
    with pytest.raises(ValueError):
        ember.quasirandom.SobolEngine(0)


def test_scrambled_points():
    e = ember.quasirandom.SobolEngine(2, scramble=True, seed=0)
    points = e.draw_base2(6, dtype=ember.float64).numpy()
    assert points.shape == (64, 2) and ((points >= 0) & (points < 1)).all()
    counts = np.histogram(points[:, 0], bins=8, range=(0, 1))[0]
    assert (counts == 8).all()  # each of 8 equal bins holds exactly 64 / 8 points
    again = ember.quasirandom.SobolEngine(2, scramble=True, seed=0).draw_base2(6, dtype=ember.float64).numpy()
    np.testing.assert_array_equal(points, again)
