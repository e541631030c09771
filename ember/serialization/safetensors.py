"""The safetensors format: named tensors after a JSON header, no code, no pickle (the `safetensors.torch` API).

A file is an 8-byte little-endian header length, a JSON header mapping each name to its dtype, shape and
byte range (`data_offsets`, relative to the end of the header) plus optional `__metadata__` of strings,
and the tensors' bytes, little-endian and contiguous. ember reads and writes the format itself; the
`safetensors` package is needed only to check interop in the tests.
"""
import json
import mmap
import os

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap
from ..backend import to_numpy
from .storage import Storage

_MAX_HEADER = 100_000_000  # as the safetensors package: a header is never larger
_CODE_OF = {_dtype.bool: "BOOL", _dtype.uint8: "U8", _dtype.int8: "I8", _dtype.int16: "I16", _dtype.int32: "I32",
            _dtype.int64: "I64", _dtype.float16: "F16", _dtype.float32: "F32", _dtype.float64: "F64",
            _dtype.complex64: "C64", _dtype.bfloat16: "BF16", _dtype.uint16: "U16", _dtype.uint32: "U32",
            _dtype.uint64: "U64"}
_DTYPE_OF = {code: d for d, code in _CODE_OF.items()}
_MISSING = {
            "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2", "F8_E8M0": "float8_e8m0fnu", "F4": "float4",
            "F6_E2M3": "float6", "F6_E3M2": "float6"}


class SafetensorError(Exception):
    """A file that is not valid safetensors (the safetensors package's exception of the same name)."""


# ---- writing -----------------------------------------------------------------------------------------------
def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The tensors in safetensors format, as bytes."""
    header, arrays = _layout(tensors, metadata)
    return b"".join([header, *(a.tobytes() for a in arrays)])


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write the tensors to `filename` in safetensors format."""
    header, arrays = _layout(tensors, metadata)
    with open(filename, "wb") as f:
        f.write(header)
        for a in arrays:
            f.write(memoryview(a).cast("B"))


def _layout(tensors: dict, metadata: dict | None) -> tuple[bytes, list[np.ndarray]]:
    """The header and the arrays to write after it, the widest dtypes first (so each array stays aligned)."""
    _check_tensors(tensors)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError(f"safetensors metadata must be a dict of strings to strings, got {metadata!r:.100}")
    names = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    entries = {"__metadata__": metadata} if metadata else {}
    arrays, offset = [], 0
    for name in names:
        t = tensors[name]
        array = to_numpy(t.detach()._data)
        array = array.astype(array.dtype.newbyteorder("<"), copy=False).reshape(-1)
        entries[name] = {"dtype": _CODE_OF[t.dtype], "shape": list(t.shape), "data_offsets": [offset,
                                                                                          offset + array.nbytes]}
        arrays.append(array)
        offset += array.nbytes
    text = json.dumps(entries, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text, arrays


def _check_tensors(tensors: dict) -> None:
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, Tensor] but received {type(tensors).__name__}")
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors names must be strings, got {name!r}")
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected Tensor but received {type(t).__name__}")
        if not t.is_contiguous():
            raise ValueError(f"You are trying to save a non contiguous tensor: `{name}`, which safetensors does not "
                             f"allow; save the full tensor and slice it after loading, or call .contiguous() on it")
        array = t._data
        if array.__class__ is np.ndarray and array.size:
            root = array
            while isinstance(root.base, np.ndarray):
                root = root.base
            start = array.__array_interface__["data"][0]
            spans.setdefault(id(root), []).append((start, start + array.nbytes, name))
    shared = [{a[2], b[2]} for group in spans.values() for a, b in zip(*_sorted_pairs(group)) if b[0] < a[1]]
    if shared:
        raise RuntimeError(f"Some tensors share memory, which safetensors cannot store (it would duplicate them on "
                           f"disk and they would no longer share it after loading): {shared}. Save one tensor of each "
                           f"group, or .clone() the others")


def _sorted_pairs(group: list) -> tuple[list, list]:
    group = sorted(group)
    return group[:-1], group[1:]


# ---- reading -----------------------------------------------------------------------------------------------
def load(data: bytes) -> dict:
    """The tensors in safetensors-format bytes."""
    header, _, start = _parse_header(data, len(data))
    return {name: wrap(_native(_view(data, start, *header[name]).copy())) for name in header}


def load_file(filename, device="cpu") -> dict:
    """The tensors in a safetensors file, on `device`."""
    with safe_open(filename, "pt", device) as f:
        return {name: f.get_tensor(name) for name in f.keys()}


class safe_open:  # noqa: N801 (the safetensors package's name)
    """A safetensors file opened for reading tensors one at a time (or slices of them) without reading the rest."""

    def __init__(self, filename, framework: str = "pt", device="cpu"):
        if framework not in ("pt", "torch", "np", "numpy"):
            raise ValueError(f"framework {framework!r} is not supported; ember reads safetensors as 'pt' (ember "
                             f"tensors) or 'np' (NumPy arrays)")
        self.numpy = framework in ("np", "numpy")
        self.device = f"cuda:{device}" if isinstance(device, int) else str(device)
        with open(os.fspath(filename), "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) if size else b""
        self.header, self.meta, self.start = _parse_header(self.map, size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.map = None  # the mapping closes when the last tensor read from it is gone

    def keys(self) -> list:
        """The tensors' names, sorted."""
        return sorted(self.header)

    def metadata(self) -> dict | None:
        """The file's `__metadata__` strings (None when it has none)."""
        return self.meta

    def get_tensor(self, name: str):
        """The tensor `name`, mapped from the file: pages are read when first used, and writing to the tensor
        changes its memory, never the file."""
        return self._convert(self._array(name), name)

    def get_slice(self, name: str) -> "_Slice":
        """The tensor `name` unread: index it to read only that part."""
        return _Slice(self, name)

    def _array(self, name: str) -> np.ndarray:
        if self.map is None:
            raise SafetensorError("the file was closed; read tensors inside the `with safe_open(...)` block")
        if name not in self.header:
            raise SafetensorError(f"File does not contain tensor {name}")
        return _view(self.map, self.start, *self.header[name])

    def _convert(self, array: np.ndarray, name: str):
        array = _native(array)
        if self.numpy:
            return array
        return wrap(array if self.device == "cpu" else Storage(array, name).to(self.device).array)


class _Slice:
    """A tensor of an open safetensors file, read only where it is indexed."""

    def __init__(self, file: safe_open, name: str):
        file._array(name)  # fails now for a name the file does not hold
        self.file, self.name = file, name

    def get_shape(self) -> list:
        """The tensor's shape."""
        return list(self.file.header[self.name][0]["shape"])

    def get_dtype(self) -> str:
        """The tensor's dtype as safetensors names it ('F32', ...)."""
        return self.file.header[self.name][0]["dtype"]

    def __getitem__(self, index):
        return self.file._convert(np.array(self.file._array(self.name)[index]), self.name)


def _view(data, start: int, entry: dict, begin: int, end: int) -> np.ndarray:
    """The read-only array of one entry inside the file's bytes, little-endian."""
    dtype = _DTYPE_OF[entry["dtype"]]
    return np.frombuffer(data, dtype.np.newbyteorder("<"), (end - begin) // dtype.itemsize,
                         start + begin).reshape(entry["shape"])


def _native(array: np.ndarray) -> np.ndarray:
    return array.astype(array.dtype.newbyteorder("="), copy=False)


def _parse_header(data, size: int):
    """The entries of the header, checked against the file (name -> (entry, begin, end)), its metadata, and where
    the data starts."""
    if size < 8:
        raise SafetensorError(f"HeaderTooSmall: a safetensors file starts with an 8-byte header length, but it has "
                              f"{size} bytes")
    length = int.from_bytes(bytes(data[:8]), "little")
    if length > _MAX_HEADER:
        raise SafetensorError(f"HeaderTooLarge: the header claims {length} bytes, more than {_MAX_HEADER}")
    if 8 + length > size:
        raise SafetensorError(f"InvalidHeaderLength: the header claims {length} bytes, but the file has {size}")
    try:
        header = json.loads(bytes(data[8:8 + length]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"InvalidHeaderDeserialization: the header is not JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorError(f"InvalidHeaderDeserialization: the header must be a JSON object, got "
                              f"{type(header).__name__}")
    meta = header.pop("__metadata__", None)
    if meta is not None and not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise SafetensorError("InvalidHeaderDeserialization: __metadata__ must map strings to strings")
    entries = {name: _entry(name, e) for name, e in header.items()}
    at = 0
    for name, (entry, begin, end) in sorted(entries.items(), key=lambda item: item[1][1:]):
        if begin != at:
            raise SafetensorError(f"InvalidOffset: tensor '{name}' starts at byte {begin} of the data, expected {at} "
                                  f"(tensors must cover the data without gaps or overlaps)")
        at = end
    if 8 + length + at != size:
        raise SafetensorError(f"MetadataIncompleteBuffer: the tensors cover {at} bytes of data, but the file holds "
                              f"{size - 8 - length}")
    return entries, meta, 8 + length


def _entry(name: str, entry) -> tuple[dict, int, int]:
    if not (isinstance(entry, dict) and isinstance(entry.get("dtype"), str) and isinstance(entry.get("shape"), list)
            and isinstance(entry.get("data_offsets"), list) and len(entry["data_offsets"]) == 2):
        raise SafetensorError(f"InvalidHeaderDeserialization: tensor '{name}' needs a dtype, a shape and two "
                              f"data_offsets, got {entry!r:.200}")
    code, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code not in _DTYPE_OF:
        if code in _MISSING:
            raise TypeError(f"tensor '{name}' is {_MISSING[code]} ({code}), a type ember does not have")
        raise SafetensorError(f"InvalidHeaderDeserialization: tensor '{name}' has unknown dtype {code!r}")
    if not all(type(v) is int and v >= 0 for v in (*shape, begin, end)) or begin > end:
        raise SafetensorError(f"InvalidHeaderDeserialization: tensor '{name}' has shape {shape} and data_offsets "
                              f"{[begin, end]}; expected non-negative integers in order")
    numel = 1
    for n in shape:
        numel *= n
    if numel * _DTYPE_OF[code].itemsize != end - begin:
        raise SafetensorError(f"TensorInvalidInfo: tensor '{name}' of shape {shape} and dtype {code} needs "
                              f"{numel * _DTYPE_OF[code].itemsize} bytes, but its data_offsets span {end - begin}")
    return entry, begin, end
