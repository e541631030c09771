"""A drop-in for `multiprocessing` whose queues, pipes and process arguments carry ember tensors in shared memory.

As `torch.multiprocessing`: everything of `multiprocessing` is re-exported, and importing this package
registers tensor reducers with multiprocessing's pickler, so a CPU tensor put on a Queue arrives as a
view of the same memory (see reductions.py and NOTE [ Shared memory ownership ] in storage.py).
`Tensor.share_memory_()` and `Tensor.is_shared()` are bound onto ember.Tensor here, the way ember.ops
binds the op methods, because the Tensor layer sits below this one.
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from .._tensor import Tensor
from . import storage
from .reductions import init_reductions
from .spawn import (  # noqa: F401
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    SpawnContext,
    spawn,
    start_processes,
)

__all__ = list(multiprocessing.__all__) + [
    "spawn", "start_processes", "ProcessContext", "SpawnContext", "ProcessException", "ProcessRaisedException",
    "ProcessExitedException", "init_reductions", "get_sharing_strategy", "set_sharing_strategy",
    "get_all_sharing_strategies"]

_STRATEGIES = {"file_descriptor", "file_system"}
_strategy = ["file_descriptor"]


def get_all_sharing_strategies() -> set:
    """The sharing strategies `set_sharing_strategy` accepts."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """The current sharing strategy."""
    return _strategy[0]


def set_sharing_strategy(new_strategy: str) -> None:
    """Set the sharing strategy. Differs from PyTorch: both names send file descriptors of anonymous
    memory, which never leaves files in /dev/shm, so 'file_system' is accepted for compatibility only."""
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"invalid sharing strategy {new_strategy!r}: expected one of {sorted(_STRATEGIES)}")
    _strategy[0] = new_strategy


def _share_memory_(self) -> Tensor:
    """Move this tensor's memory to shared memory (a no-op when already shared or on a GPU); returns self."""
    return storage.share_memory_(self)


def _is_shared(self) -> bool:
    """True when this tensor's memory is shared memory."""
    return storage.is_shared(self)


Tensor.share_memory_ = _share_memory_
Tensor.is_shared = _is_shared
init_reductions()
