"""ember.backends.openmp: OpenMP, which ember does not use (NumPy's BLAS brings its own threads)."""


def is_available() -> bool:
    """False: ember runs no OpenMP code of its own (PyTorch's CPU builds say True)."""
    return False
