"""ember.nn: modules, layers, functional and init."""
from . import functional  # noqa: F401
