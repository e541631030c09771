"""Fractional max pooling against PyTorch with the same random samples: values, indices, gradients over input
subsets, output ratios, unbatched input, modules and errors; without samples, the windows' properties."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember


@pytest.mark.parametrize("kernel, size", [(2, (4, 5)), ((3, 2), (3, 6)), (2, (6, 8)), (1, (2, 2))])
def test_2d_with_samples(kernel, size):
    x = randn(2, 3, 7, 9)
    u = np.random.default_rng(0).random((2, 3, 2)).astype(np.float64)
    check(lambda lib, a: lib.nn.functional.fractional_max_pool2d(a, kernel, output_size=size, return_indices=True,
                                                                 _random_samples=lib.tensor(u)),
          x, check_grad_fn=False)
    check(lambda lib, a, s: lib.nn.functional.fractional_max_pool2d(a, kernel, output_size=size,
                                                                    _random_samples=s), x, u,
          check_grad_fn=False)  # with samples that require grad: PyTorch's error


def test_3d_with_samples_and_ratio():
    x = randn(1, 2, 5, 6, 7)
    u = np.random.default_rng(1).random((1, 2, 3))
    check(lambda lib, a: lib.nn.functional.fractional_max_pool3d(a, 2, output_size=(3, 4, 3), return_indices=True,
                                                                 _random_samples=lib.tensor(u)),
          x, check_grad_fn=False)
    u2 = np.random.default_rng(2).random((2, 3, 2))
    check(lambda lib, a: lib.nn.functional.fractional_max_pool2d(a, 2, output_ratio=(0.5, 0.5),
                                                                 _random_samples=lib.tensor(u2)),
          randn(2, 3, 8, 10), check_grad_fn=False)
    u3 = np.random.default_rng(3).random((1, 3, 2))
    check(lambda lib, a: lib.nn.functional.fractional_max_pool2d(a, 2, output_size=3, _random_samples=lib.tensor(u3)),
          randn(3, 7, 7), check_grad_fn=False)


def test_modules_and_errors():
    assert repr(ember.nn.FractionalMaxPool2d(2, output_ratio=0.5)) == repr(torch.nn.FractionalMaxPool2d(2,
                                                                                                        output_ratio=0.5))
    for lib in (ember, torch):
        with pytest.raises(ValueError):
            lib.nn.FractionalMaxPool2d(2)
        with pytest.raises(ValueError):
            lib.nn.FractionalMaxPool3d(2, output_ratio=1.5)
    check(lambda lib, a: lib.nn.functional.fractional_max_pool2d(a, 3, output_size=5), randn(1, 1, 6, 6))
    ember.manual_seed(0)
    out, idx = ember.nn.FractionalMaxPool2d(2, output_size=(5, 5), return_indices=True)(ember.tensor(randn(2, 3, 9, 9)))
    assert tuple(out.shape) == (2, 3, 5, 5) and (idx.numpy() >= 0).all() and (idx.numpy() < 81).all()
    assert (np.diff(idx.numpy() // 9, axis=2) >= 0).all()  # window rows never go back
