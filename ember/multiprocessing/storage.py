"""Shared-memory blocks: anonymous files mapped into every process that holds them.

NOTE [ Shared memory ownership ]
A block is an anonymous file (`memfd_create` on Linux, an unlinked temporary file elsewhere)
mapped with MAP_SHARED. It has no name in /dev/shm, so nothing can be left behind there: the
kernel frees the memory when the last mapping and the last descriptor of the file close, in
whatever process and however that process ends (exit, exception, SIGKILL). It is not limited by
the size of /dev/shm either (the 64 MB of a default Docker container).

In a process, a block is a `Block` object: the ndarrays viewing it keep it alive through their
`.base` chain, and when the last of them goes, `Block.__del__` unmaps it and closes its
descriptor. A block that may be sent on keeps its descriptor (`fd`); one received with a
DataLoader batch does not (`fd is None`, see NOTE [ Batch transport ] in ember.utils.data.shared),
so that holding many batches holds no descriptors. Blocks travel between processes as file
descriptors (SCM_RIGHTS over a Unix socket), never by name.
"""
import ctypes
import mmap
import os
import tempfile
import weakref

import numpy as np

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_MAP_FAILED = ctypes.c_void_p(-1).value
ALIGN = 64

# Blocks mapped in this process that kept their descriptor, by file identity: a block received
# twice maps once, so two tensors sent separately from one block share memory here too.
_BY_FILE = weakref.WeakValueDictionary()


class Block:
    """One shared-memory mapping; `np.asarray(block)` is its bytes, and arrays viewing it keep it alive."""

    def __init__(self, fd: int, size: int, keep_fd: bool = True):
        size = max(size, 1)
        addr = _libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0)
        if addr is None or addr == _MAP_FAILED:
            err = ctypes.get_errno()
            os.close(fd)
            raise OSError(err, f"cannot map {size} bytes of shared memory: {os.strerror(err)}")
        self.addr, self.size = addr, size
        self.fd = fd if keep_fd else None
        if not keep_fd:
            os.close(fd)
        self.__array_interface__ = {"data": (addr, False), "shape": (size,), "typestr": "|u1", "version": 3}

    def __del__(self, _munmap=_libc.munmap, _close=os.close):
        _munmap(self.addr, self.size)
        if self.fd is not None:
            _close(self.fd)


class Lease:
    """Another owner of a block's bytes: arrays viewing it keep the block mapped, and when the last of them
    goes, `on_release(key)` runs (how a DataLoader batch's memory goes back to its worker for reuse)."""

    def __init__(self, block: Block, on_release, key):
        self.block, self._on_release, self._key = block, on_release, key
        self.__array_interface__ = block.__array_interface__

    def __del__(self):
        self._on_release(self._key)


def _anonymous_fd(size: int) -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("ember", os.MFD_CLOEXEC)
    else:  # macOS and others: an unlinked temporary file, in /dev/shm where there is one
        fd, path = tempfile.mkstemp(prefix="ember-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        os.unlink(path)
    os.ftruncate(fd, max(size, 1))
    return fd


def new_block(size: int) -> np.ndarray:
    """The bytes (a uint8 array) of a new zero-filled shared block of `size` bytes."""
    block = Block(_anonymous_fd(size), size)
    _BY_FILE[file_key(block.fd)] = block
    return np.asarray(block)


def open_block(fd: int, size: int) -> np.ndarray:
    """The bytes of the block behind a received descriptor, which this call takes over."""
    key = file_key(fd)
    block = _BY_FILE.get(key)
    if block is not None and block.size >= size:
        os.close(fd)
    else:
        block = _BY_FILE[key] = Block(fd, size)
    return np.asarray(block)


def mapped(key, size: int) -> np.ndarray | None:
    """The bytes of the block with file identity `key` when this process already maps it, else None."""
    block = _BY_FILE.get(key)
    return None if block is None or block.size < size else np.asarray(block)


def file_key(fd: int):
    """The identity (device, inode) of a block's file, the same in every process."""
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def block_of(a):
    """(Block, byte offset of `a`'s first element in it) when ndarray `a` views a shared block, else None."""
    b = a
    while isinstance(b, np.ndarray):
        b = b.base
    if b.__class__ is Lease:
        b = b.block
    if b.__class__ is not Block:
        return None
    return b, a.__array_interface__["data"][0] - b.addr


def view(root: np.ndarray, offset: int, shape, dtype, strides) -> np.ndarray:
    """The array of `shape`/`dtype`/`strides` at byte `offset` of a block's bytes `root`."""
    return np.ndarray(shape, dtype, buffer=root, offset=offset, strides=strides)


def copy_to_new_block(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of `a` in a new shared block."""
    out = view(new_block(a.nbytes), 0, a.shape, a.dtype, None)
    np.copyto(out, a)
    return out


def is_shared(tensor) -> bool:
    """True when the tensor's memory is a shared block (after share_memory_, or received from another process)."""
    return tensor._data.__class__ is np.ndarray and block_of(tensor._data) is not None


def share_memory_(tensor):
    """Move the tensor's memory into a shared block (a no-op when already shared, or on a GPU); returns it.

    Differs from PyTorch: other views of the same memory keep the old, private memory (a view's base
    tensor moves with it).
    """
    a = tensor._data
    if a.__class__ is not np.ndarray or block_of(a) is not None:
        return tensor
    base = tensor._base
    if base is not None and base._data.__class__ is np.ndarray and base._data.flags.c_contiguous:
        start = a.__array_interface__["data"][0] - base._data.__array_interface__["data"][0]
        block, offset = block_of(share_memory_(base)._data)
        tensor._data = view(np.asarray(block), offset + start, a.shape, a.dtype, a.strides)
    else:
        tensor._data = copy_to_new_block(a)
    return tensor


def sendable_block(tensor):
    """(Block with a descriptor, offset) holding the tensor's memory, moving it into one when needed."""
    found = block_of(tensor._data)
    if found is None or found[0].fd is None:  # private memory, or a DataLoader batch block
        tensor._data = copy_to_new_block(tensor._data)
        found = block_of(tensor._data)
    return found

