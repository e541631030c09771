"""ember.backends.mkl: Intel's MKL, which ember does not call (its products are NumPy's BLAS)."""
import contextlib

VERBOSE_OFF, VERBOSE_ON = 0, 1


def is_available() -> bool:
    """False: ember calls no MKL of its own (PyTorch's x86 builds say True)."""
    return False


@contextlib.contextmanager
def verbose(enable: int):
    """MKL's verbose logging inside the block: nothing to log, as ember calls no MKL."""
    yield
