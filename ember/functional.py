"""ember.functional: the functions PyTorch defines in torch.functional, by the same names (also at ember's top
level)."""
from .ops.aten import pca_lowrank, svd_lowrank  # noqa: F401
from .ops.distance import cdist  # noqa: F401
from .ops.legacy_linalg import lu  # noqa: F401
from .ops.linalg import chain_matmul, einsum, tensordot  # noqa: F401
from .ops.rearrange import (  # noqa: F401
                            atleast_1d,
                            atleast_2d,
                            atleast_3d,
                            block_diag,
                            broadcast_shapes,
                            broadcast_tensors,
                            cartesian_prod,
                            meshgrid,
)
from .ops.reduction import norm  # noqa: F401
from .ops.shape import split  # noqa: F401
from .ops.sorting import unique, unique_consecutive  # noqa: F401
from .ops.strided import unravel_index  # noqa: F401
