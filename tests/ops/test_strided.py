"""Parity of as_strided, split_with_sizes, unsafe_split, unsafe_chunk, unravel_index and range with PyTorch."""
import numpy as np
import pytest
from parity import check, randn, torch


@pytest.mark.parametrize("size, stride, offset", [((2, 2), (1, 1), None), ((2, 2), (1, 1), 0), ((3,), (2,), 1),
                                                  ((2, 3), (0, 1), None), ((4,), (1,), 2), ((0, 2), (1, 1), None)])
def test_as_strided(size, stride, offset):
    check(lambda lib, a: lib.as_strided(a.reshape(2, 3)[1], size, stride, offset), randn(6), check_grad_fn=False)
    check(lambda lib, a: a.as_strided(size, stride), randn(2, 3))


def test_as_strided_gradient_node_and_errors():
    check(lambda lib, a: lib.as_strided(a, (2, 2), (1, 2)), randn(6))
    check(lambda lib, a: lib.as_strided(a, (3, 3), (3, 1)), randn(2, 3))
    check(lambda lib, a: lib.as_strided(a, (2,), (-1,)), randn(2, 3))
    check(lambda lib, a: lib.as_strided(a, (2,), (1,), 5), randn(2, 3))


def test_as_strided_shares_memory():
    import ember
    x = ember.zeros(6)
    ember.as_strided(x, (2,), (3,)).fill_(1)
    assert x.tolist() == [1, 0, 0, 1, 0, 0]


def test_splits():
    x = randn(5, 4)
    check(lambda lib, a: lib.split_with_sizes(a, [2, 3]), x)
    check(lambda lib, a: a.split_with_sizes([1, 3], 1), x)
    check(lambda lib, a: lib.split_with_sizes(a, [1, 1]), x)
    check(lambda lib, a: lib.unsafe_split(a, 2), x, check_grad_fn=False)
    check(lambda lib, a: a.unsafe_chunk(3, 1), x, check_grad_fn=False)


def test_unravel_index():
    check(lambda lib, i: lib.unravel_index(i, (2, 3)), np.array([4, 1, 0, 5]))
    check(lambda lib, i: lib.unravel_index(i, (2, 3, 4)), np.array([[23, 7], [0, 12]]))
    check(lambda lib, i: lib.unravel_index(i, (2, 3)), np.array(-1))
    check(lambda lib, i: lib.unravel_index(i, (2, 3)), np.array([7, -7]))
    check(lambda lib, i: lib.unravel_index(i, (2, 3)), np.array([1.0]))
    check(lambda lib, i: lib.unravel_index(i, 5), np.array([3]))


def test_range():
    import ember
    for args, kwargs in [((1, 4), {}), ((1, 4, 0.5), {}), ((1, 4), {"dtype": "int64"}), ((0, 1, 0.3), {}),
                         ((3, 0, -1), {})]:
        kw_e = {k: getattr(ember, v) for k, v in kwargs.items()}
        kw_t = {k: getattr(torch, v) for k, v in kwargs.items()}
        with pytest.warns(UserWarning, match="deprecated"):
            e = ember.range(*args, **kw_e)
        t = torch.range(*args, **kw_t)  # PyTorch warns once per process
        assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    check(lambda lib: lib.range(4))
    check(lambda lib: lib.range(1, 4, 0))
