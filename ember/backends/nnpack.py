"""ember.backends.nnpack: NNPACK's convolutions, which ember does not use."""
import contextlib

enabled = False


def is_available() -> bool:
    """False: ember's convolutions are NumPy's."""
    return False


def set_flags(_enabled: bool) -> tuple:
    """Store the flag (ember uses no NNPACK); returns the previous one, as PyTorch's."""
    global enabled
    previous, enabled = (enabled,), _enabled
    return previous


@contextlib.contextmanager
def flags(enabled: bool = False):
    """The flag set inside the block, restored after it."""
    previous = set_flags(enabled)
    try:
        yield
    finally:
        set_flags(*previous)
