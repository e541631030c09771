"""torch.utils.data._utils.collate: the collate functions at the path PyTorch documents for extending
`default_collate_fn_map` (they live in ember.utils.data.collate)."""
from ..collate import (  # noqa: F401
    collate,
    collate_float_fn,
    collate_int_fn,
    collate_numpy_array_fn,
    collate_numpy_scalar_fn,
    collate_str_fn,
    collate_tensor_fn,
    default_collate,
    default_collate_fn_map,
    default_convert,
)
