"""In-place writes through views: the base's history is rewritten, as PyTorch's CopySlices does.

After `y[1].add_(x)` the base `y` holds new values in one region. Its new graph node takes the
base's gradient, sends the region's part through the in-place op's own node, and the rest to
the base's old history; the view becomes a strided window onto the new base.
"""
from .._tensor import _address, wrap
from ..autograd.graph import Node
from ..autograd.record import FORWARD_AD, set_marks, union_sources
from ..backend import array_module
from .base import GRAD_ENABLED, check_no_overlap


def check_view_inplace(t) -> bool:
    """Before an in-place write that autograd records: is `t` a view whose base must take the change?

    A view of a leaf that requires grad is refused, as in PyTorch, before anything is written.
    """
    base = t._base
    if base is None or not GRAD_ENABLED[0]:
        return False
    if base._rg and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if not base._data.flags.c_contiguous:
        raise RuntimeError("ember supports in-place changes to a view only when its base is contiguous; call "
                           ".contiguous() on the base before taking the view.")
    return True


def share_inplace(t, through_view: bool) -> None:
    """After an in-place op recorded on `t`, give it to the tensors that share `t`'s memory: a view's base
    (and the base's other views) take it through CopySlices, a base's own views through strided windows
    onto its new history (NOTE [ Sibling views ])."""
    if through_view:
        propagate_to_base(t)
        return
    for ref in t.__dict__.get("_views", ()):
        view = ref()
        if view is not None:
            _regenerate(view, t._grad_fn, t._output_nr)


def propagate_to_base(view) -> None:
    """Make the in-place op just recorded on `view` part of its base's history (see the module docstring)."""
    inner, base = view._grad_fn, view._base
    b = base._data
    copy = CopySlices()
    copy.inner, copy.window = inner, _window_in_base(view)
    old = (base._grad_fn, base._output_nr) if base._grad_fn is not None else (None, 0)
    copy.next_functions = (old,) + inner.next_functions[1:]
    copy._shapes = [(b.shape, b.dtype) if old[0] is not None else None] + list(inner._shapes[1:])
    copy._saved, copy._versions = (), None
    if FORWARD_AD[0]:
        set_marks(base, hidden=view._fw_hidden and not (base._rg and not base._fw_hidden),
                  sources=union_sources(base._fw_sources, view._fw_sources))
    base._grad_fn, base._rg, base._output_nr = copy, True, 0

    _regenerate(view, copy, 0)
    for ref in base.__dict__.get("_views", ()):
        other = ref()
        if other is not None and other is not view:
            _regenerate(other, copy, 0)


# NOTE [ Sibling views ]
# An in-place write through one view, or into the base itself, changes every view of the base whose
# window overlaps the written one, but their graph nodes predate the write. So after the base's history
# is rewritten, each live view of the base gets a new node: a strided window onto the base's new history,
# as PyTorch regenerates a view's grad_fn when its base's version has changed. view_of keeps weak references to
# the views of bases that have a history (grad_fn) when the view is taken; a view taken of a base
# outside the graph, which enters it later through an in-place write with a tensor that requires grad,
# keeps its old node and does not require grad (PyTorch's would). Leaves that require grad need no
# list: an in-place write through their views raises.
def _regenerate(view, node, output_nr) -> None:
    """Make `view`'s node a strided window onto its base's new history (output `output_nr` of `node`)."""
    b = view._base._data
    strided = AsStridedBackward0()
    strided.window = _window_in_base(view)
    strided.next_functions = ((node, output_nr),)
    strided._shapes = [(b.shape, b.dtype)]
    strided._saved, strided._versions = (), None
    view._grad_fn, view._rg, view._output_nr = strided, True, 0
    if FORWARD_AD[0]:
        set_marks(view, view._base._fw_hidden, view._base._fw_sources)


def _window_in_base(view):
    """(shape, strides, byte offset) of `view`'s elements within its base's array."""
    a = view._data
    return a.shape, a.strides, _address(a) - _address(view._base._data)


def _window(array, window):
    """The region of `array` (shaped and laid out like the base) that the view covers."""
    shape, strides, offset = window
    flat = array.reshape(-1)[offset // array.itemsize:]
    return array_module(array).lib.stride_tricks.as_strided(flat, shape, strides)


def _window_indices(xp, window, itemsize):
    """For each element of a view's window, the flat index of the base element it is."""
    shape, strides, offset = window
    idx = xp.asarray(offset // itemsize)
    for k, (n, st) in enumerate(zip(shape, strides)):
        idx = idx + xp.arange(n).reshape([-1 if j == k else 1 for j in range(len(shape))]) * (st // itemsize)
    return xp.broadcast_to(idx, shape)


def _first_order_only():
    if GRAD_ENABLED[0]:
        raise RuntimeError("ember cannot yet differentiate twice (create_graph=True) through an in-place change "
                           "of a view, nor give a forward AD tangent through it; make the change out of place.")


class CopySlices(Node):
    """The base's node after an in-place change through one of its views."""

    def name(self):
        return "ember::autograd::CopySlices"

    def apply(self, grads):
        _first_order_only()
        g = grads[0]._data.copy()
        region = _window(g, self.window)
        inner_grads = self.inner.apply([wrap(region.copy())])
        first = inner_grads[0]
        from . import indexing  # cycle: ember.ops.indexing imports this one
        if not isinstance(self.inner, indexing.NODES.IndexCopySlices):  # x[basic key] = v writes no aliased element
            check_no_overlap(region)  # as PyTorch's backward, refuse a write through an expanded view
        if first is None:
            region[...] = 0
            return (wrap(g),) + tuple(inner_grads[1:])
        f = first.sum_to_size(region.shape)._data
        region[...] = f
        if 0 in region.strides:  # an expanded view: a base element was written if one of its aliases was
            g.reshape(-1)[_window_indices(array_module(g), self.window, g.itemsize)[f == 0]] = 0
        return (wrap(g),) + tuple(inner_grads[1:])

    def release(self):
        self.inner.release()


class AsStridedBackward0(Node):
    """A view's node after an in-place change through it: its gradient lands in its window of the base."""

    def apply(self, grads):
        _first_order_only()
        g = grads[0]._data
        shape, dtype = self._shapes[0]
        xp = array_module(g)
        base = xp.zeros(shape, dtype)
        if 0 in self.window[1]:  # an expanded view: its elements that alias one base element add up there
            xp.add.at(base.reshape(-1), _window_indices(xp, self.window, base.itemsize), g)
        else:
            _window(base, self.window)[...] = g
        return (wrap(base),)
