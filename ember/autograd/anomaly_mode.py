"""Anomaly detection: with it on, each node keeps the traceback of the forward call that recorded it, and backward
raises as soon as a node's gradient holds NaN, naming the node; an error in a node's backward first warns with that
traceback, as PyTorch's does.
"""
import os
import traceback
import warnings

ANOMALY = {"enabled": False, "check_nan": True}


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return ANOMALY["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks gradients for NaN."""
    return ANOMALY["check_nan"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off."""
    ANOMALY["enabled"], ANOMALY["check_nan"] = bool(enabled), bool(check_nan)
    TRACING_FORWARD[0] = bool(enabled)


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # ember/
TRACING_FORWARD = [False]  # ANOMALY["enabled"], as record's hot path reads it


def keep_forward_trace(node) -> None:
    """Store the traceback of the forward call recording `node` (the frames above ember's own)."""
    frames = [f for f in traceback.extract_stack()[:-1] if _PACKAGE not in f.filename]
    node._forward_trace = "".join(traceback.format_list(frames))


def apply_reporting(node, apply, grads):
    """apply(grads); if it raises, first PyTorch's warning naming `node` with its forward call's traceback."""
    try:
        input_grads = apply(grads)
        if ANOMALY["check_nan"]:
            check_gradients(node, input_grads)
        return input_grads
    except Exception:
        trace = node.__dict__.get("_forward_trace")
        if trace is not None:
            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                          f"{trace}", UserWarning, stacklevel=2)
        raise


class set_detect_anomaly:  # noqa: N801 (PyTorch's name)
    """Turn anomaly detection on or off, for good or (as a context manager) for a block."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._previous = (ANOMALY["enabled"], ANOMALY["check_nan"])
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        set_anomaly_enabled(*self._previous)
        return False


class detect_anomaly:  # noqa: N801 (PyTorch's name)
    """A block (or decorated function) with anomaly detection on."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self._previous = (ANOMALY["enabled"], ANOMALY["check_nan"])
        set_anomaly_enabled(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        set_anomaly_enabled(*self._previous)
        return False

    def __call__(self, func):
        def run(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return run


def check_gradients(node, grads) -> None:
    """RuntimeError if one of the gradients `node` returned holds NaN (while anomaly detection checks NaN)."""
    for i, g in enumerate(grads):
        if g is not None and bool((g._data != g._data).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
