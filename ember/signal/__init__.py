"""ember.signal: signal processing, as torch.signal (its window functions)."""
from . import windows  # noqa: F401
