"""NumPy's keyword names, which PyTorch's functions take for their own: `axis` for `dim` and `keepdims` for `keepdim`
(torch.sum(x, axis=0, keepdims=True), x.mean(axis=1)).

Every op with a `dim` argument that has a default takes other keywords as `**aliases` and, only when there are
some, calls numpy_keywords first: a call without them pays for an empty dict (about 10 ns), where a wrapping
function would cost about 150 ns a call.
"""

ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_keywords(name: str, aliases: dict, dim, keepdim=False) -> tuple:
    """(dim, keepdim), with `axis` and `keepdims` from a call's other keywords `aliases` in their place; Python's
    TypeError for any other keyword."""
    for key in aliases:
        if key not in ALIASES:
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
    return aliases.get("axis", dim), aliases.get("keepdims", keepdim)


REQUIRED = object()  # the default of a `dim` that must be given, as dim or as axis


def required_dim(name: str, aliases: dict, dim):
    """`dim`, or `axis` from the call's other keywords `aliases`, for an op whose dim has no default; Python's
    TypeError when neither is given."""
    dim = numpy_keywords(name, aliases, dim)[0]
    if dim is REQUIRED:
        raise TypeError(f"{name}() missing 1 required positional argument: 'dim'")
    return dim
