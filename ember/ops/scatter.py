"""Gather and scatter: index-driven reads and writes (gather, scatter*, index_*, masked_select/scatter, take, nonzero, put_)."""

__all__ = []  # public ember.xxx functions
METHODS = {}  # Tensor methods, merged into ops.METHODS
