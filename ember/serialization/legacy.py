"""The formats PyTorch wrote before its zip format: one pickle stream (PyTorch 0.4 to 1.5, and
`_use_new_zipfile_serialization=False` since), and before that a tar archive (PyTorch 0.1 to 0.3).

Both read storages into arrays after the pickles that name them, so they load to the CPU only; each size
the file declares is checked against the bytes the file holds before anything is allocated.
"""
import pickle
import struct
import sys
import tarfile

import numpy as np

from .rebuild import tensor_in
from .storage import Storage, is_count, storage_id

PICKLE_MAGIC = 0x1950A86A20F9469CFC6C
PICKLE_PROTOCOL = 1001


def is_tar(head: bytes) -> bool:
    """Whether a file starting with `head` (at least 262 bytes of it) is a tar archive."""
    return head[257:262] == b"ustar"


def read_pickle_format(reader, data: bytes):
    """The object in a legacy pickle-stream checkpoint: magic number, protocol, system info, the object's
    pickle, the list of storage keys, then each storage's element count and bytes."""
    header = _Cursor(reader, data, "legacy checkpoint's header")
    if header.load() != PICKLE_MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file? (not a checkpoint written by ember.save or "
                           "torch.save)")
    protocol = header.load()
    if protocol != PICKLE_PROTOCOL:
        raise RuntimeError(f"Invalid protocol version: {protocol}")
    sys_info = header.load()
    order = "little" if not isinstance(sys_info, dict) or sys_info.get("little_endian", True) else "big"
    roots: dict[str, Storage] = {}

    def persistent_load(pid):
        kind, storage_type, key, location, numel = storage_id(pid, 6)
        if key not in roots:
            if numel * storage_type.dtype.itemsize > len(data):
                raise RuntimeError(f"storage '{key}' declares {numel} elements, more than the file holds")
            roots[key] = Storage(np.zeros(numel, storage_type.dtype.np), key)
        s = roots[key]
        if pid[5] is not None:
            view_key, offset, size = pid[5]
            if not (is_count(offset) and is_count(size) and offset + size <= s.array.size):
                raise RuntimeError(f"storage view '{view_key}' lies outside storage '{key}'")
            s = Storage(s.array[offset:offset + size], str(view_key))
        placed = reader.typed(s, storage_type, location)
        if placed.array is not s.array and not np.shares_memory(placed.array, s.array):
            # the data is read after the pickle, into these arrays: they must stay where they are
            raise NotImplementedError("ember loads legacy-format checkpoints to the CPU only; load with "
                                      "map_location='cpu' and move the tensors afterwards")
        return placed

    result = header.load(persistent_load)
    keys = header.load()
    if not (isinstance(keys, list) and all(k in roots for k in keys)):
        raise RuntimeError("the legacy checkpoint's list of storages does not match its pickle")
    for key in keys:
        header.fill(roots[key].array, order, f"storage '{key}'")
    return result


def read_tar_format(reader, file):
    """The object in a tar checkpoint: records 'storages' (each storage's id, then its element count and
    bytes, then a list of views), 'tensors' (each tensor's id, storage and layout) and 'pickle' (the object,
    naming tensors and storages by their ids). PyTorch refuses `weights_only=True` for this format, as ember does."""
    if reader.weights_only:
        raise RuntimeError("Cannot use weights_only=True with files saved in the legacy .tar format. Load it with "
                           "weights_only=False only if you trust the file: it can run any code.")
    try:
        with tarfile.open(fileobj=file, mode="r:") as tar:
            records = {name: _tar_record(tar, name) for name in ("storages", "tensors", "pickle")}
    except tarfile.TarError as e:
        raise RuntimeError(f"cannot read the legacy tar checkpoint: {e}") from None
    objects: dict = {}

    def find(key, what: str):
        if key not in objects:
            raise RuntimeError(f"the legacy tar checkpoint refers to {what} {key!r}, which it does not hold")
        return objects[key]

    cursor = _Cursor(reader, records["storages"], "tar record 'storages'")
    for _ in range(cursor.count()):
        key, location, storage_type = cursor.load()
        array = np.empty(cursor.declared(storage_type.dtype.itemsize), storage_type.dtype.np)
        cursor.read_into(array, "little")
        objects[key] = reader.typed(Storage(array, str(key)), storage_type, location)
    for target, root, offset, numel in cursor.load():
        base = find(root, "storage").array
        if not (is_count(offset) and is_count(numel) and offset + numel <= base.size):
            raise RuntimeError(f"storage view {target} lies outside storage {root}")
        objects[target] = Storage(base[offset:offset + numel], str(target))
    cursor = _Cursor(reader, records["tensors"], "tar record 'tensors'")
    for _ in range(cursor.count()):
        key, storage_key, _tensor_type = cursor.load()
        ndim = struct.unpack("<i4x", cursor.read(8))[0]
        if not 0 <= ndim <= 64:
            raise RuntimeError(f"tensor {key} declares {ndim} dimensions")
        layout = struct.unpack(f"<{2 * ndim + 1}q", cursor.read(8 * (2 * ndim + 1)))
        objects[key] = tensor_in(find(storage_key, "storage"), layout[-1], layout[:ndim], layout[ndim:-1], False,
                                 None)

    def persistent_load(pid):
        if isinstance(pid, tuple):  # a module class, saved with its source code
            return pid[0]
        return find(int(pid), "tensor or storage")

    return _Cursor(reader, records["pickle"], "tar record 'pickle'").load(persistent_load)


def _tar_record(tar, name: str) -> bytes:
    try:
        member = tar.extractfile(name)
    except KeyError:
        member = None
    if member is None:
        raise RuntimeError(f"the legacy tar checkpoint has no record '{name}'")
    return member.read()


class _Cursor:
    """A position in a legacy checkpoint's bytes, which hold pickles and raw storages one after another."""

    def __init__(self, reader, data: bytes, where: str):
        self.reader, self.data, self.where, self.pos = reader, data, where, 0

    def load(self, persistent_load=None):
        """The next pickle's object."""
        obj, self.pos = self.reader.unpickle(self.data, self.pos, persistent_load or self._no_storages)
        return obj

    def _no_storages(self, pid):
        raise pickle.UnpicklingError(f"a pickle in the {self.where} refers to a storage")

    def read(self, n: int) -> bytes:
        """The next `n` bytes."""
        if self.pos + n > len(self.data):
            raise RuntimeError(f"the {self.where} ends {self.pos + n - len(self.data)} bytes early")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def count(self) -> int:
        """A pickled count of the records that follow."""
        count = self.load()
        if not is_count(count):
            raise RuntimeError(f"the {self.where} starts with {count!r}, not a count")
        return count

    def declared(self, itemsize: int) -> int:
        """An element count, checked against the bytes left."""
        numel = struct.unpack("<q", self.read(8))[0]
        left = len(self.data) - self.pos
        if not 0 <= numel * itemsize <= left:
            raise RuntimeError(f"a storage in the {self.where} declares {numel} elements, but only {left} bytes "
                               f"follow")
        return numel

    def fill(self, array: np.ndarray, order: str, what: str) -> None:
        """Read an element count and that many elements into `array`, which must hold exactly as many."""
        numel = int.from_bytes(self.read(8), order, signed=True)
        if numel != array.size:
            raise RuntimeError(f"{what} holds {numel} elements where the pickle declares {array.size}")
        self.read_into(array, order)

    def read_into(self, array: np.ndarray, order: str) -> None:
        """Read the elements of `array`, stored in byte order `order`."""
        chunk = np.frombuffer(self.read(array.nbytes), array.dtype)
        array[...] = chunk if order == sys.byteorder else chunk.byteswap()
