"""Checkpoints move between ember and PyTorch 2.13 in both directions, with equal values, types, layouts and
shared storages kept shared."""
import collections
import io
import pathlib

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]


def values(dtype, shape=(3, 4)):
    rng = np.random.default_rng(0)
    return (rng.standard_normal(shape) * 50).astype(dtype) if dtype != "bool" else rng.random(shape) > 0.5


def ember_to_torch(obj, **load_args):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **load_args)


def torch_to_ember(obj, **load_args):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **load_args)


def assert_same(e, t):
    """The ember tensor `e` and the torch tensor `t` have the same values, dtype, shape, strides and grad flag."""
    assert isinstance(e, ember.Tensor) and isinstance(t, torch.Tensor)
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    assert tuple(e.shape) == tuple(t.shape)
    assert e.stride() == t.stride()
    assert e.requires_grad == t.requires_grad
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())


def shares_storage_torch(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_both_ways(dtype):
    e = ember.tensor(values(dtype))
    assert_same(e, ember_to_torch(e))
    t = torch.tensor(values(dtype))
    assert_same(torch_to_ember(t), t)


@pytest.mark.parametrize("make", [
    lambda lib: lib.arange(24.).reshape(4, 6).t(),
    lambda lib: lib.arange(24.).reshape(4, 6)[1:, ::2],
    lambda lib: lib.arange(6.).reshape(1, 6).expand(3, 6),
    lambda lib: lib.arange(24.).reshape(2, 3, 4).permute(2, 0, 1),
    lambda lib: lib.arange(24.).reshape(4, 6)[2],
    lambda lib: lib.tensor(3.5),
    lambda lib: lib.zeros(0, 3),
    lambda lib: lib.arange(10)[7:],
], ids=["transposed", "stepped", "expanded", "permuted", "row", "scalar", "empty", "tail"])
def test_layouts_are_kept(make):
    assert_same(make(ember), ember_to_torch(make(ember)))
    assert_same(torch_to_ember(make(torch)), make(torch))


def test_arrays_numpy_lays_out_its_own_way():
    """Fortran order, strides that are no whole number of elements, views of another dtype: saved with the
    values PyTorch sees."""
    fortran = ember.from_numpy(np.asfortranarray(np.arange(12.).reshape(3, 4)))
    packed = np.zeros(4, dtype=[("a", "i1"), ("b", "f4")])
    packed["b"] = [1.5, 2.5, 3.5, 4.5]
    uneven = ember.from_numpy(packed["b"])
    as_ints = ember.arange(4.).view(ember.int32)
    for e in (fortran, uneven, as_ints):
        t = ember_to_torch(e)
        np.testing.assert_array_equal(t.numpy(), e.numpy())
    assert ember_to_torch(fortran).stride() == fortran.stride()


def test_shared_storages_stay_shared():
    base = ember.arange(12.).reshape(3, 4)
    loaded = ember_to_torch({"base": base, "col": base[:, 1], "row": base[2]})
    assert shares_storage_torch(loaded["base"], loaded["col"]) and shares_storage_torch(loaded["base"], loaded["row"])
    loaded["base"][2, 1] = -1
    assert loaded["col"][2] == -1 and loaded["row"][1] == -1

    base = torch.arange(12.).reshape(3, 4)
    loaded = torch_to_ember({"base": base, "col": base[:, 1], "again": base})
    assert loaded["again"] is loaded["base"]
    loaded["base"][2, 1] = -1
    assert loaded["col"][2].item() == -1


def test_two_types_over_one_memory_is_refused_as_in_pytorch():
    x = ember.arange(4.)
    with pytest.raises(RuntimeError, match="different types"):
        ember.save([x, x.view(ember.int32)], io.BytesIO())


def test_nested_containers_and_primitives():
    obj = {"list": [ember.ones(2), 3, "text"], "tuple": (1.5, None, True, b"\x00\xff"),
           "od": collections.OrderedDict(a=ember.zeros(1, dtype=ember.int64)), "set": {1, 2},
           "dtype": ember.float16, "device": ember.device("cpu"), "size": ember.Size([2, 3]), "big": 2 ** 70,
           "nested": {"deeper": [[ember.tensor([True, False])]]}}
    t = ember_to_torch(obj)
    assert t["tuple"] == (1.5, None, True, b"\x00\xff") and t["set"] == {1, 2} and t["big"] == 2 ** 70
    assert t["dtype"] is torch.float16 and t["device"] == torch.device("cpu") and t["size"] == torch.Size([2, 3])
    assert type(t["od"]) is collections.OrderedDict and type(t["size"]) is torch.Size
    assert_same(obj["nested"]["deeper"][0][0], t["nested"]["deeper"][0][0])
    back = torch_to_ember(t)
    assert back["dtype"] is ember.float16 and back["device"] == ember.device("cpu")
    assert type(back["size"]) is ember.Size and back["size"] == (2, 3)
    assert back["list"][1:] == [3, "text"] and back["tuple"] == obj["tuple"] and back["big"] == 2 ** 70
    np.testing.assert_array_equal(back["nested"]["deeper"][0][0].numpy(), [True, False])


def test_parameters_and_requires_grad():
    p = ember.nn.Parameter(ember.randn(3))
    frozen = ember.nn.Parameter(ember.randn(2), requires_grad=False)
    leaf = ember.ones(2, requires_grad=True)
    t = ember_to_torch([p, frozen, leaf])
    assert type(t[0]) is torch.nn.Parameter and t[0].requires_grad and not t[1].requires_grad
    assert type(t[2]) is torch.Tensor and t[2].requires_grad
    back = torch_to_ember(t)
    assert type(back[0]) is ember.nn.Parameter and back[0].requires_grad and not back[1].requires_grad
    assert type(back[2]) is ember.Tensor and back[2].requires_grad and back[2].is_leaf
    np.testing.assert_array_equal(back[0].detach().numpy(), p.detach().numpy())


def lenet(nn):
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 10))


def test_pytorch_trained_model_gives_the_same_outputs_in_ember():
    torch.manual_seed(0)
    t_model = lenet(torch.nn)
    t_model(torch.randn(8, 1, 28, 28))  # moves the BatchNorm running statistics
    t_model.eval()
    e_model = lenet(ember.nn).eval()
    e_model.load_state_dict(torch_to_ember(t_model.state_dict()))
    x = np.random.default_rng(1).standard_normal((4, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(e_model(ember.tensor(x)).detach().numpy(), t_model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_ember_trained_model_gives_the_same_outputs_in_pytorch():
    ember.manual_seed(0)
    e_model = lenet(ember.nn)
    e_model(ember.randn(8, 1, 28, 28))
    e_model.eval()
    t_model = lenet(torch.nn).eval()
    t_state = ember_to_torch(e_model.state_dict())
    assert list(t_state) == list(e_model.state_dict()) and t_state["1.num_batches_tracked"].dtype == torch.int64
    t_model.load_state_dict(t_state)
    x = np.random.default_rng(1).standard_normal((4, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(e_model(ember.tensor(x)).detach().numpy(), t_model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def _train_steps(lib, model, opt, steps):
    rng = np.random.default_rng(2)
    for _ in range(steps):
        x = lib.tensor(rng.standard_normal((5, 4)).astype(np.float32))
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()


@pytest.mark.parametrize("opt_name, kwargs", [("Adam", {"lr": 0.01}), ("SGD", {"lr": 0.1, "momentum": 0.9})])
def test_optimizer_state_resumes_across_libraries(opt_name, kwargs):
    """Train two steps in PyTorch, resume in ember from the checkpoint, and compare a third step with PyTorch's."""
    torch.manual_seed(0)
    t_model = torch.nn.Linear(4, 3)
    t_opt = getattr(torch.optim, opt_name)(t_model.parameters(), **kwargs)
    _train_steps(torch, t_model, t_opt, 2)
    checkpoint = torch_to_ember({"model": t_model.state_dict(), "optim": t_opt.state_dict(), "epoch": 2})
    e_model = ember.nn.Linear(4, 3)
    e_opt = getattr(ember.optim, opt_name)(e_model.parameters(), **kwargs)
    e_model.load_state_dict(checkpoint["model"])
    e_opt.load_state_dict(checkpoint["optim"])
    _train_steps(torch, t_model, t_opt, 1)
    _train_steps(ember, e_model, e_opt, 1)
    np.testing.assert_allclose(e_model.weight.detach().numpy(), t_model.weight.detach().numpy(), rtol=1e-5, atol=1e-6)

    # and back: ember's optimizer state loads into PyTorch's optimizer
    t_opt2 = getattr(torch.optim, opt_name)(t_model.parameters(), **kwargs)
    t_opt2.load_state_dict(ember_to_torch(e_opt.state_dict()))
    assert t_opt2.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_paths_path_objects_and_files(tmp_path):
    x = ember.arange(5)
    ember.save(x, str(tmp_path / "a.pt"))
    ember.save(x, tmp_path / "b.pt")
    with open(tmp_path / "c.pt", "wb") as f:
        ember.save(x, f)
    for name in ("a.pt", "b.pt", "c.pt"):
        assert ember.load(tmp_path / name).tolist() == [0, 1, 2, 3, 4]
        assert torch.load(tmp_path / name).tolist() == [0, 1, 2, 3, 4]
        with open(tmp_path / name, "rb") as f:
            assert ember.load(f).tolist() == [0, 1, 2, 3, 4]
    assert ember.load(str(tmp_path / "a.pt")).tolist() == [0, 1, 2, 3, 4]


def test_unseekable_streams():
    class Stream:
        def __init__(self, data):
            self.buf = io.BytesIO(data)

        def read(self, n=-1):
            return self.buf.read(n)

        def seekable(self):
            return False

    class Sink:
        def __init__(self):
            self.parts = []

        def write(self, data):
            self.parts.append(bytes(data))
            return len(data)

    sink = Sink()
    ember.save({"x": ember.ones(3)}, sink)
    data = b"".join(sink.parts)
    assert ember.load(Stream(data))["x"].tolist() == [1, 1, 1]
    assert torch.load(io.BytesIO(data))["x"].tolist() == [1, 1, 1]


def test_archive_is_named_as_pytorch_names_it(tmp_path):
    import zipfile
    ember.save(ember.ones(1), tmp_path / "model.pth")
    names = zipfile.ZipFile(tmp_path / "model.pth").namelist()
    assert names[0] == "model/data.pkl" and "model/byteorder" in names and "model/data/0" in names
    buf = io.BytesIO()
    ember.save(ember.ones(1), buf)
    assert zipfile.ZipFile(buf).namelist()[0] == "archive/data.pkl"


def test_records_are_aligned_for_mapping(tmp_path):
    import zipfile
    ember.save({"a": ember.ones(3), "b": ember.ones(7, dtype=ember.int8)}, tmp_path / "m.pt")
    raw = pathlib.Path(tmp_path / "m.pt").read_bytes()
    for info in zipfile.ZipFile(tmp_path / "m.pt").infolist():
        name_len, extra_len = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], "<u2")
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0


def test_legacy_format_written_by_pytorch():
    base = torch.arange(12.).reshape(3, 4)
    obj = {"base": base, "col": base[:, 1], "ints": torch.arange(3), "n": 7, "p": torch.nn.Parameter(torch.ones(2))}
    loaded = torch_to_ember_legacy(obj)
    assert_same(loaded["base"], base)
    assert_same(loaded["col"], base[:, 1])
    assert_same(loaded["ints"], obj["ints"])
    assert loaded["n"] == 7 and type(loaded["p"]) is ember.nn.Parameter
    loaded["base"][0, 1] = 5
    assert loaded["col"][0].item() == 5


def torch_to_ember_legacy(obj, **load_args):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    return ember.load(buf, **load_args)


def test_pickle_protocols_beyond_2():
    """PyTorch users may save with pickle_protocol=4 or 5; both libraries read those files."""
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf, pickle_protocol=4)
    buf.seek(0)
    assert ember.load(buf)["w"].tolist() == [1.0, 1.0]
    buf = io.BytesIO()
    ember.save({"w": ember.ones(2)}, buf, pickle_protocol=4)
    buf.seek(0)
    assert ember.load(buf)["w"].tolist() == [1.0, 1.0]
