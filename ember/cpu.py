"""ember.cpu: the CPU as a device module, as torch.cpu (always available, one device)."""
from .amp import cpu_amp as amp  # noqa: F401


def is_available() -> bool:
    """Always True."""
    return True


def device_count() -> int:
    """Always 1."""
    return 1


def current_device() -> str:
    """'cpu'."""
    return "cpu"


def synchronize(device=None) -> None:
    """Nothing to wait for: CPU work is done when it returns."""
