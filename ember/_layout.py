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


def format_rank(fmt: memory_format | None) -> int | None:
    """The rank a channels-last format applies to (4 or 5), or None for the others."""
    return _RANKS.get(getattr(fmt, "name", None))


def dim_order(fmt: memory_format | None, ndim: int) -> tuple | None:
    """The order of dims from outermost to innermost in memory that `fmt` asks of an `ndim`-D tensor (channels
    after the spatial dims for the channels-last formats), or None for contiguous_format and preserve_format;
    RuntimeError, as PyTorch's, for a channels-last format of the wrong rank."""
    rank = format_rank(fmt)
    if rank is None:
        return None
    if ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt.name} format")
    return (0, *range(2, rank), 1)


def laid_out(a, order: tuple | None) -> bool:
    """Whether array `a` lies without gaps with its dims nested in `order` (row-major for None); dims of size 1 may
    have any stride."""
    if order is None:
        return a.flags.c_contiguous
    expected = a.itemsize
    for d in reversed(order):
        if a.shape[d] != 1 and a.strides[d] != expected:
            return False
        expected *= a.shape[d]
    return True
