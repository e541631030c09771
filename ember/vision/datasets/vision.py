"""VisionDataset: the base of the vision datasets (root folder, transforms, and torchvision's printed form)."""
import os

from ...utils.data import Dataset
from ..transforms.functional_pil import Image


class VisionDataset(Dataset):
    """A dataset under `root` whose samples go through `transform` and targets through `target_transform`
    (or both through `transforms`)."""
    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None) -> None:
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        separate = transform is not None or target_transform is not None
        if transforms is not None and separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform, self.target_transform = transform, target_transform
        self.transforms = StandardTransform(transform, target_transform) if separate else transforms

    def __getitem__(self, index: int):
        raise NotImplementedError

    def transformed(self, sample, target) -> tuple:
        """(transform(sample), target_transform(target)), each transform applied when given."""
        return _apply(self.transform, self.target_transform, sample, target)

    def __len__(self) -> int:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """Extra lines for the printed form."""
        return ""

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body += repr(self.transforms).splitlines()
        return "\n".join([f"Dataset {type(self).__name__}"] + [" " * self._repr_indent + line for line in body])


def _indented(transform, head: str) -> list[str]:
    lines = repr(transform).splitlines()
    return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]


def _apply(transform, target_transform, input, target) -> tuple:
    if transform is not None:
        input = transform(input)
    if target_transform is not None:
        target = target_transform(target)
    return input, target


class StandardTransform:
    """Apply `transform` to the input and `target_transform` to the target."""

    def __init__(self, transform=None, target_transform=None) -> None:
        self.transform, self.target_transform = transform, target_transform

    def __call__(self, input, target) -> tuple:
        return _apply(self.transform, self.target_transform, input, target)

    def __repr__(self) -> str:
        body = [type(self).__name__]
        if self.transform is not None:
            body += _indented(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += _indented(self.target_transform, "Target transform: ")
        return "\n".join(body)


def require_pil(dataset: str) -> None:
    """ImportError naming the fix when Pillow, which the image datasets return their samples in, is missing."""
    if Image is None:
        raise ImportError(f"{dataset} returns PIL images: install Pillow (pip install 'ember[vision]')")
