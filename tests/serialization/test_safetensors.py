"""ember.safetensors reads and writes the safetensors format: round trips, interop with the safetensors package,
lazy reads through safe_open, and clean errors for bad tensors and malformed files."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ember
from ember.serialization.safetensors import SafetensorError, load, load_file, safe_open, save, save_file

DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]


def values(dtype, shape=(3, 4)):
    rng = np.random.default_rng(0)
    return (rng.standard_normal(shape) * 50).astype(dtype) if dtype != "bool" else rng.random(shape) > 0.5


def assert_same(e, expected: np.ndarray):
    assert isinstance(e, ember.Tensor)
    assert e.dtype == getattr(ember, expected.dtype.name if expected.dtype != bool else "bool")
    assert tuple(e.shape) == expected.shape
    np.testing.assert_array_equal(e.numpy(), expected)


def test_every_dtype_and_shape_round_trips(tmp_path):
    tensors = {dtype: ember.tensor(values(dtype)) for dtype in DTYPES}
    tensors.update(scalar=ember.tensor(2.5), empty=ember.zeros(0, 3), vector=ember.arange(7))
    for out in (load(save(tensors)), (save_file(tensors, tmp_path / "t.safetensors"),
                                      load_file(tmp_path / "t.safetensors"))[1]):
        assert sorted(out) == sorted(tensors)
        for name, t in tensors.items():
            assert_same(out[name], t.numpy())
    loaded = load_file(str(tmp_path / "t.safetensors"))
    loaded["float32"].add_(1)  # loaded tensors are the caller's to change
    assert_same(load_file(tmp_path / "t.safetensors")["float32"], values("float32"))


def test_exposed_as_ember_safetensors():
    assert ember.safetensors.save_file is save_file and ember.safetensors.load_file is load_file


def test_metadata_and_keys(tmp_path):
    path = tmp_path / "m.safetensors"
    save_file({"b": ember.ones(2), "a": ember.zeros(3)}, path, metadata={"format": "pt", "step": "10"})
    with safe_open(path, framework="pt") as f:
        assert f.keys() == ["a", "b"]
        assert f.metadata() == {"format": "pt", "step": "10"}
        assert_same(f.get_tensor("b"), np.ones(2, np.float32))
    save_file({"a": ember.zeros(3)}, path)
    with safe_open(path, "pt") as f:
        assert f.metadata() is None


def test_slices_read_part_of_a_tensor(tmp_path):
    path = tmp_path / "s.safetensors"
    w = np.arange(60, dtype=np.float32).reshape(6, 10)
    save_file({"w": ember.tensor(w)}, path)
    with safe_open(path, "pt") as f:
        part = f.get_slice("w")
        assert part.get_shape() == [6, 10] and part.get_dtype() == "F32"
        assert_same(part[1:4, ::3], w[1:4, ::3])
        assert_same(part[2], w[2])
    with safe_open(path, "np") as f:
        np.testing.assert_array_equal(f.get_tensor("w"), w)
        with pytest.raises(SafetensorError, match="does not contain tensor b"):
            f.get_tensor("b")


def test_module_state_dict_round_trip(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm1d(3))
    path = tmp_path / "model.safetensors"
    save_file(model.state_dict(), path)
    clone = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm1d(3))
    clone.load_state_dict(load_file(path))
    x = ember.randn(5, 4)
    model.eval(), clone.eval()
    np.testing.assert_array_equal(clone(x).detach().numpy(), model(x).detach().numpy())


# ---- what cannot be saved ----------------------------------------------------------------------------------------
def test_tensors_that_cannot_be_saved():
    base = ember.arange(10.)
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        save({"t": ember.ones(3, 4).t()})
    with pytest.raises(RuntimeError, match="share memory"):
        save({"a": base[:6], "b": base[5:]})
    with pytest.raises(RuntimeError, match="share memory"):
        save({"a": base, "b": base})
    assert sorted(load(save({"a": base[:5], "b": base[5:]}))) == ["a", "b"]  # one storage, no overlap: allowed
    with pytest.raises(ValueError, match="expected Tensor"):
        save({"a": [1, 2]})
    with pytest.raises(ValueError, match="dict"):
        save([ember.ones(1)])
    with pytest.raises(TypeError, match="names must be strings"):
        save({1: ember.ones(1)})
    with pytest.raises(TypeError, match="metadata"):
        save({"a": ember.ones(1)}, metadata={"k": 1})


# ---- malformed files -------------------------------------------------------------------------------------------
def header_file(header, data: bytes = b"", length: int | None = None) -> bytes:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return (len(text) if length is None else length).to_bytes(8, "little") + text + data


F32x2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("data, match", [
    (b"\x01\x00", "HeaderTooSmall"),
    (header_file({}, length=2 ** 40), "HeaderTooLarge"),
    (header_file({}, length=50), "InvalidHeaderLength"),
    (header_file(b"{not json"), "not JSON"),
    (header_file(b"\xff\xfe"), "not JSON"),
    (header_file([1, 2]), "JSON object"),
    (header_file({"__metadata__": {"k": 1}}), "__metadata__"),
    (header_file({"a": {"dtype": "F32"}}), "needs a dtype, a shape and two data_offsets"),
    (header_file({"a": {**F32x2, "dtype": "X9"}}, bytes(8)), "unknown dtype"),
    (header_file({"a": {**F32x2, "shape": [-2]}}, bytes(8)), "non-negative"),
    (header_file({"a": {**F32x2, "data_offsets": [8, 0]}}, bytes(8)), "in order"),
    (header_file({"a": {**F32x2, "shape": [3]}}, bytes(8)), "TensorInvalidInfo"),
    (header_file({"a": {**F32x2, "shape": [2 ** 62, 2 ** 62]}}, bytes(8)), "TensorInvalidInfo"),
    (header_file({"a": F32x2}, bytes(4)), "MetadataIncompleteBuffer"),
    (header_file({"a": F32x2}, bytes(12)), "MetadataIncompleteBuffer"),
    (header_file({"a": F32x2, "b": F32x2}, bytes(16)), "InvalidOffset"),
    (header_file({"a": {**F32x2, "data_offsets": [4, 12]}}, bytes(12)), "InvalidOffset"),
], ids=["tiny", "huge header", "header past the end", "not json", "not utf-8", "not an object", "bad metadata",
        "incomplete entry", "unknown dtype", "negative shape", "offsets reversed", "shape and bytes differ",
        "overflowing shape", "short data", "extra data", "overlap", "gap"])
def test_malformed_files_fail_cleanly(data, match, tmp_path):
    with pytest.raises(SafetensorError, match=match):
        load(data)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(SafetensorError, match=match):
        load_file(path)


def test_types_ember_lacks_say_so():
    with pytest.raises(TypeError, match="float8_e4m3fn .F8_E4M3., a type ember does not have"):
        load(header_file({"a": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, bytes(2)))


def test_empty_files(tmp_path):
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"")
    with pytest.raises(SafetensorError, match="HeaderTooSmall"):
        load_file(path)
    assert load(header_file({})) == {}


@settings(max_examples=200, deadline=None)
@given(changes=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 400)))
def test_mutated_files_load_or_fail_cleanly(changes, cut):
    data = bytearray(save({"w": ember.arange(12.).reshape(3, 4), "ids": ember.arange(3), "flag": ember.tensor(True)},
                          metadata={"k": "v"}))
    for pos, byte in changes:
        data[pos % len(data)] = byte
    try:
        out = load(bytes(data[:cut] if cut is not None else data))
    except (SafetensorError, TypeError):
        return
    assert all(isinstance(t, ember.Tensor) for t in out.values())


# ---- interop with the safetensors package --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_interop_with_the_safetensors_package(dtype, tmp_path):
    torch = pytest.importorskip("torch")
    package = pytest.importorskip("safetensors.torch")
    array = values(dtype, (2, 3, 4))
    path = tmp_path / "x.safetensors"
    save_file({"x": ember.tensor(array), "n": ember.arange(3)}, path, metadata={"by": "ember"})
    theirs = package.load_file(path)
    np.testing.assert_array_equal(theirs["x"].numpy(), array)
    assert str(theirs["x"].dtype) == f"torch.{dtype}"
    np.testing.assert_array_equal(package.load(save({"x": ember.tensor(array)}))["x"].numpy(), array)
    package.save_file({"x": torch.tensor(array), "y": torch.arange(5)}, path, metadata={"by": "package"})
    ours = load_file(path)
    assert_same(ours["x"], array)
    assert_same(ours["y"], np.arange(5))
    with safe_open(path, "pt") as f:
        assert f.metadata() == {"by": "package"}
    assert_same(load(package.save({"x": torch.tensor(array)}))["x"], array)


def test_a_pytorch_model_saved_with_safetensors_runs_the_same_in_ember(tmp_path):
    torch = pytest.importorskip("torch")
    package = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    package.save_file(theirs.state_dict(), tmp_path / "m.safetensors")
    ours = ember.nn.Sequential(ember.nn.Linear(6, 5), ember.nn.Tanh(), ember.nn.Linear(5, 2))
    ours.load_state_dict(load_file(tmp_path / "m.safetensors"))
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)
