"""Padding: F.pad in every mode (constant, reflect, replicate, circular)."""

__all__ = []  # the functions nn.functional exports
