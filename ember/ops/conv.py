"""Convolution ops: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold and fold, as BLAS matrix products."""

__all__ = []  # the functions nn.functional exports
