"""Property tests: random chains of views followed by an in-place write on the last view, against PyTorch.

Compared: the base's and every view's values after the write (so memory sharing must match), shapes,
dtypes, grad_fn names, the gradients through the base (`leaf -> clone -> views -> in-place -> loss`) and of
the in-place op's tensor operand, and the exception type where PyTorch refuses (a view of a leaf that
requires grad, writing into an expanded view, a bad shape or dtype).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parity import assert_same_tensor, same_exception_type, torch
from prop_common import GRAD_TOL, arrays, floats, shapes

import ember


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


@st.composite
def _new_shape(draw, shape):
    """A shape with the same number of elements: flattened, two dims merged, a dim split, or a 1 inserted."""
    options = ["flat", "ones"]
    if len(shape) >= 2:
        options.append("merge")
    if any(s >= 4 and s % 2 == 0 for s in shape) or any(s in (4, 6) for s in shape):
        options.append("split")
    how = draw(st.sampled_from(options))
    new = list(shape)
    if how == "flat":
        return (-1,) if draw(st.booleans()) else (_size(shape),)
    if how == "ones":
        new.insert(draw(st.integers(0, len(new))), 1)
    elif how == "merge":
        i = draw(st.integers(0, len(new) - 2))
        new[i:i + 2] = [new[i] * new[i + 1]]
    else:
        i = draw(st.sampled_from([i for i, s in enumerate(shape) if s % 2 == 0 and s >= 4]))
        new[i:i + 1] = [2, new[i] // 2]
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return tuple(new)


@st.composite
def _view_op(draw, shape):
    """One view op that is legal for `shape` (view and expand may still be refused by the strides)."""
    n = len(shape)
    names = ["unsqueeze", "view", "reshape", "squeeze", "expand"]
    if n:
        names += ["slice", "transpose", "permute", "narrow"]
        if all(shape):
            names.append("select")
    if n <= 2:
        names.append("t")
    name = draw(st.sampled_from(names))
    dim = st.integers(-n, n - 1) if n else st.just(0)
    if name == "slice":
        d = draw(dim)
        size = shape[d]
        start = draw(st.one_of(st.none(), st.integers(-size - 1, size)))
        stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
        return ("slice", d % n, slice(start, stop, draw(st.sampled_from([None, 1, 2, 3]))))
    if name == "transpose":
        return ("transpose", draw(dim), draw(dim))
    if name == "permute":
        perm = draw(st.permutations(range(n)))
        return ("permute", tuple(p - n if draw(st.booleans()) else p for p in perm))
    if name in ("view", "reshape"):
        return (name, draw(_new_shape(shape)))
    if name == "unsqueeze":
        return ("unsqueeze", draw(st.integers(-n - 1, n)))
    if name == "squeeze":
        return ("squeeze", draw(st.one_of(st.none(), dim)))
    if name == "select":
        d = draw(dim)
        return ("select", d, draw(st.integers(-shape[d], shape[d] - 1)))
    if name == "narrow":
        d = draw(dim)
        start = draw(st.integers(0, shape[d]))
        return ("narrow", d, start, draw(st.integers(0, shape[d] - start)))
    if name == "expand":
        lead = [draw(st.integers(1, 2))] if draw(st.booleans()) or not n else []
        sizes = [draw(st.sampled_from([1, 2, 3])) if s == 1 else draw(st.sampled_from([s, -1])) for s in shape]
        return ("expand", tuple(lead + sizes))
    return ("t",)


def view(t, op):
    """Apply one view op (the same call for ember and torch)."""
    name, *args = op
    if name == "slice":
        return t[(slice(None),) * args[0] + (args[1],)]
    if name == "permute":
        return t.permute(*args[0])
    if name in ("view", "expand"):
        return getattr(t, name)(*args[0])
    if name == "reshape":
        return t.reshape(args[0])
    if name == "squeeze":
        return t.squeeze() if args[0] is None else t.squeeze(args[0])
    return getattr(t, name)(*args)


@st.composite
def chains(draw, base_shape, max_len=4):
    """View ops that PyTorch accepts one after another on a tensor of `base_shape`; the last one may be
    one that PyTorch refuses (then both libraries must raise the same exception type)."""
    t = torch.zeros(base_shape)
    ops = []
    for _ in range(draw(st.integers(1, max_len))):
        op = draw(_view_op(tuple(t.shape)))
        ops.append(op)
        try:
            t = view(t, op)
        except (RuntimeError, IndexError):
            break
    return ops


@st.composite
def _broadcastable_to(draw, shape):
    """A shape that broadcasts to `shape`: a suffix of it with some sizes set to 1."""
    suffix = shape[len(shape) - draw(st.integers(0, len(shape))):]
    return tuple(1 if draw(st.booleans()) else s for s in suffix)


@st.composite
def inplace_ops(draw, shape, dtype):
    """An in-place op for a view of `shape`: (name, Python scalar or None, tensor operand or None, key)."""
    name = draw(st.sampled_from(["add_", "mul_", "copy_", "fill_", "zero_", "setitem", "sub_"]))
    scalar = draw(st.one_of(st.integers(-3, 3), floats(3)))
    if name == "zero_":
        return (name, None, None, None)
    if name == "fill_":
        return (name, scalar, None, None)
    if name == "setitem":
        key = draw(_setitem_key(shape))
        target = np.zeros(shape)[key[1] if isinstance(key, tuple) else key].shape
        if draw(st.booleans()):
            return (name, scalar, None, key)
        return (name, None, draw(arrays(dtype, draw(_broadcastable_to(target)))), key)
    if name != "copy_" and draw(st.booleans()):
        return (name, scalar, None, None)
    return (name, None, draw(arrays(dtype, draw(_broadcastable_to(shape)))), None)


@st.composite
def _setitem_key(draw, shape):
    options = [st.just(Ellipsis)]
    if shape and shape[0]:
        options += [st.integers(-shape[0], shape[0] - 1), st.just(slice(None, None, 2))]
    options.append(arrays(np.bool_, shape).map(lambda m: ("mask", m)))
    return draw(st.one_of(*options))


def _key(lib, key):
    return lib.tensor(key[1]) if isinstance(key, tuple) else key


def run(lib, base_values, ops, inplace, mode):
    """The chain and the in-place write in library `lib`: ("error", exception) or ("ok", tensors, grads)."""
    name, scalar, operand, key = inplace
    leaf = lib.tensor(base_values.copy())
    other = None if operand is None else lib.tensor(operand.copy())
    if mode != "plain":
        leaf.requires_grad_()
        if other is not None and other.dtype.is_floating_point:
            other.requires_grad_()
    base = leaf if mode == "leaf" else leaf.clone()
    try:
        views = [base]
        for op in ops:
            views.append(view(views[-1], op))
        v = views[-1]
        value = scalar if other is None else other
        if name == "zero_":
            v.zero_()
        elif name == "setitem":
            v[_key(lib, key)] = value
        else:
            getattr(v, name)(value)
        grads = []
        if mode == "grad":
            rng = np.random.default_rng(0)
            loss = sum((t * lib.tensor(rng.standard_normal(tuple(t.shape)))).sum() for t in views)
            loss.backward()
            grads = [leaf.grad, None if other is None else other.grad]
    except Exception as e:  # noqa: BLE001  (compared with the other library's exception)
        return ("error", e)
    return ("ok", views, grads)


def compare(ops, inplace, base_values, mode):
    t_out = run(torch, base_values, ops, inplace, mode)
    e_out = run(ember, base_values, ops, inplace, mode)
    if t_out[0] == "error":
        assert e_out[0] == "error", f"torch raised {t_out[1]!r}, ember did not"
        assert same_exception_type(e_out[1], t_out[1]), f"torch raised {t_out[1]!r}, ember {e_out[1]!r}"
        return
    assert e_out[0] == "ok", f"ember raised {e_out[1]!r}, torch did not"
    for i, (e, t) in enumerate(zip(e_out[1], t_out[1])):
        assert_same_tensor(e, t, "base" if i == 0 else f"view {i} after {ops[i - 1]}",
                           check_grad_fn=mode != "plain")
    for i, (e, t) in enumerate(zip(e_out[2], t_out[2])):
        if t is None:
            assert e is None, f"grad {i}: ember has one, torch has None"
        else:
            assert e is not None, f"grad {i}: ember has None"
            assert_same_tensor(e, t, "grad of the leaf" if i == 0 else "grad of the operand", check_grad_fn=False,
                               atol=GRAD_TOL["grad_atol"], rtol=GRAD_TOL["grad_rtol"])


def _torch_chain(shape, ops):
    """The views of a zero tensor of `shape` that PyTorch makes, up to the first op it refuses."""
    chain = [torch.zeros(shape)]
    for op in ops:
        try:
            chain.append(view(chain[-1], op))
        except (RuntimeError, IndexError):
            break
    return chain


@st.composite
def cases(draw, dtypes):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    dtype = draw(st.sampled_from(dtypes))
    base_values = draw(arrays(dtype, shape))
    ops = draw(chains(shape))
    return base_values, ops, draw(inplace_ops(tuple(_torch_chain(shape, ops)[-1].shape), dtype))


@settings(max_examples=150, deadline=None)
@given(case=cases([np.float64]))
def test_views_then_inplace_with_grad(case):
    base_values, ops, inplace = case
    compare(ops, inplace, base_values, "grad")


@settings(max_examples=100, deadline=None)
@given(case=cases([np.float32, np.int64, np.bool_]))
def test_views_then_inplace_values(case):
    base_values, ops, inplace = case
    compare(ops, inplace, base_values, "plain")


@settings(max_examples=60, deadline=None)
@given(case=cases([np.float64]))
def test_inplace_on_view_of_leaf_raises(case):
    base_values, ops, inplace = case
    compare(ops, inplace, base_values, "leaf")


# ---- ember bugs found by the properties above ---------------------------------------------------------------
def test_stale_sibling_view():
    for lib in (torch, ember):
        leaf, other = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([10.0, 20.0], requires_grad=True)
        v1 = leaf.clone().unsqueeze(0)
        v1[0].mul_(other)
        v1.sum().backward()
        assert leaf.grad.tolist() == [10.0, 20.0] and other.grad.tolist() == [1.0, 2.0], lib.__name__


@pytest.mark.parametrize("name", ["fill_", "zero_"])
def test_fill_zero_through_view_with_grad(name):
    compare([("unsqueeze", 0)], (name, 2.0 if name == "fill_" else None, None, None), np.array([1.0, 2.0]), "grad")


@pytest.mark.parametrize("name", ["fill_", "zero_"])
def test_fill_zero_on_view_of_leaf(name):
    compare([("unsqueeze", 0)], (name, 2.0 if name == "fill_" else None, None, None), np.array([1.0, 2.0]), "leaf")


def test_bool_sub_inplace_error_type():
    compare([("unsqueeze", 0)], ("sub_", True, None, None), np.array([True, False]), "plain")


def test_0d_mask_put():
    compare([("select", 0, 0)], ("setitem", None, np.array(5.0), ("mask", np.array(True))), np.array([1.0]), "grad")


@pytest.mark.parametrize("name", ["add_", "mul_", "copy_", "setitem ...", "setitem 0 of 2-D"])
def test_write_into_expanded_view(name):
    """Writes where several elements share memory: PyTorch refuses them (not fill_, nor an advanced setitem)."""
    for lib in (torch, ember):
        x = lib.zeros(1, 1).expand(2, 2)
        with pytest.raises(RuntimeError, match="single memory location"):
            if name.startswith("setitem"):
                x[... if name == "setitem ..." else 0] = 1.0
            else:
                getattr(x, name)(lib.ones(2, 2))


@pytest.mark.parametrize("name", ["fill_", "zero_", "setitem 0 of 1-D", "setitem index", "setitem mask"])
def test_allowed_write_into_expanded_view(name):
    results = []
    for lib in (torch, ember):
        x = lib.zeros(1)
        v = x.expand(2)
        if name == "fill_":
            v.fill_(2.0)
        elif name == "zero_":
            v.zero_()
        else:
            keys = {"setitem 0 of 1-D": 0, "setitem index": lib.tensor([1]), "setitem mask": lib.tensor([False, True])}
            v[keys[name]] = 3.0
        results.append((x.tolist(), v.tolist()))
    assert results[0] == results[1]


def test_write_into_expanded_noncontiguous_view():
    results = []
    for lib in (torch, ember):
        x = lib.zeros(2, 2)
        x[:, :1].expand(2, 3).fill_(1.0)
        results.append(x.tolist())
    assert results[0] == results[1]


def test_write_into_empty_expanded_view():
    for lib in (torch, ember):
        assert lib.zeros(0).expand(2, 0).add_(1.0).shape == (2, 0)


def test_grad_of_write_into_expanded_view():
    compare([("expand", (2,))], ("setitem", 0.0, None, 0), np.array([3.0]), "grad")


def test_sibling_view_list_forgets_dead_views():
    base = ember.ones(3, requires_grad=True) * 2
    kept = [base[i] for i in range(3)]
    for _ in range(1000):
        base.view(3)
    assert 3 <= len(base._views) <= 128
    kept[0].mul_(ember.tensor(5.0, requires_grad=True))
    assert all(v.grad_fn.name() == "AsStridedBackward0" for v in kept)
