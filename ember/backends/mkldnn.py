"""ember.backends.mkldnn: oneDNN, which ember does not use (its CPU kernels are NumPy's)."""

enabled = True


def is_available() -> bool:
    """False: ember's CPU ops run on NumPy, not oneDNN (PyTorch's CPU builds say True)."""
    return False
