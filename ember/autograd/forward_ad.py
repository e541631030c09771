"""ember.autograd.forward_ad: forward-mode AD with dual tensors, as torch.autograd.forward_ad.

Inside `with dual_level():`, `make_dual(x, t)` gives a tensor equal to `x` that carries the tangent `t`; every op
on it gives a result that carries a tangent too (the Jacobian-vector product), read with `unpack_dual`. ember has
no JVP formula per op: ops on dual tensors record the ordinary reverse-mode graph, and `unpack_dual` computes the
tangent from it by the double-vjp identity, so every differentiable op (with a differentiable backward) has a
tangent. The cost: each `unpack_dual` of a new result runs two backward passes over the graph behind it (the
result is cached until the tensor changes), and results keep that graph alive while the level is open. A custom
`Function` gives its tangent through its `jvp` staticmethod, as in PyTorch (NOTE [ Custom Functions in forward
mode ] in function.py).

Levels: as in PyTorch, `dual_level()` does not nest (a second one raises, and so does `ember.func`'s `jvp` or
`jacfwd` inside one); `jvp` and `jacfwd` open a level of their own per call (NOTE [ Nested levels ]), so they nest
in each other.

Differences from PyTorch: an in-place op on a dual tensor gives the right tangent but does not write into the
tangent tensor given to `make_dual`; on a result that requires grad whose history saved the overwritten value, the
tangent then raises as the backward would, where PyTorch gives it; through a view, it makes the tangent raise. The
result of `make_dual` is not a view in ember's autograd sense (`_base` is None); a result that requires grad and
depends on a dual tensor shows one more edge in `grad_fn.next_functions`; `requires_grad_()` on a tensor with a
tangent makes it a leaf that keeps its tangent (with tangents at several nested levels, one source holding them all,
so that its primal at one level loses the others); tensors do not print their tangent. A primal or tangent that
`unpack_dual` gave, used again with dual tensors of the same (still open) level, is not a constant there when it
requires grad or carries tangents of other levels (its graph still reaches the level's duals). Once a dual level
has been entered, every recorded op checks the marks of its inputs (a few attribute reads), and ops under
`no_grad` in a dual level on tensors that require grad take the recording path before leaving the result
unrecorded.
"""
import contextlib
from collections import namedtuple

from .._tensor import Tensor, wrap
from ..backend import array_module
from . import grad_mode
from .engine import run_backward
from .graph import Node
from .record import FORWARD_AD, record, set_marks, union_sources

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]

# NOTE [ Hidden graph ]
# A dual tensor is the result of a `ViewBackward0` node over the primal and a hidden leaf that holds the tangent
# (a "source"). Every tensor that an op computes from it is recorded (forward AD's reason to keep recording on
# under no_grad, NOTE [ Grad mode in a dual level ] in grad_mode.py) and carries its sources in `_fw_sources`.
# Where the user's own graph would not include the result (nothing it depends on requires grad, or grad mode is
# off), the result is marked `_fw_hidden`: ember then shows `requires_grad` False, `grad_fn` None and `is_leaf`
# True, as without forward AD. A node that saves its own result keeps that result's marks (`_result_marks`, NOTE
# [ Saved results ] in graph.py), so a gradient computed from the saved result carries its tangents too
# (forward-over-reverse: `jvp(grad(f))`, `jacfwd(jacrev(f))`).
#
# NOTE [ Tangents by double backward ]
# For y = f(x) with dual inputs x_i carrying tangents t_i, the tangent of y is J t = sum_i J_i t_i. With u a
# free vector of y's shape, a backward pass with create_graph gives g_i = J_i^T u, a graph linear in u; then
# J t = d/du [sum_i <g_i, t_i>], a second backward pass, to u. Two backward passes per unpacked result: the
# price of needing no forward formula per op. The second pass keeps its graph where the result requires grad
# (reverse mode over forward mode) or carries tangents of other levels (forward mode over forward mode).
#
# NOTE [ Nested levels ]
# Each open level has a generation number, unique among all levels ever opened; `_LEVELS` lists those of the open
# levels, outermost first (a level's number is its index). A source holds its tangents by generation
# (`_fw_tangent`, a dict: a dual's source has one, a leaf that carries its own tangents one per level), so the
# sources of a level are those holding a tangent for its generation, and the sources of exited levels are dead.
# A dual of level 1 made from a dual of level 0 carries the sources of both; its tangent at level 1, computed by
# double backward with the graph kept, is a function of the level-0 duals, so it has a level-0 tangent in turn:
# `jacfwd(jacfwd(f))`, `jvp` inside `jvp`. `unpack_dual` at one level gives a primal that keeps the sources of the
# other levels.

# The generations of the open levels, outermost first; the last generation given out.
_LEVELS = []
_GENERATION = [0]
_NESTABLE = set()  # the generations of the open levels that ember.func opened (others do not nest, as in PyTorch)
# Positive while a tangent's backward passes run: the node of a custom Function with a jvp then passes the
# gradient of each output to the source that holds the output's tangent, instead of calling backward (NOTE
# [ Custom Functions in forward mode ] in function.py).
TANGENT_PASS = [0]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "The primal and tangent of a tensor, as returned by unpack_dual."


class ViewBackward0(Node):
    """The node of a dual tensor: an alias of the primal and of the hidden leaf that holds the tangent."""
    __slots__ = ()

    def apply(self, grads):
        return grads[0], grads[0]


class AliasBackward0(Node):
    """The node of a tensor that stands for another (its gradient passes through unchanged)."""
    __slots__ = ()

    def apply(self, grads):
        return (grads[0],)


def _open(nested: bool) -> int:
    if _LEVELS and not (nested and _LEVELS[0] in _NESTABLE):
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _GENERATION[0] += 1
    if nested:
        _NESTABLE.add(_GENERATION[0])
    _LEVELS.append(_GENERATION[0])
    FORWARD_AD[0] = True
    grad_mode.DUAL_LEVEL_OPEN[0] = True
    grad_mode.set_mode(grad_mode.GRAD_MODE[0])
    return len(_LEVELS) - 1


def enter_dual_level() -> int:
    """Open a dual level and return its number (0); RuntimeError if one is open, as PyTorch does not nest them."""
    return _open(nested=False)


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the innermost dual level: the tangents of its tensors are gone."""
    if not _LEVELS:
        raise RuntimeError("Dual level must be a positive number.")
    if level is not None and level != len(_LEVELS) - 1:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _NESTABLE.discard(_LEVELS.pop())
    if not _LEVELS:
        grad_mode.DUAL_LEVEL_OPEN[0] = False
        grad_mode.set_mode(grad_mode.GRAD_MODE[0])


class dual_level:
    """Context manager for a dual level: `with dual_level():` enters one and exits it at the end."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


@contextlib.contextmanager
def nested_level():
    """A new dual level inside whatever levels are open (ember.func's jvp and jacfwd: NOTE [ Nested levels ]);
    yields its number."""
    level = _open(nested=True)
    try:
        yield level
    finally:
        exit_dual_level(level=level)


def _generation(level, message: str, invalid: str) -> int:
    """The generation of open level `level` (the innermost where None)."""
    if not _LEVELS:
        raise RuntimeError(message)
    if level is None:
        return _LEVELS[-1]
    if not 0 <= level < len(_LEVELS):
        raise RuntimeError(invalid)
    return _LEVELS[level]


def _is_live(source: Tensor) -> bool:
    """Whether `source` holds a tangent of an open level."""
    held = source._fw_tangent
    return any(g in held for g in _LEVELS)


def _live_sources(tensor: Tensor, generation: int) -> tuple:
    """The sources of `tensor`'s tangent at the level of `generation` (none when the tensor left the graph through
    detach_)."""
    if not tensor._rg:
        return ()
    return tuple(s for s in tensor._fw_sources if generation in s._fw_tangent)


def _other_sources(tensor: Tensor, generation) -> tuple:
    """The sources of `tensor` that belong to open levels other than that of `generation` only."""
    if not tensor._rg:
        return ()
    return tuple(s for s in tensor._fw_sources if generation not in s._fw_tangent and _is_live(s))


def has_tangent(tensor: Tensor) -> bool:
    """Whether `tensor` carries a tangent at some open level."""
    return bool(_LEVELS) and tensor._rg and any(_is_live(s) for s in tensor._fw_sources)


def _carries_beyond(t, generation: int) -> bool:
    """Whether what is computed from `t` needs its graph beyond the level of `generation`: `t` requires grad or
    carries tangents of other open levels."""
    return isinstance(t, Tensor) and t._rg and (not t._fw_hidden or bool(_other_sources(t, generation)))


def _hold_tangent(leaf: Tensor, tangents: dict) -> None:
    """Make `leaf` require grad and hold `tangents` ({generation: tangent}): a source of those levels."""
    leaf._rg = True
    leaf._fw_tangent = tangents


def is_tangent_source(leaf: Tensor) -> bool:
    """Whether `leaf` is one of forward AD's own leaves, which hold the tangents of dual tensors (not a user's)."""
    return getattr(leaf, "_fw_tangent", None) is not None


def _carry_own_tangent(leaf: Tensor, tangents: dict) -> None:
    """Make `leaf` a source whose own tangents are `tangents` (a reference cycle, collected by the garbage
    collector)."""
    _hold_tangent(leaf, tangents)
    set_marks(leaf, hidden=False, sources=(leaf,))
    leaf._fw_cache = {g: (leaf._vc[0], t) for g, t in tangents.items()}


def _open_tangents(tensor: Tensor) -> dict:
    """{generation: tangent} of `tensor` at the open levels where it has one."""
    found = {}
    for g in _LEVELS:
        t = tangent_of(tensor, g)
        if t is not None:
            found[g] = t
    return found


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A tensor with the values of `tensor` (sharing its memory) that carries `tangent` for forward AD.

    It requires grad where `tensor` does, as in PyTorch; the tangent is kept as given (not copied).
    """
    generation = _generation(level, "Trying to create a dual Tensor for forward AD but no level exists, make sure "
                                    "to enter_dual_level() first.", "Invalid level given to _make_dual")
    for name, value in (("primal", tensor), ("tangent", tangent)):
        if not isinstance(value, Tensor):
            raise TypeError(f"make_dual(): expected the {name} to be a Tensor, but got {type(value).__name__}")
        if value._data.dtype.kind not in "fV":
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {value.dtype}")
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor._data.shape)} while the "
                           f"given forward gradient is of size {list(tangent._data.shape)}.")
    if _live_sources(tensor, generation):
        raise RuntimeError(f"Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           f"level {_LEVELS.index(generation)} is not supported.")
    source = wrap(tensor._data)
    _hold_tangent(source, {generation: tangent})
    dual = wrap(tensor._data)
    dual._vc = tensor._vc
    FORWARD_AD[0] = False  # record the node whatever the marks would say; they are set right below
    try:
        record(dual, ViewBackward0(), (tensor, source))
    finally:
        FORWARD_AD[0] = True
    set_marks(dual, hidden=not (tensor.requires_grad and grad_mode.GRAD_MODE[0]),
              sources=union_sources(_other_sources(tensor, generation), (source,)))
    dual._fw_cache = {generation: (dual._vc[0], tangent)}
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """(primal, tangent) of `tensor` at `level` (the innermost open level where None): the primal a view of it
    without that tangent, the tangent None where it has none.

    The tangent of an op's result is computed here, by two backward passes (see the module docstring), then
    cached on the tensor until it changes in place.
    """
    if level is not None and not 0 <= level < len(_LEVELS):
        raise RuntimeError("Invalid level given to _fw_primal")
    if not _LEVELS:
        return UnpackedDualTensor(_primal(tensor, None), None)
    generation = _LEVELS[-1 if level is None else level]
    return UnpackedDualTensor(_primal(tensor, generation), tangent_of(tensor, generation))


def _primal(tensor: Tensor, generation) -> Tensor:
    """A view of `tensor` without its tangent at the level of `generation`, keeping the user's graph where it
    requires grad and the tangents of the other open levels."""
    others = _other_sources(tensor, generation) if _LEVELS else ()
    if not tensor.requires_grad and not others:
        return tensor.detach()
    with grad_mode.enable_grad():
        primal = tensor.view_as(tensor)
    set_marks(primal, hidden=tensor._fw_hidden, sources=others)
    return primal


def tangent_of(tensor: Tensor, generation: int | None = None) -> Tensor | None:
    """The tangent of `tensor` at the level of `generation` (the innermost open level where None; None where it has
    none), computed once per version."""
    if generation is None:
        if not _LEVELS:
            return None
        generation = _LEVELS[-1]
    sources = _live_sources(tensor, generation)
    if not sources:
        return None
    cache = tensor.__dict__.get("_fw_cache")
    if cache is not None:
        hit = cache.get(generation)
        if hit is not None and hit[0] == tensor._vc[0]:
            return hit[1]
    tangent = _jvp_by_double_backward(tensor, sources, generation)
    if cache is None:
        cache = tensor._fw_cache = {}
    cache[generation] = (tensor._vc[0], tangent)
    return tangent


def _jvp_by_double_backward(y: Tensor, sources: tuple, generation: int) -> Tensor:
    """J t for y's Jacobian J with respect to its sources at one level and their tangents t (NOTE [ Tangents by
    double backward ]): two backward passes."""
    xp = array_module(y._data)
    u = wrap(xp.zeros(y._data.shape, y._data.dtype))
    u._rg = True
    tangents = [s._fw_tangent[generation] for s in sources]
    keep_graph = _carries_beyond(y, generation) or any(_carries_beyond(t, generation) for t in tangents)
    tangent = None
    TANGENT_PASS[0] += 1
    try:
        with grad_mode.enable_grad():
            grads = run_backward((y,), (u,), retain_graph=True, create_graph=True, inputs=list(sources),
                                 accumulate=False)
            total = None
            for g, t in zip(grads, tangents):
                if g is not None and g._rg:
                    term = (g * t).sum()
                    total = term if total is None else total + term
        if total is not None:
            one = wrap(xp.ones((), total._data.dtype))
            (tangent,) = run_backward((total,), (one,), retain_graph=keep_graph, create_graph=keep_graph,
                                      inputs=[u], accumulate=False)
    finally:
        TANGENT_PASS[0] -= 1
    if tangent is None:
        return wrap(xp.zeros(y._data.shape, y._data.dtype))
    if not (keep_graph and tangent._rg):
        return wrap(tangent._data)
    hidden = tangent._fw_hidden or not y.requires_grad
    others = _other_sources(tangent, generation)
    if hidden and not others:
        return wrap(tangent._data)
    set_marks(tangent, hidden=hidden, sources=others)
    return tangent


def mark_snapshot(tensor: Tensor, snapshot: Tensor) -> None:
    """Mark `snapshot`, the copy of `tensor`'s old value that an in-place op on `tensor` reads.

    Where `tensor` is hidden and has tangents, the snapshot becomes a dual of the copy carrying them, computed now
    (one source per level, as make_dual nests) and frozen (`_freeze`): the write may change a value that `tensor`'s
    history saved, which a later double backward would need.
    """
    if not (tensor._fw_hidden and has_tangent(tensor)):
        set_marks(snapshot, hidden=tensor._fw_hidden, sources=tensor._fw_sources)
        return
    _freeze(snapshot, tensor, list(_LEVELS))


def _freeze(out: Tensor, tensor: Tensor, generations: list) -> None:
    """Make `out`, which holds `tensor`'s value, a hidden dual carrying `tensor`'s tangents at `generations`
    (outermost first), computed now; a tangent's own tangents at the levels outside its own are frozen so too, so
    that nothing reached from `out` refers to `tensor`'s history."""
    present = []
    for i, g in enumerate(generations):
        t = tangent_of(tensor, g)
        if t is not None:
            present.append((g, _frozen_tangent(t, generations[:i])))
    inner = wrap(out._data)
    inner._vc = out._vc
    for n, (g, t) in enumerate(present):
        inner = _dual_of(out if n == len(present) - 1 else wrap(out._data), inner, g, t)


def _frozen_tangent(t: Tensor, outer: list) -> Tensor:
    if not any(tangent_of(t, g) is not None for g in outer):
        return wrap(t._data) if t._rg else t
    frozen = wrap(t._data)
    _freeze(frozen, t, outer)
    return frozen


def _dual_of(out: Tensor, primal: Tensor, generation: int, tangent: Tensor) -> Tensor:
    """Make `out` a hidden dual of `primal` (the same values) carrying `tangent` at the level of `generation`."""
    source = wrap(out._data)
    _hold_tangent(source, {generation: tangent})
    out._vc, out._output_nr = primal._vc, 0
    FORWARD_AD[0] = False
    try:
        record(out, ViewBackward0(), (primal, source))
    finally:
        FORWARD_AD[0] = True
    set_marks(out, hidden=True, sources=union_sources(_other_sources(primal, generation), (source,)))
    out._fw_cache = {generation: (out._vc[0], tangent)}
    return out


def require_grad(tensor: Tensor) -> None:
    """`tensor.requires_grad_()` on a tensor that forward AD hides: it becomes a leaf that requires grad and
    carries its tangents as its own source (as in PyTorch, where it was a leaf with a tangent all along)."""
    tangents = _open_tangents(tensor)
    tensor._grad_fn = None
    if not tangents:
        set_marks(tensor, hidden=False, sources=())
    else:
        _carry_own_tangent(tensor, tangents)


def leaf_keeping_tangent(tensor: Tensor) -> Tensor:
    """A tensor that shares `tensor`'s memory and requires grad, for ember.func to differentiate with respect to:
    a new leaf, or where `tensor` carries tangents, an alias of it that keeps them (gradients with respect to it
    stop at it, and the tangents of whatever is computed from it reach `tensor`'s duals)."""
    if not has_tangent(tensor):
        return tensor.detach().requires_grad_(True)
    return _alias(tensor, hidden=False)


def unseen(tensor: Tensor) -> Tensor:
    """`tensor` as a tensor that does not require grad: detached, or where it carries tangents, a hidden alias that
    keeps them (ember.func's results outside a transform whose inputs do not require grad)."""
    if not has_tangent(tensor):
        return tensor.detach()
    return _alias(tensor, hidden=True)


def without_tangents(tensor: Tensor) -> Tensor:
    """`tensor` carrying no tangent: itself where it carries none, else detached, or where it requires grad an
    alias that keeps its graph (what a custom Function's jvp returns: NOTE [ Custom Functions in forward mode ] in
    function.py)."""
    if not has_tangent(tensor):
        return tensor
    if tensor._fw_hidden:
        return tensor.detach()
    if tensor._grad_fn is None:  # a leaf carrying its own tangents
        twin = _alias(tensor, hidden=False)
    else:  # the same place in the graph (the same grad_fn, as PyTorch shows it)
        twin = wrap(tensor._data)
        twin._vc, twin._rg, twin._grad_fn, twin._output_nr = tensor._vc, True, tensor._grad_fn, tensor._output_nr
    set_marks(twin, hidden=False, sources=())
    return twin


def _alias(tensor: Tensor, hidden: bool) -> Tensor:
    alias = wrap(tensor._data)
    alias._vc = tensor._vc
    FORWARD_AD[0] = False  # record the node whatever the marks would say; they are set right below
    try:
        record(alias, AliasBackward0(), (tensor,))
    finally:
        FORWARD_AD[0] = True
    set_marks(alias, hidden=hidden, sources=tuple(s for s in tensor._fw_sources if _is_live(s)))
    return alias
