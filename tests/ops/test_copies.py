"""Parity of the `_copy` view forms and the `_scatter` ops with PyTorch: values, fresh memory, gradients over input
subsets (grad_fn is not compared: ember composes these of a view and a clone or an in-place copy), and errors."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember

COPIES = [
    ("alias_copy", lambda lib, a: lib.alias_copy(a)),
    ("detach_copy", lambda lib, a: lib.detach_copy(a)),
    ("as_strided_copy", lambda lib, a: lib.as_strided_copy(a, (2, 2), (1, 2))),
    ("diagonal_copy", lambda lib, a: lib.diagonal_copy(a, 1)),
    ("expand_copy", lambda lib, a: lib.expand_copy(a[:1], (2, 3, 4))),
    ("permute_copy", lambda lib, a: lib.permute_copy(a, (1, 0))),
    ("select_copy", lambda lib, a: lib.select_copy(a, 1, 2)),
    ("slice_copy", lambda lib, a: lib.slice_copy(a, 1, 1, 4, 2)),
    ("split_copy", lambda lib, a: lib.split_copy(a, 2, 1)),
    ("split_with_sizes_copy", lambda lib, a: lib.split_with_sizes_copy(a, [1, 2])),
    ("squeeze_copy", lambda lib, a: lib.squeeze_copy(a[None], 0)),
    ("t_copy", lambda lib, a: lib.t_copy(a)),
    ("transpose_copy", lambda lib, a: lib.transpose_copy(a, 0, 1)),
    ("unbind_copy", lambda lib, a: lib.unbind_copy(a, 1)),
    ("unfold_copy", lambda lib, a: lib.unfold_copy(a, 1, 2, 1)),
    ("unsqueeze_copy", lambda lib, a: lib.unsqueeze_copy(a, 1)),
    ("view_copy", lambda lib, a: lib.view_copy(a, (4, 3))),
]


@pytest.mark.parametrize("name, call", COPIES, ids=[n for n, _ in COPIES])
def test_copies(name, call):
    check(call, randn(3, 4), check_grad_fn=False, grad=name != "detach_copy")
    x = ember.tensor(randn(3, 4))
    out = call(ember, x)
    for piece in (out if isinstance(out, tuple) else (out,)):
        assert not np.shares_memory(piece.numpy(), x.numpy())


def test_detach_copy_requires_grad_but_has_no_derivative():
    # PyTorch's detach_copy is not detached: its result requires grad, and backward through it raises
    for lib in (ember, torch) if torch is not None else (ember,):
        x = lib.ones(2, requires_grad=True)
        y = lib.detach_copy(x)
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::detach_copy is not implemented"):
            y.sum().backward()
        with lib.no_grad():
            assert not lib.detach_copy(x).requires_grad
        assert not lib.detach_copy(x.detach()).requires_grad


def test_scatters():
    x = randn(3, 4)
    check(lambda lib, a, s: lib.select_scatter(a, s, 0, 1), x, randn(4), check_grad_fn=False)
    check(lambda lib, a, s: a.select_scatter(s, 1, -1), x, randn(3), check_grad_fn=False)
    check(lambda lib, a, s: lib.slice_scatter(a, s, 1, 0, 4, 2), x, randn(3, 2), check_grad_fn=False)
    check(lambda lib, a, s: a.slice_scatter(s, start=1), x, randn(2, 4), check_grad_fn=False)
    check(lambda lib, a, s: lib.diagonal_scatter(a, s), x, randn(3), check_grad_fn=False)
    check(lambda lib, a, s: a.diagonal_scatter(s, 1), x, randn(3), check_grad_fn=False)
    # PyTorch 2.13's backward of as_strided_scatter sends the gradient to the window instead of around it
    check(lambda lib, a, s: lib.as_strided_scatter(a, s, (2, 2), (1, 2)), x, randn(2, 2), grad=False)
    a, s = ember.tensor(x, requires_grad=True), ember.tensor(randn(2, 2), requires_grad=True)
    assert ember.autograd.gradcheck(lambda p, q: ember.as_strided_scatter(p, q, (2, 2), (1, 2)), (a, s))
    check(lambda lib, a, s: lib.select_scatter(a, s, 0, 1), x, randn(3), check_grad_fn=False)  # wrong size
