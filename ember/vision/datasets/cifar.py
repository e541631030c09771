"""CIFAR10 and CIFAR100, read from the pickled batches of the Python version (root/cifar-10-batches-py/,
root/cifar-100-python/)."""
import os
import pickle

import numpy as np

from ..transforms.functional_pil import Image
from .utils import download_resources, extract_archive
from .vision import VisionDataset, require_pil

__all__ = ["CIFAR10", "CIFAR100"]


def _unpickle(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            return pickle.load(f, encoding="latin1")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise RuntimeError(f"Could not read {path}: the file is corrupted or truncated ({type(e).__name__}: {e}). "
                           f"Delete it and download the dataset again.") from e


class CIFAR10(VisionDataset):
    """Krizhevsky's 32 x 32 colour images in 10 classes: 50000 for training, 10000 for test.

    `data` is a uint8 NumPy array (N, 32, 32, 3) and `targets` a list of ints, as in torchvision; an item is
    (PIL image of mode RGB, int) before the transforms. Differs from torchvision: existing batch files are
    not checked against their MD5 at every load (only downloads are), so files of your own in this format load.
    """
    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        require_pil(type(self).__name__)
        self.train = train
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        names = [name for name, _ in (self.train_list if train else self.test_list)] + [self.meta["filename"]]
        missing = [name for name in names if not os.path.isfile(os.path.join(folder, name))]
        if missing:
            raise RuntimeError(f"Dataset not found: {type(self).__name__} needs {', '.join(missing)} in "
                               f"{os.path.abspath(folder)}. Use download=True to download it, or extract "
                               f"{self.filename} ({self.url}) into {os.path.abspath(self.root)}.")
        batches = [_unpickle(os.path.join(folder, name)) for name in names[:-1]]
        chw = np.vstack([b["data"] for b in batches]).reshape(-1, 3, 32, 32)
        self.data = np.ascontiguousarray(chw.transpose(0, 2, 3, 1))  # (N, H, W, C), contiguous for fast items
        self.targets = [int(t) for b in batches for t in b.get("labels", b.get("fine_labels", []))]
        if len(self.targets) != len(self.data):
            raise RuntimeError(f"{type(self).__name__}: {len(self.data)} images but {len(self.targets)} labels in "
                               f"{folder}; the batch files are corrupted.")
        self.classes = _unpickle(os.path.join(folder, self.meta["filename"]))[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple:
        img, target = Image.fromarray(self.data[index]), self.targets[index]
        return self.transformed(img, target)

    def __len__(self) -> int:
        return len(self.data)

    def download(self) -> None:
        """Fetch and extract the archive unless the batch files are there."""
        folder = os.path.join(self.root, self.base_folder)
        if all(os.path.isfile(os.path.join(folder, name))
               for name, _ in self.train_list + self.test_list + [[self.meta["filename"], None]]):
            return
        download_resources([([self.url], self.filename, self.tgz_md5)], self.root, type(self).__name__,
                           hint=f"(or extract it there yourself, so that {folder} holds the batch files)")
        extract_archive(os.path.join(self.root, self.filename), self.root)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR with 100 fine classes (targets are the fine labels)."""
    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
