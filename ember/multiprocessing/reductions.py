"""Pickling reducers that send CPU tensors between processes as shared memory, not as bytes.

`init_reductions()` registers them with `multiprocessing.reduction.ForkingPickler`, which every
`multiprocessing` Queue, SimpleQueue, Pipe, Pool and spawned Process argument goes through. A
tensor is moved into a shared block first (as `share_memory_` does, so the sender keeps using the
same memory), then only its block's file descriptor, offset, shape, dtype and strides travel.
The receiver maps the block: both processes see each other's writes. As in PyTorch, the sending
process must stay alive until the receiver has taken the tensor off the queue.
"""
import os
from multiprocessing.reduction import DupFd, ForkingPickler

import numpy as np

from .._tensor import _AUTOGRAD_STATE, Tensor, wrap_as
from ..nn.parameter import Buffer, Parameter
from . import storage

NON_LEAF_MESSAGE = ("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not "
                    "support crossing process boundaries.  If you just want to transfer the data, call detach() on "
                    "the tensor before serializing (e.g., putting it on the queue).")


def check_sendable(tensor) -> None:
    """RuntimeError, as PyTorch, for a non-leaf tensor that requires grad."""
    if tensor._rg and tensor._grad_fn is not None:
        raise RuntimeError(NON_LEAF_MESSAGE)


def extra_state(tensor) -> dict:
    """Attributes a tensor carries besides its data and autograd state (e.g. a Buffer's `persistent`)."""
    return {k: v for k, v in tensor.__dict__.items() if k not in _AUTOGRAD_STATE}


def reduce_tensor(tensor):
    """Reduce a CPU tensor to its shared block's descriptor and layout (GPU tensors pickle by value)."""
    check_sendable(tensor)
    if tensor._data.__class__ is not np.ndarray:
        return tensor.__reduce_ex__(2)
    block, offset = storage.sendable_block(tensor)
    a = tensor._data
    return (rebuild_tensor, (type(tensor), DupFd(block.fd), storage.file_key(block.fd), block.size, offset, a.shape,
                             a.dtype.str, a.strides, tensor._rg, extra_state(tensor)))


def rebuild_tensor(cls, dup_fd, key, size, offset, shape, dtype, strides, requires_grad, state):
    """Map the block a tensor was sent in (unless this process maps it already) and view the tensor in it."""
    root = storage.mapped(key, size)
    try:
        fd = dup_fd.detach()  # also lets the sender close its copy of the descriptor
    except (OSError, EOFError) as e:
        if root is None:
            raise RuntimeError("the process that sent this tensor exited before it was received; as in PyTorch, a "
                               "sender must stay alive until the receivers have taken its tensors") from e
        fd = None
    if root is None:
        root = storage.open_block(fd, size)
    elif fd is not None:
        os.close(fd)
    t = wrap_as(cls, storage.view(root, offset, shape, np.dtype(dtype), strides), requires_grad)
    t.__dict__.update(state)
    return t


def init_reductions() -> None:
    """Register the tensor reducers with ForkingPickler (done when ember.multiprocessing is imported)."""
    for cls in (Tensor, Parameter, Buffer):
        ForkingPickler.register(cls, reduce_tensor)
