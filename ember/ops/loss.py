"""Loss functions, with PyTorch's reductions and numerically stable formulas."""

__all__ = []  # the functions nn.functional exports
