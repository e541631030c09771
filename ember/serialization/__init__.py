"""Checkpoints: `save` and `load` in PyTorch's file format, safe by default (`weights_only=True`)."""
from . import safetensors
from .allowlist import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from .load import load
from .save import DEFAULT_PROTOCOL, save

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals",
           "DEFAULT_PROTOCOL", "safetensors"]
