"""Parity of the further shape views (split, chunk, tensor_split, hsplit/vsplit/dsplit, unbind, movedim, unflatten,
diagonal, broadcast_to) with PyTorch: values, grad_fn names, gradients, errors, shared memory."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember

VIEWS = {
    # split / chunk
    "split int": lambda lib, x: x.split(2, 1),
    "split keywords": lambda lib, x: x.split(split_size=3, dim=2),
    "split fn keywords": lambda lib, x: lib.split(x, split_size_or_sections=[2, 2], dim=1),
    "split fn negative dim": lambda lib, x: lib.split(x, 3, -1),
    "split sizes": lambda lib, x: x.split([1, 3], 1),
    "split sizes tuple with 0": lambda lib, x: lib.split(x, (2, 0, 3), dim=2),
    "split larger than dim": lambda lib, x: x.split(10, 0),
    "split one output used": lambda lib, x: x.split(2, 1)[1],
    "split 0 of empty dim": lambda lib, x: x[:, :0].split(0, 1),
    "split 0": lambda lib, x: x.split(0, 1),
    "split negative size": lambda lib, x: x.split(-1, 1),
    "split sizes bad sum": lambda lib, x: x.split([1, 2], 1),
    "split sizes negative": lambda lib, x: x.split([5, -1], 1),
    "split bad dim": lambda lib, x: x.split(2, 3),
    "split 0-dim": lambda lib, x: x.sum().split(1),
    "chunk": lambda lib, x: x.chunk(2, 1),
    "chunk uneven": lambda lib, x: lib.chunk(x, 4, -1),
    "chunk runs out": lambda lib, x: x.chunk(4, 1)[1:],
    "chunk more than size": lambda lib, x: x.chunk(10, 0),
    "chunk empty dim": lambda lib, x: x[:, :0].chunk(3, 1),
    "chunk 0": lambda lib, x: x.chunk(0, 1),
    "chunk 0-dim": lambda lib, x: x.sum().chunk(1),
    "chunk bad dim": lambda lib, x: x.chunk(2, -4),
    "chunk 0-dim tensor chunks": lambda lib, x: lib.chunk(x, lib.tensor(2), 1),
    "chunk float chunks": lambda lib, x: x.chunk(1.5, 1),
    "chunk bool chunks": lambda lib, x: lib.chunk(x, True),
    "chunk tensor chunks": lambda lib, x: x.chunk(x, 1),
    "chunk float dim": lambda lib, x: x.chunk(2, 1.0),
    # tensor_split and friends
    "tensor_split sections": lambda lib, x: x.tensor_split(3, 2),
    "tensor_split fn": lambda lib, x: lib.tensor_split(x, 2, dim=-2),
    "tensor_split indices": lambda lib, x: x.tensor_split([1, 3], 2),
    "tensor_split negative indices": lambda lib, x: x.tensor_split([-1, 2], 2),
    "tensor_split unordered": lambda lib, x: x.tensor_split((3, 1), 2),
    "tensor_split beyond": lambda lib, x: x.tensor_split([1, 9], 2),
    "tensor_split tensor indices": lambda lib, x: x.tensor_split(lib.tensor([1, 3]), 2),
    "tensor_split tensor sections": lambda lib, x: x.tensor_split(lib.tensor(2), 2),
    "tensor_split float tensor": lambda lib, x: x.tensor_split(lib.tensor([1.0]), 2),
    "tensor_split 2-d tensor": lambda lib, x: x.tensor_split(lib.tensor([[1]]), 2),
    "tensor_split 0 sections": lambda lib, x: x.tensor_split(0, 1),
    "tensor_split 0-dim": lambda lib, x: x.sum().tensor_split(1),
    "tensor_split bad dim": lambda lib, x: x.tensor_split(2, 5),
    "hsplit": lambda lib, x: x.hsplit(2),
    "hsplit indices": lambda lib, x: lib.hsplit(x, [1]),
    "hsplit 1-d": lambda lib, x: x[0, 0].hsplit(5),
    "hsplit indivisible": lambda lib, x: x.hsplit(3),
    "hsplit 0-dim": lambda lib, x: x.sum().hsplit(1),
    "hsplit float": lambda lib, x: x.hsplit(2.0),
    "hsplit bool": lambda lib, x: x.hsplit(True),
    "hsplit 0-dim tensor": lambda lib, x: x.hsplit(lib.tensor(2)),
    "hsplit 1-d tensor": lambda lib, x: x.hsplit(lib.tensor([2])),
    "vsplit": lambda lib, x: x.vsplit(3),
    "vsplit indices": lambda lib, x: lib.vsplit(x, [2]),
    "vsplit 1-d": lambda lib, x: x[0, 0].vsplit(1),
    "dsplit": lambda lib, x: x.dsplit([2, 3]),
    "dsplit indivisible": lambda lib, x: lib.dsplit(x, 2),
    "dsplit 2-d": lambda lib, x: x[0].dsplit(1),
    # unbind
    "unbind": lambda lib, x: x.unbind(1),
    "unbind fn negative": lambda lib, x: lib.unbind(x, -1),
    "unbind one used": lambda lib, x: x.unbind()[2],
    "unbind 0-dim": lambda lib, x: x.sum().unbind(),
    "unbind bad dim": lambda lib, x: x.unbind(3),
    # movedim
    "movedim int": lambda lib, x: x.movedim(0, 2),
    "movedim same": lambda lib, x: x.movedim(1, 1),
    "movedim negative": lambda lib, x: lib.movedim(x, -1, 0),
    "movedim tuple": lambda lib, x: x.movedim((0, 1), (2, 0)),
    "movedim list": lambda lib, x: lib.movedim(x, [2, 0], [0, -1]),
    "moveaxis": lambda lib, x: lib.moveaxis(x, (0, 2), (1, 0)),
    "moveaxis method": lambda lib, x: x.moveaxis(2, 0),
    "movedim mismatch": lambda lib, x: x.movedim((0, 1), (1,)),
    "movedim repeated source": lambda lib, x: x.movedim((0, 0), (1, 2)),
    "movedim repeated destination": lambda lib, x: x.movedim((0, 1), (1, -2)),
    "movedim bad dim": lambda lib, x: x.movedim(3, 0),
    # unflatten
    "unflatten": lambda lib, x: x.unflatten(1, (2, 2)),
    "unflatten fn -1": lambda lib, x: lib.unflatten(x, -1, (-1, 1)),
    "unflatten list": lambda lib, x: x.unflatten(0, [1, 3, 1]),
    "unflatten transposed": lambda lib, x: x.transpose(0, 2).unflatten(1, (2, 2)),
    "unflatten bad sizes": lambda lib, x: x.unflatten(1, (3, 2)),
    "unflatten two -1": lambda lib, x: x.unflatten(1, (-1, -1)),
    "unflatten empty": lambda lib, x: x.unflatten(1, ()),
    "unflatten bad dim": lambda lib, x: x.unflatten(3, (2, 2)),
    "unflatten 0-dim": lambda lib, x: x.sum().unflatten(0, (1,)),
    # diagonal
    "diagonal": lambda lib, x: x.diagonal(),
    "diagonal offset": lambda lib, x: x.diagonal(1),
    "diagonal negative offset": lambda lib, x: lib.diagonal(x, -2),
    "diagonal dims": lambda lib, x: x.diagonal(1, 0, 2),
    "diagonal reversed dims": lambda lib, x: x.diagonal(-1, 2, 1),
    "diagonal negative dims": lambda lib, x: lib.diagonal(x, offset=2, dim1=-1, dim2=-3),
    "diagonal offset too large": lambda lib, x: x.diagonal(10, 1, 2),
    "diagonal transposed": lambda lib, x: x.transpose(0, 2).diagonal(1),
    "diagonal same dims": lambda lib, x: x.diagonal(0, 1, 1),
    "diagonal same dims wrapped": lambda lib, x: x.diagonal(0, 1, -2),
    "diagonal bad dim": lambda lib, x: x.diagonal(0, 1, 3),
    "diagonal 1-d": lambda lib, x: x[0, 0].diagonal(),
    # broadcast_to and the existing swapaxes aliases
    "broadcast_to": lambda lib, x: lib.broadcast_to(x[:, :1], (2, 3, 4, 5)),
    "broadcast_to -1": lambda lib, x: x[0, 0].broadcast_to((2, -1)),
    "broadcast_to same": lambda lib, x: x.broadcast_to(x.shape),
    "broadcast_to keyword": lambda lib, x: lib.broadcast_to(x, size=(1, 3, 4, 5)),
    "broadcast_to bad": lambda lib, x: lib.broadcast_to(x, (3, 5, 5)),
    "broadcast_to fewer": lambda lib, x: lib.broadcast_to(x, (4, 5)),
    "broadcast_to 0-dim tensor size": lambda lib, x: lib.broadcast_to(x[0, 0], (lib.tensor(2), 5)),
    "broadcast_to int": lambda lib, x: lib.broadcast_to(x[0, 0], 5),
    "broadcast_to float size": lambda lib, x: lib.broadcast_to(x, (3, 4.0, 5)),
    "broadcast_to bool size": lambda lib, x: lib.broadcast_to(x[0, 0], (True, 5)),
    "broadcast_to tensor": lambda lib, x: lib.broadcast_to(x[0, 0], lib.tensor([2, 5])),
    "swapaxes": lambda lib, x: lib.swapaxes(x, 0, -1),
    "swapdims method": lambda lib, x: x.swapdims(1, 2),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views(name):
    check(VIEWS[name], randn(3, 4, 5))


@pytest.mark.parametrize("name", ["split int", "split sizes", "chunk", "tensor_split indices", "hsplit", "unbind",
                                  "movedim tuple", "unflatten", "diagonal dims", "broadcast_to"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, np.bool_])
def test_views_other_dtypes(name, dtype):
    x = (randn(3, 4, 5) * 3).astype(dtype)
    check(VIEWS[name], x)


SHARING = {
    "split": lambda lib, x: x.split(2, 1)[1],
    "split sizes": lambda lib, x: x.split([1, 3], 1)[1],
    "chunk": lambda lib, x: x.chunk(3, 2)[2],
    "tensor_split": lambda lib, x: x.tensor_split([1, 3], 2)[1],
    "unbind": lambda lib, x: x.unbind(-1)[3],
    "movedim": lambda lib, x: x.movedim(0, -1),
    "unflatten": lambda lib, x: x.unflatten(1, (2, 2)),
    "diagonal": lambda lib, x: x.diagonal(1, 2, 0),
    "diagonal of transposed": lambda lib, x: x.transpose(0, 1).diagonal(-1),
}


@pytest.mark.parametrize("name", SHARING)
def test_views_share_memory_and_version(name):
    results = []
    for lib in (ember, torch):
        base = lib.arange(60.0).reshape(3, 4, 5)
        v = SHARING[name](lib, base)
        v.mul_(-1)  # through the view into the base
        base.add_(1000)  # through the base into the view
        results.append((base.numpy().copy(), v.numpy().copy(), base._version, v._version))
    (eb, ev, ebv, evv), (tb, tv, tbv, tvv) = results
    np.testing.assert_array_equal(eb, tb)
    np.testing.assert_array_equal(ev, tv)
    assert (ebv, evv) == (tbv, tvv) == (2, 2)


def test_split_outputs_are_one_node():
    x = ember.randn(4, 6, dtype=ember.float64, requires_grad=True)
    parts = x.split(2, 1)
    assert parts[0].grad_fn is parts[2].grad_fn
    assert [p._output_nr for p in parts] == [0, 1, 2]
    assert all(p._base is x for p in parts)
    a, b = x.unbind(0)[1:3]
    assert a.grad_fn is b.grad_fn and a.grad_fn.name() == "UnbindBackward0"


def test_split_backward_twice_and_double_backward():
    x = ember.randn(4, 6, dtype=ember.float64, requires_grad=True)
    y = (x.split([2, 4], 1)[1] ** 2).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    assert g.grad_fn.name() == "CatBackward0"  # as in PyTorch
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:, 2:], 2.0)
    np.testing.assert_allclose(x.grad.numpy()[:, :2], 0.0)


@pytest.mark.parametrize("fn", [
    lambda x: x.split(2, 1)[0] * x.split(2, 1)[1],
    lambda x: x.unbind(1)[0] * x.unbind(1)[3],
    lambda x: x.diagonal(1, 0, 1),
    lambda x: x.diagonal(-1, 1, 0) ** 2,
    lambda x: x.movedim(0, 1).unflatten(0, (2, 2)),
])
def test_gradcheck(fn):
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(fn, (x,))
    assert ember.autograd.gradgradcheck(lambda x: fn(x) ** 2, (x,))


def test_diagonal_double_backward_name():
    for lib in (ember, torch):
        x = lib.randn(3, 4, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad((x.diagonal(1) ** 2).sum(), x, create_graph=True)
        assert g.grad_fn.name() == "DiagonalBackwardBackward0"


INPLACE_SHAPE = {
    "unsqueeze_": lambda x: x.unsqueeze_(1), "unsqueeze_ negative": lambda x: x.unsqueeze_(-1),
    "unsqueeze_ out of range": lambda x: x.unsqueeze_(5), "squeeze_": lambda x: x.squeeze_(),
    "squeeze_ dim": lambda x: x.squeeze_(0), "squeeze_ dims": lambda x: x.squeeze_((0, 2)),
    "transpose_": lambda x: x.transpose_(0, 1), "swapdims_": lambda x: x.swapdims_(1, 2),
    "t_": lambda x: x[0].t_(), "t_ 3-d": lambda x: x.t_(),
}


@pytest.mark.parametrize("fn", INPLACE_SHAPE.values(), ids=INPLACE_SHAPE.keys())
def test_inplace_shape_ops(fn):
    def on_a_result(lib, x):
        y = x * 1
        r = fn(y)
        return r, r is y, y.shape, y._version
    check(on_a_result, randn(1, 3, 1))
    check(lambda lib, x: fn(x), randn(1, 3, 1))  # a leaf requiring grad refuses in-place changes


def test_inplace_shape_op_keeps_memory_and_older_views():
    for lib in (ember, torch):
        x = lib.arange(6.0).reshape(2, 3)
        v = x.view(6)
        x.unsqueeze_(0)
        x[0, 1, 2] = 9.0
        assert tuple(x.shape) == (1, 2, 3) and tuple(v.shape) == (6,) and v[5].item() == 9.0


UNFOLD = {
    "windows": lambda x: x.unfold(0, 2, 1), "strided": lambda x: x.unfold(1, 2, 3),
    "last dim": lambda x: x.unfold(-1, 3, 2), "whole dim": lambda x: x.unfold(1, 7, 1),
    "then math": lambda x: x.unfold(1, 3, 2) * x.unfold(1, 3, 2), "size too big": lambda x: x.unfold(0, 4, 1),
    "zero step": lambda x: x.unfold(1, 2, 0), "bad dim": lambda x: x.unfold(2, 1, 1),
}


@pytest.mark.parametrize("fn", UNFOLD.values(), ids=UNFOLD.keys())
def test_unfold(fn):
    check(lambda lib, x: fn(x), randn(3, 7))


def test_unfold_of_a_0_dim_tensor_and_its_view():
    check(lambda lib, x: x.unfold(0, 1, 1), np.array(2.5))
    for lib in (ember, torch):
        x = lib.arange(5.0)
        x.unfold(0, 2, 1)[1, 1] = 7.0
        assert x[2].item() == 7.0
