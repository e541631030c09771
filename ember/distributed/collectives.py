"""Collectives and point-to-point operations on tensors: each starts a nonblocking MPI request on the group's
communicator and waits for it (NOTE [ Waiting with a deadline ] in _waiting.py), or returns its Work."""
import pickle

import numpy as np

from .._tensor import Tensor
from ..backend import widened
from ._waiting import Requests, Work, wait_until
from .process_group import ProcessGroup, resolve
from .reduce_op import RedOpType


# ---- tensors as MPI buffers ----------------------------------------------------------------------------------
class _Buffer:
    """A tensor's memory as a contiguous host ndarray for MPI: the tensor's own where it can be, else a copy
    (of a CUDA tensor, or of a strided view) that `written()` copies back.

    As in PyTorch, what a collective writes does not count as a change in the tensor's version."""

    def __init__(self, tensor, what: str, name: str = "tensor"):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{what}: expected parameter `{name}` of type Tensor, but got "
                            f"{type(tensor).__name__} instead")
        data = tensor._data
        self.tensor = tensor
        if data.__class__ is not np.ndarray:
            self.array = data.get()  # host memory: the MPI library is not CUDA-aware
        else:
            self.array = np.ascontiguousarray(data)

    @property
    def bytes(self) -> np.ndarray:
        """The memory as bytes, for operations that only move data."""
        return self.array.reshape(-1).view(np.uint8)

    def written(self) -> None:
        data = self.tensor._data
        if self.array is not data:
            if data.__class__ is np.ndarray:
                data[...] = self.array
            else:
                data.set(self.array)


def _tensor_list(tensors, what: str, name: str) -> list[_Buffer]:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: expected `{name}` to be a list of tensors, but got {type(tensors).__name__}")
    return [_Buffer(t, what, f"{name}[{i}]") for i, t in enumerate(tensors)]


def _check_like(buffers: list[_Buffer], like: _Buffer, what: str, name: str) -> None:
    for i, b in enumerate(buffers):
        if b.array.dtype != like.array.dtype or b.array.size != like.array.size:
            raise RuntimeError(f"{what}: every tensor of `{name}` must have the dtype and number of elements of "
                             f"the input ({like.tensor.dtype}, {like.array.size}), but {name}[{i}] has "
                             f"{b.tensor.dtype}, {b.array.size}")


def _copy_rows(rows: np.ndarray, outs: list[_Buffer]) -> None:
    """Copy row i of `rows` (bytes) into the i-th output tensor."""
    for out, row in zip(outs, rows):
        out.bytes[...] = row
        out.written()


def _check_count(items, count: int, what: str, name: str) -> None:
    if len(items) != count:
        raise RuntimeError(f"{what}: `{name}` must hold one tensor per rank of the group ({count}), "
                         f"but holds {len(items)}")


def _reduction(MPI, array: np.ndarray, op, group_size: int, what: str):
    """(the array MPI reduces, MPI's operation, what to do once it has): bool and half floats reduce in a wider
    type, AVG sums and divides."""
    try:
        op = RedOpType(op)
    except ValueError:
        raise TypeError(f"{what}: expected a ReduceOp for op, but got {op!r}") from None
    kind = array.dtype.kind
    if op in (RedOpType.PREMUL_SUM, RedOpType.UNUSED):
        raise RuntimeError(f"{what}: ReduceOp.{op.name} is not supported by ember's MPI backend")
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and kind not in "biu":
        raise RuntimeError(f"{what}: ReduceOp.{op.name} needs an integer or bool tensor, but got {array.dtype}")
    if op in (RedOpType.MIN, RedOpType.MAX) and kind == "c":
        raise RuntimeError(f"{what}: ReduceOp.{op.name} is not defined for complex tensors")
    if kind == "b":
        if op == RedOpType.AVG:
            raise RuntimeError(f"{what}: ReduceOp.AVG is not defined for bool tensors")
        logical = {RedOpType.SUM: MPI.MAX, RedOpType.MAX: MPI.MAX, RedOpType.BOR: MPI.MAX,
                   RedOpType.PRODUCT: MPI.MIN, RedOpType.MIN: MPI.MIN, RedOpType.BAND: MPI.MIN,
                   RedOpType.BXOR: MPI.BXOR}
        return array.view(np.uint8), logical[op], None
    mpi_op = {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD, RedOpType.MIN: MPI.MIN,
              RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND, RedOpType.BOR: MPI.BOR,
              RedOpType.BXOR: MPI.BXOR}[op]
    work = widened(array)  # half precision reduced in float32

    def finish():
        if op == RedOpType.AVG:
            if kind in "iu":
                np.copyto(work, np.fix(work / group_size), casting="unsafe")
            else:
                np.divide(work, group_size, out=work)
        if work is not array:
            np.copyto(array, work, casting="unsafe")
    needs_finish = op == RedOpType.AVG or work is not array
    return work, mpi_op, (finish if needs_finish else None)


# ---- running an operation ------------------------------------------------------------------------------------
def _start(group, op: str, fingerprint=None) -> tuple[ProcessGroup, str] | tuple[None, None]:
    """The group and the numbered description of a new operation `op`; (None, None) on a non-member rank."""
    g = resolve(group, op)
    if g is None:
        return None, None
    what = g.next_operation(op)
    if g.world.debug == "DETAIL":
        _check_fingerprints(g, what, (op, fingerprint))
    return g, what


def _run(g: ProcessGroup, what: str, request, finish, async_op: bool, result=()):
    """Wait for the nonblocking MPI `request` and run `finish` (async_op: return the Work that will)."""
    work = Work(g, what, Requests(g.world.MPI, [request]), finish, result)
    if async_op:
        return work
    work.wait()
    return None


def _after(*steps):
    """One function that runs each of `steps` that is not None, in order."""
    steps = [s for s in steps if s is not None]

    def run():
        for step in steps:
            step()
    return run


def _root(g: ProcessGroup, what: str, rank, group_rank, name: str) -> int:
    """The group rank of an operation's root, given as a world rank or as a group rank."""
    if group_rank is not None:
        if rank is not None:
            raise ValueError(f"{what}: give `{name}` or `group_{name}`, not both")
        if not 0 <= group_rank < g.size():
            raise RuntimeError(f"{what}: group_{name}={group_rank} is out of range for a group of {g.size()} ranks")
        return group_rank
    return g.group_rank(0 if rank is None else rank, what)


def _fingerprint(*buffers) -> str:
    """The dtypes and shapes of an operation's tensors, compared across ranks in debug mode."""
    return ", ".join(f"{str(b.tensor.dtype).removeprefix('ember.')}{list(b.tensor.shape)}" for b in buffers)


def _check_fingerprints(g: ProcessGroup, what: str, fingerprint) -> None:
    """EMBER_DISTRIBUTED_DEBUG=DETAIL: raise unless every rank runs the same operation on the same shapes."""
    prints = [pickle.loads(p) for p in all_gather_bytes(g, what + " (debug check)", pickle.dumps(fingerprint))]
    if any(p != prints[0] for p in prints):
        ranks = "; ".join(f"rank {g.global_ranks[i]} runs {op}({shapes or ''})"
                          for i, (op, shapes) in enumerate(prints))
        raise RuntimeError(f"Detected mismatch between collectives on ranks in {what}: {ranks}")


def all_gather_bytes(g: ProcessGroup, what: str, payload: bytes) -> list[bytes]:
    """Every rank's `payload`, in group rank order (waits with the group's deadline)."""
    MPI = g.world.MPI
    mine = np.frombuffer(payload, np.uint8)
    sizes = np.empty(g.size(), np.int64)
    wait_until(Requests(MPI, [g.comm.Iallgather(np.array([mine.size], np.int64), sizes)]), g, what)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    everything = np.empty(int(offsets[-1]), np.uint8)
    wait_until(Requests(MPI, [g.comm.Iallgatherv(mine, [everything, (sizes, offsets[:-1]), MPI.BYTE])]), g, what)
    return [everything[offsets[i]:offsets[i + 1]].tobytes() for i in range(g.size())]


# ---- collectives ---------------------------------------------------------------------------------------------
def all_reduce(tensor: Tensor, op=RedOpType.SUM, group=None, async_op: bool = False):
    """Reduce `tensor` across the group with `op`, in place on every rank."""
    buf = _Buffer(tensor, "all_reduce")
    g, what = _start(group, "all_reduce", _fingerprint(buf))
    if g is None:
        return None
    MPI = g.world.MPI
    array, mpi_op, finish = _reduction(MPI, buf.array, op, g.size(), what)
    return _run(g, what, g.comm.Iallreduce(MPI.IN_PLACE, array, mpi_op), _after(finish, buf.written), async_op,
                [tensor])


def broadcast(tensor: Tensor, src: int | None = None, group=None, async_op: bool = False,
              group_src: int | None = None):
    """Copy `tensor` from rank `src` to every rank of the group."""
    buf = _Buffer(tensor, "broadcast")
    g, what = _start(group, "broadcast", _fingerprint(buf))
    if g is None:
        return None
    root = _root(g, what, src, group_src, "src")
    finish = None if g.rank() == root else buf.written
    return _run(g, what, g.comm.Ibcast(buf.bytes, root=root), finish, async_op, [tensor])


def reduce(tensor: Tensor, dst: int | None = None, op=RedOpType.SUM, group=None, async_op: bool = False,
           group_dst: int | None = None):
    """Reduce `tensor` across the group with `op` into rank `dst`'s tensor (the others' stay as they are)."""
    buf = _Buffer(tensor, "reduce")
    g, what = _start(group, "reduce", _fingerprint(buf))
    if g is None:
        return None
    MPI = g.world.MPI
    root = _root(g, what, dst, group_dst, "dst")
    array, mpi_op, finish = _reduction(MPI, buf.array, op, g.size(), what)
    if g.rank() == root:
        return _run(g, what, g.comm.Ireduce(MPI.IN_PLACE, array, mpi_op, root=root), _after(finish, buf.written),
                    async_op, [tensor])
    return _run(g, what, g.comm.Ireduce(array, None, mpi_op, root=root), None, async_op, [tensor])


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Fill `tensor_list[i]` with rank i's `tensor`."""
    buf = _Buffer(tensor, "all_gather")
    outs = _tensor_list(tensor_list, "all_gather", "tensor_list")
    g, what = _start(group, "all_gather", _fingerprint(buf))
    if g is None:
        return None
    _check_count(outs, g.size(), what, "tensor_list")
    _check_like(outs, buf, what, "tensor_list")
    gathered = np.empty((g.size(), buf.bytes.size), np.uint8)
    return _run(g, what, g.comm.Iallgather(buf.bytes, gathered), lambda: _copy_rows(gathered, outs), async_op,
                tensor_list)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None, async_op: bool = False):
    """Fill `output_tensor` with every rank's `input_tensor`, concatenated along the first dimension (or
    stacked)."""
    out, buf = _Buffer(output_tensor, "all_gather_into_tensor", "output_tensor"), \
        _Buffer(input_tensor, "all_gather_into_tensor", "input_tensor")
    g, what = _start(group, "all_gather_into_tensor", _fingerprint(out, buf))
    if g is None:
        return None
    _check_sizes(out, buf, g.size(), what, "output_tensor", "input_tensor")
    return _run(g, what, g.comm.Iallgather(buf.bytes, out.bytes), out.written, async_op, [output_tensor])


def _check_sizes(big: _Buffer, small: _Buffer, size: int, what: str, big_name: str, small_name: str) -> None:
    if big.array.dtype != small.array.dtype:
        raise RuntimeError(f"{what}: `{big_name}` and `{small_name}` must have the same dtype, but got "
                        f"{big.tensor.dtype} and {small.tensor.dtype}")
    if big.array.size != size * small.array.size:
        raise RuntimeError(f"{what}: `{big_name}` must have world size ({size}) times the elements of "
                         f"`{small_name}` ({small.array.size}), but has {big.array.size}")


def reduce_scatter(output: Tensor, input_list: list, op=RedOpType.SUM, group=None, async_op: bool = False):
    """Reduce `input_list[i]` across the group with `op` into rank i's `output`."""
    out = _Buffer(output, "reduce_scatter", "output")
    ins = _tensor_list(input_list, "reduce_scatter", "input_list")
    g, what = _start(group, "reduce_scatter", _fingerprint(out, *ins))
    if g is None:
        return None
    _check_count(ins, g.size(), what, "input_list")
    _check_like(ins, out, what, "input_list")
    stacked = np.stack([b.array.reshape(-1) for b in ins]) if ins else out.array[:0]
    return _reduce_scatter(g, what, out, stacked, op, async_op, output)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=RedOpType.SUM, group=None, async_op: bool = False):
    """Reduce `input` across the group with `op`; rank i's `output` gets its i-th chunk along the first dim."""
    out = _Buffer(output, "reduce_scatter_tensor", "output")
    buf = _Buffer(input, "reduce_scatter_tensor", "input")
    g, what = _start(group, "reduce_scatter_tensor", _fingerprint(out, buf))
    if g is None:
        return None
    _check_sizes(buf, out, g.size(), what, "input", "output")
    return _reduce_scatter(g, what, out, buf.array.copy(), op, async_op, output)


def _reduce_scatter(g: ProcessGroup, what: str, out: _Buffer, inputs: np.ndarray, op, async_op: bool, output):
    MPI = g.world.MPI
    send, mpi_op, _ = _reduction(MPI, inputs, op, g.size(), what)
    received, _, finish = _reduction(MPI, out.array, op, g.size(), what)
    return _run(g, what, g.comm.Ireduce_scatter_block(send, received, mpi_op), _after(finish, out.written),
                async_op, [output])


def gather(tensor: Tensor, gather_list: list | None = None, dst: int | None = None, group=None,
           async_op: bool = False, group_dst: int | None = None):
    """Fill rank `dst`'s `gather_list[i]` with rank i's `tensor`."""
    buf = _Buffer(tensor, "gather")
    g, what = _start(group, "gather", _fingerprint(buf))
    if g is None:
        return None
    root = _root(g, what, dst, group_dst, "dst")
    if g.rank() != root:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        return _run(g, what, g.comm.Igather(buf.bytes, None, root=root), None, async_op)
    outs = _tensor_list(gather_list, what, "gather_list")
    _check_count(outs, g.size(), what, "gather_list")
    _check_like(outs, buf, what, "gather_list")
    gathered = np.empty((g.size(), buf.bytes.size), np.uint8)
    return _run(g, what, g.comm.Igather(buf.bytes, gathered, root=root), lambda: _copy_rows(gathered, outs),
                async_op, gather_list)


def scatter(tensor: Tensor, scatter_list: list | None = None, src: int | None = None, group=None,
            async_op: bool = False, group_src: int | None = None):
    """Fill rank i's `tensor` with rank `src`'s `scatter_list[i]`."""
    buf = _Buffer(tensor, "scatter")
    g, what = _start(group, "scatter", _fingerprint(buf))
    if g is None:
        return None
    root = _root(g, what, src, group_src, "src")
    if g.rank() != root:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        return _run(g, what, g.comm.Iscatter(None, buf.bytes, root=root), buf.written, async_op, [tensor])
    ins = _tensor_list(scatter_list, what, "scatter_list")
    _check_count(ins, g.size(), what, "scatter_list")
    _check_like(ins, buf, what, "scatter_list")
    stacked = np.stack([b.bytes for b in ins])
    return _run(g, what, g.comm.Iscatter(stacked, buf.bytes, root=root), buf.written, async_op, [tensor])


def all_to_all(output_tensor_list: list, input_tensor_list: list, group=None, async_op: bool = False):
    """Send `input_tensor_list[j]` to rank j, which receives it in its `output_tensor_list[i]` (i: the sender)."""
    outs = _tensor_list(output_tensor_list, "all_to_all", "output_tensor_list")
    ins = _tensor_list(input_tensor_list, "all_to_all", "input_tensor_list")
    g, what = _start(group, "all_to_all", _fingerprint(*outs, *ins))
    if g is None:
        return None
    _check_count(outs, g.size(), what, "output_tensor_list")
    _check_count(ins, g.size(), what, "input_tensor_list")
    send = np.concatenate([b.bytes for b in ins])
    received = np.empty(sum(b.bytes.size for b in outs), np.uint8)

    def finish():
        start = 0
        for out in outs:
            out.bytes[...] = received[start:start + out.bytes.size]
            start += out.bytes.size
            out.written()
    return _all_to_all(g, what, send, [b.bytes.size for b in ins], received, [b.bytes.size for b in outs],
                       finish, async_op, output_tensor_list)


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes: list | None = None,
                      input_split_sizes: list | None = None, group=None, async_op: bool = False):
    """Split `input` along dim 0 (by `input_split_sizes`, or evenly), send part j to rank j, and concatenate
    what arrives into `output` (split by `output_split_sizes`)."""
    out, buf = _Buffer(output, "all_to_all_single", "output"), _Buffer(input, "all_to_all_single", "input")
    g, what = _start(group, "all_to_all_single", _fingerprint(out, buf))
    if g is None:
        return None
    send_counts = _split_bytes(buf, input_split_sizes, g.size(), what, "input")
    received_counts = _split_bytes(out, output_split_sizes, g.size(), what, "output")
    return _all_to_all(g, what, buf.bytes, send_counts, out.bytes, received_counts, out.written, async_op,
                       [output])


def _split_bytes(buf: _Buffer, split_sizes, size: int, what: str, name: str) -> list[int]:
    rows = buf.array.shape[0] if buf.array.ndim else 1
    row_bytes = buf.bytes.size // rows if rows else 0
    if not split_sizes:
        if rows % size:
            raise RuntimeError(f"{what}: `{name}`'s first dimension ({rows}) must divide evenly among {size} ranks "
                             f"when no split sizes are given")
        return [rows // size * row_bytes] * size
    if len(split_sizes) != size or sum(split_sizes) != rows:
        raise RuntimeError(f"{what}: {name}_split_sizes must hold {size} sizes summing to {rows}, but got "
                         f"{list(split_sizes)}")
    return [int(s) * row_bytes for s in split_sizes]


def _all_to_all(g, what, send, send_counts, received, received_counts, finish, async_op, result):
    MPI = g.world.MPI
    send_offsets = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).astype(np.int64)
    received_offsets = np.concatenate([[0], np.cumsum(received_counts)[:-1]]).astype(np.int64)
    request = g.comm.Ialltoallv([send, (send_counts, send_offsets), MPI.BYTE],
                                [received, (received_counts, received_offsets), MPI.BYTE])
    return _run(g, what, request, finish, async_op, result)


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank of the group has reached this call."""
    g, what = _start(group, "barrier")
    if g is None:
        return None
    return _run(g, what, g.comm.Ibarrier(), None, async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False) -> None:
    """A barrier that names the ranks that did not reach it within `timeout` (the group's by default)."""
    g, what = _start(group, "monitored_barrier")
    if g is None:
        return None
    wait_until(Requests(g.world.MPI, [g.comm.Ibarrier()]), g, what, timeout)


# ---- point to point ------------------------------------------------------------------------------------------
def isend(tensor: Tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None) -> Work:
    """Start sending `tensor` to rank `dst`; its Work."""
    buf = _Buffer(tensor, "isend")
    g, what = _start(group, "send")
    if g is None:
        return None
    peer = _root(g, what, dst, group_dst, "dst")
    return Work(g, what, Requests(g.world.MPI, [g.comm.Isend(buf.bytes, dest=peer, tag=tag)]), None, [tensor])


def irecv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None) -> Work:
    """Start receiving `tensor` from rank `src` (None: any rank); its Work."""
    buf = _Buffer(tensor, "irecv")
    g, what = _start(group, "recv")
    if g is None:
        return None
    MPI = g.world.MPI
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _root(g, what, src, group_src, "src")
    operation = Requests(MPI, [g.comm.Irecv(buf.bytes, source=peer, tag=tag)])
    return Work(g, what, operation, buf.written, [tensor],
                source=lambda: g.global_ranks[operation.statuses[0].Get_source()])


def send(tensor: Tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None) -> None:
    """Send `tensor` to rank `dst`."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None) -> int:
    """Receive `tensor` from rank `src` (None: any rank); the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    return work.source_rank()


class P2POp:
    """One send or receive for `batch_isend_irecv`: `op` is `isend` or `irecv`."""

    def __init__(self, op, tensor: Tensor, peer: int | None = None, group=None, tag: int = 0,
                 group_peer: int | None = None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.isend`` or "
                             "``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group, self.tag, self.group_peer = op, tensor, peer, group, tag, \
            group_peer


def batch_isend_irecv(p2p_op_list: list) -> list[Work]:
    """Start every send and receive of `p2p_op_list`; their Works."""
    return [p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer) for p in p2p_op_list]
