"""Parity tests: shape ops (views, reshapes, joins) with values, grad_fn names and gradients."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import check, randn

import ember

torch = pytest.importorskip("torch")

VIEWS = {
    "view": lambda lib, x: x.view(6, 4), "view -1": lambda lib, x: x.view(-1, 4),
    "view tuple": lambda lib, x: x.view((4, 6)),
    "view size": lambda lib, x: x.view(x.shape), "view flat": lambda lib, x: x.view(-1),
    "view 4d": lambda lib, x: x.view(2, 3, 2, 2),
    "view wrong numel": lambda lib, x: x.view(5, 5), "view two -1": lambda lib, x: x.view(-1, -1),
    "view after transpose": lambda lib, x: x.transpose(0, 2).view(24),
    "view after transpose ok": lambda lib, x: x.transpose(0, 1).view(3, 2, 2, 2),
    "view -1 zero": lambda lib, x: x.view(0, -1), "view negative": lambda lib, x: x.view(-2, 12),
    "view_as": lambda lib, x: x.view_as(lib.ones(4, 6)),
    "reshape": lambda lib, x: x.reshape(4, 6), "reshape -1": lambda lib, x: lib.reshape(x, (-1,)),
    "reshape after transpose": lambda lib, x: x.transpose(0, 2).reshape(24),
    "reshape after transpose view": lambda lib, x: x.transpose(0, 1).reshape(3, 2, 2, 2),
    "reshape wrong": lambda lib, x: x.reshape(7, -1), "reshape_as": lambda lib, x: x.reshape_as(lib.ones(3, 8)),
    "transpose": lambda lib, x: x.transpose(0, 2), "transpose negative": lambda lib, x: lib.transpose(x, -1, 1),
    "transpose bad dim": lambda lib, x: x.transpose(0, 3), "t": lambda lib, x: x[0].t(),
    "t 1-d": lambda lib, x: x[0, 0].t(),
    "t 3-d": lambda lib, x: x.t(), "permute": lambda lib, x: x.permute(2, 0, 1),
    "permute tuple": lambda lib, x: x.permute((1, 2, 0)),
    "permute negative": lambda lib, x: lib.permute(x, (-1, 0, 1)),
    "permute wrong length": lambda lib, x: x.permute(0, 1),
    "permute repeated": lambda lib, x: x.permute(0, 1, 1), "T 2-d": lambda lib, x: x[0].T, "mT": lambda lib, x: x.mT,
    "squeeze all": lambda lib, x: x.view(1, 2, 1, 3, 4).squeeze(),
    "squeeze dim": lambda lib, x: x.view(1, 2, 1, 3, 4).squeeze(2),
    "squeeze non-1 dim": lambda lib, x: x.squeeze(0),
    "squeeze tuple": lambda lib, x: x.view(1, 2, 1, 12).squeeze((0, 2)),
    "squeeze negative": lambda lib, x: x.view(2, 12, 1).squeeze(-1), "squeeze bad dim": lambda lib, x: x.squeeze(5),
    "squeeze 0-dim": lambda lib, x: x.sum().squeeze(), "squeeze nothing": lambda lib, x: x.squeeze(),
    "unsqueeze": lambda lib, x: x.unsqueeze(0), "unsqueeze end": lambda lib, x: x.unsqueeze(3),
    "unsqueeze negative": lambda lib, x: lib.unsqueeze(x, -1), "unsqueeze bad": lambda lib, x: x.unsqueeze(5),
    "unsqueeze 0-dim": lambda lib, x: x.sum().unsqueeze(0),
    "expand": lambda lib, x: x[:, :1].expand(2, 5, 4), "expand -1": lambda lib, x: x[:, :1].expand(-1, 7, -1),
    "expand leading": lambda lib, x: x.expand(3, 2, 3, 4), "expand tuple": lambda lib, x: x[0, :1].expand((3, 4)),
    "expand same": lambda lib, x: x.expand(2, 3, 4), "expand wrong": lambda lib, x: x.expand(2, 5, 4),
    "expand fewer": lambda lib, x: x.expand(3, 4), "expand leading -1": lambda lib, x: x.expand(-1, 2, 3, 4),
    "expand 0-dim": lambda lib, x: x.sum().expand(3), "expand_as": lambda lib, x: x[:1].expand_as(x),
    "flatten": lambda lib, x: x.flatten(), "flatten start": lambda lib, x: x.flatten(1),
    "flatten range": lambda lib, x: lib.flatten(x, 0, 1), "flatten negative": lambda lib, x: x.flatten(-2, -1),
    "flatten same": lambda lib, x: x.flatten(1, 1), "flatten bad": lambda lib, x: x.flatten(2, 1),
    "flatten 0-dim": lambda lib, x: x.sum().flatten(), "flatten transposed": lambda lib, x: x.transpose(0, 2).flatten(),
    "narrow": lambda lib, x: x.narrow(1, 1, 2), "narrow negative dim": lambda lib, x: lib.narrow(x, -1, 0, 3),
    "narrow too long": lambda lib, x: x.narrow(1, 2, 2), "narrow negative start": lambda lib, x: x.narrow(1, -1, 1),
    "narrow start out of range": lambda lib, x: x.narrow(1, -4, 1),
    "narrow negative length": lambda lib, x: x.narrow(1, 1, -1),
    "narrow empty": lambda lib, x: x.narrow(1, 3, 0),
    "narrow tensor start": lambda lib, x: x.narrow(1, lib.tensor(1), 2),
    "select": lambda lib, x: x.select(1, 2), "select negative": lambda lib, x: lib.select(x, -1, -1),
    "select out of range": lambda lib, x: x.select(0, 5),
    "contiguous": lambda lib, x: x.contiguous(), "contiguous transposed": lambda lib, x: x.transpose(0, 1).contiguous(),
    "reshape copy": lambda lib, x: x[:, :2].reshape(4, 4),
    "reshape same shape": lambda lib, x: x[:, ::2].reshape(2, 2, 4),
    "reshape expanded": lambda lib, x: x.expand(2, 2, 3, 4).reshape(4, 3, 4),
    "chain": lambda lib, x: x.permute(2, 0, 1).reshape(4, 6).t().unsqueeze(0).squeeze(0),
}


@pytest.mark.parametrize("fn", VIEWS.values(), ids=VIEWS.keys())
def test_views(fn):
    check(fn, randn(2, 3, 4))


def test_view_int_tensor():
    check(lambda lib, x: x.view(3, 2).t().reshape(-1), np.arange(6))


# ---- memory sharing -------------------------------------------------------------------------------
SHARING = {
    "view": lambda x: x.view(6, 4), "reshape": lambda x: x.reshape(-1), "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x[0].t(), "permute": lambda x: x.permute(2, 1, 0), "T": lambda x: x[0].T,
    "squeeze": lambda x: x.unsqueeze(0).squeeze(), "unsqueeze": lambda x: x.unsqueeze(1),
    "expand": lambda x: x[:1].expand(3, 3, 4),
    "flatten": lambda x: x.flatten(0, 1), "narrow": lambda x: x.narrow(2, 1, 2), "select": lambda x: x.select(1, 1),
    "detach": lambda x: x.detach(), "view_as": lambda x: x.view_as(x), "contiguous": lambda x: x.contiguous(),
    "reshape transposed view": lambda x: x.transpose(0, 1).reshape(3, 2, 2, 2),
}


@pytest.mark.parametrize("fn", SHARING.values(), ids=SHARING.keys())
def test_views_share_memory_and_version(fn):
    x = ember.arange(24.0).view(2, 3, 4)
    v = fn(x)
    assert v._base is not None or v is x
    assert v.data_ptr() >= x.data_ptr()
    x.mul_(2)  # write through the base: the view sees it
    assert np.shares_memory(v.numpy(), x.numpy())
    assert v._version == x._version == 1
    before = x.sum().item()
    if fn is not SHARING["expand"]:
        v.add_(1)  # write through the view: the base sees it
        assert x._version == v._version == 2
        assert x.sum().item() == before + v.numel()


def test_view_of_view_keeps_one_base():
    x = ember.zeros(4, 4)
    v = x[1:].t()[0]
    assert v._base is x
    v[0] = 5
    assert x[1, 0].item() == 5 and x._version == 1


def test_reshape_views_when_it_can():
    x = ember.arange(12.0).view(3, 4)
    r = x.reshape(4, 3)
    assert r.data_ptr() == x.data_ptr() and r._base is x._base
    c = x.t().reshape(12)  # not expressible as a view: a copy
    assert c._base is None
    c[0] = 100
    assert x[0, 0].item() == 0
    s = x[:, ::2].reshape(3, 2)  # already the right shape: a view
    s[0, 1] = 7
    assert x[0, 2].item() == 7


def test_view_incompatible_after_transpose():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError):
            lib.ones(2, 3).t().view(6)


# ---- joins ----------------------------------------------------------------------------------------
JOINS = {
    "cat": lambda lib, a, b: lib.cat([a, b]), "cat dim": lambda lib, a, b: lib.cat((a, b), dim=1),
    "cat negative": lambda lib, a, b: lib.cat([a, b, a], -1), "cat one": lambda lib, a, b: lib.cat([a]),
    "cat mismatch": lambda lib, a, b: lib.cat([a, b[:, :2]], 0), "cat ndim": lambda lib, a, b: lib.cat([a, b[0]]),
    "cat empty list": lambda lib, a, b: lib.cat([]), "cat 0-dim": lambda lib, a, b: lib.cat([a.sum(), b.sum()]),
    "cat empty 1-d": lambda lib, a, b: lib.cat([a, lib.tensor([]), b]),
    "cat empty 1-d first": lambda lib, a, b: lib.cat([lib.tensor([]), a], 1),
    "cat int": lambda lib, a, b: lib.cat([a, b.long()]),
    "cat int float64": lambda lib, a, b: lib.cat([a.int(), b.double()]),
    "cat bool int": lambda lib, a, b: lib.cat([a > 0, (b > 0).long()]), "cat tensor": lambda lib, a, b: lib.cat(a),
    "cat bad dim": lambda lib, a, b: lib.cat([a, b], 2), "concat": lambda lib, a, b: lib.concat([a, b]),
    "stack": lambda lib, a, b: lib.stack([a, b]), "stack dim": lambda lib, a, b: lib.stack((a, b), 1),
    "stack last": lambda lib, a, b: lib.stack([a, b], -1),
    "stack dtype": lambda lib, a, b: lib.stack([a.half(), b.int()]),
    "stack mismatch": lambda lib, a, b: lib.stack([a, b[:1]]), "stack empty": lambda lib, a, b: lib.stack([]),
    "stack 0-dim": lambda lib, a, b: lib.stack([a.sum(), b.sum()]),
    "stack bad dim": lambda lib, a, b: lib.stack([a, b], 3),
}


@pytest.mark.parametrize("fn", JOINS.values(), ids=JOINS.keys())
def test_joins(fn):
    check(fn, randn(2, 3), randn(2, 3, seed=1))


def test_cat_out_of_views_copies():
    a = ember.zeros(2)
    c = ember.cat([a, a])
    c[0] = 1
    assert a[0].item() == 0


# ---- property: random shapes through view/reshape/transpose -------------------------------------
@st.composite
def shape_and_ops(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    perm = draw(st.permutations(range(len(shape))))
    split = draw(st.integers(0, len(shape)))
    return shape, tuple(perm), split


@settings(max_examples=30, deadline=None)
@given(shape_and_ops())
def test_view_property(case):
    shape, perm, split = case
    n = int(np.prod(shape[split:]))
    check(lambda lib, x: x.permute(perm).reshape(-1, n).unsqueeze(0).flatten(0, 1).t(), randn(*shape))


@pytest.mark.parametrize("case", ["int with empty float", "int32 with empty int64", "float with empty double",
                                  "empty 2-d float with int"])
def test_cat_promotes_over_the_empty_tensors_it_skips(case):
    """`torch.cat([acc, torch.tensor([])])`: the skipped empty 1-D tensor still takes part in the dtype."""
    calls = {"int with empty float": lambda lib: lib.cat([lib.tensor([1, 2]), lib.tensor([])]),
             "int32 with empty int64": lambda lib: lib.cat([lib.tensor([1, 2], dtype=lib.int32),
                                                            lib.tensor([], dtype=lib.int64)]),
             "float with empty double": lambda lib: lib.cat([lib.tensor([1.0]), lib.zeros(0, dtype=lib.float64)]),
             "empty 2-d float with int": lambda lib: lib.cat([lib.zeros(0, 2), lib.ones(3, 2, dtype=lib.int64)])}
    check(calls[case], grad=False)
