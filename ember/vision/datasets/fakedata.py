"""FakeData: random images and labels, the same for the same index every time."""
import ember

from ..transforms import functional as F
from .vision import VisionDataset, require_pil

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """`size` random PIL images of `image_size` (C, H, W) with random labels below `num_classes`; item i is drawn
    from a generator seeded with i + random_offset, so it never changes and the global generator is untouched.
    Differs from torchvision: the pixels differ (ember's generator is not PyTorch's)."""

    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10, transform=None,
                 target_transform=None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        require_pil("FakeData")
        self.size, self.num_classes = size, num_classes
        self.image_size, self.random_offset = image_size, random_offset

    def __getitem__(self, index: int) -> tuple:
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        g = ember.Generator().manual_seed(index + self.random_offset)
        img = F.to_pil_image(ember.randn(*self.image_size, generator=g))
        target = int(ember.randint(0, self.num_classes, (1,), generator=g).item())
        return self.transformed(img, target)

    def __len__(self) -> int:
        return self.size
