"""Parity of the ops that rearrange or replicate elements into new memory (roll, flip, rot90, repeat, tile,
repeat_interleave, diag, diag_embed, tril/triu, meshgrid, broadcast_tensors, atleast_nd, the stacks, cartesian_prod,
block_diag, ravel, narrow_copy) with PyTorch: values, dtypes, grad_fn names, gradients, errors."""
import warnings

import numpy as np
import pytest
from parity import check, randn, torch

import ember

OPS = {
    # roll
    "roll": lambda lib, x: x.roll(1, 0),
    "roll fn negative": lambda lib, x: lib.roll(x, -2, -1),
    "roll several": lambda lib, x: x.roll((1, 2), (0, 1)),
    "roll lists": lambda lib, x: lib.roll(x, [7, -3], [2, 0]),
    "roll flat": lambda lib, x: x.roll(3),
    "roll empty dims": lambda lib, x: x.roll(2, ()),
    "roll 0-dim": lambda lib, x: x.sum().roll(1),
    "roll 0-dim with dim": lambda lib, x: x.sum().roll(1, 0),
    "roll misaligned": lambda lib, x: x.roll((1, 2), 0),
    "roll flat several": lambda lib, x: x.roll((1, 2)),
    "roll bad dim": lambda lib, x: x.roll(1, 3),
    # flip
    "flip": lambda lib, x: x.flip(0),
    "flip fn dims": lambda lib, x: lib.flip(x, (0, -1)),
    "flip list": lambda lib, x: x.flip([1, 2, 0]),
    "flip no dims": lambda lib, x: x.flip(()),
    "flip method varargs": lambda lib, x: x.flip(0, -1),
    "flip keyword": lambda lib, x: lib.flip(x, dims=[1]),
    "flip 0-dim": lambda lib, x: x.sum().flip(0),
    "flip repeated": lambda lib, x: x.flip((0, -3)),
    "flip bad dim": lambda lib, x: x.flip(3),
    "flip fn int dims": lambda lib, x: lib.flip(x, 0),
    "flip keyword int dims": lambda lib, x: x.flip(dims=0),
    "flip fn tensor dims": lambda lib, x: lib.flip(x, lib.tensor([1])),
    "flip method tensor dim": lambda lib, x: x.flip(lib.tensor(1)),
    "fliplr": lambda lib, x: x.fliplr(),
    "fliplr fn": lambda lib, x: lib.fliplr(x[0]),
    "fliplr 1-d": lambda lib, x: x[0, 0].fliplr(),
    "flipud": lambda lib, x: lib.flipud(x),
    "flipud 1-d": lambda lib, x: x[0, 0].flipud(),
    "flipud 0-dim": lambda lib, x: x.sum().flipud(),
    # rot90
    "rot90": lambda lib, x: x.rot90(),
    "rot90 k2": lambda lib, x: lib.rot90(x, 2, (1, 2)),
    "rot90 k3 reversed dims": lambda lib, x: x.rot90(3, [2, 0]),
    "rot90 k0": lambda lib, x: x.rot90(0, (0, 1)),
    "rot90 negative k": lambda lib, x: x.rot90(-1, (-1, -2)),
    "rot90 k5": lambda lib, x: lib.rot90(x, 5, (2, 0)),
    "rot90 three dims": lambda lib, x: x.rot90(1, (0, 1, 2)),
    "rot90 same dims": lambda lib, x: x.rot90(1, (1, -2)),
    "rot90 1-d": lambda lib, x: x[0, 0].rot90(),
    "rot90 bad dim": lambda lib, x: x.rot90(1, (0, 3)),
    # repeat / tile
    "repeat": lambda lib, x: x.repeat(2, 1, 3),
    "repeat leading": lambda lib, x: x.repeat((2, 1, 1, 2)),
    "repeat list": lambda lib, x: x.repeat([1, 2, 1]),
    "repeat keyword": lambda lib, x: x.repeat(repeats=(1, 2, 1)),
    "repeat size": lambda lib, x: x[0].repeat(x.shape),
    "repeat zero": lambda lib, x: x.repeat(0, 1, 1),
    "repeat ones": lambda lib, x: x.repeat(1, 1, 1),
    "repeat 0-dim": lambda lib, x: x.sum().repeat(()),
    "repeat 0-dim to 2-d": lambda lib, x: x.sum().repeat(2, 3),
    "repeat transposed": lambda lib, x: x.transpose(0, 2).repeat(2, 1, 2),
    "repeat fewer": lambda lib, x: x.repeat(2, 2),
    "repeat negative": lambda lib, x: x.repeat(2, -1, 1),
    "tile": lambda lib, x: lib.tile(x, (2,)),
    "tile int": lambda lib, x: x.tile(2),
    "tile method varargs": lambda lib, x: x.tile(2, 1, 1, 1),
    "tile keyword": lambda lib, x: lib.tile(x, dims=[2, 1]),
    "tile more": lambda lib, x: x.tile((2, 1, 1, 2)),
    "tile empty": lambda lib, x: lib.tile(x, ()),
    "tile negative": lambda lib, x: x.tile((2, -1)),
    # repeat_interleave
    "repeat_interleave": lambda lib, x: x.repeat_interleave(2, 1),
    "repeat_interleave flat": lambda lib, x: lib.repeat_interleave(x, 2),
    "repeat_interleave negative dim": lambda lib, x: x.repeat_interleave(3, dim=-1),
    "repeat_interleave zero": lambda lib, x: x.repeat_interleave(0, 0),
    "repeat_interleave output_size": lambda lib, x: x.repeat_interleave(2, 0, output_size=6),
    "repeat_interleave bad output_size": lambda lib, x: x.repeat_interleave(2, 0, output_size=5),
    "repeat_interleave negative": lambda lib, x: x.repeat_interleave(-1, 0),
    "repeat_interleave bad dim": lambda lib, x: x.repeat_interleave(2, 3),
    "repeat_interleave 0-dim": lambda lib, x: x.sum().repeat_interleave(3),
    "repeat_interleave 0-dim dim": lambda lib, x: x.sum().repeat_interleave(3, 0),
    "repeat_interleave tensor": lambda lib, x: x.repeat_interleave(lib.tensor([1, 2, 0, 1]), 1),
    "repeat_interleave tensor flat": lambda lib, x: x[0].repeat_interleave(lib.tensor([1, 0, 2, 1, 1] * 4)),
    "repeat_interleave one-element tensor": lambda lib, x: lib.repeat_interleave(x, lib.tensor([2]), 1),
    "repeat_interleave 0-dim tensor": lambda lib, x: x.repeat_interleave(lib.tensor(2), 0),
    "repeat_interleave int32 tensor": lambda lib, x: x.repeat_interleave(lib.tensor([1, 2, 1], dtype=lib.int32), 0),
    "repeat_interleave tensor output_size": lambda lib, x: x.repeat_interleave(lib.tensor([1, 2, 1]), 0, output_size=4),
    "repeat_interleave tensor bad output_size": lambda lib, x: x.repeat_interleave(lib.tensor([1, 2, 1]), 0,
                                                                                   output_size=5),
    "repeat_interleave tensor negative": lambda lib, x: x.repeat_interleave(lib.tensor([1, -1, 1]), 0),
    "repeat_interleave tensor wrong size": lambda lib, x: x.repeat_interleave(lib.tensor([1, 1]), 0),
    "repeat_interleave tensor 2-d": lambda lib, x: x.repeat_interleave(lib.tensor([[1, 1, 1]]), 0),
    "repeat_interleave float tensor": lambda lib, x: x.repeat_interleave(lib.tensor([1.0, 1.0, 1.0]), 0),
    "repeat_interleave indices": lambda lib, x: lib.repeat_interleave(lib.tensor([1, 2, 0, 3])),
    "repeat_interleave indices 2-d": lambda lib, x: lib.repeat_interleave(lib.tensor([[1, 2]])),
    # diag / diag_embed
    "diag of vector": lambda lib, x: lib.diag(x[0, 0]),
    "diag of vector offset": lambda lib, x: x[0, 0].diag(2),
    "diag of vector negative offset": lambda lib, x: lib.diag(x[0, 0], -1),
    "diag of matrix": lambda lib, x: lib.diag(x[0]),
    "diag of matrix offset": lambda lib, x: x[0].diag(1),
    "diag of matrix negative offset": lambda lib, x: lib.diag(x[0], diagonal=-2),
    "diag of matrix far offset": lambda lib, x: lib.diag(x[0], -9),
    "diag of transposed": lambda lib, x: lib.diag(x[0].t(), 1),
    "diag 3-d": lambda lib, x: lib.diag(x),
    "diag 0-dim": lambda lib, x: lib.diag(x.sum()),
    "diag_embed": lambda lib, x: lib.diag_embed(x),
    "diag_embed offset": lambda lib, x: x.diag_embed(1),
    "diag_embed dims": lambda lib, x: lib.diag_embed(x, -2, 0, 2),
    "diag_embed reversed dims": lambda lib, x: x.diag_embed(1, -1, 1),
    "diag_embed 1-d": lambda lib, x: x[0, 0].diag_embed(),
    "diag_embed same dims": lambda lib, x: lib.diag_embed(x, 0, 1, -3),
    "diag_embed bad dim": lambda lib, x: lib.diag_embed(x, 0, 0, 4),
    "diag_embed 0-dim": lambda lib, x: lib.diag_embed(x.sum()),
    # tril / triu
    "tril": lambda lib, x: x.tril(),
    "tril fn offset": lambda lib, x: lib.tril(x, 1),
    "tril negative": lambda lib, x: x.tril(diagonal=-2),
    "tril 2-d": lambda lib, x: lib.tril(x[0], 2),
    "triu": lambda lib, x: lib.triu(x),
    "triu offset": lambda lib, x: x.triu(1),
    "triu negative": lambda lib, x: x[1].triu(-1),
    "tril empty": lambda lib, x: x[:0].tril(),
    "tril 1-d": lambda lib, x: x[0, 0].tril(),
    "triu 0-dim": lambda lib, x: lib.triu(x.sum()),
    "tril_": lambda lib, x: (x * 1).tril_(),
    "triu_ offset": lambda lib, x: (x * 1).triu_(1),
    "tril_ of view": lambda lib, x: (x * 1)[1].tril_(-1),
    # ravel / narrow_copy
    "ravel": lambda lib, x: x.ravel(),
    "ravel fn transposed": lambda lib, x: lib.ravel(x.transpose(0, 2)),
    "ravel 0-dim": lambda lib, x: x.sum().ravel(),
    "narrow_copy": lambda lib, x: x.narrow_copy(1, 1, 2),
    "narrow_copy fn negative": lambda lib, x: lib.narrow_copy(x.detach(), -1, -2, 2),  # torch fails in backward
    "narrow_copy empty": lambda lib, x: x.narrow_copy(0, 3, 0),
    "narrow_copy too long": lambda lib, x: x.narrow_copy(1, 3, 2),
    "narrow_copy bad dim": lambda lib, x: x.narrow_copy(4, 0, 2),
}


@pytest.mark.parametrize("name", OPS)
def test_ops(name):
    check(OPS[name], randn(3, 4, 5))


@pytest.mark.parametrize("name", ["roll several", "flip fn dims", "rot90", "repeat", "tile", "repeat_interleave",
                                  "repeat_interleave tensor", "diag of vector", "diag of matrix offset", "diag_embed",
                                  "tril", "triu offset", "ravel fn transposed", "narrow_copy"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, np.bool_])
def test_ops_other_dtypes(name, dtype):
    check(OPS[name], (randn(3, 4, 5) * 3).astype(dtype))


def test_results_own_their_memory():
    x = ember.arange(24.0).reshape(2, 3, 4)
    for r in (x.roll(1, 0), x.flip(0), x.rot90(0), x.repeat(1, 1, 1), x.tile(()), x.tril(5), x.narrow_copy(0, 0, 2),
              x.repeat_interleave(1, 0), ember.diag(x[0])):
        assert not np.shares_memory(r.numpy(), x.numpy())
        assert r.is_contiguous()


def test_tril_inplace_writes_memory():
    for lib in (ember, torch):
        x = lib.arange(24.0).reshape(2, 3, 4)
        v = x[1]
        r = v.triu_(1)
        assert r is v and x._version == 1
        assert x[1, 2, 1].item() == 0 and x[0, 2, 1].item() == 9


def test_out():
    x = randn(4, 5)
    for name, args in [("tril", (1,)), ("triu", (-1,)), ("diag", (1,)), ("narrow_copy", (1, 1, 2))]:
        e_out, t_out = ember.empty(0, dtype=ember.float64), torch.empty(0, dtype=torch.float64)
        r = getattr(ember, name)(ember.tensor(x), *args, out=e_out)
        getattr(torch, name)(torch.tensor(x), *args, out=t_out)
        assert r is e_out
        np.testing.assert_array_equal(e_out.numpy(), t_out.numpy())


# ---- the joining helpers -----------------------------------------------------------------------------
JOINS = {
    "meshgrid ij": lambda lib, a, b, c: lib.meshgrid(a, b, indexing="ij"),
    "meshgrid xy": lambda lib, a, b, c: lib.meshgrid(a, b, c, indexing="xy"),
    "meshgrid list": lambda lib, a, b, c: lib.meshgrid([c, a], indexing="xy"),
    "meshgrid one": lambda lib, a, b, c: lib.meshgrid(b, indexing="xy"),
    "meshgrid 0-dim": lambda lib, a, b, c: lib.meshgrid(a.sum(), b, indexing="xy"),
    "meshgrid bad indexing": lambda lib, a, b, c: lib.meshgrid(a, b, indexing="ji"),
    "meshgrid 2-d": lambda lib, a, b, c: lib.meshgrid(a, b.reshape(2, 2), indexing="ij"),
    "meshgrid dtypes": lambda lib, a, b, c: lib.meshgrid(a, b.long(), indexing="ij"),
    "meshgrid none": lambda lib, a, b, c: lib.meshgrid(indexing="ij"),
    "broadcast_tensors": lambda lib, a, b, c: lib.broadcast_tensors(a[:, None], b, c[:1]),
    "broadcast_tensors one": lambda lib, a, b, c: lib.broadcast_tensors(a),
    "broadcast_tensors bad": lambda lib, a, b, c: lib.broadcast_tensors(a, b),
    "atleast_1d": lambda lib, a, b, c: lib.atleast_1d(a.sum()),
    "atleast_1d several": lambda lib, a, b, c: lib.atleast_1d(a.sum(), b, b.reshape(2, 2)),
    "atleast_2d": lambda lib, a, b, c: lib.atleast_2d(b),
    "atleast_2d list": lambda lib, a, b, c: lib.atleast_2d([a.sum(), b, b.reshape(1, 2, 2)]),
    "atleast_3d": lambda lib, a, b, c: lib.atleast_3d(a.sum(), b, b.reshape(2, 2), b.reshape(1, 1, 2, 2)),
    "atleast_3d tuple of one": lambda lib, a, b, c: lib.atleast_3d((b,)),
    "atleast none": lambda lib, a, b, c: lib.atleast_2d(),
    "hstack": lambda lib, a, b, c: lib.hstack([a, b, c]),
    "hstack 0-dim": lambda lib, a, b, c: lib.hstack((a.sum(), b)),
    "hstack 2-d": lambda lib, a, b, c: lib.hstack([a[:, None], b[:3, None]]),
    "hstack empty": lambda lib, a, b, c: lib.hstack([]),
    "vstack": lambda lib, a, b, c: lib.vstack([b, c[:4]]),
    "vstack mixed ranks": lambda lib, a, b, c: lib.vstack([b, b.reshape(2, 4)]),
    "vstack bad": lambda lib, a, b, c: lib.vstack([a, b]),
    "row_stack": lambda lib, a, b, c: lib.row_stack((b.sum(), a[:1])),
    "dstack": lambda lib, a, b, c: lib.dstack([b, c[:4]]),
    "dstack 2-d": lambda lib, a, b, c: lib.dstack([b.reshape(2, 2), b.reshape(2, 2, 1)]),
    "column_stack": lambda lib, a, b, c: lib.column_stack([a, b[:3], a.reshape(3, 1)]),
    "column_stack 0-dim": lambda lib, a, b, c: lib.column_stack([a.sum(), b.sum()]),
    "column_stack empty": lambda lib, a, b, c: lib.column_stack([]),
    "cartesian_prod": lambda lib, a, b, c: lib.cartesian_prod(a, b),
    "cartesian_prod three": lambda lib, a, b, c: lib.cartesian_prod(a, b[:2], c),
    "cartesian_prod one": lambda lib, a, b, c: lib.cartesian_prod(a * 2),
    "cartesian_prod 2-d": lambda lib, a, b, c: lib.cartesian_prod(a, b.reshape(2, 2)),
    "cartesian_prod dtypes": lambda lib, a, b, c: lib.cartesian_prod(a, b.long()),
    "block_diag": lambda lib, a, b, c: lib.block_diag(b.reshape(2, 2), a, c.sum()),
    "block_diag empty block": lambda lib, a, b, c: lib.block_diag(c[:0].reshape(0, 5), b.reshape(4, 2)),
    "block_diag dtypes": lambda lib, a, b, c: lib.block_diag(a, b.long(), c > 0),
    "block_diag 3-d": lambda lib, a, b, c: lib.block_diag(b.reshape(1, 2, 2)),
    "block_diag none": lambda lib, a, b, c: lib.block_diag(),
}


@pytest.mark.parametrize("name", JOINS)
def test_joins(name):
    check(JOINS[name], randn(3), randn(4, seed=1), randn(5, seed=2))


@pytest.mark.parametrize("name", ["meshgrid xy", "broadcast_tensors", "atleast_3d", "hstack", "vstack", "dstack",
                                  "column_stack", "cartesian_prod three", "block_diag"])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_joins_other_dtypes(name, dtype):
    check(JOINS[name], *((randn(n, seed=n) * 3).astype(dtype) for n in (3, 4, 5)))


def test_joins_return_inputs_unchanged_like_torch():
    a = ember.randn(3, requires_grad=True)
    assert ember.atleast_1d(a) is a
    assert ember.cartesian_prod(a) is a
    b = a * 2
    assert ember.broadcast_tensors(b, a)[1] is a


def test_stack_out_and_type_errors():
    a, b = randn(3), randn(3, seed=1)
    for name in ("hstack", "vstack", "row_stack", "dstack", "column_stack"):
        out = ember.empty(0, dtype=ember.float64)
        r = getattr(ember, name)([ember.tensor(a), ember.tensor(b)], out=out)
        expected = getattr(torch, name)([torch.tensor(a), torch.tensor(b)])
        assert r is out and tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        with pytest.raises(TypeError):
            getattr(ember, name)(ember.tensor(a))


def test_meshgrid_warns_without_indexing():
    a = ember.arange(3)
    with pytest.warns(UserWarning, match="indexing"):
        grids = ember.meshgrid(a, a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.meshgrid(a, a, indexing="ij")[0].shape == grids[0].shape == (3, 3)


def test_meshgrid_outputs_view_inputs():
    a = ember.arange(3.0)
    x, y = ember.meshgrid(a, ember.arange(2.0), indexing="xy")
    assert x._base is a and x.shape == (2, 3)
    a[1] = 7
    assert x[1, 1].item() == 7


BROADCAST_SHAPES = [((2, 1), (1, 3)), ((2, 1), [1, 3]), (3, (2, 1)), ((0, 1), (1, 3)), ((5, 1, 4), (3, 1), ()),
                    (), (2,), ((2, 1), (3, 2)), ((2, -1), (2, 1)), ((2.0, 1),)]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES)
def test_broadcast_shapes(shapes):
    check(lambda lib: lib.broadcast_shapes(*shapes))
    if all(isinstance(s, tuple) and all(n >= 0 for n in s) for s in shapes[1:]):
        check(lambda lib: lib.broadcast_shapes(*[lib.Size(s) for s in shapes if isinstance(s, tuple)]))


@pytest.mark.parametrize("fn", [
    lambda x: x.roll((1, -2), (0, 1)) * x,
    lambda x: x.flip((0, 1)) * x,
    lambda x: x.rot90(1) @ x,
    lambda x: x.repeat(2, 1, 3) ** 2,
    lambda x: x.repeat_interleave(2, 0) ** 2,
    lambda x: ember.diag_embed(x, 1, 0, 2) ** 2,
    lambda x: ember.diag(x, -1) ** 2,
    lambda x: x.tril(1) * x,
    lambda x: ember.block_diag(x, x[0]) ** 2,
    lambda x: x.narrow_copy(0, 1, 2) ** 2,
    lambda x: ember.cartesian_prod(x[0], x[1]) ** 2,
])
def test_gradcheck(fn):
    x = ember.randn(3, 3, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(fn, (x,))
    assert ember.autograd.gradgradcheck(fn, (x,))
