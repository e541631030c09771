"""Nested dicts, lists and tuples of tensors (or any values) as a flat list and a spec to rebuild them."""
from ._tensor import Tensor


def flatten(tree) -> tuple[list, object]:
    """The leaves (tensors or other values) of a nested dict/list/tuple (namedtuples and dict subclasses
    included), and a description to rebuild it."""
    if isinstance(tree, dict):
        parts = [flatten(v) for v in tree.values()]
        return [t for leaves, _ in parts for t in leaves], (type(tree), list(tree), [spec for _, spec in parts])
    if isinstance(tree, (list, tuple)):
        parts = [flatten(v) for v in tree]
        return [t for leaves, _ in parts for t in leaves], (type(tree), None, [spec for _, spec in parts])
    return [tree], None


def unflatten(leaves: list, spec):
    """The nested structure `spec` describes, holding `leaves` in order."""
    if spec is None:
        return leaves.pop(0)
    kind, keys, children = spec
    values = [unflatten(leaves, child) for child in children]
    if keys is not None:
        return kind(zip(keys, values))
    return kind(*values) if hasattr(kind, "_fields") else kind(values)


def tensors_in(tree) -> list:
    """The tensors among the leaves of `tree`, in order."""
    return [leaf for leaf in flatten(tree)[0] if isinstance(leaf, Tensor)]
