"""torchvision's model registry and weights API: the `Weights` record, the `WeightsEnum` base of every `*_Weights`
enum, `register_model`, `list_models`, `get_model`, `get_model_builder`, `get_model_weights` and `get_weight`."""
import fnmatch
import inspect
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import Any, TypeVar

from ... import load
from ...nn import Module
from ._weights import checkpoint_path

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models", "register_model"]


@dataclass
class Weights:
    """One set of pretrained weights: where torchvision publishes the checkpoint, the preset that prepares images
    for it (call it to build the transform), and its metadata."""

    url: str
    transforms: Callable
    meta: dict[str, Any]


class WeightsEnum(Enum):
    """Base of the `*_Weights` enums; each member's value is a `Weights`, whose fields the member exposes."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """`obj` as a member of this enum: None stays None; a name ('DEFAULT', 'ResNet50_Weights.DEFAULT') is looked
        up (KeyError if unknown). Unlike torchvision, a member of another enum with this enum's name (a torchvision
        enum) is accepted by its member name."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, Enum) and type(obj).__name__ == cls.__name__:
            obj = obj.name
        if not isinstance(obj, str):
            raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                            f"{type(obj).__name__}.")
        name = obj.replace(cls.__name__ + ".", "")
        if name not in cls.__members__:
            raise KeyError(f"Unknown weights {name!r} for {cls.__name__}: expected one of {list(cls.__members__)}")
        return cls[name]

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The checkpoint's state_dict, read from PyTorch's hub cache. Unlike torchvision, never downloaded: raises
        RuntimeError naming the file to place there when it is absent (`progress`, `check_hash` are ignored)."""
        return load(checkpoint_path(self), map_location="cpu")

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    @property
    def url(self) -> str:
        """Where torchvision publishes the checkpoint."""
        return self.value.url

    @property
    def transforms(self) -> Callable:
        """The preset class (with its arguments bound) that prepares images for these weights."""
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        """categories, num_params, min_size, recipe, _metrics, _ops, _file_size (torchvision's `_docs` omitted)."""
        return self.value.meta


BUILTIN_MODELS: dict[str, Callable[..., Module]] = {}
M = TypeVar("M", bound=Module)


def register_model(name: str | None = None) -> Callable[[Callable[..., M]], Callable[..., M]]:
    """A decorator that registers a model builder under `name` (default: the function's name)."""
    def wrapper(fn: Callable[..., M]) -> Callable[..., M]:
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def _patterns(patterns: Iterable[str] | str) -> list[str]:
    return [patterns] if isinstance(patterns, str) else list(patterns)


def list_models(module: ModuleType | None = None, include: Iterable[str] | str | None = None,
                exclude: Iterable[str] | str | None = None) -> list[str]:
    """The sorted names of the registered models, those whose builder is defined directly inside `module` if given,
    kept by the fnmatch patterns of `include` and dropped by those of `exclude`."""
    names = {key for key, fn in BUILTIN_MODELS.items()
             if module is None or fn.__module__.rsplit(".", 1)[0] == module.__name__}
    kept = set().union(*(fnmatch.filter(names, p) for p in _patterns(include))) if include else names
    for pattern in _patterns(exclude or []):
        kept -= set(fnmatch.filter(names, pattern))
    return sorted(kept)


def get_model_builder(name: str) -> Callable[..., Module]:
    """The builder function registered under `name` (case-insensitive); ValueError if none is."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name: str, **config: Any) -> Module:
    """The model registered under `name`, built with `config` (e.g. weights=..., num_classes=...)."""
    return get_model_builder(name)(**config)


def get_model_weights(name: Callable | str) -> type[WeightsEnum]:
    """The `*_Weights` enum of a builder, given by name or as the function (read from its `weights` annotation)."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    parameters = inspect.signature(fn).parameters
    if "weights" not in parameters:
        raise ValueError("The method is missing the 'weights' argument.")
    for candidate in typing.get_args(parameters["weights"].annotation):
        if inspect.isclass(candidate) and issubclass(candidate, WeightsEnum):
            return candidate
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. Make sure the typing "
                     "info is correct.")


def get_weight(name: str) -> WeightsEnum:
    """The weights member named like 'ResNet50_Weights.IMAGENET1K_V1'."""
    enum_name, sep, member = name.partition(".")
    if not sep or not member:
        raise ValueError(f"Invalid weight name provided: '{name}'.")
    enums = {cls.__name__: cls for cls in WeightsEnum.__subclasses__()}
    if enum_name not in enums:
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return enums[enum_name][member]
