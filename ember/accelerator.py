"""ember.accelerator: the device-agnostic accelerator API of current PyTorch tutorials.

ember's only accelerator is CUDA through CuPy; without it there is none, as for PyTorch on a machine
without a GPU (`current_accelerator()` is None, and the calls that need a device raise its RuntimeError).
"""
from contextlib import contextmanager

from . import cuda
from ._device import device as _device

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    """True when an accelerator (a GPU that CuPy sees) is present."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> "_device | None":
    """`ember.device('cuda')` when a GPU is present, else None."""
    return _device("cuda") if is_available() else None


def device_count() -> int:
    """The number of accelerator devices (0 without one)."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator device."""
    _require()
    return cuda.current_device()


def set_device_index(device) -> None:
    """Make accelerator device `device` (an index, 'cuda:N' or an ember.device) the current one."""
    _require()
    cuda.set_device(device)


def synchronize(device=None) -> None:
    """Wait for all work on the accelerator to finish."""
    _require()
    cuda.synchronize(device)


@contextmanager
def device_index(device):
    """Make `device` the current accelerator device inside the `with` block (None leaves it as it is)."""
    if device is None:
        yield
        return
    previous = current_device_index()
    set_device_index(device)
    try:
        yield
    finally:
        set_device_index(previous)


current_device_idx, set_device_idx = current_device_index, set_device_index  # PyTorch's older names


def _require():
    if not is_available():
        raise RuntimeError(_NONE)
