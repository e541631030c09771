"""ember.cuda's memory functions: what the GPU's memory holds, read from CuPy's default memory pool.

Without a GPU they answer as PyTorch built without CUDA: nothing allocated, and empty statistics. On a GPU,
allocated memory is what the pool has handed out (used_bytes) and reserved memory what it holds from the device
(total_bytes); CuPy keeps no peak, so the max_* functions give the pool's size, an upper bound of the peak since
the last empty_cache or reset.
"""
from collections import OrderedDict

from .. import backend


def _pool():
    """CuPy's default memory pool, or None without a GPU."""
    return backend.cupy.get_default_memory_pool() if backend.cuda_available() else None


def empty_cache() -> None:
    """Give the memory the pool holds but no tensor uses back to the device."""
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


def memory_allocated(device=None) -> int:
    """Bytes of GPU memory held by tensors (0 without a GPU)."""
    pool = _pool()
    return 0 if pool is None else pool.used_bytes()


def memory_reserved(device=None) -> int:
    """Bytes of GPU memory the pool holds from the device (0 without a GPU)."""
    pool = _pool()
    return 0 if pool is None else pool.total_bytes()


def max_memory_allocated(device=None) -> int:
    """An upper bound of the peak of memory_allocated: the pool's size (0 without a GPU)."""
    return memory_reserved(device)


max_memory_reserved = max_memory_allocated


def reset_peak_memory_stats(device=None) -> None:
    """Start the peak anew: the pool gives its free memory back (AssertionError without a GPU)."""
    backend.require_cuda()
    empty_cache()


reset_max_memory_allocated = reset_peak_memory_stats


def memory_stats(device=None) -> OrderedDict:
    """PyTorch's allocator statistics that CuPy's pool can give (empty without a GPU)."""
    pool = _pool()
    if pool is None:
        return OrderedDict()
    return OrderedDict([("allocated_bytes.all.current", pool.used_bytes()),
                        ("reserved_bytes.all.current", pool.total_bytes())])


def mem_get_info(device=None) -> tuple:
    """(free, total) bytes of the GPU's memory."""
    backend.require_cuda()
    return backend.cupy.cuda.runtime.memGetInfo()


def set_per_process_memory_fraction(fraction: float, device=None) -> None:
    """Limit the pool to `fraction` of the GPU's memory."""
    backend.require_cuda()
    if not 0 <= fraction <= 1:
        raise ValueError(f"Invalid fraction value: {fraction}. Allowed range: 0~1")
    _pool().set_limit(fraction=fraction)
