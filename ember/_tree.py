"""Nested containers of tensors (or any values) as a flat list and a spec to rebuild them, for ember's own transforms
(func, vmap, checkpoint, DDP, vision v2, onnx).

The nodes are those of `ember.utils._pytree` (tuple, list, dict, OrderedDict, defaultdict, namedtuples, deque,
Size, result types, and every type registered there, such as Hugging Face's ModelOutput), and besides them any
other subclass of dict, list or tuple, which PyTorch's pytree would keep whole as a leaf. The spec is a
`_pytree.TreeSpec`; unlike `tree_unflatten`, `unflatten` gives an ember.Size back as a Size, not a tuple.
"""
from ._size import Size
from ._tensor import Tensor

_PYTREE = None


def _pytree():
    global _PYTREE  # noqa: PLW0603 (the module, imported once on first use)
    if _PYTREE is None:
        from .utils import _pytree  # layer: imported on use (ember.utils imports modules that import this one)
        _PYTREE = _pytree
    return _PYTREE


def flatten(tree) -> tuple[list, object]:
    """The leaves (tensors or other values) of a nested container (namedtuples and dict subclasses included), and
    a TreeSpec to rebuild it."""
    leaves: list = []
    return leaves, _flatten(tree, leaves, _pytree())


def _flatten(node, leaves: list, pt):
    node_type = pt._get_node_type(node)
    node_def = pt.SUPPORTED_NODES.get(node_type)
    if node_def is not None:
        children, context = node_def.flatten_fn(node)
    elif isinstance(node, dict):  # an unregistered subclass
        children, context = list(node.values()), list(node)
    elif isinstance(node, (list, tuple)):
        children, context = list(node), None
    else:
        leaves.append(node)
        return pt._LEAF_SPEC
    return pt.TreeSpec(node_type, context, [_flatten(child, leaves, pt) for child in children])


def unflatten(leaves: list, spec):
    """The nested structure `spec` describes, holding `leaves` in order (leaves after the ones it needs are
    ignored)."""
    if len(leaves) < spec.num_leaves:
        raise ValueError(f"unflatten: {len(leaves)} leaves given, but the structure {spec} holds {spec.num_leaves}")
    return _unflatten(spec, iter(leaves), _pytree().SUPPORTED_NODES)


def _unflatten(spec, leaves, nodes: dict):
    if spec.num_nodes == 1 and spec.num_leaves == 1:
        return next(leaves)
    children = [_unflatten(child, leaves, nodes) for child in spec._children]
    kind = spec.type
    if kind is Size:
        return Size(children)
    node_def = nodes.get(kind)
    if node_def is not None:
        return node_def.unflatten_fn(children, spec._context)
    if spec._context is not None:  # a dict subclass
        return kind(zip(spec._context, children))
    return kind(children)


def tensors_in(tree) -> list:
    """The tensors among the leaves of `tree`, in order."""
    return [leaf for leaf in flatten(tree)[0] if isinstance(leaf, Tensor)]
