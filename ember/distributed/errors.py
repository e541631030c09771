"""The errors of ember.distributed, as PyTorch's: every one is a RuntimeError."""


class DistError(RuntimeError):
    """Base of ember.distributed's errors."""


class DistBackendError(DistError):
    """A collective failed in the transport: a peer failed or left, or the group's timeout passed."""


class DistNetworkError(DistError):
    """The processes could not reach one another."""


class DistStoreError(DistError):
    """A key-value store operation failed (ember keeps no store: the MPI launcher connects the ranks)."""
