"""ember.cuda: the GPU's devices, memory, streams and seeds (needs CuPy and an NVIDIA GPU).

Without a GPU every function behaves as in a PyTorch built without CUDA: the queries a script makes
unconditionally (is_available, device_count, empty_cache, memory_allocated, is_bf16_supported, ...) answer as
there is no GPU, and the ones that need a device raise PyTorch's AssertionError ("Torch not compiled with
CUDA enabled"). On a GPU they read CuPy's device and its default memory pool.
"""
from .. import backend
from .._device import device as _device
from .._exceptions import OutOfMemoryError  # noqa: F401
from . import amp, nvtx  # noqa: F401
from .memory import (  # noqa: F401
    empty_cache,
    max_memory_allocated,
    max_memory_reserved,
    mem_get_info,
    memory_allocated,
    memory_reserved,
    memory_stats,
    reset_max_memory_allocated,
    reset_peak_memory_stats,
    set_per_process_memory_fraction,
)


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU."""
    return backend.cuda_available()


def is_initialized() -> bool:
    """Whether the GPU is ready for work: whenever one is available (CuPy initialises it on first use)."""
    return is_available()


def init() -> None:
    """Initialise the GPU (CuPy does on first use); AssertionError without one."""
    backend.require_cuda()


def device_count() -> int:
    """The number of visible GPUs (0 without CuPy)."""
    if not is_available():
        return 0
    return backend.cupy.cuda.runtime.getDeviceCount()


def current_device() -> int:
    """The index of the current GPU."""
    backend.require_cuda()
    return backend.cupy.cuda.runtime.getDevice()


def set_device(device) -> None:
    """Make `device` (an index, 'cuda:i' or a device) the current GPU."""
    backend.require_cuda()
    index = _index(device)
    if index >= 0:
        backend.cupy.cuda.Device(index).use()


def synchronize(device=None) -> None:
    """Wait for all GPU work to finish."""
    backend.require_cuda()
    backend.cupy.cuda.Device().synchronize()


def get_device_name(device=None) -> str:
    """The GPU's name."""
    return get_device_properties(device).name


def get_device_capability(device=None) -> tuple:
    """The GPU's compute capability (major, minor)."""
    properties = get_device_properties(device)
    return properties.major, properties.minor


class _DeviceProperties:
    """A GPU's properties, as torch.cuda.get_device_properties gives them."""

    def __init__(self, index: int):
        p = backend.cupy.cuda.runtime.getDeviceProperties(index)
        name = p["name"]
        self.name = name.decode() if isinstance(name, bytes) else name
        self.major, self.minor = p["major"], p["minor"]
        self.total_memory = p["totalGlobalMem"]
        self.multi_processor_count = p["multiProcessorCount"]

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // 2**20}MB, multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None) -> _DeviceProperties:
    """The GPU's name, compute capability, memory and multiprocessor count."""
    backend.require_cuda()
    index = _index(device)
    return _DeviceProperties(current_device() if index < 0 else index)


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: ember keeps bfloat16 tensors on the CPU (CuPy has no bfloat16)."""
    return False


def is_tf32_supported() -> bool:
    """False: ember's GPU products follow CuPy's settings, not TF32 flags."""
    return False


def get_arch_list() -> list:
    """The GPU architectures the build targets: none that ember compiles for (CuPy compiles at run time)."""
    return []


def manual_seed(seed: int) -> None:
    """Seed the GPU generator (no-op without a GPU, as in PyTorch)."""
    if is_available():
        backend.cupy.random.seed(int(seed) & 0xFFFFFFFF)


manual_seed_all = manual_seed


def seed() -> None:
    """Seed the GPU generator from a random number (no-op without a GPU, as in PyTorch)."""
    if is_available():
        backend.cupy.random.seed()


seed_all = seed


def initial_seed() -> int:
    """Unavailable: CuPy does not report its generator's seed (AssertionError without a GPU, as in PyTorch)."""
    backend.require_cuda()
    raise RuntimeError("ember.cuda.initial_seed: CuPy does not report its generator's seed")


def get_rng_state(device="cuda"):
    """Unavailable: CuPy's generator state is not readable (AssertionError without a GPU, as in PyTorch)."""
    backend.require_cuda()
    raise RuntimeError("ember.cuda.get_rng_state: CuPy's generator state is not readable")


def ipc_collect() -> None:
    """Free memory shared with other processes that they no longer use: none that ember shares."""
    backend.require_cuda()


def get_rng_state_all() -> list:
    """The GPU generators' states: none without a GPU; CuPy's are not readable (RuntimeError)."""
    if not is_available():
        return []
    raise RuntimeError("ember.cuda.get_rng_state_all: CuPy's generator state is not readable")


def set_rng_state(new_state, device="cuda") -> None:
    """Restore a GPU generator's state: nothing to do without a GPU (PyTorch's CPU build defers the call to a GPU
    that never comes); CuPy's state is not restorable (RuntimeError)."""
    if is_available():
        raise RuntimeError("ember.cuda.set_rng_state: CuPy's generator state is not restorable")


def set_rng_state_all(new_states) -> None:
    """Restore every GPU generator's state, as set_rng_state does for one (scripts resuming a checkpoint call it
    with what get_rng_state_all gave)."""
    for state in new_states:
        set_rng_state(state)


class device:
    """Context manager that makes a GPU current inside its block (None or a negative index: no change)."""

    def __init__(self, device):
        self.idx = _index(device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            if not is_available():
                raise RuntimeError("PyTorch was compiled without CUDA support (ember needs CuPy and an NVIDIA GPU)")
            self.prev_idx = current_device()
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev_idx >= 0:
            set_device(self.prev_idx)
        return False


class StreamContext:
    """Context manager that makes a stream current inside its block (None: no change)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream.__enter__()
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream.__exit__(*exc)
        return False


def stream(stream) -> StreamContext:
    """A context manager that runs its block's GPU work on `stream` (a CuPy stream, or None for no change)."""
    return StreamContext(stream)


def current_stream(device=None):
    """The current GPU stream (CuPy's)."""
    backend.require_cuda()
    return backend.cupy.cuda.get_current_stream()


def default_stream(device=None):
    """The GPU's default stream (CuPy's null stream)."""
    backend.require_cuda()
    return backend.cupy.cuda.Stream.null


def Stream(device=None, priority: int = 0, **kwargs):
    """A new GPU stream (CuPy's); RuntimeError without a GPU, as in PyTorch."""
    if not is_available():
        raise RuntimeError("torch.cuda.Stream requires CUDA support")
    return backend.cupy.cuda.Stream(non_blocking=True)


class Event:
    """A marker in a GPU stream, for waiting and for timing GPU work (CuPy's event)."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False):
        if not is_available():
            raise RuntimeError("Tried to instantiate dummy base class Event")
        self._event = backend.cupy.cuda.Event(block=blocking, disable_timing=not enable_timing,
                                              interprocess=interprocess)

    def record(self, stream=None) -> None:
        """Mark the current point of `stream` (the current one by default)."""
        self._event.record(stream)

    def synchronize(self) -> None:
        """Wait until the work before the event is done."""
        self._event.synchronize()

    def query(self) -> bool:
        """Whether the work before the event is done."""
        return self._event.done

    def wait(self, stream=None) -> None:
        """Make `stream` (the current one by default) wait for the event."""
        (stream or backend.cupy.cuda.get_current_stream()).wait_event(self._event)

    def elapsed_time(self, end_event: "Event") -> float:
        """Milliseconds between this event and `end_event`, both recorded with enable_timing."""
        return backend.cupy.cuda.get_elapsed_time(self._event, end_event._event)


def _index(device) -> int:
    """A device argument as a GPU index: -1 for None or a device without an index."""
    if device is None:
        return -1
    if isinstance(device, int):
        return device
    d = _device(device) if isinstance(device, str) else device
    return -1 if d.index is None else d.index

