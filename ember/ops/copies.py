"""The `_copy` forms of the view ops (`permute_copy`, `select_copy`, ...), which return fresh memory instead of a
view, and the `_scatter` ops, which return a copy of a tensor with one view's region replaced by another tensor.
All are compositions of the view ops with clone or an in-place copy, so gradients come by composition."""
from . import memory, shape
from .base import Tensor, check_tensor, needs_grad, not_implemented
from .keywords import numpy_keywords
from .strided import as_strided


def _fresh(name: str, input: Tensor, view_op, *args):
    """`view_op(input, *args)` (a tensor or a sequence of them) in memory of its own; PyTorch's TypeError naming
    `name` when `input` is not a Tensor."""
    check_tensor(name, "input", input, 1)
    result = view_op(input, *args)
    if isinstance(result, Tensor):
        return memory.clone(result)
    return tuple(memory.clone(t) for t in result)


def alias_copy(input: Tensor) -> Tensor:
    """A copy of `input` (the `_copy` form of alias)."""
    check_tensor("alias_copy", "input", input, 1)
    return memory.clone(input)


def detach_copy(input: Tensor) -> Tensor:
    """A copy of `input`; as PyTorch's, it requires grad when `input` does, and backward through it raises."""
    r = _fresh("detach_copy", input, Tensor.detach)
    if needs_grad(input):
        not_implemented(r, "detach_copy", (input,))
    return r


def as_strided_copy(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """as_strided, copied."""
    return _fresh("as_strided_copy", input, as_strided, size, stride, storage_offset)


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """diagonal, copied."""
    return _fresh("diagonal_copy", input, shape.diagonal, offset, dim1, dim2)


def expand_copy(input: Tensor, size, *, implicit: bool = False) -> Tensor:
    """expand, copied."""
    return _fresh("expand_copy", input, shape.expand, *size)


def permute_copy(input: Tensor, dims) -> Tensor:
    """permute, copied."""
    return _fresh("permute_copy", input, shape.permute, *dims)


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    """select, copied."""
    return _fresh("select_copy", input, shape.select, dim, index)


def _slice(input: Tensor, dim: int, start, end, step: int) -> Tensor:
    """input[start:end:step] along `dim` (a view)."""
    index = [slice(None)] * input.dim()
    index[dim] = slice(start, end, step)
    return input[tuple(index)]


def slice_copy(input: Tensor, dim: int = 0, start=None, end=None, step: int = 1, **aliases) -> Tensor:
    """input[start:end:step] along `dim`, copied."""
    if aliases:
        dim = numpy_keywords("slice_copy", aliases, dim)[0]
    return _fresh("slice_copy", input, _slice, dim, start, end, step)


def split_copy(input: Tensor, split_size, dim: int = 0, **aliases) -> tuple:
    """split, each piece copied."""
    if aliases:
        dim = numpy_keywords("split_copy", aliases, dim)[0]
    return _fresh("split_copy", input, shape.split, split_size, dim)


def split_with_sizes_copy(input: Tensor, split_sizes, dim: int = 0, **aliases) -> tuple:
    """split_with_sizes, each piece copied."""
    if aliases:
        dim = numpy_keywords("split_with_sizes_copy", aliases, dim)[0]
    return _fresh("split_with_sizes_copy", input, shape.split, list(split_sizes), dim)


def squeeze_copy(input: Tensor, dim=None, **aliases) -> Tensor:
    """squeeze, copied."""
    if aliases:
        dim = numpy_keywords("squeeze_copy", aliases, dim)[0]
    return _fresh("squeeze_copy", input, shape.squeeze, dim)


def t_copy(input: Tensor) -> Tensor:
    """t, copied."""
    return _fresh("t_copy", input, shape.t)


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose, copied."""
    return _fresh("transpose_copy", input, shape.transpose, dim0, dim1)


def unbind_copy(input: Tensor, dim: int = 0, **aliases) -> tuple:
    """unbind, each piece copied."""
    if aliases:
        dim = numpy_keywords("unbind_copy", aliases, dim)[0]
    return _fresh("unbind_copy", input, shape.unbind, dim)


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """unfold, copied."""
    return _fresh("unfold_copy", input, shape.unfold, dimension, size, step)


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    """unsqueeze, copied."""
    return _fresh("unsqueeze_copy", input, shape.unsqueeze, dim)


def view_copy(input: Tensor, size) -> Tensor:
    """view, copied."""
    return _fresh("view_copy", input, shape.view, size)


def _scatter(input: Tensor, src: Tensor, region, name: str) -> Tensor:
    """A copy of `input` whose view `region(copy)` holds `src`."""
    check_tensor(name, "src", src, 2)
    out = memory.clone(input)
    window = region(out)
    if tuple(window.shape) != tuple(src.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(window.shape)}")
    memory.copy_(window, src)
    return out


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of `input` with input.select(dim, index) replaced by `src`."""
    return _scatter(input, src, lambda t: shape.select(t, dim, index), "select_scatter")


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1, **aliases) -> Tensor:
    """A copy of `input` with its slice start:end:step along `dim` replaced by `src`."""
    if aliases:
        dim = numpy_keywords("slice_scatter", aliases, dim)[0]
    return _scatter(input, src, lambda t: _slice(t, dim, start, end, step), "slice_scatter")


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of `input` with its diagonal (offset, dim1, dim2) replaced by `src`."""
    return _scatter(input, src, lambda t: shape.diagonal(t, offset, dim1, dim2), "diagonal_scatter")


def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A copy of `input` with its as_strided(size, stride, storage_offset) window replaced by `src`."""
    return _scatter(input, src, lambda t: as_strided(t, size, stride, storage_offset), "as_strided_scatter")


METHODS = {"select_scatter": select_scatter, "slice_scatter": slice_scatter, "diagonal_scatter": diagonal_scatter,
           "as_strided_scatter": as_strided_scatter}
