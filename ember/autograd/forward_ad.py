"""ember.autograd.forward_ad: forward-mode AD with dual tensors, as torch.autograd.forward_ad.

Inside `with dual_level():`, `make_dual(x, t)` gives a tensor equal to `x` that carries the tangent `t`; every op
on it gives a result that carries a tangent too (the Jacobian-vector product), read with `unpack_dual`. ember has
no JVP formula per op: ops on dual tensors record the ordinary reverse-mode graph, and `unpack_dual` computes the
tangent from it by the double-vjp identity, so every differentiable op (with a differentiable backward) has a
tangent. The cost: each `unpack_dual` of a new result runs two backward passes over the graph behind it (the
result is cached until the tensor changes), and results keep that graph alive while the level is open.

Differences from PyTorch: levels do not nest (nesting raises, as in PyTorch); an op under `no_grad` in a dual
level gives a tangent as in PyTorch, but a custom `Function` gives one through its backward (its `jvp` is not
used). An in-place op on a dual tensor gives the right tangent but does not write into the tangent tensor given to
`make_dual`; on a result that requires grad whose history saved the overwritten value, the tangent then raises as
the backward would, where PyTorch gives it; through a view, it makes the tangent raise. The result of `make_dual`
is not a view in ember's autograd sense (`_base` is None); a result that requires grad and depends on a dual
tensor shows one more edge in `grad_fn.next_functions`; `requires_grad_()` on a tensor with a tangent makes it a
leaf that keeps its tangent; tensors do not print their tangent. Once a dual level has been entered, every
recorded op checks the marks of its inputs (a few attribute reads), and ops under `no_grad` in a dual level on
tensors that require grad take the recording path before leaving the result unrecorded.
"""
from collections import namedtuple

from .._tensor import Tensor, wrap
from ..backend import array_module
from . import grad_mode
from .engine import run_backward
from .graph import Node
from .record import FORWARD_AD, record, set_marks

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]

# NOTE [ Hidden graph ]
# A dual tensor is the result of a `ViewBackward0` node over the primal and a hidden leaf that holds the tangent
# (a "source"). Every tensor that an op computes from it is recorded (forward AD's reason to keep recording on
# under no_grad, NOTE [ Grad mode in a dual level ] in grad_mode.py) and carries its sources in `_fw_sources`.
# Where the user's own graph would not include the result (nothing it depends on requires grad, or grad mode is
# off), the result is marked `_fw_hidden`: ember then shows `requires_grad` False, `grad_fn` None and `is_leaf`
# True, as without forward AD.
#
# NOTE [ Tangents by double backward ]
# For y = f(x) with dual inputs x_i carrying tangents t_i, the tangent of y is J t = sum_i J_i t_i. With u a
# free vector of y's shape, a backward pass with create_graph gives g_i = J_i^T u, a graph linear in u; then
# J t = d/du [sum_i <g_i, t_i>], a second backward pass, to u. Two backward passes per unpacked result: the
# price of needing no forward formula per op. The second pass keeps its graph where the result requires grad,
# so reverse mode over forward mode works.

# The one level's number (None: no level open) and its generation, which tells the sources of this level from
# those of levels already exited.
_LEVEL = [None]
_GENERATION = [0]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "The primal and tangent of a tensor, as returned by unpack_dual."


class ViewBackward0(Node):
    """The node of a dual tensor: an alias of the primal and of the hidden leaf that holds the tangent."""
    __slots__ = ()

    def apply(self, grads):
        return grads[0], grads[0]


def enter_dual_level() -> int:
    """Open a dual level and return its number (0); RuntimeError if one is open, as PyTorch does not nest them."""
    if _LEVEL[0] is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _LEVEL[0] = 0
    _GENERATION[0] += 1
    FORWARD_AD[0] = True
    grad_mode.DUAL_LEVEL_OPEN[0] = True
    grad_mode.set_mode(grad_mode.GRAD_MODE[0])
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the dual level: the tangents of its tensors are gone."""
    if _LEVEL[0] is None:
        raise RuntimeError("Dual level must be a positive number.")
    if level is not None and level != _LEVEL[0]:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _LEVEL[0] = None
    grad_mode.DUAL_LEVEL_OPEN[0] = False
    grad_mode.set_mode(grad_mode.GRAD_MODE[0])


class dual_level:
    """Context manager for a dual level: `with dual_level():` enters one and exits it at the end."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _check_level(level, message: str) -> None:
    if _LEVEL[0] is None:
        raise RuntimeError(message)
    if level is not None and level != _LEVEL[0]:
        raise RuntimeError(f"Invalid level {level}: the open dual level is {_LEVEL[0]}")


def _live_sources(tensor: Tensor) -> tuple:
    """The sources of `tensor`'s tangent that belong to the open level (none when no level is open, or when the
    tensor left the graph through detach_)."""
    if _LEVEL[0] is None or not tensor._rg:
        return ()
    return tuple(s for s in tensor._fw_sources if s._fw_generation == _GENERATION[0])


def _hold_tangent(leaf: Tensor, tangent: Tensor) -> None:
    """Make `leaf` require grad and hold `tangent`: a source of the open level."""
    leaf._rg = True
    leaf._fw_tangent, leaf._fw_generation = tangent, _GENERATION[0]


def _carry_own_tangent(leaf: Tensor, tangent: Tensor) -> None:
    """Make `leaf` a source whose own tangent is `tangent` (a reference cycle, collected by the garbage
    collector)."""
    _hold_tangent(leaf, tangent)
    set_marks(leaf, hidden=False, sources=(leaf,))
    leaf._fw_cache = (_GENERATION[0], leaf._vc[0], tangent)


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A tensor with the values of `tensor` (sharing its memory) that carries `tangent` for forward AD.

    It requires grad where `tensor` does, as in PyTorch; the tangent is kept as given (not copied).
    """
    _check_level(level, "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                        "enter_dual_level() first.")
    for name, value in (("primal", tensor), ("tangent", tangent)):
        if not isinstance(value, Tensor):
            raise TypeError(f"make_dual(): expected the {name} to be a Tensor, but got {type(value).__name__}")
        if value._data.dtype.kind not in "fV":
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {value.dtype}")
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor._data.shape)} while the "
                           f"given forward gradient is of size {list(tangent._data.shape)}.")
    if _live_sources(tensor):
        raise RuntimeError(f"Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           f"level {_LEVEL[0]} is not supported.")
    source = wrap(tensor._data)
    _hold_tangent(source, tangent)
    dual = wrap(tensor._data)
    dual._vc = tensor._vc
    FORWARD_AD[0] = False  # record the node whatever the marks would say; they are set right below
    try:
        record(dual, ViewBackward0(), (tensor, source))
    finally:
        FORWARD_AD[0] = True
    set_marks(dual, hidden=not (tensor.requires_grad and grad_mode.GRAD_MODE[0]), sources=(source,))
    dual._fw_cache = (_GENERATION[0], dual._vc[0], tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """(primal, tangent) of `tensor`: the primal a view of it without tangent, the tangent None where it has none.

    The tangent of an op's result is computed here, by two backward passes (see the module docstring), then
    cached on the tensor until it changes in place.
    """
    if level is not None and level != _LEVEL[0]:
        raise RuntimeError("Invalid level given to _fw_primal")
    primal = _primal(tensor)
    if _LEVEL[0] is None:
        return UnpackedDualTensor(primal, None)
    return UnpackedDualTensor(primal, tangent_of(tensor))


def _primal(tensor: Tensor) -> Tensor:
    """A view of `tensor` without its tangent, keeping the user's graph where it requires grad."""
    if not tensor.requires_grad:
        return tensor.detach()
    with grad_mode.enable_grad():
        primal = tensor.view_as(tensor)
    set_marks(primal, hidden=False, sources=())
    return primal


def tangent_of(tensor: Tensor) -> Tensor | None:
    """The tangent of `tensor` at the open level (None where it has none), computed once per version."""
    sources = _live_sources(tensor)
    if not sources:
        return None
    cache = tensor.__dict__.get("_fw_cache")
    if cache is not None and cache[0] == _GENERATION[0] and cache[1] == tensor._vc[0]:
        return cache[2]
    tangent = _jvp_by_double_backward(tensor, sources)
    tensor._fw_cache = (_GENERATION[0], tensor._vc[0], tangent)
    return tangent


def _jvp_by_double_backward(y: Tensor, sources: tuple) -> Tensor:
    """J t for y's Jacobian J with respect to its sources and their tangents t (NOTE [ Tangents by double
    backward ]): two backward passes."""
    xp = array_module(y._data)
    u = wrap(xp.zeros(y._data.shape, y._data.dtype))
    u._rg = True
    keep_graph = y.requires_grad
    with grad_mode.enable_grad():
        grads = run_backward((y,), (u,), retain_graph=True, create_graph=True, inputs=list(sources),
                             accumulate=False)
        total = None
        for g, source in zip(grads, sources):
            if g is not None and g._rg:
                term = (g * source._fw_tangent).sum()
                total = term if total is None else total + term
    tangent = None
    if total is not None:
        one = wrap(xp.ones((), total._data.dtype))
        (tangent,) = run_backward((total,), (one,), retain_graph=keep_graph, create_graph=keep_graph, inputs=[u],
                                  accumulate=False)
    if tangent is None:
        return wrap(xp.zeros(y._data.shape, y._data.dtype))
    return tangent if keep_graph else wrap(tangent._data)


def mark_snapshot(tensor: Tensor, snapshot: Tensor) -> None:
    """Mark `snapshot`, the copy of `tensor`'s old value that an in-place op on `tensor` reads.

    Where `tensor` is hidden and has a tangent, the snapshot becomes a source holding that tangent, computed now:
    the write may change a value that `tensor`'s history saved, which a later double backward would need.
    """
    tangent = tangent_of(tensor) if tensor._fw_hidden else None
    if tangent is None:
        set_marks(snapshot, hidden=tensor._fw_hidden, sources=tensor._fw_sources)
        return
    snapshot._grad_fn = None
    _carry_own_tangent(snapshot, tangent)
    set_marks(snapshot, hidden=True, sources=(snapshot,))


def require_grad(tensor: Tensor) -> None:
    """`tensor.requires_grad_()` on a tensor that forward AD hides: it becomes a leaf that requires grad and
    carries its tangent as its own source (as in PyTorch, where it was a leaf with a tangent all along)."""
    tangent = tangent_of(tensor)
    tensor._grad_fn = None
    if tangent is None:
        set_marks(tensor, hidden=False, sources=())
    else:
        _carry_own_tangent(tensor, tangent)


def leaf_keeping_tangent(tensor: Tensor) -> Tensor:
    """A new leaf that shares `tensor`'s memory, requires grad and carries `tensor`'s tangent, if any."""
    tangent = tangent_of(tensor)
    leaf = tensor.detach().requires_grad_(True)
    if tangent is not None:
        _carry_own_tangent(leaf, tangent)
    return leaf
