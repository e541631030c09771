"""Collectives on picklable Python objects: pickled to bytes, moved by the tensor collectives' MPI calls."""
import pickle

import numpy as np

from ._waiting import Requests, wait_until
from .collectives import _root, _start, all_gather_bytes


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Fill `object_list[i]` with rank i's `obj` (picklable)."""
    g, what = _start(group, "all_gather_object")
    if g is None:
        return
    if len(object_list) != g.size():
        raise ValueError(f"{what}: object_list must have one slot per rank ({g.size()}), but has "
                         f"{len(object_list)}")
    for i, payload in enumerate(all_gather_bytes(g, what, pickle.dumps(obj))):
        object_list[i] = pickle.loads(payload)


def gather_object(obj, object_gather_list: list | None = None, dst: int | None = None, group=None,
                  group_dst: int | None = None) -> None:
    """Fill rank `dst`'s `object_gather_list[i]` with rank i's `obj`."""
    g, what = _start(group, "gather_object")
    if g is None:
        return
    root = _root(g, what, dst, group_dst, "dst")
    if g.rank() == root and (object_gather_list is None or len(object_gather_list) != g.size()):
        raise ValueError(f"{what}: object_gather_list on the destination must have one slot per rank "
                         f"({g.size()})")
    payloads = all_gather_bytes(g, what, pickle.dumps(obj))
    if g.rank() == root:
        for i, payload in enumerate(payloads):
            object_gather_list[i] = pickle.loads(payload)


def broadcast_object_list(object_list: list, src: int | None = None, group=None, device=None,
                          group_src: int | None = None) -> None:
    """Replace every rank's `object_list` items with rank `src`'s."""
    g, what = _start(group, "broadcast_object_list")
    if g is None:
        return
    root = _root(g, what, src, group_src, "src")
    payload = np.frombuffer(pickle.dumps(list(object_list)), np.uint8) if g.rank() == root else None
    size = np.array([0 if payload is None else payload.size], np.int64)
    wait_until(Requests(g.world.MPI, [g.comm.Ibcast(size, root=root)]), g, what)
    data = payload if payload is not None else np.empty(int(size[0]), np.uint8)
    wait_until(Requests(g.world.MPI, [g.comm.Ibcast(data, root=root)]), g, what)
    if g.rank() != root:
        received = pickle.loads(data.tobytes())
        if len(received) != len(object_list):
            raise ValueError(f"{what}: object_list has {len(object_list)} items here but {len(received)} on the "
                             f"source rank")
        object_list[:] = received


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list: list | None = None,
                        src: int | None = None, group=None, group_src: int | None = None) -> None:
    """Set `scatter_object_output_list[0]` on rank i to rank `src`'s `scatter_object_input_list[i]`."""
    g, what = _start(group, "scatter_object_list")
    if g is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = _root(g, what, src, group_src, "src")
    items = [None]
    if g.rank() == root:
        if scatter_object_input_list is None or len(scatter_object_input_list) != g.size():
            raise ValueError(f"{what}: scatter_object_input_list on the source must hold one object per rank "
                             f"({g.size()})")
        items = [list(scatter_object_input_list)]
    broadcast_object_list(items, group_src=root, group=group)
    scatter_object_output_list[0] = items[0][g.rank()]
