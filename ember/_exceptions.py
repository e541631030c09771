"""PyTorch's exception classes that scripts catch by name."""


class OutOfMemoryError(RuntimeError):
    """A device ran out of memory (ember raises it for CuPy's out-of-memory errors' kind)."""


class AcceleratorError(RuntimeError):
    """An error reported by an accelerator's runtime."""


class FatalError(Exception):
    """An unrecoverable internal error."""
