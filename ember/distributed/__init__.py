"""ember.distributed: PyTorch's torch.distributed on MPI (CPU tensors) and NCCL (CUDA tensors).

Ranks are the processes of one MPI job, started by `ember launch`, `mpiexec` or a cluster scheduler;
docs/distributed.md says how, and what differs from PyTorch."""
import os

from . import _mpi, _nccl
from ._waiting import Work
from .collectives import (
    P2POp,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    all_to_all,
    all_to_all_single,
    barrier,
    batch_isend_irecv,
    broadcast,
    gather,
    irecv,
    isend,
    monitored_barrier,
    recv,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .errors import DistBackendError, DistError, DistNetworkError, DistStoreError
from .objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .process_group import (
    Backend,
    GroupMember,
    ProcessGroup,
    default_pg_nccl_timeout,
    default_pg_timeout,
    destroy_process_group,
    group,
    init_process_group,
    is_initialized,
    new_group,
    report_failure,
    resolve,
)
from .reduce_op import ReduceOp, reduce_op

_all_gather_base = all_gather_into_tensor  # PyTorch's older names
_reduce_scatter_base = reduce_scatter_tensor


def is_available() -> bool:
    """True if a backend can run here: MPI (mpi4py) for CPU tensors, or NCCL."""
    return is_mpi_available() or is_nccl_available()


def is_mpi_available() -> bool:
    """True if mpi4py can be imported."""
    return _mpi.is_available()


def is_nccl_available() -> bool:
    """True if CuPy with its NCCL bindings can be imported."""
    return _nccl.is_available()


def is_gloo_available() -> bool:
    """True where the 'mpi' backend is: ember runs 'gloo' process groups on MPI."""
    return _mpi.is_available()


def is_ucc_available() -> bool:
    """False: ember has no UCC backend."""
    return False


def is_torchelastic_launched() -> bool:
    """True in a process started by `ember launch` (PyTorch: by torchrun)."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def get_rank(group=None) -> int:
    """This process's rank in `group` (default: the world); -1 outside the group."""
    g = resolve(group, "get_rank")
    return -1 if g is None else g.rank()


def get_world_size(group=None) -> int:
    """The number of ranks in `group` (default: the world); -1 outside the group."""
    g = resolve(group, "get_world_size")
    return -1 if g is None else g.size()


def get_backend(group=None) -> str:
    """The backend name of `group` (default: the world)."""
    g = resolve(group, "get_backend")
    if g is None:
        raise ValueError("Invalid process group specified")
    return g.backend


def get_global_rank(group, group_rank: int) -> int:
    """The world rank of `group`'s rank `group_rank`."""
    g = resolve(group, "get_global_rank")
    if g is None or not 0 <= group_rank < g.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return g.global_ranks[group_rank]


def get_group_rank(group, global_rank: int) -> int:
    """The rank in `group` of world rank `global_rank`."""
    return resolve(group, "get_group_rank").group_rank(global_rank, "get_group_rank")


def get_process_group_ranks(group) -> list[int]:
    """The world ranks of `group`, in group order."""
    return list(resolve(group, "get_process_group_ranks").global_ranks)


__all__ = [
    "Backend", "DistBackendError", "DistError", "DistNetworkError", "DistStoreError", "GroupMember", "P2POp",
    "ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce",
    "all_to_all", "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast", "broadcast_object_list",
    "default_pg_nccl_timeout", "default_pg_timeout", "destroy_process_group", "gather", "gather_object",
    "get_backend", "get_global_rank", "get_group_rank", "get_process_group_ranks", "get_rank", "get_world_size",
    "group", "init_process_group", "irecv", "is_available", "is_gloo_available", "is_initialized",
    "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "is_ucc_available", "isend",
    "monitored_barrier", "new_group", "recv", "reduce", "reduce_op", "reduce_scatter", "reduce_scatter_tensor",
    "report_failure", "scatter", "scatter_object_list", "send",
]
