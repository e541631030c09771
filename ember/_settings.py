"""Global settings that PyTorch scripts set: threads, deterministic algorithms, float32 matmul precision.

The number of threads is real: it is the number NumPy's BLAS uses (through threadpoolctl), where ember's
CPU time goes in matrix products and convolutions. ember's kernels are deterministic on the CPU, and the
float32 matmul precision is stored for the GPU backend; these are kept so that scripts that set and read
them run, with PyTorch's checks of the values given.
"""
import os
import warnings

from .backend import CPU_THREADS

_STATE = {"deterministic": False, "warn_only": False, "matmul_precision": "highest",
          "interop_threads": os.cpu_count() or 1, "warn_always": False}
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}
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


def set_num_threads(n: int) -> None:
    """How many threads NumPy's BLAS uses from now on (PyTorch's intra-op threads)."""
    from threadpoolctl import threadpool_limits  # lazy: threadpoolctl loads on first use, not with ember
    CPU_THREADS[0] = _positive_int(n, "set_num_threads")
    threadpool_limits(CPU_THREADS[0], user_api="blas")


def get_num_threads() -> int:
    """How many threads NumPy's BLAS uses."""
    from threadpoolctl import threadpool_info  # lazy: threadpoolctl loads on first use, not with ember
    counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return counts[0] if counts else 1


def set_num_interop_threads(n: int) -> None:
    """Stored: ember runs no inter-op thread pool (PyTorch's runs independent ops in parallel)."""
    _STATE["interop_threads"] = _positive_int(n, "set_num_interop_threads")


def get_num_interop_threads() -> int:
    """The value set last (the number of CPUs by default, as PyTorch)."""
    return _STATE["interop_threads"]


def _positive_int(n, name) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n < 1:
        raise RuntimeError(f"{name} expects a positive integer")
    return n


def set_deterministic_debug_mode(debug_mode) -> None:
    """0 / 'default', 1 / 'warn' or 2 / 'error': use_deterministic_algorithms off, on with warn_only, or on."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if not isinstance(debug_mode, int) or debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """The mode set_deterministic_debug_mode set: 0, 1 (warn) or 2 (error)."""
    if not _STATE["deterministic"]:
        return 0
    return 1 if _STATE["warn_only"] else 2


def set_warn_always(b: bool) -> None:
    """Ask for warnings that PyTorch gives once to be given every time (stored; ember's warnings go through Python's
    warnings module, whose filters decide)."""
    _STATE["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """What set_warn_always set."""
    return _STATE["warn_always"]


def set_flush_denormal(mode: bool) -> bool:
    """Whether denormal floats could be flushed to zero: False, as NumPy gives ember no control of it (PyTorch
    returns False too where the CPU does not support it)."""
    return False
