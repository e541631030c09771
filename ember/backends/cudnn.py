"""ember.backends.cudnn: cuDNN's flags. ember calls no cuDNN itself: the flags are stored, not used."""
from .. import cuda as _cuda
from ..backend import cupy

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """True when a GPU is present (CuPy brings cuDNN with it where it is installed)."""
    return _cuda.is_available()


def version() -> "int | None":
    """cuDNN's version, or None without a GPU (as PyTorch without CUDA)."""
    if not is_available():
        return None
    try:
        return int(cupy.cuda.cudnn.getVersion())
    except Exception:  # noqa: BLE001 - CuPy installed without its cuDNN bindings
        return None
