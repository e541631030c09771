"""Layouts and memory formats: PyTorch's names for how a tensor's elements lie in memory.

ember's tensors are strided arrays, so `strided` is the only layout. Memory formats name an order of the
strides: `contiguous_format` (row-major), `channels_last` (N, H, W, C in memory for a 4-D tensor) and
`channels_last_3d` (5-D); `preserve_format` keeps the input's.
"""


class layout:
    """A tensor layout (ember has `strided` only)."""
    __module__ = "ember"

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return self.name


class memory_format:
    """An order of a tensor's strides in memory."""
    __module__ = "ember"

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return self.name


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
legacy_contiguous_format = contiguous_format


_RANKS = {"channels_last": 4, "channels_last_3d": 5}


def dim_order(fmt: memory_format | None, ndim: int) -> tuple | None:
    """The order of dims from outermost to innermost in memory that `fmt` asks of an `ndim`-D tensor (channels
    after the spatial dims for the channels-last formats), or None for contiguous_format and preserve_format;
    RuntimeError, as PyTorch's, for a channels-last format of the wrong rank."""
    rank = _RANKS.get(getattr(fmt, "name", None))
    if rank is None:
        return None
    if ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt.name} format")
    return (0, *range(2, rank), 1)


def is_dense_in_order(shape: tuple, strides: tuple, itemsize: int, order: tuple) -> bool:
    """Whether an array of `shape` and byte `strides` lies without gaps with its dims nested in `order` (dims of
    size 1 may have any stride)."""
    expected = itemsize
    for d in reversed(order):
        if shape[d] != 1 and strides[d] != expected:
            return False
        expected *= shape[d]
    return True
