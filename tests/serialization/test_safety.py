"""Hostile and malformed checkpoints: loading with weights_only=True never runs code from the file, never reads
outside it, never allocates more than it holds, and fails with a clean error naming what is wrong."""
import builtins
import copyreg
import io
import os
import pickle
import struct
import tracemalloc
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember
from ember.serialization import storage
from ember.serialization.pickler import _StorageRef, rename_globals
from ember.serialization.rebuild import _rebuild_from_type_v2, _rebuild_tensor, _rebuild_tensor_v2

CLEAN_ERRORS = (RuntimeError, pickle.UnpicklingError, ValueError, TypeError, NotImplementedError)


# ---- making checkpoints by hand ------------------------------------------------------------------------------
def archive(pickle_bytes: bytes, records: dict[str, bytes] | None = None, *, top: str = "archive",
            compress: int = zipfile.ZIP_STORED) -> bytes:
    """A zip checkpoint holding `pickle_bytes` as data.pkl and `records` as data/<key>."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        z.writestr(f"{top}/data.pkl", pickle_bytes)
        z.writestr(f"{top}/byteorder", "little")
        for key, body in (records or {}).items():
            z.writestr(f"{top}/data/{key}", body)
        z.writestr(f"{top}/version", "3\n")
    return out.getvalue()


class Layout:
    """A tensor to pickle with any layout at all, over storage '0' of `numel` float32 elements."""

    def __init__(self, offset, size, stride, numel, requires_grad=False, hooks=None, state=None, key="0"):
        self.ref = _StorageRef(key, ember.float32, numel, "cpu")
        self.args = (self.ref, offset, size, stride, requires_grad, OrderedDict() if hooks is None else hooks)
        self.state = state


class Crafter(pickle.Pickler):
    """Pickles `Layout`s as PyTorch's rebuild calls, with PyTorch's names, whatever their arguments."""

    def reducer_override(self, obj):
        if type(obj) is Layout:
            if obj.state is not None:
                return (_rebuild_tensor_v2, obj.args, obj.state)  # BUILD on the tensor
            return (_rebuild_tensor_v2, obj.args)
        if type(obj) is storage.StorageType or type(obj) is ember.dtype:
            return obj.name
        return NotImplemented

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return ("storage", storage.FloatStorage, obj.key, obj.location, obj.numel)
        return None


def torch_names(data: bytes) -> bytes:
    """The pickle with ember's GLOBALs renamed to PyTorch's, `torch.Tensor` included."""
    data = rename_globals(data).replace(b"cember\nTensor\n", b"ctorch\nTensor\n")
    return data.replace(b"cember.serialization.rebuild\n_rebuild_from_type_v2\n",
                        b"ctorch._tensor\n_rebuild_from_type_v2\n")


def crafted(obj, records=None) -> bytes:
    buf = io.BytesIO()
    Crafter(buf, 2).dump(obj)
    return archive(torch_names(buf.getvalue()), records)


def floats(n: int) -> bytes:
    return np.arange(n, dtype=np.float32).tobytes()


def load_bytes(data: bytes, **kwargs):
    return ember.load(io.BytesIO(data), **kwargs)


# ---- hostile pickles -------------------------------------------------------------------------------------------
class Payload:
    """An object whose pickle calls `func(*args)` when a pickle reader does what the file asks."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def payloads(canary: str) -> dict[str, object]:
    write = f"open({canary!r}, 'w').close()"
    return {
        "os.system": Payload(os.system, f"touch {canary}"),
        "eval": Payload(builtins.eval, write),
        "exec": Payload(builtins.exec, write),
        "open": Payload(builtins.open, canary, "w"),
        "getattr": Payload(getattr, Payload(builtins.__import__, "os"), "system"),
        "in a tensor's arguments": Layout(0, (1,), (1,), 1, requires_grad=Payload(os.system, f"touch {canary}")),
        "in a state_dict": OrderedDict(w=Layout(0, (1,), (1,), 1), b=[1, {"x": Payload(builtins.eval, write)}]),
        "copyreg._reconstructor": Payload(copyreg._reconstructor, OrderedDict, dict, {}),
    }


def handmade(canary: str) -> dict[str, bytes]:
    """Pickles Python's pickler would not write: protocol-0 INST and OBJ, chains of GLOBALs, dunder lookups."""
    cmd = f"touch {canary}".encode()
    return {
        "INST": b"(S'" + cmd + b"'\nios\nsystem\n.",
        "OBJ": b"(cos\nsystem\nS'" + cmd + b"'\no.",
        "getattr chain": (b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'" + cmd
                          + b"'\ntR."),
        "dunder traversal": b"ctorch\nSize.__init__.__globals__\n.",
        "allowlisted module, other name": b"ctorch._utils\n_rebuild_tensor_v2.__globals__\n.",
        "STACK_GLOBAL": (b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c" + bytes([len(cmd)]) + cmd + b"\x85R."),
        "PERSID": b"P" + cmd + b"\n.",
        "BUILD on an OrderedDict with a dunder": b"\x80\x02ccollections\nOrderedDict\n)R}X\n\x00\x00\x00__reduce__Nsb.",
        "calling Tensor to allocate": b"\x80\x02ctorch\nTensor\nJ\x00\x00\x00\x40\x85R.",
    }


@pytest.fixture
def canary(tmp_path):
    path = tmp_path / "canary"
    yield path
    assert not path.exists(), "a checkpoint ran code while it was loaded"


WITH_STORAGES = ("in a tensor's arguments", "in a state_dict")  # protocol 0 cannot write storage ids


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
@pytest.mark.parametrize("name", list(payloads("c")))
def test_reduce_payloads_run_nothing(name, protocol, canary):
    if protocol == 0 and name in WITH_STORAGES:
        pytest.skip("protocol 0 pickles persistent ids as strings only")
    buf = io.BytesIO()
    Crafter(buf, protocol).dump(payloads(str(canary))[name])
    data = torch_names(buf.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="add_safe_globals"):
        load_bytes(archive(data, {"0": floats(1)}))
    with pytest.raises(pickle.UnpicklingError):  # as the header of a legacy file
        load_bytes(data)


@pytest.mark.parametrize("name", list(handmade("c")))
def test_handmade_pickles_run_nothing(name, canary):
    data = handmade(str(canary))[name]
    for wrapped in (archive(data), data):
        with pytest.raises(pickle.UnpicklingError):
            load_bytes(wrapped)


def test_extension_codes_run_nothing(canary):
    copyreg.add_extension("posix", "system", 0x4242)
    try:
        data = pickle.dumps(Payload(os.system, f"touch {canary}"), protocol=2)
    finally:
        copyreg.remove_extension("posix", "system", 0x4242)
    assert pickle.EXT2 in data
    with pytest.raises(pickle.UnpicklingError, match="opcode"):
        load_bytes(archive(data))


def test_a_global_inside_a_storage_id_runs_nothing(canary):
    class EvilIds(Crafter):
        def persistent_id(self, obj):
            if type(obj) is _StorageRef:
                return ("storage", Payload(os.system, f"touch {canary}"), "0", "cpu", 1)
            return None

    buf = io.BytesIO()
    EvilIds(buf, 2).dump(Layout(0, (1,), (1,), 1))
    with pytest.raises(pickle.UnpicklingError, match="posix.system"):
        load_bytes(archive(torch_names(buf.getvalue()), {"0": floats(1)}))


@pytest.mark.parametrize("state", [{"_data": 1}, {"_grad": 1}, {"__class__": OrderedDict}, {"backward": 1},
                                   ({}, {"x": 1})])
def test_tensor_state_cannot_overwrite_embers_attributes(state):
    with pytest.raises(pickle.UnpicklingError, match="sets the state"):
        load_bytes(crafted(Layout(0, (1,), (1,), 1, state=state), {"0": floats(1)}))
    buf = io.BytesIO()
    Crafter(buf, 2).dump(Payload(_rebuild_from_type_v2, _rebuild_tensor_v2, ember.Tensor,
                                 Layout(0, (1,), (1,), 1).args, state))
    with pytest.raises(RuntimeError, match="overwrite|slot state"):
        load_bytes(archive(torch_names(buf.getvalue()), {"0": floats(1)}))


@pytest.mark.parametrize("func, new_type", [(OrderedDict, ember.Tensor), (_rebuild_tensor_v2, OrderedDict)])
def test_rebuild_from_type_builds_tensors_only(func, new_type):
    buf = io.BytesIO()
    Crafter(buf, 2).dump(Payload(_rebuild_from_type_v2, func, new_type, (), {}))
    with pytest.raises(RuntimeError, match="tensors and parameters only"):
        load_bytes(archive(torch_names(buf.getvalue())))


def test_malformed_pickles_fail_cleanly():
    for data in [b"", b"\x80\x02", b"\x80\x02]q\x00(K\x01", b"\x80\x02h\x05.", b"\x80\x02(.",
                 b"\x80\x02X\xff\xff\xff\x7f", b"\x80\x02\xff.", b"\x80\x02\x85.", b"\x80\x02}K\x01s.",
                 b"\x80\x02}]]s.", b"\x80\x02ccollections\nCounter\nK\x05\x85R."]:
        with pytest.raises(pickle.UnpicklingError):
            load_bytes(archive(data))


# ---- malformed layouts and records -----------------------------------------------------------------------------
@pytest.mark.parametrize("layout, records, match", [
    (Layout(0, (10,), (1,), 10), {"0": floats(4)}, "holds 16 bytes"),
    (Layout(0, (10,), (1,), 4), {"0": floats(4)}, "reaches element 9"),
    (Layout(3, (2,), (1,), 4), {"0": floats(4)}, "reaches element 4"),
    (Layout(0, (2, 2), (3, 1), 4), {"0": floats(4)}, "reaches element 4"),
    (Layout(-1, (2,), (1,), 4), {"0": floats(4)}, "offset"),
    (Layout(0, (-2,), (1,), 4), {"0": floats(4)}, "size"),
    (Layout(0, (2,), (-1,), 4), {"0": floats(4)}, "stride"),
    (Layout(0, (2.0,), (1,), 4), {"0": floats(4)}, "size"),
    (Layout(0, (2,), (1, 1), 4), {"0": floats(4)}, "1 sizes but 2 strides"),
    (Layout(0, (2 ** 40, 2 ** 40), (1, 1), 4), {"0": floats(4)}, "more elements"),
    (Layout(0, (2 ** 31, 2), (2 ** 62, 1), 4), {"0": floats(4)}, "more elements|reaches"),
    (Layout(0, (1,), (1,), 2 ** 60), {"0": floats(4)}, "holds 16 bytes"),
    (Layout(0, (1,), (1,), -4), {"0": floats(4)}, "non-negative element count"),  # UnpicklingError
    (Layout(0, (1,), (1,), 4, key="../../../../etc/passwd"), {"0": floats(4)}, "no record"),
    (Layout(0, (1,), (1,), 4), {}, "no record 'data/0'"),
    (Layout(0, (1,), (1,), 4, requires_grad=1), {"0": floats(4)}, "requires_grad"),
    (Layout(0, (1,), (1,), 4, hooks={1: 2}), {"0": floats(4)}, "hooks"),
], ids=["short storage", "view past the end", "offset past the end", "strides past the end", "negative offset",
        "negative size", "negative stride", "float size", "sizes and strides differ", "overflowing size",
        "overflowing stride", "huge numel", "negative numel", "path traversal key", "missing record",
        "requires_grad not a bool", "backward hooks"])
def test_malformed_layouts_name_the_problem(layout, records, match):
    tracemalloc.start()
    try:
        with pytest.raises((RuntimeError, pickle.UnpicklingError), match=match):
            load_bytes(crafted(layout, records))
        assert tracemalloc.get_traced_memory()[1] < 1 << 20  # no allocation beyond the file's size
    finally:
        tracemalloc.stop()


def test_a_valid_crafted_layout_loads():
    """The crafted files above differ from a good one only where they say."""
    t = load_bytes(crafted({"t": Layout(1, (2, 2), (2, 1), 5)}, {"0": floats(5)}))["t"]
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])


def test_tensors_of_pytorch_0_4():
    """PyTorch 0.4 rebuilt tensors with `torch._utils._rebuild_tensor`, without requires_grad."""
    buf = io.BytesIO()
    Crafter(buf, 2).dump({"t": Payload(_rebuild_tensor, *Layout(1, (2, 2), (1, 2), 5).args[:4])})
    data = torch_names(buf.getvalue()).replace(b"cember.serialization.rebuild\n_rebuild_tensor\n",
                                               b"ctorch._utils\n_rebuild_tensor\n")
    t = load_bytes(archive(data, {"0": floats(5)}))["t"]
    np.testing.assert_array_equal(t.numpy(), [[1, 3], [2, 4]])


def valid_checkpoint() -> bytes:
    buf = io.BytesIO()
    base = ember.arange(12.).reshape(3, 4)
    ember.save({"w": base, "row": base[1], "n": 3, "name": "net", "ids": ember.tensor([1, 2], dtype=ember.int64)},
               buf)
    return buf.getvalue()


def test_truncated_files_fail_cleanly():
    data = valid_checkpoint()
    for cut in range(0, len(data), max(1, len(data) // 97)):
        with pytest.raises((RuntimeError, pickle.UnpicklingError)):
            load_bytes(data[:cut])


def test_records_reaching_past_the_end_of_the_file():
    data = bytearray(valid_checkpoint())
    name = b"archive/data/0"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # the central directory entry of data/0
    struct.pack_into("<I", data, at + 20, 10 ** 6)  # compressed size
    struct.pack_into("<I", data, at + 24, 10 ** 6)  # uncompressed size
    with pytest.raises(RuntimeError, match="data/0"):
        load_bytes(bytes(data))


def test_zip_bombs_are_refused_before_decompressing():
    data = bytearray(archive(pickle.dumps([1]), compress=zipfile.ZIP_DEFLATED))
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(b"archive/data.pkl"))
    struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)  # claims 4 GB uncompressed from a few bytes
    with pytest.raises(RuntimeError, match="zip bomb"):
        load_bytes(bytes(data))


def test_compressed_records_load():
    """PyTorch writes stored records only, but other zip tools may compress them; what they hold is read."""
    layout = {"t": Layout(0, (4,), (1,), 4)}
    data = archive(torch_names(_dumps(layout)), {"0": floats(4)}, compress=zipfile.ZIP_DEFLATED)
    np.testing.assert_array_equal(load_bytes(data)["t"].numpy(), [0, 1, 2, 3])


def _dumps(obj) -> bytes:
    buf = io.BytesIO()
    Crafter(buf, 2).dump(obj)
    return buf.getvalue()


def test_archives_with_traversal_names_or_no_single_top_folder(tmp_path):
    before = sorted(tmp_path.rglob("*"))
    good = _dumps(ember.ones(1))
    for top in ["../../..", "/abs", "a/b"]:
        with pytest.raises(RuntimeError, match="data.pkl"):
            load_bytes(archive(good, top=top))
    twice = io.BytesIO()
    with zipfile.ZipFile(twice, "w") as z:
        z.writestr("one/data.pkl", good)
        z.writestr("two/data.pkl", good)
    with pytest.raises(RuntimeError, match="data.pkl"):
        load_bytes(twice.getvalue())
    assert sorted(tmp_path.rglob("*")) == before  # loading never writes


def test_a_pickle_that_holds_a_bare_global_is_refused():
    """Found by the mutation test below: a pickle whose result is an allowed function or class itself."""
    for name in (b"torch._utils\n_rebuild_tensor_v2", b"torch\nSize", b"torch\nTensor", b"collections\nOrderedDict"):
        with pytest.raises(pickle.UnpicklingError, match="where a checkpoint holds data"):
            load_bytes(archive(b"\x80\x02c" + name + b"\nq\x00.", {}))


def test_not_a_checkpoint():
    for data in [b"", b"hello world", os.urandom(64), b"PK\x03\x04" + bytes(40)]:
        with pytest.raises(CLEAN_ERRORS):
            load_bytes(data)


# ---- mutations of valid files ----------------------------------------------------------------------------------
def _check_loads_or_fails_cleanly(data: bytes):
    try:
        out = load_bytes(data)
    except CLEAN_ERRORS:
        return
    assert isinstance(out, (dict, ember.Tensor, list, tuple, int, float, str, type(None)))


mutations = st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=mutations, cut=st.one_of(st.none(), st.integers(0, 10 ** 6)))
def test_mutated_files_load_or_fail_cleanly(changes, cut):
    data = bytearray(valid_checkpoint())
    for pos, byte in changes:
        data[pos % len(data)] = byte
    _check_loads_or_fails_cleanly(bytes(data[:cut]) if cut is not None else bytes(data))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=mutations, insert=st.booleans())
def test_mutated_pickles_load_or_fail_cleanly(changes, insert):
    """Mutations of data.pkl itself, written into a zip with a correct checksum, so they reach the unpickler."""
    data = valid_checkpoint()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        contents = {n: z.read(n) for n in z.namelist()}
    pkl = bytearray(contents["archive/data.pkl"])
    for pos, byte in changes:
        if insert:
            pkl.insert(pos % (len(pkl) + 1), byte)
        else:
            pkl[pos % len(pkl)] = byte
    records = {n.rpartition("/")[2]: b for n, b in contents.items() if "/data/" in n}
    _check_loads_or_fails_cleanly(archive(bytes(pkl), records))
    _check_loads_or_fails_cleanly(bytes(pkl))  # as a legacy file's header
