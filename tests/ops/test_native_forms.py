"""The legacy linear-algebra forms (cholesky_solve, cholesky_inverse, triangular_solve) and the native forms of
normalization, dropout and convolution against PyTorch (grad_fn not compared: ember composes them)."""
import numpy as np
import pytest
from parity import check, randn


def factor(upper, seed=0):
    a = randn(3, 3, seed=seed)
    lower = np.tril(a, -1) + np.diag(np.abs(np.diag(a)) + 1.0)
    return lower.T.copy() if upper else lower


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_forms(upper):
    L = factor(upper)
    check(lambda lib, b, f: lib.cholesky_solve(b, f, upper), randn(3, 2), L, check_grad_fn=False)
    check(lambda lib, b, f: b.cholesky_solve(f, upper=upper), randn(3, 2), L, check_grad_fn=False)
    check(lambda lib, f: lib.cholesky_inverse(f, upper), L, check_grad_fn=False)


@pytest.mark.parametrize("upper, transpose, unitriangular", [(True, False, False), (False, False, False),
                                                            (True, True, False), (False, False, True)])
def test_triangular_solve(upper, transpose, unitriangular):
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, b, a: lib.triangular_solve(b, a, upper, transpose, unitriangular).solution, randn(3, 2),
              factor(upper), check_grad_fn=False)
        check(lambda lib, b, a: lib.triangular_solve(b, a, upper, transpose, unitriangular), randn(3, 2),
              factor(upper), grad=False)


def test_native_norms_and_dropout():
    x = randn(2, 3, 4)
    check(lambda lib, a, w, b: lib.native_layer_norm(a, [3, 4], w, b, 1e-5), x, randn(3, 4), randn(3, 4),
          check_grad_fn=False)
    check(lambda lib, a, w, b: lib.native_batch_norm(a, w, b, None, None, True, 0.1, 1e-5), x, randn(3), randn(3),
          check_grad_fn=False)
    check(lambda lib, a: lib.native_batch_norm(a, None, None, lib.zeros(3, dtype=lib.float64),
                                               lib.ones(3, dtype=lib.float64), False, 0.1, 1e-5), x,
          check_grad_fn=False)
    # PyTorch's mean and rstd require grad when the weight or bias does; ember's follow the input
    check(lambda lib, a, w, b: lib.native_group_norm(a, w, b, 2, 4, 3, 2, 1e-5)[0], randn(2, 4, 3), randn(4),
          randn(4), check_grad_fn=False)
    check(lambda lib, a, w, b: lib.native_group_norm(a, w, b, 2, 4, 3, 2, 1e-5), randn(2, 4, 3), randn(4), randn(4),
          grad=False)
    check(lambda lib, a: lib.native_dropout(a, 0.5, False), x, check_grad_fn=False)


def test_convolution_and_conv_tbc():
    check(lambda lib, a, w, b: lib.convolution(a, w, b, [1, 1], [1, 0], [1, 1], False, [0, 0], 1),
          randn(1, 2, 5, 5), randn(3, 2, 3, 3), randn(3), check_grad_fn=False)
    check(lambda lib, a, w: lib.convolution(a, w, None, [2], [1], [1], True, [1], 1), randn(1, 2, 5), randn(2, 3, 3),
          check_grad_fn=False)
    check(lambda lib, a, w, b: lib.conv_tbc(a, w, b, 1), randn(5, 2, 3), randn(3, 3, 4), randn(4),
          check_grad_fn=False)
