"""NumPy's keyword names, which PyTorch's functions take for their own: `axis` for `dim` and `keepdims` for `keepdim`
(torch.sum(x, axis=0, keepdims=True), x.mean(axis=1)).

Every op with a `dim` argument that has a default takes other keywords as `**aliases` and, only when there are
some, calls numpy_keywords first: a call without them pays for an empty dict (about 10 ns), where a wrapping
function would cost about 150 ns a call.
"""
from .._creation import refuse_keywords

ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_keywords(name: str, aliases: dict, dim, keepdim=False) -> tuple:
    """(dim, keepdim), with `axis` and `keepdims` from a call's other keywords `aliases` in their place; Python's
    TypeError for any other keyword."""
    refuse_keywords(name, aliases, ALIASES)
    return aliases.get("axis", dim), aliases.get("keepdims", keepdim)


REQUIRED = object()  # the default of a `dim` that must be given, as dim or as axis


def required_dim(name: str, aliases: dict, dim, keepdim=False) -> tuple:
    """numpy_keywords() for an op whose dim has no default; Python's TypeError when neither dim nor axis is given."""
    dim, keepdim = numpy_keywords(name, aliases, dim, keepdim)
    if dim is REQUIRED:
        raise TypeError(f"{name}() missing 1 required positional argument: 'dim'")
    return dim, keepdim
