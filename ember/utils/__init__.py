"""Utilities, as `torch.utils`: `data` (datasets, samplers, DataLoader) and `checkpoint` (activation
checkpointing)."""
from . import _pytree, checkpoint, data, model_zoo  # noqa: F401
