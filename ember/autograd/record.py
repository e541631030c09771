"""Recording an op in the graph: the node, its edges, and the values saved for backward."""
import weakref

from .._tensor import Tensor
from .graph import AccumulateGrad

NO_EDGE = (None, 0)


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
    """
    edges = []
    shapes = []
    for t in inputs:
        if isinstance(t, Tensor) and t._rg:
            fn = t._grad_fn
            edges.append((fn, t._output_nr) if fn is not None else (accumulator(t), 0))
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
                saved = saved[:i] + ((v._data, v._vc),) + saved[i + 1:]
            if versions is None:
                versions = []
            versions.append((i, v._vc, v._vc[0]))
    node._versions = [] if versions is None and saves_number else versions
    node._saved = saved
    out._grad_fn = node
    out._rg = True
    return out
