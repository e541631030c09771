"""ember.backends.opt_einsum: the opt_einsum package, which PyTorch uses to order an einsum's contractions when it
is installed. ember does not use it (NumPy's einsum orders them itself), so it reports what PyTorch reports
without the package."""

enabled = False  # whether PyTorch would use opt_einsum; setting it changes nothing in ember
strategy = None  # opt_einsum's path strategy ('auto', 'greedy', 'optimal'), None when unavailable


def is_available() -> bool:
    """False: ember calls no opt_einsum."""
    return False


def get_opt_einsum():
    """The opt_einsum package PyTorch would use: none."""
    return None
