"""Recording an op in the graph: the node, its edges, and the values saved for backward."""
import weakref

from .._tensor import Tensor
from .anomaly_mode import TRACING_FORWARD, keep_forward_trace
from .grad_mode import GRAD_MODE
from .graph import SAVED_TENSORS_HOOKS, AccumulateGrad, pack_saved

NO_EDGE = (None, 0)
# True from the first dual level on (see forward_ad.py): `record` then keeps the marks that hide the graph
# forward AD records from the user. It stays True after the level exits, as tensors marked in it live on.
FORWARD_AD = [False]


def edge(t: Tensor):
    """The (node, output_nr) edge through which a gradient reaches tensor `t`."""
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (accumulator(t), 0)


def accumulator(t: Tensor) -> AccumulateGrad:
    """The AccumulateGrad node of leaf `t`; one per leaf while some graph holds it (weakly cached)."""
    ref = t._acc
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return acc


def record(out: Tensor, node, inputs, saved=(), saves_number: bool = False) -> Tensor:
    """Make `out` the result of graph `node` over `inputs`, saving `saved` for the backward formula.

    `inputs` are the op's differentiable arguments (Tensors or Python numbers) in PyTorch's order;
    one edge each. Saved Tensors have their version recorded, so modifying them in place before
    backward raises instead of giving a wrong gradient; `out` itself may be saved (see NOTE [ Saved
    results ] in graph.py). A node that saved a Tensor is freed by a backward without retain_graph;
    `saves_number` frees it too where PyTorch saves a number operand as a tensor (`x * 2`, `x / 2`).
    Once forward AD is in use, an op that records only for forward AD's sake marks `out` (forward_marks). Under
    saved_tensors_hooks the saved Tensors go through the pack hook (NOTE [ Saved tensor hooks ] in graph.py).
    """
    if FORWARD_AD[0] and not forward_marks(out, inputs):
        return out
    edges = []
    shapes = []
    for t in inputs:
        if isinstance(t, Tensor) and t._rg:
            fn = t._grad_fn
            edges.append((fn, t._output_nr) if fn is not None else (accumulator(t), 0))  # edge(t), inlined: every op
            a = t._data
            shapes.append((a.shape, a.dtype))
        else:
            edges.append(NO_EDGE)
            shapes.append(None)
    node.next_functions = tuple(edges)
    node._shapes = shapes
    versions = None
    for i, v in enumerate(saved):
        if isinstance(v, Tensor):
            if v is out:
                node._result_at = i
                if FORWARD_AD[0] and out._fw_sources:  # the result's tangents: NOTE [ Saved results ] in graph.py
                    node._result_marks = (out._fw_hidden, out._fw_sources)
                saved = saved[:i] + ((v._data, v._vc),) + saved[i + 1:]
            if versions is None:
                versions = []
            versions.append((i, v._vc, v._vc[0]))
    node._versions = [] if versions is None and saves_number else versions
    node._saved = saved
    out._grad_fn = node
    out._rg = True
    if TRACING_FORWARD[0]:
        keep_forward_trace(node)
    if versions is not None and SAVED_TENSORS_HOOKS:
        pack_saved(node, out, SAVED_TENSORS_HOOKS[-1])
    return out


def record_outputs(outs, node, inputs, saved=(), start: int = 0) -> None:
    """Record `outs` as outputs start, start + 1, ... of one node over `inputs` (PyTorch's multi-output ops), each
    with the first's forward AD marks; none when `record` leaves the first unrecorded."""
    first = outs[0]
    record(first, node, inputs, saved)
    if first._grad_fn is not node:
        return
    first._output_nr = start
    for i, o in enumerate(outs[1:], start + 1):
        o._grad_fn, o._output_nr, o._rg = node, i, True
        if FORWARD_AD[0]:
            set_marks(o, hidden=first._fw_hidden, sources=first._fw_sources)


def forward_marks(out: Tensor, inputs) -> bool:
    """Mark `out` for forward AD (NOTE [ Hidden graph ] in forward_ad.py); False when the op must not be recorded.

    `out` carries the tangent sources of its inputs, and is hidden (does not require grad for the user) unless
    grad mode is on and an input visibly requires grad. An op with neither visible inputs nor tangents ran only
    because a dual level keeps recording on under no_grad: it is not recorded, as without forward AD. A node
    given no inputs at all (_foreach_*'s results that depend on none) is recorded whenever grad mode is on.
    """
    if not inputs:
        return GRAD_MODE[0]
    sources = ()
    visible = False
    for t in inputs:
        if isinstance(t, Tensor) and t._rg:
            if not t._fw_hidden:
                visible = True
            sources = union_sources(sources, t._fw_sources)
    visible = visible and GRAD_MODE[0]
    if not (visible or sources):
        return False
    set_marks(out, hidden=not visible, sources=sources)
    return True


def union_sources(sources: tuple, more: tuple) -> tuple:
    """`sources` followed by those of `more` that it lacks (compared by identity)."""
    for s in more:
        if not any(s is have for have in sources):
            sources += (s,)
    return sources


def set_marks(t: Tensor, hidden: bool, sources: tuple) -> None:
    """Set forward AD's marks on `t`: whether it is hidden, and its tangent sources."""
    d = t.__dict__
    if hidden:
        d["_fw_hidden"] = True
    else:
        d.pop("_fw_hidden", None)
    if sources:
        d["_fw_sources"] = sources
    else:
        d.pop("_fw_sources", None)
