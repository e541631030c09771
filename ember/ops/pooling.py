"""Pooling ops: max, average, adaptive and LP pooling over strided views, and max_unpool."""

__all__ = []  # the functions nn.functional exports
