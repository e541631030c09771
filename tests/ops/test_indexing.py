"""Parity tests: tensor[key] and tensor[key] = value, with values, gradients and the recorded graph."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import check, randn

import ember

torch = pytest.importorskip("torch")


def graph(t):
    """The names of the nodes behind `t`, depth first, as nested (name, children) tuples."""
    def walk(node):
        if node is None:
            return None
        return (node.name().split("::")[-1], tuple(walk(n) for n, _ in node.next_functions))
    return walk(t.grad_fn)


def same_graph(fn, *arrays):
    """fn(lib, *tensors) records the same graph in ember and torch."""
    e = fn(ember, *[ember.tensor(a, requires_grad=True) for a in arrays])
    t = fn(torch, *[torch.tensor(a, requires_grad=True) for a in arrays])
    assert graph(e) == graph(t)


GET = {
    "int": lambda lib, x: x[1], "negative int": lambda lib, x: x[-1], "two ints": lambda lib, x: x[0, 0],
    "three ints": lambda lib, x: x[1, -1, 2], "slice": lambda lib, x: x[1:], "slice step": lambda lib, x: x[:, ::2],
    "slice stop": lambda lib, x: x[..., 1:3], "slice all": lambda lib, x: x[:],
    "slice beyond": lambda lib, x: x[:, 1:10],
    "slice empty": lambda lib, x: x[:, 2:1], "slice negative": lambda lib, x: x[:, -2:], "None": lambda lib, x: x[None],
    "None middle": lambda lib, x: x[:, None, 1], "ellipsis": lambda lib, x: x[..., 0],
    "ellipsis only": lambda lib, x: x[...],
    "ellipsis middle": lambda lib, x: x[0, ..., 1], "combo": lambda lib, x: x[1, None, ::2, ..., -1],
    "tuple": lambda lib, x: x[(0, slice(1, 3))],
    "int list": lambda lib, x: x[[0, 1, 0]], "int tensor": lambda lib, x: x[lib.tensor([1, 0])],
    "int tensor 2-d": lambda lib, x: x[lib.tensor([[0, 1], [1, 1]])],
    "int32 tensor": lambda lib, x: x[:, lib.tensor([2, 0], dtype=lib.int32)],
    "negative index tensor": lambda lib, x: x[lib.tensor([-1, -2])], "two tensors": lambda lib, x: x[[0, 1], [2, 1]],
    "broadcast tensors": lambda lib, x: x[lib.tensor([[0], [1]]), lib.tensor([0, 2])],
    "tensor with slice": lambda lib, x: x[1:, [0, 2]], "tensor slice tensor": lambda lib, x: x[[0, 1], :, [1, 3]],
    "tensor ellipsis": lambda lib, x: x[..., [0, 0, 3]], "tensor None": lambda lib, x: x[None, [1]],
    "bool mask": lambda lib, x: x[x > 0], "bool mask row": lambda lib, x: x[lib.tensor([True, False])],
    "bool mask 2-d": lambda lib, x: x[(x > 0).all(-1)],
    "bool mask with slice": lambda lib, x: x[:, lib.tensor([True, False, True])],
    "bool list": lambda lib, x: x[[True, False]], "python bool": lambda lib, x: x[True],
    "python False": lambda lib, x: x[False],
    "byte mask": lambda lib, x: (x[lib.tensor([1, 0], dtype=lib.uint8)] if lib is torch
                                 else x[lib.tensor([True, False])]),
    "repeated index": lambda lib, x: x[[1, 1, 1]], "empty list": lambda lib, x: x[lib.tensor([], dtype=lib.int64)],
    "out of range": lambda lib, x: x[2], "out of range negative": lambda lib, x: x[-3],
    "out of range 2nd": lambda lib, x: x[0, 3],
    "out of range tensor": lambda lib, x: x[[0, 5]],
    "out of range tensor negative": lambda lib, x: x[:, lib.tensor([-4])],
    "too many": lambda lib, x: x[0, 0, 0, 0], "float": lambda lib, x: x[1.0],
    "float tensor": lambda lib, x: x[lib.tensor([0.0])],
    "float list": lambda lib, x: x[[0.0, 1.0]], "negative step": lambda lib, x: x[::-1],
    "zero step": lambda lib, x: x[::0],
    "string": lambda lib, x: x["a"], "mask wrong shape": lambda lib, x: x[lib.tensor([True, False, True])],
    "int ellipsis list": lambda lib, x: x[0, ..., [0, 0]], "int slice list": lambda lib, x: x[[1, 0], :, -1],
    "two ellipses": lambda lib, x: x[..., 0, ...], "int between ellipses": lambda lib, x: x[0, ..., 0, ...],
    "two ellipses too wide": lambda lib, x: x[..., 0, ..., 0],
    "None between ellipses": lambda lib, x: x[..., None, ...],
    "ellipses and a list": lambda lib, x: x[..., [0, 1], ...], "range": lambda lib, x: x[range(2)],
    "range and tensor": lambda lib, x: x[range(2), lib.tensor([2, 0])], "empty range": lambda lib, x: x[:, range(0)],
    "0-dim int tensor": lambda lib, x: x[lib.tensor(1)],
    "0-dim tensor as second": lambda lib, x: x[0, lib.tensor(2)],
}


@pytest.mark.parametrize("fn", GET.values(), ids=GET.keys())
def test_getitem(fn):
    check(fn, randn(2, 3, 4))


ZERO_DIM = {
    "int": lambda lib, x: x[0], "slice": lambda lib, x: x[:], "None": lambda lib, x: x[None],
    "ellipsis": lambda lib, x: x[...],
    "None ellipsis": lambda lib, x: x[None, ...], "bool": lambda lib, x: x[True], "false": lambda lib, x: x[False],
    "mask": lambda lib, x: x[x > 0], "int tensor": lambda lib, x: x[lib.tensor([0])],
}


@pytest.mark.parametrize("fn", ZERO_DIM.values(), ids=ZERO_DIM.keys())
def test_getitem_zero_dim(fn):
    check(fn, np.array(1.5))


def test_getitem_int_tensor_data():
    check(lambda lib, x: x[1:, ::2][[0, 1]], np.arange(12).reshape(3, 4))


def test_basic_indexing_gives_views():
    x = ember.arange(24.0).view(2, 3, 4)
    for v in (x[1], x[:, 1:], x[..., ::2], x[None, 0], x[0, 1, 2], x[...]):
        assert v._base is x._base and np.shares_memory(v.numpy(), x.numpy())
    v = x[0, 1:]
    v[0, 0] = -1
    assert x[0, 1, 0].item() == -1 and x._version == 1
    a = x[[0, 1]]  # advanced: a copy
    a[0] = 100
    assert x[0, 0, 0].item() == 0


GRAPHS = {
    "int int": lambda lib, x: x[0, 0], "slice int": lambda lib, x: x[1:, 0], "full slice": lambda lib, x: x[:, 1],
    "None": lambda lib, x: x[None, 0], "ellipsis": lambda lib, x: x[..., 1:], "all": lambda lib, x: x[:],
    "index": lambda lib, x: x[[0, 1]], "index 2-d": lambda lib, x: x[[0, 1], [1, 1]],
    "index after slice": lambda lib, x: x[1:, [0, 2]], "index after int": lambda lib, x: x[[0, 1], 1],
    "index after None": lambda lib, x: x[None, :, [0]],
    "mask": lambda lib, x: x[x > 0], "three": lambda lib, x: x[0, 1:, ::2],
    "reshape copy": lambda lib, x: x[:, :2].reshape(-1), "reshape alias": lambda lib, x: x[:, :, ::2].reshape(6, 2),
}


@pytest.mark.parametrize("fn", GRAPHS.values(), ids=GRAPHS.keys())
def test_graph_matches_torch(fn):
    same_graph(fn, randn(2, 3, 4))


# ---- __setitem__ ----------------------------------------------------------------------------------
def assign(key, value_shape=None, value=2.0):
    """fn(lib, x[, v]) that assigns into a non-leaf copy of x and returns it."""
    def fn(lib, x, *v):
        y = x * 1
        y[key(lib) if callable(key) else key] = v[0] if v else value
        return y
    return fn


SET = {
    "int": (0, None), "negative int": (-1, None), "slice": ((slice(1, None), 1), None),
    "step": ((Ellipsis, slice(None, None, 2)), None),
    "tensor value": (1, (3, 4)), "broadcast value": ((slice(None), 0), (4,)), "broadcast row": (0, (1, 4)),
    "0-dim value": ((0, 1), ()), "value with leading 1s": ((0, 1), (1, 1, 4)), "value too many dims": ((0, 1), (2, 4)),
    "mask": (lambda lib: lib.arange(24).view(2, 3, 4) % 3 == 0, None),
    "mask tensor value": (lambda lib: lib.tensor([True, False]), (3, 4)), "index list": ([0, 1], None),
    "index tensor value": ((lambda lib: (lib.tensor([0, 1]), lib.tensor([2, 0]))), (4,)),
    "index with slice": ((lambda lib: (slice(None), lib.tensor([0, 2]))), (2, 1, 4)), "None": ((None, 0), None),
    "shape mismatch": (0, (2, 4)), "out of range": (5, None), "float index": (1.0, None),
    "ellipsis": (Ellipsis, (4,)), "int ellipsis list": ((lambda lib: (0, Ellipsis, [0, 1])), (3, 2)),
    "int slice list": ((lambda lib: ([1, 0], slice(None), -1)), (2, 3)),
}


@pytest.mark.parametrize("key,value_shape", SET.values(), ids=SET.keys())
def test_setitem(key, value_shape):
    fn = assign(key)
    if value_shape is None:
        check(fn, randn(2, 3, 4))
    else:
        check(fn, randn(2, 3, 4), randn(*value_shape, seed=5))


def test_setitem_graph():
    same_graph(assign(0), randn(2, 3))
    same_graph(assign((0, 1)), randn(2, 3), np.array(1.5))
    same_graph(assign(lambda lib: lib.tensor([1, 0])), randn(2, 3), randn(3))
    same_graph(assign(lambda lib: lib.tensor([True, False])), randn(2, 3), randn(3))


def test_accumulate_grad_name():
    x = ember.ones(2, requires_grad=True)
    assert (x * 2).grad_fn.next_functions[0][0].name() == "ember::autograd::AccumulateGrad"


def test_setitem_gradients_to_target_and_value():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = lib.tensor(5.0, requires_grad=True)
        y = x * 1
        y[0] = v
        (y * lib.tensor([2.0, 3.0, 4.0])).sum().backward()
        assert x.grad.tolist() == [0.0, 3.0, 4.0] and v.grad.item() == 2.0


SET_PLAIN = {
    "scalar": lambda lib: (lib.zeros(2, 3), (0, 1), 5),
    "int into float": lambda lib: (lib.zeros(3), slice(None), lib.tensor([1, 2, 3])),
    "float into int": lambda lib: (lib.zeros(3, dtype=lib.int64), 0, 2.7),
    "float tensor into int": lambda lib: (lib.zeros(2, dtype=lib.int32), 1, lib.tensor(-1.5)),
    "bool value": lambda lib: (lib.zeros(3), 1, True),
    "mask scalar": lambda lib: (lib.arange(6.0), lib.arange(6) > 2, -1.0),
    "mask values": lambda lib: (lib.arange(6.0), lib.arange(6) % 2 == 0, lib.tensor([7.0, 8.0, 9.0])),
    "repeated index": lambda lib: (lib.zeros(3), lib.tensor([0, 0, 2]), lib.tensor([1.0, 2.0, 3.0])),
    "leaf requiring grad": lambda lib: (lib.zeros(3, requires_grad=True), 0, 1.0),
    "0-dim": lambda lib: (lib.tensor(1.0), Ellipsis, 3.0), "0-dim int": lambda lib: (lib.tensor(1.0), 0, 3.0),
    "value too big": lambda lib: (lib.zeros(2), slice(None), lib.ones(3)),
    "column": lambda lib: (lib.zeros(2, 3), (slice(None), 1), lib.tensor([4.0, 5.0])),
    "mask float tensor into uint8": lambda lib: (lib.zeros(2, 2, dtype=lib.uint8), lib.tensor([True, False]),
                                                 lib.tensor(2.7)),
    "range and labels (forward-forward example)": lambda lib: (lib.zeros(3, 4), (range(3), lib.tensor([1, 3, 0])), 1.0),
    "negative float tensor into uint8 under an empty mask": lambda lib: (lib.zeros(1, 1, dtype=lib.uint8),
                                                                      lib.tensor([False]), lib.tensor(-1.0)),
}


@pytest.mark.parametrize("make", SET_PLAIN.values(), ids=SET_PLAIN.keys())
def test_setitem_plain(make):
    def fn(lib):
        target, key, value = make(lib)
        target[key] = value
        return target
    check(lambda lib: fn(lib))


def test_setitem_bumps_version_and_writes_through_views():
    x = ember.zeros(3, 4)
    row = x[1]
    row[2] = 5
    assert x[1, 2].item() == 5 and x._version == row._version == 1
    x[1] = 7
    assert row.tolist() == [7] * 4 and row._version == 2
    x[x > 6] = 1
    assert row.tolist() == [1] * 4 and x._version == 3


# ---- property: random index expressions against torch --------------------------------------------
@st.composite
def index_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    key, dim, used_list, used_ellipsis = [], 0, False, False
    while dim < len(shape) and draw(st.booleans()):
        kind = draw(st.sampled_from(["int", "slice", "None", "ellipsis", "list"]))
        n = shape[dim]
        if kind == "int":
            key.append(draw(st.integers(-n, n - 1)))
            dim += 1
        elif kind == "slice":
            bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
            start, stop = draw(bound), draw(bound)
            key.append(slice(start, stop, draw(st.one_of(st.none(), st.integers(1, 3)))))
            dim += 1
        elif kind == "None":
            key.append(None)
        elif kind == "ellipsis" and not used_ellipsis:
            key.append(Ellipsis)
            used_ellipsis = True
            dim = len(shape) - sum(1 for k in key if k is not None and k is not Ellipsis)
        elif kind == "list" and not used_list:
            key.append(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3)))
            used_list = True
            dim += 1
    return shape, tuple(key)


@settings(max_examples=100, deadline=None)
@given(index_case())
def test_index_property(case):
    shape, key = case
    check(lambda lib, x: x[key], randn(*shape))


def test_a_byte_tensor_index_is_a_mask_as_torch():
    """PyTorch still reads a uint8 index tensor as a mask (ember took its values as indices)."""
    x = np.arange(24.0).reshape(2, 3, 4)
    check(lambda lib, x: x[lib.tensor([0, 1], dtype=lib.uint8)], x)
    check(lambda lib, x: x[:, lib.tensor([1, 0, 1], dtype=lib.uint8)], x)


def test_a_mask_assignment_of_another_shape_raises_as_torch():
    """PyTorch's RuntimeError, not NumPy's TypeError."""
    for lib in (ember, torch):
        x = lib.zeros(2, 2)
        with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[2, 1\] cannot be broadcast"):
            x[lib.tensor([[True, False], [True, False]])] = lib.tensor([[1.0], [2.0]])
