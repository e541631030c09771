"""Sorting and selection: sort, argsort, topk, unique, msort, searchsorted, bucketize."""

__all__ = []  # public ember.xxx functions
METHODS = {}  # Tensor methods, merged into ops.METHODS
