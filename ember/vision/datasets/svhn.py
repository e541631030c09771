"""SVHN (Street View House Numbers, cropped digits), read from the MATLAB files root/<split>_32x32.mat.

The files are MATLAB 5 MAT-files; a small reader of their numeric matrices (plain or zlib-compressed) lives
here, so SciPy is not needed.
"""
import os
import zlib

import numpy as np

from ..transforms.functional_pil import Image
from .utils import download_resources, verify_str_arg
from .vision import VisionDataset, require_pil

__all__ = ["SVHN", "loadmat"]

_MI_TYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
_MX_CLASSES = {6: "f8", 7: "f4", 8: "i1", 9: "u1", 10: "i2", 11: "u2", 12: "i4", 13: "u4", 14: "i8", 15: "u8"}
_MI_MATRIX, _MI_COMPRESSED = 14, 15


def _elements(buf: memoryview, endian: str, path: str):
    """(type, payload) of each data element in `buf` (tags in the small or the full format)."""
    pos = 0
    while pos + 8 <= len(buf):
        tag = int.from_bytes(buf[pos:pos + 4], "little" if endian == "<" else "big")
        if tag >> 16:  # small element: byte count in the high half, payload in the next 4 bytes
            yield tag & 0xFFFF, buf[pos + 4:pos + 4 + (tag >> 16)]
            pos += 8
            continue
        n = int.from_bytes(buf[pos + 4:pos + 8], "little" if endian == "<" else "big")
        if pos + 8 + n > len(buf):
            raise RuntimeError(f"{path} is truncated: a MAT-file element needs {n} bytes, {len(buf) - pos - 8} "
                               f"remain. Delete it and download it again.")
        yield tag, buf[pos + 8:pos + 8 + n]
        pos += 8 + (n if tag == _MI_COMPRESSED else (n + 7) // 8 * 8)


def _matrix(payload: memoryview, endian: str, path: str) -> tuple[str, np.ndarray]:
    """(name, array) of a numeric miMATRIX element, stored column-major."""
    flags, dims, name, real = list(_elements(payload, endian, path))[:4]
    cls = int(np.frombuffer(flags[1], endian + "u4")[0]) & 0xFF
    name = bytes(name[1]).decode("ascii")
    if cls not in _MX_CLASSES or real[0] not in _MI_TYPES:
        raise RuntimeError(f"{path}: variable '{name}' is not a numeric matrix (MATLAB class {cls}); only numeric "
                           f"matrices can be read")
    shape = tuple(int(d) for d in np.frombuffer(dims[1], endian + "i4"))
    data = np.frombuffer(real[1], endian + _MI_TYPES[real[0]])
    return name, data.astype(_MX_CLASSES[cls]).reshape(shape, order="F")


def loadmat(path: str) -> dict[str, np.ndarray]:
    """The numeric matrices of a MATLAB 5 MAT-file by name (what SVHN needs of scipy.io.loadmat)."""
    with open(path, "rb") as f:
        raw = f.read()
    marker = raw[126:128]
    if len(raw) < 128 or marker not in (b"IM", b"MI"):
        raise RuntimeError(f"{path} is not a MATLAB 5 MAT-file (truncated or corrupted, or a v7.3 HDF5 file). "
                           f"Delete it and download it again.")
    endian = "<" if marker == b"IM" else ">"
    out = {}
    for kind, payload in _elements(memoryview(raw)[128:], endian, path):
        if kind == _MI_COMPRESSED:
            try:
                payload = memoryview(zlib.decompress(payload))
            except zlib.error as e:
                raise RuntimeError(f"{path} is corrupted: a compressed element does not inflate ({e}). Delete it "
                                   f"and download it again.") from e
            kind, payload = next(_elements(payload, endian, path))
        if kind == _MI_MATRIX and len(payload):
            name, array = _matrix(payload, endian, path)
            out[name] = array
    return out


class SVHN(VisionDataset):
    """Street View House Numbers, 32 x 32 colour digits; `split` is train, test or extra.

    `data` is a uint8 array (N, 3, 32, 32) and `labels` an int64 array with digit 0 labelled 0 (the files
    say 10), as in torchvision; an item is (PIL image of mode RGB, int) before the transforms."""
    split_list = {"train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "train_32x32.mat",
                            "e26dedcc434d2e4c54c9b2d4a06d8373"],
                  "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "test_32x32.mat",
                           "eb5a983be6a315427106f1b164d9cef3"],
                  "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat", "extra_32x32.mat",
                            "a93ce644f1a588dc4d68dda5feec44a7"]}

    def __init__(self, root, split: str = "train", transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        require_pil("SVHN")
        self.split = verify_str_arg(split, "split", tuple(self.split_list))
        self.url, self.filename, self.file_md5 = self.split_list[split]
        path = os.path.join(self.root, self.filename)
        if download and not os.path.isfile(path):
            download_resources([([self.url], self.filename, self.file_md5)], self.root, "SVHN")
        if not os.path.isfile(path):
            raise RuntimeError(f"Dataset not found: SVHN needs {self.filename} in {os.path.abspath(self.root)}. "
                               f"Use download=True to download it, or place it there (from {self.url}).")
        mat = loadmat(path)
        if "X" not in mat or "y" not in mat:
            raise RuntimeError(f"{path} holds no 'X' and 'y' matrices: it is not an SVHN file.")
        self.data = np.transpose(mat["X"], (3, 2, 0, 1))
        self.labels = mat["y"].astype(np.int64).reshape(-1)
        self.labels[self.labels == 10] = 0

    def __getitem__(self, index: int) -> tuple:
        img = Image.fromarray(np.ascontiguousarray(self.data[index].transpose(1, 2, 0)))
        target = int(self.labels[index])
        return self.transformed(img, target)

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {self.split}"
