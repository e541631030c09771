"""The LU family against PyTorch: linalg.lu, lu_factor, lu_factor_ex, lu_solve (left/right, adjoint), lu_unpack,
torch.lu and torch.lu_solve — values, LAPACK pivots, gradients over input subsets, and errors."""
import numpy as np
import pytest
from parity import check, randn


def matrices(*shape, seed=0):
    a = randn(*shape, seed=seed)
    return a + 2 * np.eye(shape[-1])


def test_lu():
    check(lambda lib, a: lib.linalg.lu(a), matrices(3, 3), check_grad_fn=False)
    check(lambda lib, a: lib.linalg.lu(a), matrices(2, 4, 4), check_grad_fn=False)
    check(lambda lib, a: lib.linalg.lu(a), randn(4, 3), grad=False)
    check(lambda lib, a: lib.linalg.lu(a), randn(2, 3, 5), grad=False)
    check(lambda lib, a: lib.linalg.lu(a), np.arange(4).reshape(2, 2))


def test_lu_factor():
    check(lambda lib, a: lib.linalg.lu_factor(a), matrices(3, 3), check_grad_fn=False)
    check(lambda lib, a: lib.linalg.lu_factor_ex(a), matrices(2, 4, 4), check_grad_fn=False)
    check(lambda lib, a: lib.linalg.lu_factor(a), randn(5, 3), grad=False)


@pytest.mark.parametrize("left, adjoint", [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve(left, adjoint):
    a = matrices(2, 3, 3)
    b = randn(2, 3, 2) if left else randn(2, 2, 3)

    def solve(lib, x, y):
        LU, pivots = lib.linalg.lu_factor(x)
        return lib.linalg.lu_solve(LU, pivots, y, left=left, adjoint=adjoint)
    check(solve, a, b, check_grad_fn=False)


def test_lu_unpack_and_torch_forms():
    def unpack(lib, x):
        LU, pivots = lib.linalg.lu_factor(x)
        return lib.lu_unpack(LU, pivots)
    check(unpack, matrices(2, 4, 4), check_grad_fn=False)
    check(unpack, randn(3, 5), grad=False)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, x: lib.lu(x, get_infos=True), matrices(3, 3), check_grad_fn=False)
    with pytest.warns(UserWarning, match="deprecated"):
        check(lambda lib, x, y: y.lu_solve(*x.lu()), matrices(3, 3), randn(3, 2), check_grad_fn=False)


def test_second_derivatives():
    from parity import second_order
    check(second_order(lambda lib, a: lib.linalg.lu(a)[2]), matrices(3, 3), check_grad_fn=False)
    check(second_order(lambda lib, a: lib.linalg.lu_factor(a)[0]), matrices(3, 3), check_grad_fn=False)
