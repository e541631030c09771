"""What a checkpoint may name when it is loaded with `weights_only=True`: PyTorch's names, mapped to ember's objects.

A checkpoint's pickle names every class and function it needs by module and name (`torch._utils
_rebuild_tensor_v2`, `torch FloatStorage`, `collections OrderedDict`). Loading looks each name up here
and nowhere else: nothing is imported, and a name that is not listed stops the load. Users extend the
list for classes they trust with `add_safe_globals` or the `safe_globals` context manager, as in PyTorch.
"""
import collections
import contextlib
import pickle

from .. import _dtype
from .._device import device
from .._size import Size
from .._tensor import Tensor
from ..nn.parameter import Parameter
from . import rebuild, storage

_MISSING_DTYPES = ("complex32", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "qint8", "quint8",
                   "qint32", "quint4x2", "quint2x4")


def _encode(text, encoding="latin1"):
    """Bytes pickled by protocol 2 as `_codecs.encode(text, 'latin1')`; other codecs are refused."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode is allowed only as protocol 2 writes bytes "
                                     f"(a str and 'latin1'), got {type(text).__name__} and {encoding!r}")
    return text.encode("latin1")


def _bytearray(data=b""):
    """A bytearray from bytes (never from a count, which would let a file ask for any amount of memory)."""
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError(f"bytearray is allowed only from bytes, got {type(data).__name__}")
    return bytearray(data)


# Each PyTorch global a weights-only checkpoint may name, and the ember object that stands for it.
ALLOWED = {
    "collections.OrderedDict": collections.OrderedDict,
    "collections.Counter": collections.Counter,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.complex": complex,
    "builtins.bytearray": _bytearray,
    "_codecs.encode": _encode,
    "torch._utils._rebuild_tensor": rebuild._rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": rebuild._rebuild_tensor_v2,
    "torch._utils._rebuild_tensor_v3": rebuild._rebuild_tensor_v3,
    "torch._utils._rebuild_parameter": rebuild._rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": rebuild._rebuild_parameter_with_state,
    "torch._tensor._rebuild_from_type_v2": rebuild._rebuild_from_type_v2,
    "torch.Size": Size,
    "torch.device": device,
    "torch.Tensor": Tensor,
    "torch.nn.parameter.Parameter": Parameter,
    "torch.storage.UntypedStorage": storage.UntypedStorage,
    "torch.UntypedStorage": storage.UntypedStorage,
    **{f"torch.{s.name}": s for s in storage.TYPED},
    **{f"torch.{d.name}": d for d in _dtype.ALL},
}

# The allowed objects a pickle may call. Tensor is only named (as `_rebuild_from_type_v2`'s class): its
# constructor allocates whatever size it is given, so calling it would let a file ask for any amount of memory.
CALLABLE = tuple(obj for obj in ALLOWED.values() if callable(obj) and obj is not Tensor)

# Classes a checkpoint may create with NEWOBJ (as `cls.__new__(cls, *args)`); Tensor is not one of them.
NEWOBJ_CLASSES = (collections.OrderedDict, collections.Counter, set, frozenset, Size, Parameter)

_user_globals: dict[str, object] = {}


def _full_name(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def add_safe_globals(safe_globals: list) -> None:
    """Allow checkpoints loaded with `weights_only=True` to name these classes and functions.

    Each entry is an object or an `(object, "module.name")` pair for an object saved under another name.
    """
    for entry in safe_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2 or not isinstance(entry[1], str):
                raise ValueError(f"expected (object, 'module.name') in add_safe_globals, got {entry!r}")
            obj, name = entry
        else:
            obj, name = entry, _full_name(entry)
        _user_globals[name] = obj


def get_safe_globals() -> list:
    """The objects added with `add_safe_globals`, as it was given them."""
    return [obj if _full_name(obj) == name else (obj, name) for name, obj in _user_globals.items()]


def clear_safe_globals() -> None:
    """Forget every object added with `add_safe_globals`."""
    _user_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list):
    """Within the block, allow these objects as `add_safe_globals` does; the list is restored afterwards."""
    saved = dict(_user_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _user_globals.clear()
        _user_globals.update(saved)


def user_allowed() -> dict[str, object]:
    """The user's additions, name to object."""
    return _user_globals


def find_allowed(module: str, name: str):
    """The object a weights-only checkpoint names by `module` and `name`; UnpicklingError if it is not allowed."""
    full = f"{module}.{name}"
    if full in _user_globals:
        return _user_globals[full]
    if full in ALLOWED:
        return ALLOWED[full]
    if module == "torch" and (name in _MISSING_DTYPES or name in storage.MISSING):
        raise RuntimeError(f"the checkpoint holds {full} tensors, a type ember does not have; convert them in "
                           f"PyTorch first (for example tensor.float())")
    raise pickle.UnpicklingError(
        f"Weights only load failed: the checkpoint names the global {full}, which ember.load(weights_only=True) "
        f"does not allow. If you trust this file, allowlist it with ember.serialization.add_safe_globals([{full}]) "
        f"or the ember.serialization.safe_globals([{full}]) context manager, or load it with weights_only=False, "
        f"which runs whatever code the file contains: only ever do that for files you trust.")
