"""Process groups: the world of ranks that `init_process_group` joins, and the subgroups of `new_group`."""
import os
import sys
from datetime import timedelta

from . import _mpi, _nccl
from ._waiting import Control, debug_level

default_pg_timeout = timedelta(minutes=30)
default_pg_nccl_timeout = timedelta(minutes=10)


class Backend(str):
    """A backend's name: 'mpi' (CPU tensors, and CUDA tensors through host memory) or 'nccl' (CUDA tensors).

    Differs from PyTorch: ember has no Gloo; 'gloo' names the 'mpi' backend, so scripts written for Gloo run."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"
    backend_list = [UNDEFINED, GLOO, NCCL, MPI]

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name).__name__}")
        value = name.lower()
        if value not in (cls.GLOO, cls.NCCL, cls.MPI):
            raise ValueError(f"Invalid backend: '{name}'; ember.distributed has 'mpi' (also called 'gloo') and "
                             f"'nccl'")
        return str.__new__(cls, value)


def _parse_backend(backend, device_id) -> str:
    """The backend that runs a group (None: 'nccl' for a CUDA device_id, else 'mpi'); 'gloo' runs as 'mpi'."""
    if backend is None:
        cuda = device_id is not None and getattr(device_id, "type", device_id) == "cuda"
        return Backend.NCCL if cuda else Backend.MPI
    if isinstance(backend, str) and ":" in backend:  # "cpu:gloo,cuda:nccl": the CPU's backend serves both
        backend = dict(part.split(":", 1) for part in backend.split(",")).get("cpu", "mpi")
    return Backend(backend)


class World:
    """This process's place among the ranks: MPI, the world communicator's rank and size, the control channel."""

    def __init__(self, MPI):
        self.MPI = MPI
        comm = MPI.COMM_WORLD
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.control = Control(MPI, comm.Dup())
        self.debug = debug_level()  # read once, as PyTorch reads TORCH_DISTRIBUTED_DEBUG when its group starts
        self.default_group: ProcessGroup | None = None
        self.groups: list[ProcessGroup] = []

    def close(self) -> None:
        """Free every communicator this world made."""
        for group in self.groups:
            group.close()
        self.groups = []
        self.control.comm.Free()


class ProcessGroup:
    """Ranks that run collectives together: an MPI communicator over `global_ranks`, a backend and a timeout."""

    def __init__(self, world: World, comm, global_ranks: list[int], backend: str, timeout: timedelta, name: str):
        self.world, self.comm, self.global_ranks, self.backend, self.timeout, self.group_name = (
            world, comm, global_ranks, backend, timeout, name)
        self.operations = 0  # started so far: numbers the operations in errors and debug checks
        self.broken = None  # the error that ended this group, raised again by every later operation

    def rank(self) -> int:
        """This process's rank in the group."""
        return self.comm.Get_rank()

    def size(self) -> int:
        """The number of ranks in the group."""
        return len(self.global_ranks)

    def name(self) -> str:
        """The group's name."""
        return self.group_name

    def group_rank(self, global_rank: int, what: str) -> int:
        """The rank in this group of world rank `global_rank`; RuntimeError if it is not a member."""
        if global_rank not in self.global_ranks:
            raise RuntimeError(f"{what}: rank {global_rank} is not part of the group (its ranks are "
                             f"{self.global_ranks})")
        return self.global_ranks.index(global_rank)

    def next_operation(self, op: str) -> str:
        """Number a new operation; its description for errors ('all_reduce #3 on group 0')."""
        self.operations += 1
        return f"{op} #{self.operations} on group {self.group_name}"

    def close(self) -> None:
        """Free the group's communicator (a broken group's is left to the process's end: requests that never
        completed may still use it)."""
        if self.comm is not None and self.broken is None:
            self.comm.Free()
            self.comm = None


class _NonMember:
    """Returned by `new_group` on ranks outside the new group (PyTorch's GroupMember.NON_GROUP_MEMBER)."""

    def __repr__(self) -> str:
        return "GroupMember.NON_GROUP_MEMBER"


NON_GROUP_MEMBER = _NonMember()
_world: World | None = None


class _WorldProperty(type):
    @property
    def WORLD(cls):  # noqa: N802  (PyTorch's name)
        return None if _world is None else _world.default_group


class GroupMember(metaclass=_WorldProperty):
    """`GroupMember.WORLD` is the default group (None before init); `NON_GROUP_MEMBER` marks non-members."""
    NON_GROUP_MEMBER = NON_GROUP_MEMBER


class group(metaclass=_WorldProperty):  # noqa: N801  (PyTorch's name)
    """`group.WORLD`: the default process group."""


def is_initialized() -> bool:
    """True once `init_process_group` has run (and `destroy_process_group` has not)."""
    return _world is not None and _world.default_group is not None


def world() -> World:
    """The initialised world; ValueError before `init_process_group` (as PyTorch)."""
    if not is_initialized():
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _world


def _env_int(name: str, given: int) -> int:
    if given is not None and given >= 0:
        return given
    value = os.environ.get(name)
    return -1 if value in (None, "") else int(value)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1, store=None,
                       group_name: str = "", pg_options=None, device_id=None) -> None:
    """Join the default process group: the processes of one MPI job (started by `ember launch`, `mpiexec` or a
    cluster scheduler), with `rank` and `world_size` checked against MPI's.

    Differs from PyTorch: the MPI launcher connects the ranks, so init_method's address and a store are not
    used for rendezvous; processes started by multiprocessing form a group only through `spawn` (NOTE [ Spawned
    ranks ] in ember/multiprocessing/mpi_spawn.py)."""
    global _world
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    name = _parse_backend(backend, device_id)
    if init_method is not None and not init_method.startswith(("env://", "tcp://", "file://", "mpi://")):
        raise ValueError(f"Unsupported init_method {init_method!r}: expected env://, tcp://, file:// or mpi://")
    if timeout is not None and not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout).__name__}")
    MPI = _mpi.load()
    if _world is None:
        _world = World(MPI)
    _check_ranks(_world, _env_int("WORLD_SIZE", world_size), _env_int("RANK", rank))
    if name == Backend.NCCL:
        _nccl.check_available()
    timeout = timeout or (default_pg_nccl_timeout if name == Backend.NCCL else default_pg_timeout)
    ranks = list(range(_world.size))
    _world.default_group = ProcessGroup(_world, MPI.COMM_WORLD.Dup(), ranks, name, timeout, group_name or "0")
    _world.groups.append(_world.default_group)
    _install_failure_report()


def _check_ranks(world: World, world_size: int, rank: int) -> None:
    """Raise if the rank or world size asked for is not the one MPI gives this process."""
    if world_size not in (-1, world.size) and world.size == 1:
        raise RuntimeError(
            f"init_process_group was asked for world_size={world_size}, but this process was not started as one "
            f"of {world_size} MPI processes: ember.distributed connects ranks through MPI, so start the script "
            f"with `ember launch --nproc-per-node {world_size} script.py` (or `mpiexec -n {world_size} python "
            f"script.py`), or start the processes with multiprocessing's spawn() from a main script that imports "
            f"ember.distributed (docs/distributed.md)")
    if world_size not in (-1, world.size):
        raise ValueError(f"init_process_group was asked for world_size={world_size}, but the MPI job has "
                         f"{world.size} processes")
    if rank not in (-1, world.rank):
        raise ValueError(f"init_process_group was asked for rank={rank}, but MPI numbers this process "
                         f"{world.rank}; let the launcher set RANK (ember launch does)")


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave `group` (default: every group, the default one included)."""
    global _world
    if group is None or group is GroupMember.WORLD:
        if _world is not None:
            _world.close()
            _world = None
        return
    if isinstance(group, ProcessGroup) and group in _world.groups:
        _world.groups.remove(group)
        group.close()


def new_group(ranks: list[int] | None = None, timeout: timedelta | None = None, backend: str | None = None,
              pg_options=None, use_local_synchronization: bool = False, group_desc: str | None = None,
              device_id=None):
    """A group of the world ranks `ranks` (default: all); every rank must call it, as in PyTorch. Ranks outside
    the group get `GroupMember.NON_GROUP_MEMBER`."""
    w = world()
    members = sorted(range(w.size) if ranks is None else {int(r) for r in ranks})
    for r in members:
        if not 0 <= r < w.size:
            raise ValueError(f"new_group: rank {r} is out of range for a world of {w.size} ranks")
    default = w.default_group
    name = default.backend if backend is None else _parse_backend(backend, device_id)
    comm = default.comm.Create(default.comm.Get_group().Incl(members))
    if w.rank not in members:
        return NON_GROUP_MEMBER
    pg = ProcessGroup(w, comm, members, name, timeout or default.timeout, group_desc or str(len(w.groups)))
    w.groups.append(pg)
    return pg


def resolve(group, what: str) -> ProcessGroup | None:
    """The ProcessGroup `group` names (None: the default one); None on a rank outside it."""
    w = world()
    if group is None or group is GroupMember.WORLD:
        return w.default_group
    if group is NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"{what}: expected a ProcessGroup for group, got {type(group).__name__}")
    return group


_report_installed = False


def _install_failure_report() -> None:
    """Make an uncaught exception tell the other ranks before the process ends (NOTE [ Waiting with a deadline ])."""
    global _report_installed
    if _report_installed:
        return
    previous = sys.excepthook

    def report_then_print(kind, error, tb):
        report_failure(error)
        previous(kind, error, tb)

    sys.excepthook = report_then_print
    _report_installed = True


def report_failure(error: BaseException) -> None:
    """Tell every other rank that this one failed with `error` (once; nothing before init)."""
    if is_initialized() and not getattr(error, "_ember_reported", False):
        _world.control.tell_failure(_world.size, _world.rank, error)
        try:
            error._ember_reported = True
        except AttributeError:
            pass
