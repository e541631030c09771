"""The backward engine: runs graph nodes in dependency order and delivers gradients."""
import itertools
import sys

import numpy as np

from .._dtype import FROM_NP
from .._tensor import GRAD_DTYPES_SET, Tensor, wrap
from ..profiler import RECORDING
from . import grad_mode
from .anomaly_mode import ANOMALY, apply_reporting
from .graph import AccumulateGrad, tie_to_inputs
from .record import edge

# Whether the backward running now reaches every leaf (no `inputs`): the reentrant checkpoint needs one such.
_CHECKPOINT_VALID = [True]


# The backward running now, as (its number, the nodes it runs, the backward it runs inside or None, whether it
# accumulates into leaves): register_multi_grad_hook asks which nodes it runs.
_GRAPH_TASK = [None]
_task_numbers = itertools.count()


def current_graph_task_id() -> int:
    """A number identifying the backward running now (each run its own), or -1 outside backward."""
    task = _GRAPH_TASK[0]
    return -1 if task is None else task[0]


def running_graph_task_ids() -> set:
    """The numbers of the backward running now and of those it runs inside (a backward in a node's backward)."""
    ids, task = set(), _GRAPH_TASK[0]
    while task is not None:
        ids.add(task[0])
        task = task[2]
    return ids


def will_engine_execute_node(node) -> bool:
    """Whether the backward running now runs `node` (it leads to a requested input, or to a leaf without inputs=)."""
    task = _GRAPH_TASK[0]
    if task is None:
        raise RuntimeError("_will_engine_execute_node should only be called during the backward pass")
    if node.__class__ is AccumulateGrad and not task[3]:
        raise RuntimeError("A leaf node was passed to _will_engine_execute_node but we are currently running "
                           "autograd.grad(). This is currently not supported.")
    return node in task[1]


def is_checkpoint_valid() -> bool:
    """Whether a reentrant checkpoint may run its backward now: not inside autograd.grad or backward(inputs=)."""
    return _CHECKPOINT_VALID[0]


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, inputs=None,
                 accumulate: bool = True, allow_unused: bool = True):
    """Backpropagate `root_grads` from `roots` (Tensors).

    With `accumulate`, gradients of leaves (or of `inputs` only, if given) are added into their
    `.grad`; otherwise (autograd.grad) the gradients reaching `inputs` are returned.
    """
    edges = []
    for t in roots:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        edges.append(edge(t))
    root_nodes = [edges[0][0]] if len(edges) == 1 else list(dict.fromkeys(node for node, _ in edges))
    if inputs is None:
        targets = captured = runs = None
        deps = _count_dependencies(root_nodes)
    else:
        targets = _targets(inputs)
        captured = [None] * len(inputs)
        deps, runs = _dependencies_to(root_nodes, targets)

    buffers = {}
    for (node, nr), g in zip(edges, root_grads):
        _add_to_buffer(buffers, node, nr, g)
    ready = [node for node in root_nodes if not deps.get(node)]

    prev, prev_mode, prev_valid = grad_mode.GRAD_ENABLED[0], grad_mode.GRAD_MODE[0], _CHECKPOINT_VALID[0]
    prev_task = _GRAPH_TASK[0]
    grad_mode.GRAD_ENABLED[0] = grad_mode.GRAD_MODE[0] = create_graph
    _CHECKPOINT_VALID[0] = inputs is None
    _GRAPH_TASK[0] = (next(_task_numbers), deps, prev_task, accumulate)
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:  # every gradient that reached it was None: its inputs get none either
                if node.__class__ is AccumulateGrad:
                    continue
                input_grads = (None,) * len(node.next_functions)
            else:
                if GRAD_DTYPES_SET[0] and node.__class__ is AccumulateGrad:  # a leaf's gradient, before anyone sees it
                    _to_grad_dtype(node.variable, grads)
                if node._pre_hooks is not None or node._retained is not None:
                    grads = _run_pre_hooks(node, grads)
                if node.__class__ is AccumulateGrad and node.variable._hooks is not None:
                    grads = [_run_leaf_hooks(node.variable, grads.pop())]  # before autograd.grad captures it
                if targets is not None:
                    _capture(node, grads, targets, captured, inputs, accumulate, create_graph)
                if node.__class__ is AccumulateGrad:
                    if accumulate and (targets is None or (node, 0) in targets):
                        _accumulate_leaf(node.variable, grads.pop(), create_graph)  # NOTE [ Adopted gradients ]
                    continue
                if targets is not None and node not in runs:
                    continue  # a requested input's own node, with no other one beyond it: it need not run
                recorder = RECORDING[0]  # NOTE [ Profiling ops ] in ember/profiler.py
                if ANOMALY["enabled"]:
                    input_grads = apply_reporting(node, node.apply, grads)
                else:
                    input_grads = node.apply(grads) if recorder is None else _profiled_apply(recorder, node, grads)
                if create_graph and node.reads_inputs:
                    input_grads = tie_to_inputs(node, input_grads)
                if node._hooks is not None:
                    input_grads = _run_post_hooks(node, input_grads, grads)
            if not retain_graph:
                node.release()
            for (nxt, nr), g, meta in zip(node.next_functions, input_grads, node._shapes):
                if nxt is None:
                    continue
                count = deps.get(nxt)
                if count is None:
                    continue  # leads to no requested input
                if g is not None:
                    a = g._data
                    if a.shape != meta[0] or a.dtype != meta[1]:
                        g = _conform(g, meta, node)
                    buf = buffers.get(nxt)
                    if buf is None:
                        if nxt.n_outputs == 1:
                            buffers[nxt] = [g]
                        else:
                            _add_to_buffer(buffers, nxt, nr, g)
                    else:
                        old = buf[nr]
                        buf[nr] = g if old is None else old + g
                if count == 1:
                    ready.append(nxt)
                deps[nxt] = count - 1
            input_grads = g = a = None  # the buffers hold the gradients now: NOTE [ Adopted gradients ]
    finally:
        grad_mode.GRAD_ENABLED[0], grad_mode.GRAD_MODE[0], _CHECKPOINT_VALID[0] = prev, prev_mode, prev_valid
        _GRAPH_TASK[0] = prev_task

    if captured is not None and not allow_unused:
        for i, g in enumerate(captured):
            if g is None:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   f"graph. Set allow_unused=True if this is the desired behavior.")
    return captured


def _targets(inputs):
    """{(node, output_nr): position} for the tensors whose gradients autograd.grad or backward(inputs=) want."""
    targets = {}
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs must be Tensors, but inputs[{i}] is {type(t).__name__}")
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        if t._grad_fn is not None:
            targets[(t._grad_fn, t._output_nr)] = i
        elif t._acc is not None and t._acc() is not None:
            targets[(t._acc(), 0)] = i
    return targets


def _capture(node, grads, targets, captured, inputs, accumulate, create_graph):
    """Record the gradients reaching requested inputs (and accumulate them for backward(inputs=))."""
    for nr in range(len(grads)):
        i = targets.get((node, nr))
        if i is not None:
            captured[i] = grads[nr]
            if accumulate and node.__class__ is not AccumulateGrad and not inputs[i]._retains_grad:
                _accumulate(inputs[i], grads[nr], create_graph)


def _count_dependencies(roots):
    """For every node reachable from `roots`, the number of edges that lead into it."""
    deps = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        for nf, _ in stack.pop().next_functions:
            if nf is not None:
                if nf in deps:
                    deps[nf] += 1
                else:
                    deps[nf] = 1
                    stack.append(nf)
    return deps


def _dependencies_to(roots, targets):
    """Like _count_dependencies, keeping only the nodes on a path to a target (the rest need not run); and the
    nodes that run: those with a target beyond them (a target's own node, as PyTorch's engine, does not run for
    it, so that its graph stays for a later call)."""
    children = {}
    post_order = []
    for root in roots:
        if root in children:
            continue
        children[root] = [nf for nf, _ in root.next_functions if nf is not None]
        stack = [(root, 0)]
        while stack:
            node, i = stack[-1]
            cs = children[node]
            if i < len(cs):
                stack[-1] = (node, i + 1)
                c = cs[i]
                if c not in children:
                    children[c] = [nf for nf, _ in c.next_functions if nf is not None]
                    stack.append((c, 0))
            else:
                stack.pop()
                post_order.append(node)
    target_nodes = {n for n, _ in targets}
    useful, runs = set(), set()
    for node in post_order:  # children before parents
        if any(c in useful for c in children[node]):
            runs.add(node)
        if node in target_nodes or node in runs:
            useful.add(node)
    deps = dict.fromkeys(useful, 0)
    for node in useful:
        for c in children[node]:
            if c in useful:
                deps[c] += 1
    return deps, runs


def _conform(g, meta, node):
    """Reduce a broadcast gradient to the input's shape and cast it to the input's dtype."""
    shape, dtype = meta
    if g._data.shape != shape:
        try:
            g = g.sum_to_size(shape)
        except RuntimeError:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient - got "
                               f"{list(g._data.shape)} but expected shape compatible with {list(shape)}")
    if g._data.dtype.kind == "c" and dtype.kind != "c":
        g = g.real  # the gradient of a real input of a complex op (NOTE [ Complex gradients ])
    if g._data.dtype != dtype:
        g = g.to(_dtype_of(dtype))
    return g


def _dtype_of(np_dtype):
    return FROM_NP[np_dtype]


def _add_to_buffer(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node.n_outputs
    old = buf[nr]
    buf[nr] = g if old is None else old + g


def _run_pre_hooks(node, grads):
    grads = list(grads)
    if node._pre_hooks is not None:
        for nr, fn in list(node._pre_hooks.values()):
            if nr is None:
                result = fn(tuple(grads))
                if result is not None:
                    grads = list(result)
            elif grads[nr] is not None:
                result = fn(grads[nr])
                if result is not None:
                    grads[nr] = result
    if node._retained is not None:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                _accumulate(t, grads[nr], False)
    return grads


def _run_post_hooks(node, input_grads, grads):
    """The node's hooks on its input gradients, which they see in their inputs' shapes and dtypes, as PyTorch's
    engine checks them before its hooks."""
    input_grads = [g if g is None or meta is None or (g._data.shape, g._data.dtype) == meta else _conform(g, meta, node)
                   for g, meta in zip(input_grads, node._shapes)]
    for fn in list(node._hooks.values()):
        result = fn(tuple(input_grads), tuple(grads))
        if result is not None:
            input_grads = result
    return input_grads


def _profiled_apply(recorder, node, grads):
    """node.apply(grads), recorded as PyTorch names a backward node's event."""
    event = recorder.begin(f"autograd::engine::evaluate_function: {node.name()}")
    try:
        return node.apply(grads)
    finally:
        recorder.end(event)


def _to_grad_dtype(t, grads) -> None:
    """Cast the gradient in `grads` (a leaf's one-element buffer) to the leaf's grad_dtype, in place."""
    dtype = t.__dict__.get("_grad_dtype", t.dtype)
    if dtype is not None and grads[0] is not None and grads[0].dtype != dtype:
        grads[0] = grads[0].to(dtype)


def _run_leaf_hooks(t, g):
    """A leaf's tensor hooks on its gradient, in order, each able to replace it."""
    for fn in list(t._hooks.values()):
        result = fn(g)
        if result is not None:
            g = result
    return g


def _accumulate_leaf(t, g, create_graph):
    _accumulate(t, g, create_graph)
    if t._post_accumulate_hooks is not None:
        for fn in list(t._post_accumulate_hooks.values()):
            fn(t)


# NOTE [ Adopted gradients ]
# A leaf's first gradient becomes its .grad. A copy keeps .grad from sharing memory with anything else, but
# costs a pass over every parameter each step (an MLP's 1 MB of gradients) when the gradient is a fresh array
# that nothing else can reach, as after a matrix product. Such an array is adopted instead, as PyTorch steals
# a gradient no one else holds: when it is NumPy's own array (no view of another, writeable) and the only
# references to it and to its Tensor are the ones this call chain holds. For those counts to be exact, the
# engine hands the gradient over with the buffer's pop() and drops its loop variables after each node; a
# gradient still held anywhere else (a hook kept it, retain_grad, the user's own tensor, two leaves given the
# same Tensor) has more references and is copied.
_TENSOR_REFS = 4  # _accumulate_leaf's g, _accumulate's g, _adopted's g, getrefcount's argument
_ARRAY_REFS = 3  # g._data, _adopted's a, getrefcount's argument
_BASE_REFS = 3  # g._base, _adopted's base, getrefcount's argument
_OWNER_REFS = 4  # g._base._data, a.base, _adopted's owner, getrefcount's argument


def _adopted(g):
    """g's array if nothing else can reach it, else a copy (NOTE [ Adopted gradients ])."""
    a = g._data
    if not (a.__class__ is np.ndarray and a.flags.c_contiguous and a.flags.writeable
            and sys.getrefcount(g) <= _TENSOR_REFS and sys.getrefcount(a) <= _ARRAY_REFS):
        return a.copy()
    owner = a.base
    if owner is None:
        return a
    # a view of all of an array that only the view's base Tensor holds (the transpose of a product, say)
    base = g._base
    if (base is not None and base._data is owner and owner.base is None and owner.size == a.size
            and sys.getrefcount(base) <= _BASE_REFS and sys.getrefcount(owner) <= _OWNER_REFS):
        return a
    return a.copy()


def _accumulate(t, g, create_graph):
    """Add gradient `g` into `t.grad` (the first time, its array when nothing else holds it, else a copy: no two
    grads share memory)."""
    old = t._grad
    if old is None:
        t._grad = g if create_graph else wrap(_adopted(g))
    elif create_graph or old._rg:
        t._grad = old + g
    else:
        old._data += g._data
        old._vc[0] += 1
