"""ember.vision: torchvision's transforms, datasets, models, ops and utils (exposed as `torchvision` by `ember run`)."""
from ..torch_version import TorchVersion
from . import datasets, io, models, ops, transforms, tv_tensors, utils  # noqa: F401

__version__ = TorchVersion("0.28.0+ember.0.1.0")  # torchvision's release beside PyTorch 2.13, ember's as local label


def get_image_backend() -> str:
    """The image backend: always 'PIL'."""
    return "PIL"


def set_image_backend(backend: str) -> None:
    """Only 'PIL' is available (torchvision's accimage is not)."""
    if backend != "PIL":
        raise ValueError(f"Invalid image backend '{backend}'. Only 'PIL' is available.")
