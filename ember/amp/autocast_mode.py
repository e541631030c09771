"""autocast: PyTorch's automatic mixed precision regions.

Inside an autocast region the ops of PyTorch's lists run in float16 or bfloat16 (matrix products, convolutions)
or in float32 (losses, reductions): NOTE [ Autocast ] in ember/ops/autocast.py. The default dtypes are PyTorch's:
bfloat16 on the CPU, float16 on CUDA.
"""
import functools
import warnings

from .. import _dtype
from .._creation import _type_error
from .._tensor import Tensor
from ..backend import cuda_available
from ..ops.autocast import CACHE as _CACHE
from ..ops.autocast import STATE as _STATE
from ..ops.autocast import update_active

_DEVICES = ("cpu", "cuda")


def _device(device_type: str, name: str) -> str:
    """`device_type` checked for the function `name`: PyTorch's TypeError for a non-string, a RuntimeError for a
    device autocast does not know."""
    if not isinstance(device_type, str):
        raise _type_error(name, "device_type", device_type, "str")
    if device_type not in _DEVICES:
        raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'; ember supports "
                           f"'cpu' and 'cuda'")
    return device_type


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast accepts `device_type` ('cpu' and 'cuda')."""
    return device_type in _DEVICES


class autocast:  # noqa: N801 (PyTorch's name)
    """A region (context manager or decorator) in which ops may run in `dtype` (see the module docstring)."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = _device(device_type, "autocast")
        self.dtype = _STATE[self.device]["dtype"] if dtype is None else dtype
        self.enabled = bool(enabled)
        if self.device == "cuda" and self.enabled and not cuda_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
            self.enabled = False
        if self.enabled and self.dtype not in (_dtype.bfloat16, _dtype.float16):
            name = {"cpu": "CPU", "cuda": "CUDA"}[self.device]
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n{name} "
                          "Autocast only supports dtypes of ember.bfloat16, ember.float16 currently.", UserWarning,
                          stacklevel=2)
            self.enabled = False
        self.cache_enabled = cache_enabled

    def __enter__(self):
        state = _STATE[self.device]
        self._previous = (state["enabled"], state["dtype"], _CACHE["enabled"])
        state["enabled"], state["dtype"] = self.enabled, self.dtype
        if self.cache_enabled is not None:
            _CACHE["enabled"] = self.cache_enabled
        _CACHE["nesting"] += 1
        update_active()
        return self

    def __exit__(self, *exc):
        state = _STATE[self.device]
        state["enabled"], state["dtype"], _CACHE["enabled"] = self._previous
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        update_active()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            with autocast(self.device, self.dtype, self.enabled, self.cache_enabled):
                return func(*args, **kwargs)
        return run


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an autocast region for `device_type` (default 'cuda') is active."""
    return _STATE[_device("cuda" if device_type is None else device_type, "is_autocast_enabled")]["enabled"]


def set_autocast_enabled(device_type, enabled: bool | None = None) -> None:
    """Turn autocast for `device_type` on or off (`set_autocast_enabled(True)` means 'cuda')."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _STATE[_device(device_type, "set_autocast_enabled")]["enabled"] = bool(enabled)
    update_active()


def get_autocast_dtype(device_type: str):
    """The dtype autocast regions for `device_type` use."""
    return _STATE[_device(device_type, "get_autocast_dtype")]["dtype"]


def set_autocast_dtype(device_type: str, dtype) -> None:
    """Set the dtype autocast regions for `device_type` use."""
    _STATE[_device(device_type, "set_autocast_dtype")]["dtype"] = dtype


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"ember.{old}() is deprecated. Please use ember.{new} instead.", DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled() -> bool:
    """Deprecated form of is_autocast_enabled('cpu')."""
    _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    """Deprecated form of set_autocast_enabled('cpu', enabled)."""
    _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    """Deprecated form of get_autocast_dtype('cpu')."""
    _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype():
    """Deprecated form of get_autocast_dtype('cuda')."""
    _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_cpu_dtype(dtype) -> None:
    """Deprecated form of set_autocast_dtype('cpu', dtype)."""
    _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def set_autocast_gpu_dtype(dtype) -> None:
    """Deprecated form of set_autocast_dtype('cuda', dtype)."""
    _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


def autocast_increment_nesting() -> int:
    """Count one more entered autocast region; returns the new depth."""
    _CACHE["nesting"] += 1
    return _CACHE["nesting"]


def autocast_decrement_nesting() -> int:
    """Count one fewer entered autocast region; returns the new depth."""
    _CACHE["nesting"] -= 1
    return _CACHE["nesting"]


def clear_autocast_cache() -> None:
    """Drop autocast's cache of cast weights (NOTE [ Autocast ])."""
    _CACHE["casts"].clear()


def is_autocast_cache_enabled() -> bool:
    """Whether autocast caches the casts of weights (NOTE [ Autocast ])."""
    return _CACHE["enabled"]


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Allow or forbid autocast to cache the casts of weights."""
    _CACHE["enabled"] = bool(enabled)


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for a custom Function's forward: with `cast_inputs`, inside an autocast region for `device_type`
    its float tensor arguments are cast to that dtype and it runs with autocast off; custom_bwd then runs the
    backward in the autocast state the forward saw."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def forward(ctx, *args, **kwargs):
        ctx._dtype = get_autocast_dtype(device_type)
        enabled = is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = enabled and cast_inputs is None
        if cast_inputs is None or not enabled:
            return fwd(ctx, *args, **kwargs)
        with autocast(device_type, enabled=False):
            return fwd(ctx, *_cast_inputs(args, device_type, cast_inputs),
                       **_cast_inputs(kwargs, device_type, cast_inputs))
    return forward


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for a custom Function's backward: it runs in the autocast state of its forward (custom_fwd)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def backward(ctx, *args, **kwargs):
        with autocast(device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(ctx, *args, **kwargs)
    return backward


def _cast_inputs(value, device_type: str, dtype):
    """`value` with its float tensors on `device_type` (not float64) cast to `dtype`, through lists, tuples and
    dicts."""
    if isinstance(value, Tensor):
        eligible = value.is_floating_point() and value.device.type == device_type and value.dtype != _dtype.float64
        return value.to(dtype) if eligible else value
    if isinstance(value, dict):
        return {k: _cast_inputs(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_inputs(v, device_type, dtype) for v in value)
    return value
