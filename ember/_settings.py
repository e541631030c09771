"""Global settings that PyTorch scripts set: deterministic algorithms and float32 matmul precision.

ember's kernels are NumPy's and CuPy's: they are deterministic on the CPU, and the float32 matmul
precision is stored for the GPU backend. The settings are kept so that scripts that set and read them
run, with PyTorch's checks of the values given.
"""
import warnings

_STATE = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}
_PRECISIONS = ("highest", "high", "medium")


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (ember's CPU ops always are)."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    _STATE["deterministic"], _STATE["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether use_deterministic_algorithms(True) is in force."""
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether use_deterministic_algorithms(True, warn_only=True) is in force."""
    return _STATE["deterministic"] and _STATE["warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    """'highest' (the default), 'high' or 'medium': how float32 matrix products may trade precision for
    speed (TF32 on a GPU); another value is ignored with PyTorch's warning."""
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _STATE["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision set last ('highest' by default)."""
    return _STATE["matmul_precision"]
