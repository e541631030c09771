"""torch.cuda.nvtx: annotations for NVIDIA's profilers, through CuPy's NVTX bindings. Without a GPU build (no CuPy
with NVTX), each function raises PyTorch's RuntimeError for a CPU build."""
from contextlib import contextmanager

from .. import backend

__all__ = ["range_push", "range_pop", "range_start", "range_end", "mark", "range"]


def _nvtx():
    """CuPy's NVTX module; PyTorch's RuntimeError where there is none."""
    nvtx = getattr(getattr(backend.cupy, "cuda", None), "nvtx", None)
    if nvtx is None or not getattr(nvtx, "available", True):
        raise RuntimeError("NVTX functions not installed. Are you sure you have a CUDA build?")
    return nvtx


def range_push(msg: str) -> int:
    """Open a nested range named `msg` on the NVTX stack; the depth (CuPy does not report it: 0)."""
    _nvtx().RangePush(msg)
    return 0


def range_pop() -> int:
    """Close the innermost open range; the depth (CuPy does not report it: 0)."""
    _nvtx().RangePop()
    return 0


def range_start(msg: str) -> int:
    """Start a range that may end on another thread (ember pushes it: CuPy has no start/end pair); its id."""
    return range_push(msg)


def range_end(range_id: int) -> None:
    """End a range started by range_start."""
    range_pop()


def mark(msg: str) -> None:
    """An instantaneous event named `msg`."""
    _nvtx().Mark(msg)


@contextmanager
def range(msg: str, *args, **kwargs):
    """A context manager (or decorator) around a range named `msg.format(*args, **kwargs)`."""
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
