"""ember.cuda: GPU availability and seeding (needs CuPy and an NVIDIA GPU)."""
from . import backend
from ._exceptions import OutOfMemoryError  # noqa: F401
from .amp import cuda_amp as amp  # noqa: F401


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU."""
    return backend.cuda_available()


def device_count() -> int:
    """The number of visible GPUs (0 without CuPy)."""
    if not is_available():
        return 0
    return backend.cupy.cuda.runtime.getDeviceCount()


def current_device() -> int:
    """The index of the current GPU."""
    _require()
    return backend.cupy.cuda.runtime.getDevice()


def synchronize(device=None) -> None:
    """Wait for all GPU work to finish."""
    if is_available():
        backend.cupy.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU generator (no-op without a GPU, as in PyTorch)."""
    if is_available():
        backend.cupy.random.seed(int(seed) & 0xFFFFFFFF)


manual_seed_all = manual_seed


def _require():
    if not is_available():
        raise RuntimeError("Torch not compiled with CUDA enabled: ember needs CuPy and an NVIDIA GPU for 'cuda'")
