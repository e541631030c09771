"""MNIST and its drop-in relatives (FashionMNIST, KMNIST, EMNIST), read from the IDX files in
root/<ClassName>/raw/ (uncompressed, or the .gz files as published)."""
import gzip
import os
import shutil
import string
import zlib

import numpy as np

from ..._tensor import Tensor, wrap
from ..transforms.functional_pil import Image
from .utils import download_resources, extract_archive, verify_str_arg
from .vision import VisionDataset, require_pil

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "read_idx"]

# IDX type codes -> big-endian element dtypes
_IDX_DTYPES = {8: np.dtype(np.uint8), 9: np.dtype(np.int8), 11: np.dtype(">i2"), 12: np.dtype(">i4"),
               13: np.dtype(">f4"), 14: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except (EOFError, OSError, zlib.error) as e:
        raise RuntimeError(f"Could not read {path}: the file is corrupted or truncated ({e}). Delete it and "
                           f"download it again.") from e


def read_idx(path: str) -> np.ndarray:
    """The array in an IDX file (LeCun's format: magic 0 0 type ndim, big-endian dims, data); RuntimeError naming
    the file when it is corrupted or truncated."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()}): the file is corrupted. "
                           f"Delete it and download it again.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, ">i4", ndim, 4)) if len(raw) >= header else ()
    dtype = _IDX_DTYPES[raw[2]]
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) < header or len(raw) != expected:
        raise RuntimeError(f"{path} is truncated or corrupted: an IDX array of shape {shape} needs {expected} "
                           f"bytes, the file has {len(raw)}. Delete it and download it again.")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))  # writable


def _image_array(data):
    return data._data if isinstance(data, Tensor) else np.asarray(data)


class MNIST(VisionDataset):
    """LeCun's handwritten digits: 60000 training and 10000 test images, 28 x 28 grey levels.

    `data` is a uint8 tensor (N, 28, 28) and `targets` an int64 tensor; an item is (PIL image of mode L, int)
    before the transforms."""
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        require_pil(type(self).__name__)
        self.train = train
        if download:
            self.download()
        missing = [name for name in self._file_names() if self._find(name) is None]
        if missing:
            raise RuntimeError(f"Dataset not found: {type(self).__name__} needs {', '.join(missing)} (each "
                               f"uncompressed or as .gz) in {os.path.abspath(self.raw_folder)}. Use download=True "
                               f"to download it, or place the files there.")
        images, labels = (read_idx(self._find(name)) for name in self._file_names())
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise RuntimeError(f"{type(self).__name__}: the image file has shape {images.shape} and the label "
                               f"file {labels.shape}; expected (N, H, W) and (N,). The files are mismatched.")
        self.data = wrap(images)
        self.targets = wrap(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "processed")

    @property
    def class_to_idx(self) -> dict:
        return {name: i for i, name in enumerate(self.classes)}

    def _file_names(self) -> tuple[str, str]:
        split = "train" if self.train else "t10k"
        return f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"

    def _find(self, name: str) -> str | None:
        """The path of `name` in the raw folder, uncompressed or gzipped, or None."""
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _check_exists(self) -> bool:
        return all(self._find(os.path.splitext(name)[0]) for name, _ in self.resources)

    def download(self) -> None:
        """Fetch the missing files from the mirrors into the raw folder and decompress them."""
        if self._check_exists():
            return
        resources = [([m + name for m in self.mirrors], name, md5) for name, md5 in self.resources
                     if self._find(os.path.splitext(name)[0]) is None]
        download_resources(resources, self.raw_folder, type(self).__name__)
        for _, name, _ in resources:
            extract_archive(os.path.join(self.raw_folder, name), self.raw_folder)

    def __getitem__(self, index: int) -> tuple:
        a = np.ascontiguousarray(_image_array(self.data)[index], np.uint8)
        img = Image.frombuffer("L", (a.shape[1], a.shape[0]), a, "raw", "L", 0, 1)  # fromarray's work, less parsing
        targets = self.targets
        target = int(targets._data[index] if isinstance(targets, Tensor) else targets[index])
        return self.transformed(img, target)

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's article images in MNIST's format: 10 classes of clothing."""
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 10 classes of cursive Japanese characters in MNIST's format."""
    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


_MERGED = set("cijklmopsuvwxyz")
_ALL = set(string.digits + string.ascii_letters)


class EMNIST(MNIST):
    """Extended MNIST (letters and digits) in one of the splits byclass, bymerge, balanced, letters, digits,
    mnist; files raw/emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte (images stored transposed, as
    published and as torchvision leaves them)."""
    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    classes_split_dict = {"byclass": sorted(_ALL), "bymerge": sorted(_ALL - _MERGED),
                          "balanced": sorted(_ALL - _MERGED), "letters": ["N/A"] + list(string.ascii_lowercase),
                          "digits": list(string.digits), "mnist": list(string.digits)}

    def __init__(self, root, split: str, **kwargs) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.classes = self.classes_split_dict[split]
        super().__init__(root, **kwargs)

    def _file_names(self) -> tuple[str, str]:
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _check_exists(self) -> bool:
        return all(self._find(name) for name in self._file_names())

    def download(self) -> None:
        """Fetch NIST's zip of every split and unpack its .gz files into the raw folder."""
        if self._check_exists():
            return
        download_resources([([self.url], "gzip.zip", self.md5)], self.raw_folder, "EMNIST")
        extract_archive(os.path.join(self.raw_folder, "gzip.zip"), self.raw_folder)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
        shutil.rmtree(gzip_folder)
