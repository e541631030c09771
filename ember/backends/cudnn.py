"""ember.backends.cudnn: cuDNN's flags. ember calls no cuDNN itself: the flags are stored, not used."""
import contextlib

from .. import cuda as _cuda
from ..backend import cupy

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10
fp32_precision = "none"


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


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None, _allow_tf32=None,
              _fp32_precision=None) -> tuple:
    """Set the given flags (stored); returns the previous (enabled, benchmark, benchmark_limit, deterministic,
    allow_tf32, fp32_precision), as PyTorch's."""
    global enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision
    previous = (enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision)
    new = (_enabled, _benchmark, _benchmark_limit, _deterministic, _allow_tf32, _fp32_precision)
    enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision = (
        old if value is None else value for old, value in zip(previous, new))
    return previous


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    """The flags set inside the block, the previous ones restored after it."""
    previous = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        set_flags(*previous)
