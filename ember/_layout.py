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
