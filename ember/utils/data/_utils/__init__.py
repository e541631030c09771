"""torch.utils.data._utils: the private path from which older scripts import the collate functions (ember keeps them
in ember.utils.data.collate)."""
from . import collate  # noqa: F401
