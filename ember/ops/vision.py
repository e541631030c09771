"""Vision functional ops: interpolate, grid_sample, affine_grid, pixel and channel shuffles, one_hot, normalize."""

__all__ = []  # the functions nn.functional exports
