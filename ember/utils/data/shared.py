"""Moving batches between the DataLoader's main process and its workers: one Unix socket per worker.

NOTE [ Batch transport ]
A worker collates each batch straight into shared blocks, its batch arena (`default_collate` asks
`empty()` for its output arrays; NOTE [ Shared memory ownership ] in ember.multiprocessing.storage
says what a block is and who frees it). Sending the batch pickles its structure only: every array
becomes (block number, offset, shape, dtype, strides); arrays not in the arena yet (a custom
collate_fn's) are copied into it first. No byte of array data goes through the socket, and the
main process views the arrays where the worker wrote them, without copying.

Blocks are recycled, because fresh shared memory costs a page fault per 4 KiB on first touch, in
both processes. A block's first trip carries its file descriptor (SCM_RIGHTS); the main process
maps it once, closes the descriptor and keeps the mapping (`BatchReceiver.blocks`); the worker
closes its descriptor too and keeps its mapping, the block now lent (`BlockPool.lent`). Arrays in
the main process view a block through a `Lease`; when the last array of a batch goes, the lease
queues the block's serial, and the next task sent to that worker hands it back (`released`). The
worker then reuses the block for a later batch, which arrives as (serial, no descriptor). A worker
keeps a few free blocks and discards the rest, telling the main process to forget them
(`dropped`). A worker writes into a block only when no array views it, in the main process (it
was released) or in the worker itself (`BlockPool.take` checks).

A message is a header (payload length, number of blocks, number of dropped serials), a table of
(serial, size, has-descriptor) per block, the dropped serials, and a pickle. The same framing,
without blocks, carries the main process's tasks to the worker.
"""
import collections
import contextlib
import io
import itertools
import os
import pickle
import socket
import struct
import sys

import numpy as np

from ..._tensor import Tensor, wrap_as
from ...multiprocessing import storage
from ...multiprocessing.reductions import check_sendable, extra_state

_HEADER = struct.Struct("<QII")
_ENTRY = struct.Struct("<QQQ")
_MAX_NEW_BLOCKS = 250  # descriptors per message; the kernel allows 253
_CMSG_SPACE = socket.CMSG_SPACE(_MAX_NEW_BLOCKS * 4)
_MIN_BLOCK = 1 << 16
_FREE_MAX = 4  # free blocks a worker keeps for the next batches

_current = [None]  # the Arena of the batch a worker is collating, else None


class BlockPool:
    """A worker's shared blocks: lent to the main process with a batch until it releases them, then reused."""

    def __init__(self):
        self.lent = {}  # serial -> Block the main process holds
        self.free = []  # (serial, Block) ready for the next batch
        self.known = set()  # serials the main process has mapped
        self.dropped = []  # serials discarded since the last message, for the main process to forget
        self.serials = itertools.count()
        self.largest = _MIN_BLOCK  # the largest batch so far, in bytes

    def take(self, nbytes: int):
        """(serial, bytes) of a block of at least `nbytes`: a free one, else a new one sized for a whole batch."""
        while self.free:
            serial, block = self.free.pop()
            # Only our local name and getrefcount's argument may refer to it: an array this process kept
            # from an earlier batch (a dataset caching a collated tensor) would otherwise be overwritten.
            if block.size >= nbytes and sys.getrefcount(block) <= 2:
                return serial, np.asarray(block)
            self._drop(serial)
        return next(self.serials), storage.new_block(max(nbytes, self.largest))

    def release(self, serials) -> None:
        """The main process no longer views these blocks: keep a few for reuse."""
        for serial in serials:
            block = self.lent.pop(serial)
            if len(self.free) < _FREE_MAX:
                self.free.append((serial, block))
            else:
                self._drop(serial)

    def _drop(self, serial):
        if serial in self.known:
            self.known.discard(serial)
            self.dropped.append(serial)


class Arena:
    """The blocks of one batch, filled front to back."""

    def __init__(self, pool: BlockPool):
        self.pool, self.blocks, self.used = pool, [], []  # blocks: (serial, bytes)

    def empty(self, shape, dtype) -> np.ndarray:
        """An uninitialised array in the arena."""
        dtype = np.dtype(dtype)
        nbytes = _aligned(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize)
        if not self.blocks or self.used[-1] + nbytes > self.blocks[-1][1].size:
            self.blocks.append(self.pool.take(nbytes))
            self.used.append(0)
        start = self.used[-1]
        self.used[-1] = start + nbytes
        return storage.view(self.blocks[-1][1], start, shape, dtype, None)

    def index(self, array):
        """(block number, offset) of an array in this arena, or None."""
        found = storage.block_of(array)
        if found is not None:
            for i, (_, root) in enumerate(self.blocks):
                if found[0] is root.base:
                    return i, found[1]
        return None

    def abandon(self) -> None:
        """The batch will not be sent: its blocks are free again."""
        self.pool.free.extend((serial, root.base) for serial, root in self.blocks)
        self.blocks = []


def _aligned(nbytes):
    return -(-nbytes // storage.ALIGN) * storage.ALIGN


def empty(shape, dtype) -> np.ndarray | None:
    """An array in the current batch arena when called inside a worker's collate, else None."""
    arena = _current[0]
    return None if arena is None else arena.empty(shape, dtype)


@contextlib.contextmanager
def collating(arena: Arena):
    """Arrays collated inside this context go into `arena`."""
    _current[0] = arena
    try:
        yield
    finally:
        _current[0] = None


class _BatchPickler(pickle.Pickler):
    def __init__(self, file, arena):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.arena = arena

    def persistent_id(self, obj):
        if isinstance(obj, Tensor):
            check_sendable(obj)
            if obj._data.__class__ is np.ndarray:
                return "t", type(obj), self._place(obj._data), obj._rg, extra_state(obj)
        elif obj.__class__ is np.ndarray and not obj.dtype.hasobject:
            return "a", self._place(obj)
        return None

    def _place(self, a):
        where = self.arena.index(a)
        if where is None:  # copy into the arena, keeping the order of the axes in memory (a transpose stays one)
            order = np.argsort([-s for s in a.strides], kind="stable")
            copy = self.arena.empty(tuple(a.shape[i] for i in order), a.dtype).transpose(np.argsort(order))
            np.copyto(copy, a)
            a, where = copy, self.arena.index(copy)
        return where[0], where[1], a.shape, a.dtype.str, a.strides


def pack(obj, arena: Arena):
    """A message carrying `obj` with its arrays in `arena`; raises (leaving the arena unsent) when `obj`
    cannot be pickled. `sent` must follow a successful send."""
    buf = io.BytesIO()
    try:
        _BatchPickler(buf, arena).dump(obj)
    except BaseException:
        arena.abandon()
        raise
    pool = arena.pool
    pool.largest = max(pool.largest, sum(arena.used))
    new = [root for serial, root in arena.blocks if serial not in pool.known]
    if len(new) > _MAX_NEW_BLOCKS:
        arena.abandon()
        raise RuntimeError(f"a DataLoader batch needs more than {_MAX_NEW_BLOCKS} new shared-memory blocks")
    table = b"".join(_ENTRY.pack(serial, root.size, serial not in pool.known) for serial, root in arena.blocks)
    dropped, pool.dropped = pool.dropped, []
    head = _HEADER.pack(buf.tell(), len(arena.blocks), len(dropped)) + table
    head += struct.pack(f"<{len(dropped)}Q", *dropped)
    return head + buf.getvalue(), [root.base.fd for root in new], arena


def send_packed(sock: socket.socket, message) -> None:
    """Send a message made by `pack` and lend its blocks to the main process; OSError when it has gone."""
    data, fds, arena = message
    sent = socket.send_fds(sock, [data], fds) if fds else sock.send(data)
    if sent < len(data):  # a long message, or a signal: the descriptors went with the first part
        sock.sendall(memoryview(data)[sent:])
    pool = arena.pool
    for serial, root in arena.blocks:
        pool.lent[serial] = root.base
        if serial not in pool.known:
            pool.known.add(serial)
            os.close(root.base.fd)  # the main process has its own descriptor now, and then its mapping
            root.base.fd = None


def send_plain(sock: socket.socket, obj) -> None:
    """Send a small message with no arrays (the main process's tasks)."""
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(payload), 0, 0) + payload)


def receive_plain(sock: socket.socket):
    """Receive a message sent by `send_plain`; EOFError when the other side has closed the socket."""
    head, fds = _receive_head(sock)
    size = _HEADER.unpack(head)[0]
    return pickle.loads(_receive_exactly(sock, size))


class BatchReceiver:
    """The main process's side of one worker's socket: the worker's blocks mapped here, and the serials of
    those whose batches are gone, to hand back with the next task."""

    def __init__(self):
        self.blocks = {}  # serial -> Block
        self.released = collections.deque()  # appended by Lease.__del__, from any thread

    def take_released(self) -> list:
        """The serials released since the last call."""
        out = []
        while self.released:
            out.append(self.released.popleft())
        return out

    def receive(self, sock: socket.socket):
        """Receive one message; EOFError when the worker has closed the socket."""
        head, fds = _receive_head(sock)
        try:
            size, nblocks, ndropped = _HEADER.unpack(head)
            rest = _receive_exactly(sock, _ENTRY.size * nblocks + 8 * ndropped + size)
            table = list(_ENTRY.iter_unpack(memoryview(rest)[:_ENTRY.size * nblocks]))
            if sum(new for _, _, new in table) != len(fds):
                raise RuntimeError(f"a DataLoader message lost its shared memory: expected "
                                   f"{sum(new for _, _, new in table)} descriptors, got {len(fds)}")
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        fds = iter(fds)
        roots = []
        for serial, nbytes, new in table:
            if new:
                self.blocks[serial] = storage.Block(next(fds), nbytes, keep_fd=False)
            roots.append(np.asarray(storage.Lease(self.blocks[serial], self.released.append, serial)))
        start = _ENTRY.size * nblocks
        for serial in struct.unpack_from(f"<{ndropped}Q", rest, start):
            del self.blocks[serial]
        return _BatchUnpickler(io.BytesIO(memoryview(rest)[start + 8 * ndropped:]), roots).load()


class _BatchUnpickler(pickle.Unpickler):
    def __init__(self, file, roots):
        super().__init__(file)
        self.roots = roots

    def persistent_load(self, pid):
        if pid[0] == "a":
            return self._array(pid[1])
        _, cls, where, requires_grad, state = pid
        t = wrap_as(cls, self._array(where), requires_grad)
        t.__dict__.update(state)
        return t

    def _array(self, where):
        block, offset, shape, dtype, strides = where
        return storage.view(self.roots[block], offset, shape, np.dtype(dtype), strides)


def _receive_head(sock):
    head, fds = b"", []
    try:
        while len(head) < _HEADER.size:
            part, anc, flags, _ = sock.recvmsg(_HEADER.size - len(head), _CMSG_SPACE)
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.extend(np.frombuffer(data[:len(data) - len(data) % 4], np.int32).tolist())
            if flags & socket.MSG_CTRUNC:
                raise RuntimeError("a DataLoader message carried more shared-memory descriptors than expected")
            if not part:
                raise EOFError("the other end of the DataLoader socket closed")
            head += part
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return head, fds


def _receive_exactly(sock, n):
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            raise EOFError("the other end of the DataLoader socket closed in the middle of a message")
        got += k
    return buf
