"""Int-or-tuple arguments (kernel_size, stride, padding, dilation, output_size, pad) as tuples.

`int_tuple` is the one parser of the ops: TypeError for what is not an int, RuntimeError for a tuple of another
length, as PyTorch raises them, with messages naming the op and the argument. `ntuple` is its expansion without
the checks, which the layers use to store their arguments as PyTorch's layers do (the op they call checks them).
"""
import numpy as np


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def ntuple(value, n: int) -> tuple:
    """(value,) * n for a single value, tuple(value) for a list or tuple; unchecked."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


def int_sequence(value, arg: str, fname: str) -> tuple[int, ...]:
    """A list or tuple of ints as a tuple of ints; TypeError naming `fname`, `arg` and what is not an int."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{fname}(): argument '{arg}' must be tuple of ints, not {type(value).__name__}")
    for i, v in enumerate(value):
        if not _is_int(v):
            raise TypeError(f"{fname}(): argument '{arg}' must be tuple of ints, but found element of type "
                            f"{type(v).__name__} at pos {i}")
    return tuple(int(v) for v in value)


def int_tuple(value, n: int, arg: str, fname: str, *, single: bool = True) -> tuple[int, ...]:
    """An int, or a sequence of n ints (or, with `single`, of one), as an n-tuple of ints: TypeError for anything
    but ints, RuntimeError for another length, naming `fname` and `arg`."""
    values = ntuple(int(value) if _is_int(value) else int_sequence(value, arg, fname), n)
    if single and len(values) == 1:
        values *= n
    if len(values) != n:
        raise RuntimeError(f"{fname}: {arg} must either be a single int, or a tuple of {n} ints, but got {values}")
    return values
