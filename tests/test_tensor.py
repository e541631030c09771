"""Parity tests: Size, creation functions, devices, conversions and the Tensor's own attributes."""
import copy
import pickle
import warnings

import numpy as np
import pytest
from parity import assert_same, check, randn

import ember

torch = pytest.importorskip("torch")


def same(fn, **kw):
    """Run `fn(lib)` on ember and torch and compare results (or exception types) with the parity helper."""
    return check(lambda lib: fn(lib), **kw)


# ---- Size -------------------------------------------------------------------------------------
def test_size_is_a_tuple():
    s = ember.ones(2, 3).shape
    assert isinstance(s, ember.Size) and isinstance(s, tuple)
    assert s == (2, 3) and s == ember.Size([2, 3])
    assert repr(s) == "ember.Size([2, 3])" == repr(torch.Size([2, 3])).replace("torch", "ember")
    assert repr(ember.Size([])) == "ember.Size([])"
    assert isinstance(s[1:], ember.Size) and s[0] == 2
    assert isinstance(s + (4,), ember.Size) and s + (4,) == (2, 3, 4)
    assert s.numel() == 6 and ember.Size([]).numel() == 1
    assert pickle.loads(pickle.dumps(s)) == s
    assert ember.ones(2, 3).size() == s and ember.zeros(s).shape == s


# ---- tensor(): dtype inference and errors -----------------------------------------------------
DATA = {
    "ints": [1, 2, 3], "floats": [1.5, 2.0], "bools": [True, False], "int-float": [1, 2.5],
    "int-bool": [True, 2], "float-bool": [1.5, True], "all three": [[1, 2.5], [True, 0]], "scalar int": 3,
    "scalar float": 3.5, "scalar bool": True, "empty": [], "empty 2d": [[], []], "tuple": (1, 2),
    "nested": [[[1], [2]], [[3], [4]]], "numpy float64 scalar": np.float64(2.0), "numpy int32 scalar": np.int32(2),
    "list of numpy float32": [np.float32(1), 2.0], "list of numpy float64": [np.float64(1), 2], "list of numpy int8":
    [np.int8(1), np.int16(2)], "python int then numpy int32": [1, np.int32(2)], "list of int32 arrays":
    [np.array([1, 2], dtype=np.int32)],
    "python float then numpy float64": [1.0, np.float64(2.0)], "python int then numpy float64": [1, np.float64(2.0)],
    "nested python float then numpy float64": [[1.0], [np.float64(2.0)]],
    "python float then numpy float16": [1.0, np.float16(2.0)], "numpy int64 then python float": [np.int64(1), 2.5],
    "python bool then numpy int32": [True, np.int32(2)],
}


@pytest.mark.parametrize("data", DATA.values(), ids=DATA.keys())
def test_tensor_infers_dtype(data):
    same(lambda lib: lib.tensor(data))


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                np.bool_])
def test_tensor_keeps_numpy_dtype(dt):
    a = np.arange(4).astype(dt)
    same(lambda lib: lib.tensor(a))
    same(lambda lib: lib.as_tensor(a))
    same(lambda lib: lib.from_numpy(a))


BAD = {"ragged": [[1, 2], [3]], "ragged deep": [[[1], [2, 3]]], "number then list": [1, [2]],
       "list then number": [[1, 2], 3], "string": "abc", "list of strings": ["a", "b"], "None": None,
       "list with None": [1, None], "dict": {1: 2}, "object": object(), "huge int": 2 ** 70,
       "string array": np.array(["a"]), "bytes": b"ab"}


@pytest.mark.parametrize("data", BAD.values(), ids=BAD.keys())
def test_tensor_errors(data):
    same(lambda lib: lib.tensor(data))


def test_tensor_from_tensor_copies_and_warns():
    a = ember.ones(2)
    with pytest.warns(UserWarning):
        b = ember.tensor(a)
    b[0] = 5
    assert a[0].item() == 1


@pytest.mark.parametrize("kw", [{"dtype": "float64"}, {"dtype": "int32"}, {"requires_grad": True},
                                {"dtype": "float16", "requires_grad": True}])
def test_tensor_keywords(kw):
    same(lambda lib: lib.tensor([1.5, 2.0], **{k: getattr(lib, v) if k == "dtype" else v for k, v in kw.items()}))
    check(lambda lib: lib.tensor([1, 2], dtype=lib.int64, requires_grad=True))


def test_tensor_copies_numpy():
    a = np.ones(3)
    t = ember.tensor(a)
    a[0] = 7
    assert t[0].item() == 1


# ---- sharing memory with NumPy ------------------------------------------------------------------
def test_from_numpy_shares_memory_both_ways():
    a = np.ones(5)
    b = ember.from_numpy(a)
    np.add(a, 1, out=a)
    assert b.tolist() == [2.0] * 5 and b.dtype is ember.float64
    b[1] = 7
    b.add_(1)
    assert a.tolist() == [3.0, 8.0, 3.0, 3.0, 3.0]


def test_from_numpy_errors():
    same(lambda lib: lib.from_numpy([1, 2]))
    same(lambda lib: lib.from_numpy(np.arange(4)[::-1]))


def test_as_tensor_shares_when_it_can():
    a = np.arange(3.0)
    t = ember.as_tensor(a)
    a[0] = 9
    assert t[0].item() == 9
    converted = ember.as_tensor(a, dtype=ember.float32)
    a[1] = 9
    assert converted[1].item() == 1
    x = ember.ones(2)
    assert ember.as_tensor(x) is x


def test_numpy_shares_memory_both_ways():
    t = ember.zeros(3)
    a = t.numpy()
    a[0] = 5
    assert t[0].item() == 5
    t[1] = 6
    assert a[1] == 6
    t.mul_(2)
    assert a.tolist() == [10, 12, 0]


def test_numpy_of_requires_grad_raises():
    same(lambda lib: lib.ones(2, requires_grad=True).numpy())
    x = ember.ones(2, requires_grad=True)
    assert x.detach().numpy().tolist() == [1, 1]
    assert (x * 2).detach().numpy().tolist() == [2, 2]


# ---- creation by shape ----------------------------------------------------------------------------
FACTORIES = {
    "zeros": lambda lib: lib.zeros(2, 3), "zeros tuple": lambda lib: lib.zeros((2, 3), dtype=lib.int8),
    "zeros list": lambda lib: lib.zeros([2, 3]), "zeros 0-dim": lambda lib: lib.zeros(()),
    "zeros bool": lambda lib: lib.zeros(2, dtype=lib.bool), "ones": lambda lib: lib.ones(4),
    "ones empty": lambda lib: lib.ones(0, 3), "ones float64": lambda lib: lib.ones(2, dtype=lib.float64),
    "ones requires_grad": lambda lib: lib.ones(2, requires_grad=True),
    "ones int requires_grad": lambda lib: lib.ones(2, dtype=lib.int64, requires_grad=True),
    "zeros negative": lambda lib: lib.zeros(-1), "zeros float size": lambda lib: lib.zeros(2.5),
    "empty shape": lambda lib: lib.empty(2, 3).shape, "empty dtype": lambda lib: lib.empty(2, dtype=lib.int16).dtype,
    "full int": lambda lib: lib.full((2,), 1), "full float": lambda lib: lib.full((2, 2), 1.5),
    "full bool": lambda lib: lib.full((2,), True), "full dtype": lambda lib: lib.full((2,), 2, dtype=lib.float32),
    "full 0-dim": lambda lib: lib.full((), 2.0), "full int size": lambda lib: lib.full(2, 1.0),
    "arange int": lambda lib: lib.arange(5), "arange start": lambda lib: lib.arange(2, 10, 3),
    "arange float": lambda lib: lib.arange(0, 1, 0.25), "arange float end": lambda lib: lib.arange(0.0, 5),
    "arange negative step": lambda lib: lib.arange(5, 0, -1),
    "arange negative float step": lambda lib: lib.arange(1, 0, -0.3),
    "arange negative start": lambda lib: lib.arange(-1.5, 1.5, 0.5),
    "arange tenth": lambda lib: lib.arange(0, 1, 0.1), "arange dtype": lambda lib: lib.arange(4, dtype=lib.float64),
    "arange tensor": lambda lib: lib.arange(lib.tensor(3)), "arange wrong sign": lambda lib: lib.arange(0, 5, -1),
    "arange zero step": lambda lib: lib.arange(0, 5, 0), "arange empty": lambda lib: lib.arange(3, 3),
    "arange 1-d tensor": lambda lib: lib.arange(0, lib.tensor([3])),
    "arange tensor requiring grad": lambda lib: lib.arange(lib.tensor(3.0, requires_grad=True)),
    "as_tensor positional dtype": lambda lib: lib.as_tensor([1], lib.float64),
    "linspace": lambda lib: lib.linspace(0, 1, 5), "linspace one": lambda lib: lib.linspace(0, 10, 1),
    "linspace zero": lambda lib: lib.linspace(0, 1, 0),
    "linspace int": lambda lib: lib.linspace(0, 10, 5, dtype=lib.int64),
    "linspace negative": lambda lib: lib.linspace(0, 1, -1), "linspace down": lambda lib: lib.linspace(3, -3, 7),
    "eye": lambda lib: lib.eye(3), "eye n m": lambda lib: lib.eye(2, 3),
    "eye int": lambda lib: lib.eye(3, dtype=lib.int32),
    "eye zero": lambda lib: lib.eye(0), "eye n 0": lambda lib: lib.eye(2, 0), "eye negative": lambda lib: lib.eye(-1),
    "rand": lambda lib: lib.rand(2, 3).shape, "rand dtype": lambda lib: lib.rand(2, dtype=lib.float64).dtype,
    "rand half": lambda lib: lib.rand(2, dtype=lib.float16).dtype, "rand int": lambda lib: lib.rand(2, dtype=lib.int64),
    "randn": lambda lib: lib.randn((2, 3)).shape, "randn int": lambda lib: lib.randn(2, dtype=lib.int64),
    "randn requires_grad": lambda lib: lib.randn(2, requires_grad=True).requires_grad,
    "randint": lambda lib: lib.randint(0, 10, (3,)).dtype, "randint high": lambda lib: lib.randint(10, (3,)).shape,
    "randint dtype": lambda lib: lib.randint(0, 10, (3,), dtype=lib.float32).dtype,
    "randint empty range": lambda lib: lib.randint(5, 5, (2,)),
    "randperm": lambda lib: sorted(lib.randperm(5).tolist()),
    "randperm dtype": lambda lib: lib.randperm(4, dtype=lib.int32).dtype, "randperm zero": lambda lib: lib.randperm(0),
}


@pytest.mark.parametrize("fn", FACTORIES.values(), ids=FACTORIES.keys())
def test_factories(fn):
    same(fn)


def test_random_ranges():
    assert 0 <= ember.rand(1000).min().item() and ember.rand(1000).max().item() < 1
    r = ember.randint(3, 7, (1000,))
    assert set(r.tolist()) == {3, 4, 5, 6}
    assert sorted(ember.randperm(20).tolist()) == list(range(20))
    assert abs(ember.randn(10000).mean().item()) < 0.05


LIKE = {
    "zeros_like": lambda lib, x: lib.zeros_like(x), "ones_like": lambda lib, x: lib.ones_like(x),
    "ones_like dtype": lambda lib, x: lib.ones_like(x, dtype=lib.float64),
    "full_like": lambda lib, x: lib.full_like(x, 2.7), "full_like int": lambda lib, x: lib.full_like(x.long(), 2.7),
    "empty_like": lambda lib, x: lib.empty_like(x).shape, "rand_like": lambda lib, x: lib.rand_like(x).dtype,
    "randn_like": lambda lib, x: lib.randn_like(x.double()).dtype,
    "randn_like int": lambda lib, x: lib.randn_like(x.long()),
    "randint_like": lambda lib, x: lib.randint_like(x, 5).dtype,
    "zeros_like requires_grad": lambda lib, x: lib.zeros_like(x, requires_grad=True),
    "new_zeros": lambda lib, x: x.int().new_zeros(3), "new_ones": lambda lib, x: x.int().new_ones((2, 2)),
    "new_tensor": lambda lib, x: x.new_tensor([1, 2]), "new_tensor int": lambda lib, x: x.char().new_tensor([1.5]),
    "new_full": lambda lib, x: x.double().new_full((2,), 3), "new_empty": lambda lib, x: x.new_empty(2, 3).shape,
    "new_zeros dtype": lambda lib, x: x.new_zeros(2, dtype=lib.int64),
    "new_zeros requires_grad": lambda lib, x: x.new_zeros(2, requires_grad=True),
    "new_full int size": lambda lib, x: x.new_full(2, 1.0),
}


@pytest.mark.parametrize("fn", LIKE.values(), ids=LIKE.keys())
def test_like_and_new(fn):
    x = randn(2, 3, dtype=np.float32)
    check(fn, x, grad=False)
    assert fn(ember, ember.tensor(x)).device == ember.device("cpu") if fn is LIKE["zeros_like"] else True


# ---- random generators --------------------------------------------------------------------------
def test_manual_seed_reproducible():
    for make in (lambda: ember.rand(5), lambda: ember.randn(2, 3), lambda: ember.randint(0, 100, (5,)),
                 lambda: ember.randperm(10), lambda: ember.rand_like(ember.ones(3))):
        ember.manual_seed(123)
        a = make()
        ember.manual_seed(123)
        assert make().tolist() == a.tolist()
        assert make().tolist() != a.tolist() or a.numel() < 2
    assert ember.initial_seed() == 123


def test_generator_reproducible_and_independent():
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    assert ember.rand(4, generator=g1).tolist() == ember.rand(4, generator=g2).tolist()
    ember.manual_seed(0)
    before = ember.rand(3)
    ember.manual_seed(0)
    ember.randn(5, generator=g1)  # drawing from g1 leaves the default stream alone
    assert ember.rand(3).tolist() == before.tolist()
    assert g1.initial_seed() == 7
    assert isinstance(ember.manual_seed(1), ember.Generator)


def test_rng_state_roundtrip():
    state = ember.get_rng_state()
    a = ember.randn(4)
    ember.set_rng_state(state)
    assert ember.randn(4).tolist() == a.tolist()
    g = ember.Generator().manual_seed(3)
    s = g.get_state()
    b = ember.rand(3, generator=g)
    g.set_state(s)
    assert ember.rand(3, generator=g).tolist() == b.tolist()


# ---- devices -----------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("cpu", 0)])
def test_device_str_repr(args):
    e, t = ember.device(*args), torch.device(*args)
    assert str(e) == str(t)
    assert repr(e) == repr(t)
    assert (e.type, e.index) == (t.type, t.index)
    assert e == ember.device(*args) and hash(e) == hash(ember.device(*args))
    assert pickle.loads(pickle.dumps(e)) == e


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cuda:-1", ""])
def test_device_errors(spec):
    same(lambda lib: lib.device(spec))


def test_device_of_tensors():
    x = ember.ones(2)
    assert x.device == ember.device("cpu") and str(x.device) == "cpu"
    assert x.is_cpu and not x.is_cuda
    assert ember.ones(2, device="cpu").device.type == "cpu"
    assert ember.ones(2, device=ember.device("cpu")).device.type == "cpu"


# ---- conversions ---------------------------------------------------------------------------------
TO = {
    "dtype": lambda lib, x: x.to(lib.float64), "device": lambda lib, x: x.to("cpu"),
    "device object": lambda lib, x: x.to(lib.device("cpu")), "device and dtype": lambda lib, x: x.to("cpu", lib.double),
    "device object and dtype": lambda lib, x: x.to(lib.device("cpu"), lib.int64),
    "other tensor": lambda lib, x: x.to(lib.ones(1, dtype=lib.int8)),
    "dtype keyword": lambda lib, x: x.to(dtype=lib.int32),
    "keywords": lambda lib, x: x.to(device="cpu", dtype=lib.half), "same dtype": lambda lib, x: x.to(lib.float32),
    "copy": lambda lib, x: x.to(lib.float32, copy=True), "float": lambda lib, x: x.float(),
    "double": lambda lib, x: x.double(), "long": lambda lib, x: x.long(), "int": lambda lib, x: x.int(),
    "bool": lambda lib, x: x.bool(), "half": lambda lib, x: x.half(), "short": lambda lib, x: x.short(),
    "char": lambda lib, x: x.char(), "byte": lambda lib, x: x.abs().byte(),
    "double then float": lambda lib, x: x.double().float(),
    "type_as": lambda lib, x: x.type_as(lib.ones(1, dtype=lib.int16)),
    "type_as float64": lambda lib, x: x.type_as(lib.ones(1, dtype=lib.float64)),
    "type()": lambda lib, x: x.type().replace(lib.__name__, "lib"),
    "long type()": lambda lib, x: x.long().type().replace(lib.__name__, "lib"),
    "type(dtype)": lambda lib, x: x.type(lib.int32), "type(str)": lambda lib, x: x.type(f"{lib.__name__}.DoubleTensor"),
    "type(legacy type)": lambda lib, x: x.type(lib.LongTensor),
    "type(double type)": lambda lib, x: x.type(lib.DoubleTensor),
    "cpu": lambda lib, x: x.cpu(), "bad keyword": lambda lib, x: x.to(colour=1),
}


@pytest.mark.parametrize("fn", TO.values(), ids=TO.keys())
def test_to(fn):
    check(fn, randn(2, 3, dtype=np.float32) * 3)


def test_to_returns_self_when_nothing_changes():
    x = ember.ones(2)
    assert x.to(ember.float32) is x and x.to("cpu") is x and x.float() is x and x.cpu() is x
    y = x.to(ember.float32, copy=True)
    y[0] = 3
    assert x[0].item() == 1


# ---- scalars and Python protocols --------------------------------------------------------------
SCALARS = {
    "item float": lambda lib: lib.tensor([1.5]).item(), "item int": lambda lib: lib.tensor([[2]]).item(),
    "item bool": lambda lib: lib.tensor(True).item(), "item many": lambda lib: lib.tensor([1, 2]).item(),
    "item half": lambda lib: lib.tensor(0.1, dtype=lib.float16).item(),
    "tolist": lambda lib: lib.tensor([[1, 2], [3, 4]]).tolist(), "tolist 0-dim": lambda lib: lib.tensor(2.5).tolist(),
    "tolist float32": lambda lib: lib.tensor([0.1]).tolist(),
    "size": lambda lib: lib.ones(2, 3).size(), "size dim": lambda lib: lib.ones(2, 3).size(1),
    "size negative": lambda lib: lib.ones(2, 3).size(-1), "size out of range": lambda lib: lib.ones(2, 3).size(2),
    "shape": lambda lib: lib.ones(2, 3).shape, "dim": lambda lib: lib.ones(2, 3).dim(),
    "ndim": lambda lib: lib.ones(2).ndim,
    "numel": lambda lib: lib.ones(2, 3).numel(), "numel 0-dim": lambda lib: lib.tensor(1.0).numel(),
    "element_size": lambda lib: lib.ones(2, dtype=lib.int16).element_size(),
    "len": lambda lib: len(lib.ones(3, 2)), "len 0-dim": lambda lib: len(lib.tensor(1.0)),
    "iterate": lambda lib: list(lib.tensor([[1, 2], [3, 4]])), "iterate 0-dim": lambda lib: list(lib.tensor(1.0)),
    "bool one": lambda lib: bool(lib.tensor([0.0])), "bool many": lambda lib: bool(lib.ones(2)),
    "bool empty": lambda lib: bool(lib.ones(0)), "int": lambda lib: int(lib.tensor(2.7)),
    "int negative": lambda lib: int(lib.tensor([-2.7])), "float": lambda lib: float(lib.tensor([3])),
    "int many": lambda lib: int(lib.ones(2)), "float many": lambda lib: float(lib.ones(2)),
    "index": lambda lib: [10, 20, 30][lib.tensor(1)], "index float": lambda lib: [10, 20][lib.tensor(1.0)],
    "index one element": lambda lib: [10, 20, 30][lib.tensor([[1]])],
    "index many": lambda lib: [10, 20][lib.ones(2).long()],
    "format": lambda lib: f"{lib.tensor(2.5):.2f}", "format int": lambda lib: f"{lib.tensor(3):d}",
    "format 1-d": lambda lib: f"{lib.tensor([2.5])}", "is_floating_point": lambda lib: lib.ones(1).is_floating_point(),
    "is_floating_point int": lambda lib: lib.ones(1, dtype=lib.int8).is_floating_point(),
}


@pytest.mark.parametrize("fn", SCALARS.values(), ids=SCALARS.keys())
def test_scalars_and_protocols(fn):
    same(fn)


LAYOUT = {
    "stride": lambda lib: lib.ones(2, 3).stride(), "stride dim": lambda lib: lib.ones(2, 3).stride(1),
    "stride t": lambda lib: lib.ones(2, 3).t().stride(), "stride column": lambda lib: lib.ones(2, 3)[:, 1].stride(),
    "stride step": lambda lib: lib.ones(4, 3)[::2].stride(),
    "stride expand": lambda lib: lib.ones(2, 1).expand(2, 3).stride(),
    "stride empty": lambda lib: lib.ones(3, 1)[:, :0].stride(),
    "stride one row": lambda lib: lib.ones(3, 4)[:1].stride(),
    "stride 0-dim": lambda lib: lib.tensor(1.0).stride(),
    "stride int64": lambda lib: lib.ones(2, 3, dtype=lib.int64).stride(),
    "offset row": lambda lib: lib.ones(2, 3)[1].storage_offset(),
    "offset block": lambda lib: lib.ones(2, 3)[1:, 1:].storage_offset(),
    "offset chained": lambda lib: lib.ones(4, 3)[::2][1].storage_offset(),
    "offset chained 2": lambda lib: lib.ones(4, 3)[1:][1:].storage_offset(),
    "offset t": lambda lib: lib.ones(4, 3).t()[1].storage_offset(),
    "offset base": lambda lib: lib.ones(3).storage_offset(),
    "contiguous": lambda lib: lib.ones(2, 3).is_contiguous(),
    "contiguous t": lambda lib: lib.ones(2, 3).t().is_contiguous(),
    "contiguous t of row": lambda lib: lib.ones(1, 3).t().is_contiguous(),
    "contiguous step": lambda lib: lib.ones(4, 3)[::2].is_contiguous(),
    "contiguous column": lambda lib: lib.ones(4, 1)[:, 0].is_contiguous(),
    "contiguous expand": lambda lib: lib.ones(2, 1).expand(2, 3).is_contiguous(),
}


@pytest.mark.parametrize("fn", LAYOUT.values(), ids=LAYOUT.keys())
def test_layout(fn):
    same(fn)


def test_data_ptr():
    x = ember.arange(12.0).view(3, 4)
    assert x.view(12).data_ptr() == x.data_ptr()
    assert x[1].data_ptr() == x.data_ptr() + 4 * x.element_size()
    assert x.clone().data_ptr() != x.data_ptr()
    assert x.detach().data_ptr() == x.data_ptr()


# ---- copies, detaching, autograd flags ------------------------------------------------------------
def test_clone_has_independent_memory():
    check(lambda lib, x: x.clone(), randn(2, 3))
    x = ember.ones(3)
    y = x.clone()
    y[0] = 5
    assert x[0].item() == 1 and y._version == 1 and x._version == 0


def test_detach_shares_memory_and_version():
    x = ember.ones(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 5
    assert x[0].item() == 5 and x._version == d._version == 1
    y = (x * 2).detach()
    assert y.is_leaf and not y.requires_grad
    check(lambda lib, x: (x * 2).detach(), randn(3))


def test_data_shares_memory_detached():
    x = ember.ones(3, requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d[1] = 4
    assert x[1].item() == 4
    x.data = ember.zeros(3)
    assert x.requires_grad and x.tolist() == [0, 0, 0]


COPY = {
    "same shape": lambda lib, x: lib.zeros(2, 3).copy_(x), "broadcast": lambda lib, x: lib.zeros(4, 2, 3).copy_(x),
    "broadcast row": lambda lib, x: lib.zeros(2, 3).copy_(x[0]),
    "cast to int": lambda lib, x: lib.zeros(2, 3, dtype=lib.int32).copy_(x * 3),
    "from int": lambda lib, x: lib.zeros(3).copy_(lib.tensor([1, 2, 3])),
    "from 0-dim": lambda lib, x: lib.zeros(2).copy_(lib.tensor(5)),
    "wrong shape": lambda lib, x: lib.zeros(3).copy_(x),
    "to double": lambda lib, x: lib.zeros(2, 3, dtype=lib.float64).copy_(x),
    "into non-leaf": lambda lib, x: (x * 1).copy_(x * 2), "leaf requiring grad": lambda lib, x: x.copy_(x * 2),
}


@pytest.mark.parametrize("fn", COPY.values(), ids=COPY.keys())
def test_copy_(fn):
    check(fn, randn(2, 3, dtype=np.float32))


def test_copy_bumps_version():
    x = ember.zeros(3)
    v = x[1:]
    x.copy_(ember.ones(3))
    assert x._version == v._version == 1 and v.tolist() == [1, 1]


REQUIRES = {
    "float": lambda lib: lib.ones(2).requires_grad_().requires_grad, "default": lambda lib: lib.ones(2).requires_grad,
    "int": lambda lib: lib.ones(2, dtype=lib.int64).requires_grad_(),
    "bool": lambda lib: lib.ones(2, dtype=lib.bool).requires_grad_(),
    "off": lambda lib: lib.ones(2, requires_grad=True).requires_grad_(False).requires_grad,
    "non-leaf off": lambda lib: (lib.ones(2, requires_grad=True) * 2).requires_grad_(False),
    "is_leaf": lambda lib: lib.ones(2).requires_grad_().is_leaf,
    "is_leaf result": lambda lib: (lib.ones(2, requires_grad=True) * 2).is_leaf,
    "is_leaf no grad": lambda lib: (lib.ones(2) * 2).is_leaf,
    "grad_fn": lambda lib: lib.ones(2, requires_grad=True).grad_fn,
}


@pytest.mark.parametrize("fn", REQUIRES.values(), ids=REQUIRES.keys())
def test_requires_grad(fn):
    same(fn)


def test_deepcopy():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    y = copy.deepcopy(x)
    assert y.requires_grad and y.tolist() == [1, 2] and y.grad.tolist() == [2, 2]
    y.data[0] = 9
    assert x[0].item() == 1
    with pytest.raises(RuntimeError):
        copy.deepcopy(x * 2)
    a = ember.ones(2)
    pair = copy.deepcopy([a, a])
    assert pair[0] is pair[1]


@pytest.mark.parametrize("make", [lambda: ember.arange(6).view(2, 3), lambda: ember.randn(3, requires_grad=True),
                                  lambda: ember.ones(4, 4).t(), lambda: ember.tensor(2.5, dtype=ember.float16)])
def test_pickle_roundtrip(make):
    x = make()
    y = pickle.loads(pickle.dumps(x))
    assert y.dtype is x.dtype and y.shape == x.shape and y.requires_grad == x.requires_grad
    assert y.detach().tolist() == x.detach().tolist()


def test_legacy_constructor():
    assert_same(ember.Tensor(2, 3).shape, torch.Tensor(2, 3).shape)
    assert_same(ember.Tensor([1, 2]), torch.Tensor([1, 2]))
    assert_same(ember.Tensor(), torch.Tensor())


def test_warnings_are_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.tensor([1.0]).to("cpu", ember.float64).clone().detach()


@pytest.mark.parametrize("name", ["is_xpu", "is_mps", "is_meta", "is_sparse", "is_quantized", "is_nested", "is_cpu",
                                  "is_cuda"])
def test_device_and_layout_flags(name):
    same(lambda lib: getattr(lib.ones(2), name))


def test_constants():
    for name in ("pi", "e", "inf", "nan"):
        e, t = getattr(ember, name), getattr(torch, name)
        assert type(e) is type(t) and (e == t or (e != e and t != t))


def test_pin_memory_without_a_gpu_raises_as_torch_does():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present: pin_memory works")
    same(lambda lib: lib.ones(2).pin_memory())
    same(lambda lib: lib.ones(2).is_pinned())
