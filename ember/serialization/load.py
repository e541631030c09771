"""`ember.load`: read checkpoints written by PyTorch (zip format, and the legacy formats) and by ember.

With `weights_only=True`, the default, the pickle is read by `RestrictedUnpickler`, which calls nothing
outside the allowlist. Storages are read straight into their arrays (or mapped from the file with
`mmap=True`); a storage is never larger than the record that holds it, so a file cannot make ember
allocate more memory than the file's own size.
"""
import contextlib
import io
import mmap as mmap_module
import os
import pickle
import struct
import sys
import zipfile

import numpy as np

from .._device import device
from ..backend import cuda_available
from . import allowlist, legacy, storage
from .storage import Storage
from .unpickler import RestrictedUnpickler, TrustedUnpickler

_DEFLATE_MAX_RATIO = 1032  # the most that deflate can expand data; a record that claims more is a zip bomb


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args):
    """Load an object saved with `ember.save` or `torch.save` from a path or a binary file object.

    `weights_only=True` (the default, as in PyTorch) loads tensors, containers and primitive types only and
    never runs code from the file. `map_location` (a device, a string, a dict from saved to wanted
    locations, or a function of storage and location) says where storages go; `mmap=True` maps storages
    from the file instead of reading them. Differences from PyTorch: `pickle_module` must be Python's
    `pickle`; a checkpoint that pickles PyTorch's own classes (a whole `torch.nn.Module`) cannot be loaded.
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError(f"ember.load reads pickles with Python's pickle module; got pickle_module={pickle_module!r}")
    if weights_only is None:
        weights_only = pickle_module is None
    elif weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    encoding = pickle_load_args.pop("encoding", "utf-8")
    if pickle_load_args:
        raise TypeError(f"load() got unexpected keyword arguments {sorted(pickle_load_args)}")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    reader = _Reader(map_location, weights_only, encoding)
    with _open(f) as file:
        head = file.read(262)
        file.seek(0)
        if head[:2] == b"PK":
            return reader.read_zip(file, mmap)
        if mmap:
            raise RuntimeError("mmap can only be used with files saved in the zip format (ember.save and torch.save "
                               "since PyTorch 1.6), not with the legacy format")
        if legacy.is_tar(head):
            return legacy.read_tar_format(reader, file)
        return legacy.read_pickle_format(reader, file.read())


@contextlib.contextmanager
def _open(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            yield file
        return
    if not hasattr(f, "read"):
        raise TypeError(f"load expects a path or a binary file object, but got {type(f).__name__}")
    if not (hasattr(f, "seek") and f.seekable()):
        f = io.BytesIO(f.read())  # zip archives are read from their end
    yield f


class _Reader:
    """One load: the storages read so far, where they go, and how the pickle is read."""

    def __init__(self, map_location, weights_only: bool, encoding: str):
        self.map_location = map_location
        self.weights_only = weights_only
        self.encoding = encoding
        self.storages: dict[str, Storage] = {}  # as read from the file
        self.placed: dict[tuple[str, str], Storage] = {}  # (key, storage type) -> where map_location puts it

    # ---- the pickle --------------------------------------------------------------------------
    def unpickle(self, data, pos: int, persistent_load):
        """The object pickled in `data` at `pos`, and the position after it."""
        if self.weights_only:
            user = allowlist.user_allowed()
            callables = [*allowlist.CALLABLE, *user.values()]
            classes = [c for c in user.values() if isinstance(c, type)]
            return RestrictedUnpickler(data, allowlist.find_allowed, persistent_load, callables, classes,
                                       self.encoding).load(pos)
        stream = io.BytesIO(data)
        stream.seek(pos)
        unpickler = TrustedUnpickler(stream, encoding=self.encoding)
        unpickler.persistent_load = persistent_load
        return unpickler.load(), stream.tell()

    # ---- where storages go -------------------------------------------------------------------
    def place(self, s: Storage, location: str) -> Storage:
        """The storage moved where `map_location` sends storages saved at `location`."""
        target = self.map_location
        if callable(target) and not isinstance(target, (str, device)):
            moved = target(s, location)
            if moved is None:
                return self.place_at(s, location)
            if not isinstance(moved, Storage):
                raise RuntimeError(f"map_location must return a storage (or None), but returned "
                                   f"{type(moved).__name__}")
            return moved
        if isinstance(target, dict):
            target = target.get(location, location)
        return self.place_at(s, location if target is None else str(target))

    @staticmethod
    def place_at(s: Storage, location: str) -> Storage:
        kind = location.partition(":")[0]
        if kind == "cuda":
            if not cuda_available():
                raise RuntimeError("Attempting to deserialize object on a CUDA device but ember.cuda.is_available() "
                                   "is False. If you are running on a CPU-only machine, please use ember.load with "
                                   "map_location=ember.device('cpu') to map your storages to the CPU.")
        elif kind not in ("cpu", "meta"):  # meta: tensors of the saved shapes and dtypes, without their values
            raise RuntimeError(f"don't know how to restore data location of a storage tagged with {location!r}; "
                               f"pass map_location='cpu'")
        return s if kind == "cpu" and s.array.__class__ is np.ndarray else s.to(location)

    def typed(self, s: Storage, storage_type, location: str) -> Storage:
        """Storage `s` read as `storage_type`, placed; the same object each time a pickle asks for it again."""
        cached = self.placed.get((s.key, storage_type.name))
        if cached is None:
            cached = self.place(s.as_type(storage_type.dtype, storage_type.name), location)
            self.placed[(s.key, storage_type.name)] = cached
        return cached

    # ---- the zip format ----------------------------------------------------------------------
    def read_zip(self, file, mmap: bool):
        archive = _Archive(file, mmap)
        swap = archive.byteorder() != sys.byteorder

        def persistent_load(pid):
            kind, storage_type, key, location, numel = storage.storage_id(pid, 5)
            if key not in self.storages:
                nbytes = numel * storage_type.dtype.itemsize
                raw = archive.storage_bytes(key, nbytes)
                s = Storage(raw, key).as_type(storage_type.dtype, storage_type.name)
                if swap:
                    s.array.byteswap(inplace=True)
                self.storages[key] = s
            return self.typed(self.storages[key], storage_type, location)

        return self.unpickle(archive.read("data.pkl"), 0, persistent_load)[0]


class _Archive:
    """A checkpoint's zip archive: its records by name inside the top-level folder, storages read or mapped."""

    def __init__(self, file, mmap: bool):
        self.file = file
        try:
            self.zip = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise RuntimeError(f"PytorchStreamReader failed reading zip archive: {e} (the file is truncated or not "
                               f"a checkpoint)") from None
        pkl = [n for n in self.zip.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: the archive is not a checkpoint")
        self.prefix = pkl[0][:-len("data.pkl")]
        file.seek(0, os.SEEK_END)
        self.size = file.tell()
        self.map = mmap_module.mmap(file.fileno(), 0, access=mmap_module.ACCESS_COPY) if mmap else None

    def info(self, name: str) -> zipfile.ZipInfo:
        try:
            info = self.zip.getinfo(self.prefix + name)
        except KeyError:
            raise RuntimeError(f"the checkpoint has no record '{name}'; the file is corrupt") from None
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > _DEFLATE_MAX_RATIO * info.compress_size:
            raise RuntimeError(f"record '{name}' claims {info.file_size} bytes from {info.compress_size} compressed "
                               f"ones, more than compression can produce; the file is corrupt or a zip bomb")
        return info

    def read(self, name: str) -> bytes:
        """The bytes of a (small) record, checksum checked."""
        info = self.info(name)
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise RuntimeError(f"cannot read record '{name}' of the checkpoint: {e}") from None

    def byteorder(self) -> str:
        if self.prefix + "byteorder" not in self.zip.NameToInfo:
            return "little"  # files from before PyTorch 1.10 have no byteorder record and are little-endian
        order = self.read("byteorder").decode("ascii", "replace").strip()
        if order not in ("little", "big"):
            raise RuntimeError(f"the checkpoint's byteorder record says {order!r}; expected 'little' or 'big'")
        return order

    def storage_bytes(self, key: str, nbytes: int) -> np.ndarray:
        """The first `nbytes` bytes of record `data/<key>` as a writable uint8 array."""
        name = f"data/{key}"
        info = self.info(name)
        if info.file_size < nbytes:
            raise RuntimeError(f"storage record '{name}' holds {info.file_size} bytes, but the checkpoint's pickle "
                               f"declares {nbytes}; the file is corrupt")
        if info.compress_type != zipfile.ZIP_STORED:
            with self.zip.open(info) as record:
                return np.frombuffer(bytearray(record.read(nbytes)), np.uint8)
        start = self._data_start(info, name)
        if self.map is not None:
            return np.frombuffer(self.map, np.uint8, nbytes, start)
        array = np.empty(nbytes, np.uint8)
        self.file.seek(start)
        if self.file.readinto(memoryview(array)) != nbytes:
            raise RuntimeError(f"storage record '{name}' is cut short; the file is truncated")
        return array

    def _data_start(self, info: zipfile.ZipInfo, name: str) -> int:
        self.file.seek(info.header_offset)
        header = self.file.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise RuntimeError(f"the local header of record '{name}' is missing; the file is corrupt")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        if start + info.file_size > self.size:
            raise RuntimeError(f"record '{name}' reaches past the end of the file; the file is truncated")
        return start
