"""Argument helpers shared by the layers: ints or tuples of them per spatial dim."""


def ntuple(value, n: int) -> tuple:
    """(value,) * n for a single value, tuple(value) for a sequence."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n

