"""ember.backends.mps: Apple's Metal backend, which ember does not have."""


def is_available() -> bool:
    """False: ember has no MPS device."""
    return False


def is_built() -> bool:
    """False: ember has no MPS device."""
    return False
