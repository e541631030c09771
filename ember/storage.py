"""ember.storage: the storage classes under the module name PyTorch gives them (`torch.storage.UntypedStorage`); they
live in ember/_storage.py."""
from ._storage import TypedStorage, UntypedStorage  # noqa: F401

__all__ = ["TypedStorage", "UntypedStorage"]
