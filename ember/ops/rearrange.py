"""Ops that rearrange or replicate elements into new memory: flip, roll, rot90, repeat, tile, tril/triu, diag and the stacking helpers."""

__all__ = []  # public ember.xxx functions
METHODS = {}  # Tensor methods, merged into ops.METHODS
