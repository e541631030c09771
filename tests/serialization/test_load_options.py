"""`ember.load`'s options: map_location, mmap, weights_only and its allowlist, pickle_module; files from
other machines and older PyTorch versions."""
import io
import pickle
import struct
import zipfile

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def saved(lib, obj) -> bytes:
    buf = io.BytesIO()
    lib.save(obj, buf)
    return buf.getvalue()


def records(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def rewritten(data: bytes, change) -> bytes:
    """The archive written again by Python's zipfile (unaligned records), `change(name, bytes)` applied to each
    record; a record for which it returns None is left out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, body in records(data).items():
            body = change(name, body)
            if body is not None:
                z.writestr(name, body)
    return out.getvalue()


def load_bytes(data: bytes, **kwargs):
    return ember.load(io.BytesIO(data), **kwargs)


def on_cuda_0(data: bytes) -> bytes:
    """A torch checkpoint whose storages say they were saved on 'cuda:0'."""
    def change(name, body):
        if name.endswith("data.pkl"):
            return body.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
        return body
    return rewritten(data, change)


# ---- map_location --------------------------------------------------------------------------------------------
def test_a_gpu_checkpoint_needs_map_location_on_a_cpu_machine():
    if ember.cuda.is_available():
        pytest.skip("this machine has a GPU")
    data = on_cuda_0(saved(torch, {"w": torch.arange(4.)}))
    with pytest.raises(RuntimeError, match="map_location"):
        load_bytes(data)
    for where in ["cpu", ember.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s]:
        w = load_bytes(data, map_location=where)["w"]
        assert w.device == ember.device("cpu")
        np.testing.assert_array_equal(w.numpy(), np.arange(4.))


def test_map_location_function_sees_each_storage_and_its_location():
    seen = []

    def where(s, location):
        seen.append((type(s).__name__, location))
        return None  # keep where it was saved

    t = torch.arange(6.).reshape(2, 3)
    out = load_bytes(saved(torch, {"a": t, "b": t[1]}), map_location=where)
    assert seen == [("Storage", "cpu")]  # one storage, shared by both tensors
    np.testing.assert_array_equal(out["b"].numpy(), [3., 4., 5.])


def test_map_location_errors():
    data = saved(torch, torch.ones(2))
    with pytest.raises(RuntimeError, match="must return a storage"):
        load_bytes(data, map_location=lambda s, loc: "cpu")
    with pytest.raises(RuntimeError, match="location"):
        load_bytes(data, map_location="tpu")


# ---- mmap ----------------------------------------------------------------------------------------------------
def test_mmap_maps_the_file_and_never_writes_it(tmp_path):
    path = tmp_path / "big.pt"
    t = torch.arange(1000, dtype=torch.float32).reshape(10, 100)
    torch.save({"w": t, "row": t[3]}, path)
    before = path.read_bytes()
    out = ember.load(path, mmap=True)
    np.testing.assert_array_equal(out["w"].numpy(), t.numpy())
    np.testing.assert_array_equal(out["row"].numpy(), t[3].numpy())
    out["w"].add_(1)  # copy-on-write: the tensor changes, the file does not
    assert out["row"].numpy()[0] == 301
    assert path.read_bytes() == before


def test_mmap_needs_a_path_and_the_zip_format(tmp_path):
    with pytest.raises(ValueError, match="file path"):
        ember.load(io.BytesIO(saved(torch, torch.ones(2))), mmap=True)
    path = tmp_path / "legacy.pt"
    torch.save(torch.ones(2), path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="zip format"):
        ember.load(path, mmap=True)


# ---- files from elsewhere ------------------------------------------------------------------------------------
def test_big_endian_checkpoint():
    t = {"f": torch.linspace(-3, 3, 7), "i": torch.arange(-5, 5, dtype=torch.int64)}
    order = {"0": np.float32, "1": np.int64}  # keys in the order torch saves the tensors

    def change(name, body):
        if name.endswith("byteorder"):
            return b"big"
        key = name.rpartition("data/")[2]
        if "/data/" in name:
            return np.frombuffer(body, order[key]).byteswap().tobytes()
        return body

    out = load_bytes(rewritten(saved(torch, t), change))
    np.testing.assert_array_equal(out["f"].numpy(), t["f"].numpy())
    np.testing.assert_array_equal(out["i"].numpy(), t["i"].numpy())


@pytest.mark.parametrize("missing", ["byteorder", ".format_version", ".storage_alignment", "version"])
def test_checkpoints_of_older_versions(missing):
    """Files written before PyTorch 1.10 have no byteorder record, and none written before 2.x the format and
    alignment records; zip writers other than PyTorch's leave records unaligned."""
    t = torch.randn(3, 5)
    drop_older = {"byteorder": ("byteorder", ".format_version", ".storage_alignment")}.get(missing, (missing,))
    data = rewritten(saved(torch, t), lambda n, b: None if n.rpartition("/")[2] in drop_older else b)
    np.testing.assert_array_equal(load_bytes(data).numpy(), t.numpy())


def test_wrong_byteorder_record():
    data = rewritten(saved(torch, torch.ones(2)), lambda n, b: b"middle" if n.endswith("byteorder") else b)
    with pytest.raises(RuntimeError, match="byteorder"):
        load_bytes(data)


def test_types_ember_lacks_say_so():
    with pytest.raises(RuntimeError, match="float8_e4m3fn tensors, a type ember does not have"):
        load_bytes(saved(torch, torch.ones(2, dtype=torch.float8_e4m3fn)))


# ---- weights_only ----------------------------------------------------------------------------------------------
class Point:
    """A user's class, found by pickle in this module."""

    def __init__(self, x, y):
        self.x, self.y = x, y


def test_whole_models_load_with_weights_only_false_only(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.ReLU())
    path = tmp_path / "model.pt"
    ember.save(model, path)
    with pytest.raises(pickle.UnpicklingError, match="weights_only=False"):
        ember.load(path)
    loaded = ember.load(path, weights_only=False)
    x = ember.randn(4, 3)
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
    assert isinstance(loaded[0].weight, ember.nn.Parameter)


def test_whole_models_pickled_by_pytorch_load_as_embers_layers(tmp_path):
    """torch.save(model) pickles PyTorch's layer classes (and a TransformerEncoderLayer's activation function):
    they load as ember's, whose attributes have PyTorch's names, and compute as PyTorch's."""
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    models = {"net": torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                         torch.nn.Flatten(), torch.nn.Linear(32, 3)).eval(),
              "lstm": torch.nn.LSTM(4, 5, 2, batch_first=True), "encoder": layer.eval()}
    path = tmp_path / "models.pt"
    torch.save(models, path)
    loaded = ember.load(path, weights_only=False)
    assert type(loaded["net"][4]) is ember.nn.Linear and loaded["encoder"].activation is ember.nn.functional.relu
    rng = np.random.default_rng(0)
    inputs = {"net": rng.standard_normal((2, 1, 6, 6)), "lstm": rng.standard_normal((2, 3, 4)),
              "encoder": rng.standard_normal((5, 2, 8))}
    for name, x in inputs.items():
        x = x.astype(np.float32)
        theirs, mine = models[name](torch.tensor(x)), loaded[name](ember.tensor(x))
        theirs, mine = (theirs[0], mine[0]) if isinstance(theirs, tuple) else (theirs, mine)
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_unsafe_globals_are_refused_with_a_way_out():
    data = saved(ember, {"p": Point(1, ember.ones(2))})
    with pytest.raises(pickle.UnpicklingError) as err:
        load_bytes(data)
    message = str(err.value)
    assert f"{__name__}.Point" in message and "add_safe_globals" in message and "weights_only=False" in message


def test_safe_globals_allow_a_users_class():
    data = saved(ember, {"p": Point(1, ember.ones(2))})
    with ember.serialization.safe_globals([Point]):
        assert Point in ember.serialization.get_safe_globals()
        p = load_bytes(data)["p"]
    assert Point not in ember.serialization.get_safe_globals()
    assert type(p) is Point and p.x == 1
    np.testing.assert_array_equal(p.y.numpy(), [1., 1.])
    ember.serialization.add_safe_globals([Point])
    try:
        assert type(load_bytes(data)["p"]) is Point
    finally:
        ember.serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        load_bytes(data)


def test_pickle_module_and_keyword_errors():
    data = saved(ember, ember.ones(2))
    np.testing.assert_array_equal(load_bytes(data, pickle_module=pickle).numpy(), [1., 1.])  # weights_only False
    with pytest.raises(RuntimeError, match="pickle_module"):
        load_bytes(data, pickle_module=pickle, weights_only=True)
    with pytest.raises(ValueError, match="pickle_module"):
        load_bytes(data, pickle_module=io)
    with pytest.raises(TypeError, match="load"):
        load_bytes(data, colour="red")
    with pytest.raises(TypeError, match="path or a binary file"):
        ember.load(42)



# ---- the legacy tar format (PyTorch 0.1 to 0.3) -----------------------------------------------------------------
class Ref:
    """A tensor or storage of a tar checkpoint, pickled as its key."""

    def __init__(self, key):
        self.key = key


class TarPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return str(obj.key) if type(obj) is Ref else None


def tar_checkpoint(obj, storages, views, tensors, *, drop=()) -> bytes:
    """A checkpoint as PyTorch 0.3 wrote it: storages {key: array}, views [(key, root, offset, numel)], tensors
    {key: (storage key, size, stride, offset)}, and `obj` with `Ref`s for tensors."""
    import tarfile

    def record(*parts):
        return b"".join(p if isinstance(p, bytes) else pickle.dumps(p, protocol=2) for p in parts)

    types = {np.float32: (torch.FloatStorage, torch.FloatTensor), np.int64: (torch.LongStorage, torch.LongTensor)}
    store = record(len(storages), *(part for key, a in storages.items() for part in (
        (key, "cpu", types[a.dtype.type][0]), len(a).to_bytes(8, "little", signed=True), a.tobytes())), views)
    dtype_of = {key: a.dtype.type for key, a in storages.items()}
    dtype_of.update({key: dtype_of[root] for key, root, _, _ in views})
    tens = record(len(tensors), *(part for key, (s, size, stride, offset) in tensors.items() for part in (
        (key, s, types[dtype_of.get(s, np.float32)][1]), struct.pack("<i4x", len(size)),
        struct.pack(f"<{2 * len(size) + 1}q", *size, *stride, offset))))
    main = io.BytesIO()
    TarPickler(main, 2).dump(obj)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, body in [("sys_info", record({"protocol_version": 1001, "little_endian": True})),
                           ("pickle", main.getvalue()), ("tensors", tens), ("storages", store)]:
            if name not in drop:
                info = tarfile.TarInfo(name)
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


def test_legacy_tar_checkpoints():
    w = np.arange(12, dtype=np.float32)
    data = tar_checkpoint({"w": Ref(1), "wt": Ref(2), "tail": Ref(3), "ids": Ref(4), "epoch": 7},
                          storages={100: w, 200: np.array([5, 6, 7], np.int64)}, views=[(101, 100, 8, 4)],
                          tensors={1: (100, (3, 4), (4, 1), 0), 2: (100, (4, 2), (1, 4), 1), 3: (101, (2,), (2,), 0),
                                   4: (200, (3,), (1,), 0)})
    with pytest.raises(RuntimeError, match="weights_only=True with files saved in the legacy .tar format"):
        load_bytes(data)
    out = load_bytes(data, weights_only=False)
    np.testing.assert_array_equal(out["w"].numpy(), w.reshape(3, 4))
    np.testing.assert_array_equal(out["wt"].numpy(), np.lib.stride_tricks.as_strided(w[1:], (4, 2), (4, 16)))
    np.testing.assert_array_equal(out["tail"].numpy(), [8, 10])
    np.testing.assert_array_equal(out["ids"].numpy(), [5, 6, 7])
    assert out["ids"].dtype == ember.int64 and out["epoch"] == 7
    out["w"][0, 1] = -1  # tensors of one storage share it, as they did when saved
    assert out["wt"][0, 0].item() == -1


@pytest.mark.parametrize("change, match", [
    (dict(drop=("tensors",)), "no record 'tensors'"),
    (dict(storages={100: np.zeros(2, np.float32)}), "reaches element"),
    (dict(tensors={1: (999, (2,), (1,), 0)}), "does not hold"),
    (dict(views=[(101, 100, 1, 5)]), "lies outside"),
    (dict(obj={"w": Ref(5)}), "does not hold"),
], ids=["missing record", "tensor past its storage", "unknown storage", "view past its storage", "unknown tensor"])
def test_malformed_legacy_tar_checkpoints(change, match):
    parts = dict(obj={"w": Ref(1)}, storages={100: np.zeros(4, np.float32)}, views=[],
                 tensors={1: (100, (4,), (1,), 0)})
    parts.update(change)
    data = tar_checkpoint(parts.pop("obj"), **parts)
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match=match):
        load_bytes(data, weights_only=False)
