"""ember.utils._pytree: nested Python containers as a flat list of leaves and a TreeSpec, as torch.utils._pytree.

A pytree is a node (a registered container: tuple, list, dict, OrderedDict, defaultdict, any namedtuple, deque,
ember.Size, the result types of `ember.return_types`, and whatever `register_pytree_node` adds) or a leaf
(anything else, None and tensors included). `tree_flatten` gives the leaves in order and a `TreeSpec` that
`tree_unflatten` rebuilds the tree from; `tree_map` applies a function to the leaves of one or several trees of
one structure. Dicts keep their insertion order (keys are not sorted), as in PyTorch 2.x. Libraries register their
own containers here (Hugging Face's `ModelOutput` does) exactly as with PyTorch's module; PyTorch's optional C++
pytree (`torch.utils._cxx_pytree`, on optree) has no counterpart.
"""
import dataclasses
import functools
import importlib
import json
import threading
import types
import warnings
from collections import OrderedDict, defaultdict, deque, namedtuple
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, Generic, NamedTuple, Protocol, TypeAlias, TypeVar

from .. import return_types as _return_types
from .._size import Size

__all__ = [
    "PyTree", "Context", "FlattenFn", "UnflattenFn", "DumpableContext", "ToDumpableContextFn",
    "FromDumpableContextFn", "PyTreeSpec", "TreeSpec", "LeafSpec", "keystr", "key_get", "register_pytree_node",
    "tree_is_leaf", "tree_flatten", "tree_flatten_with_path", "tree_unflatten", "tree_iter", "tree_leaves",
    "tree_leaves_with_path", "tree_structure", "tree_map", "tree_map_with_path", "tree_map_", "tree_map_only",
    "tree_map_only_", "tree_all", "tree_any", "tree_all_only", "tree_any_only", "treespec_dumps", "treespec_loads",
    "treespec_pprint", "is_namedtuple", "is_namedtuple_class", "is_namedtuple_instance", "is_structseq",
    "is_structseq_class", "is_structseq_instance",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL = 1
NO_SERIALIZED_TYPE_NAME_FOUND = "NO_SERIALIZED_TYPE_NAME_FOUND"

Context = Any
PyTree = Any
FlattenFn = Callable[[PyTree], tuple[list[Any], Context]]
UnflattenFn = Callable[[Iterable[Any], Context], PyTree]
DumpableContext = Any  # anything json can dump
ToDumpableContextFn = Callable[[Context], DumpableContext]
FromDumpableContextFn = Callable[[DumpableContext], Context]
FlattenWithKeysFn = Callable[[PyTree], tuple[list[tuple[Any, Any]], Any]]
FlattenFunc = FlattenFn  # deprecated names, kept as PyTorch keeps them
UnflattenFunc = UnflattenFn
FlattenWithKeysFunc = FlattenWithKeysFn


class KeyEntry(Protocol):
    """One step of a key path: hashable, printable, and able to `get` the child from its parent."""

    def __hash__(self) -> int: ...

    def __eq__(self, other: object) -> bool: ...

    def __str__(self) -> str: ...

    def get(self, parent: Any) -> Any: ...


KeyPath = tuple[KeyEntry, ...]


class EnumEncoder(json.JSONEncoder):
    """A JSON encoder that writes an Enum member as its class's qualified name and the member's name."""

    def default(self, obj: object):
        if isinstance(obj, Enum):
            return {"__enum__": True, "fqn": f"{obj.__class__.__module__}:{obj.__class__.__qualname__}",
                    "name": obj.name}
        return super().default(obj)


# ---- the registry -----------------------------------------------------------------------------------------------
class NodeDef(NamedTuple):
    """A registered node type: how to flatten it (to children and a context), unflatten it, and flatten it with
    key entries."""
    type: type
    flatten_fn: FlattenFn
    unflatten_fn: UnflattenFn
    flatten_with_keys_fn: FlattenWithKeysFn | None


class _SerializeNodeDef(NamedTuple):
    typ: type
    serialized_type_name: str
    to_dumpable_context: ToDumpableContextFn | None
    from_dumpable_context: FromDumpableContextFn | None


_NODE_REGISTRY_LOCK = threading.RLock()
SUPPORTED_NODES: dict[type, NodeDef] = {}
SUPPORTED_SERIALIZED_TYPES: dict[type, _SerializeNodeDef] = {}
SERIALIZED_TYPE_TO_PYTHON_TYPE: dict[str, type] = {}
CONSTANT_NODES: set[type] = set()


def register_pytree_node(cls: type, flatten_fn: FlattenFn, unflatten_fn: UnflattenFn, *,
                         serialized_type_name: str | None = None,
                         to_dumpable_context: ToDumpableContextFn | None = None,
                         from_dumpable_context: FromDumpableContextFn | None = None,
                         flatten_with_keys_fn: FlattenWithKeysFn | None = None) -> None:
    """Register `cls` as a pytree node flattened by `flatten_fn` (to children and a context) and rebuilt by
    `unflatten_fn(children, context)`; ValueError if `cls` is already registered."""
    with _NODE_REGISTRY_LOCK:
        if cls in SUPPORTED_NODES:
            raise ValueError(f"{cls} is already registered as pytree node.")
        _private_register_pytree_node(cls, flatten_fn, unflatten_fn, serialized_type_name=serialized_type_name,
                                      to_dumpable_context=to_dumpable_context,
                                      from_dumpable_context=from_dumpable_context,
                                      flatten_with_keys_fn=flatten_with_keys_fn)


def _register_pytree_node(cls: type, flatten_fn: FlattenFn, unflatten_fn: UnflattenFn, to_str_fn=None,
                          maybe_from_str_fn=None, *, serialized_type_name: str | None = None,
                          to_dumpable_context: ToDumpableContextFn | None = None,
                          from_dumpable_context: FromDumpableContextFn | None = None,
                          flatten_with_keys_fn: FlattenWithKeysFn | None = None) -> None:
    """Deprecated (FutureWarning) form of `register_pytree_node`: registering a type again overwrites it with a
    UserWarning instead of raising."""
    warnings.warn("`torch.utils._pytree._register_pytree_node` is deprecated. "
                  "Please use `torch.utils._pytree.register_pytree_node` instead.", FutureWarning, stacklevel=2)
    if to_str_fn is not None or maybe_from_str_fn is not None:
        warnings.warn("`to_str_fn` and `maybe_from_str_fn` is deprecated. "
                      "Please use `to_dumpable_context` and `from_dumpable_context` instead.",
                      FutureWarning, stacklevel=2)
    _private_register_pytree_node(cls, flatten_fn, unflatten_fn, serialized_type_name=serialized_type_name,
                                  to_dumpable_context=to_dumpable_context,
                                  from_dumpable_context=from_dumpable_context,
                                  flatten_with_keys_fn=flatten_with_keys_fn)


def _private_register_pytree_node(cls: type, flatten_fn: FlattenFn, unflatten_fn: UnflattenFn, *,
                                  serialized_type_name: str | None = None,
                                  to_dumpable_context: ToDumpableContextFn | None = None,
                                  from_dumpable_context: FromDumpableContextFn | None = None,
                                  flatten_with_keys_fn: FlattenWithKeysFn | None = None) -> None:
    """Register (or, with a UserWarning, re-register) `cls` as a pytree node; unlike PyTorch, a lone
    to/from_dumpable_context raises ValueError before anything is registered."""
    if (to_dumpable_context is None) ^ (from_dumpable_context is None):
        raise ValueError(f"Both to_dumpable_context and from_dumpable_context for {cls} must "
                         "be None or registered.")
    with _NODE_REGISTRY_LOCK:
        if cls in SUPPORTED_NODES:
            warnings.warn(f"{cls} is already registered as pytree node. Overwriting the previous registration.",
                          stacklevel=2)
        SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn)
        if serialized_type_name is None:
            serialized_type_name = NO_SERIALIZED_TYPE_NAME_FOUND
        SUPPORTED_SERIALIZED_TYPES[cls] = _SerializeNodeDef(cls, serialized_type_name, to_dumpable_context,
                                                            from_dumpable_context)
        SERIALIZED_TYPE_TO_PYTHON_TYPE[serialized_type_name] = cls


def _deregister_pytree_node(cls: type) -> None:
    """Remove `cls` from the registry (internal); unlike PyTorch's, no KeyError when several types were registered
    without a serialized_type_name."""
    with _NODE_REGISTRY_LOCK:
        del SUPPORTED_NODES[cls]
        node_def = SUPPORTED_SERIALIZED_TYPES.pop(cls)
        if SERIALIZED_TYPE_TO_PYTHON_TYPE.get(node_def.serialized_type_name) is cls:
            del SERIALIZED_TYPE_TO_PYTHON_TYPE[node_def.serialized_type_name]
        CONSTANT_NODES.discard(cls)


def register_dataclass(cls: type, *, field_names: list[str] | None = None,
                       drop_field_names: list[str] | None = None, serialized_type_name: str | None = None) -> None:
    """Register a dataclass (or a class built from keyword `field_names`) as a node whose children are its
    non-None fields."""
    drop_field_names = drop_field_names or []
    if not dataclasses.is_dataclass(cls):
        if field_names is None:
            raise ValueError("field_names must be specified with a list of all fields used to "
                             f"initialize {cls}, as it is not a dataclass.")
    elif field_names is None:
        field_names = [f.name for f in dataclasses.fields(cls) if f.init]
    else:
        init_fields = {f.name for f in dataclasses.fields(cls) if f.init} - set(drop_field_names)
        if init_fields != set(field_names):
            message = "field_names does not include all dataclass fields.\n"
            if missing := init_fields - set(field_names):
                message += (f"Missing fields in `field_names`: {missing}. If you want to include these fields in "
                            "the pytree, please add them to `field_names`, otherwise please add them to "
                            "`drop_field_names`.\n")
            if unexpected := set(field_names) - init_fields:
                message += (f"Unexpected fields in `field_names`: {unexpected}. "
                            "Please remove these fields, or add them to `drop_field_names`.\n")
            raise ValueError(message)

    def flatten_fn(obj):
        values, names, nones = [], [], []
        for name in field_names:
            value = getattr(obj, name)
            if value is None:
                nones.append(name)
            else:
                values.append(value)
                names.append(name)
        return values, [names, nones]

    def unflatten_fn(values, context):
        names, nones = context
        return cls(**dict(zip(names, values, strict=True)), **dict.fromkeys(nones))

    def flatten_with_keys_fn(obj):
        values, (names, _) = flatten_fn(obj)
        return [(GetAttrKey(k), v) for k, v in zip(names, values, strict=True)], names

    _private_register_pytree_node(cls, flatten_fn, unflatten_fn, serialized_type_name=serialized_type_name,
                                  flatten_with_keys_fn=flatten_with_keys_fn)


@dataclasses.dataclass(frozen=True, slots=True)
class ConstantNode(Generic[T]):
    """The context of a node registered with `register_constant`: the constant itself."""
    value: T


def register_constant(cls: type) -> None:
    """Register `cls` (with its own __eq__ and __hash__) as a node with no leaves, kept whole in the spec."""
    if cls.__eq__ is object.__eq__:
        raise TypeError("register_constant(cls) expects `cls` to have a non-default `__eq__` implementation.")
    if cls.__hash__ is None:
        raise TypeError("register_constant(cls) expects `cls` to have a non-default `__hash__` implementation.")
    with _NODE_REGISTRY_LOCK:
        _private_register_pytree_node(cls, lambda x: ([], ConstantNode(x)), lambda _, context: context.value,
                                      flatten_with_keys_fn=lambda x: ([], ConstantNode(x)))
        CONSTANT_NODES.add(cls)


def is_constant_class(cls: type) -> bool:
    """Whether `cls` was registered with `register_constant`."""
    return isinstance(cls, type) and cls in CONSTANT_NODES


def _register_namedtuple(cls: type, *, serialized_type_name: str) -> None:
    """Register the namedtuple `cls` under `serialized_type_name`, so that specs holding it can be dumped."""
    _private_register_pytree_node(cls, _namedtuple_flatten, _namedtuple_unflatten,
                                  serialized_type_name=serialized_type_name,
                                  to_dumpable_context=_namedtuple_serialize,
                                  from_dumpable_context=_namedtuple_deserialize,
                                  flatten_with_keys_fn=_namedtuple_flatten_with_keys)


# ---- key entries --------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class SequenceKey(Generic[T]):
    """The key entry of a sequence's child: printed `[idx]`."""
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"

    def get(self, sequence: Sequence[T]) -> T:
        """The child of `sequence` this key names."""
        return sequence[self.idx]


@dataclasses.dataclass(frozen=True, slots=True)
class MappingKey(Generic[K, T]):
    """The key entry of a mapping's child: printed `[key!r]`."""
    key: K

    def __str__(self) -> str:
        return f"[{self.key!r}]"

    def get(self, mapping: Mapping[K, T]) -> T:
        """The child of `mapping` this key names."""
        return mapping[self.key]


@dataclasses.dataclass(frozen=True, slots=True)
class GetAttrKey:
    """The key entry of an attribute (a namedtuple's field): printed `.name`."""
    name: str

    def __str__(self) -> str:
        return f".{self.name}"

    def get(self, obj: Any) -> Any:
        """The attribute of `obj` this key names."""
        return getattr(obj, self.name)


def keystr(kp: KeyPath) -> str:
    """A key path as text, e.g. `['a'][0].x`."""
    return "".join(str(k) for k in kp)


def key_get(obj: Any, kp: KeyPath) -> Any:
    """The value at key path `kp` inside `obj`."""
    for k in kp:
        obj = k.get(obj)
    return obj


# ---- namedtuples and structseqs -----------------------------------------------------------------------------------
def is_namedtuple(obj: object) -> bool:
    """Whether `obj` is a namedtuple class or an instance of one."""
    return is_namedtuple_class(obj if isinstance(obj, type) else type(obj))


def is_namedtuple_class(cls: type) -> bool:
    """Whether `cls` is a namedtuple class (a tuple with string `_fields`, `_make` and `_asdict`)."""
    return (isinstance(cls, type) and issubclass(cls, tuple)
            and isinstance(getattr(cls, "_fields", None), tuple)
            and all(type(field) is str for field in cls._fields)
            and callable(getattr(cls, "_make", None)) and callable(getattr(cls, "_asdict", None)))


def is_namedtuple_instance(obj: object) -> bool:
    """Whether `obj` is an instance of a namedtuple class."""
    return is_namedtuple_class(type(obj))


def is_structseq(obj: object) -> bool:
    """Whether `obj` is a CPython struct sequence class (os.stat_result, ...) or an instance of one."""
    return is_structseq_class(obj if isinstance(obj, type) else type(obj))


Py_TPFLAGS_BASETYPE: int = 1 << 10


def is_structseq_class(cls: type) -> bool:
    """Whether `cls` is a CPython struct sequence class; ember's `return_types` are not (PyTorch's are), they are
    registered nodes instead."""
    return (isinstance(cls, type) and cls.__bases__ == (tuple,)
            and all(isinstance(getattr(cls, name, None), int)
                    for name in ("n_fields", "n_sequence_fields", "n_unnamed_fields"))
            and not bool(cls.__flags__ & Py_TPFLAGS_BASETYPE))


def is_structseq_instance(obj: object) -> bool:
    """Whether `obj` is an instance of a CPython struct sequence class."""
    return is_structseq_class(type(obj))


# ---- the built-in nodes -------------------------------------------------------------------------------------------
def _sequence_keys(values: list) -> list:
    return [(SequenceKey(i), v) for i, v in enumerate(values)]


def _tuple_flatten(d: tuple) -> tuple[list, Context]:
    return list(d), None


def _tuple_flatten_with_keys(d: tuple):
    return _sequence_keys(list(d)), None


def _tuple_unflatten(values: Iterable, context: Context) -> tuple:
    return tuple(values)


def _list_flatten(d: list) -> tuple[list, Context]:
    return d, None


def _list_flatten_with_keys(d: list):
    return _sequence_keys(d), None


def _list_unflatten(values: Iterable, context: Context) -> list:
    return list(values)


def _dict_flatten(d: dict) -> tuple[list, Context]:
    return list(d.values()), list(d.keys())


def _dict_flatten_with_keys(d: dict):
    values, context = _dict_flatten(d)
    return [(MappingKey(k), v) for k, v in zip(context, values, strict=True)], context


def _dict_unflatten(values: Iterable, context: Context) -> dict:
    return dict(zip(context, values, strict=True))


def _namedtuple_flatten(d: tuple) -> tuple[list, Context]:
    return list(d), type(d)


def _namedtuple_flatten_with_keys(d: tuple):
    values, context = _namedtuple_flatten(d)
    return [(GetAttrKey(field), v) for field, v in zip(context._fields, values, strict=True)], context


def _namedtuple_unflatten(values: Iterable, context: Context) -> tuple:
    return context(*values)


def _namedtuple_serialize(context: Context) -> DumpableContext:
    if context not in SUPPORTED_SERIALIZED_TYPES:
        raise NotImplementedError(f"Can't serialize TreeSpec of namedtuple class {context} because we didn't "
                                  "register a serializated_type_name. Please register using `_register_namedtuple`.")
    name = SUPPORTED_SERIALIZED_TYPES[context].serialized_type_name
    if name == NO_SERIALIZED_TYPE_NAME_FOUND:
        raise NotImplementedError(f"Can't serialize TreeSpec of namedtuple class {context} because we couldn't find "
                                  "a serializated_type_name. Please register using `_register_namedtuple`.")
    return name


def _namedtuple_deserialize(dumpable_context: DumpableContext) -> Context:
    if dumpable_context not in SERIALIZED_TYPE_TO_PYTHON_TYPE:
        raise NotImplementedError(f"Can't deserialize TreeSpec of namedtuple class {dumpable_context} because we "
                                  "couldn't find a serializated name.")
    return SERIALIZED_TYPE_TO_PYTHON_TYPE[dumpable_context]


def _ordereddict_flatten(d: OrderedDict) -> tuple[list, Context]:
    return list(d.values()), list(d.keys())


def _ordereddict_flatten_with_keys(d: OrderedDict):
    return _dict_flatten_with_keys(d)


def _ordereddict_unflatten(values: Iterable, context: Context) -> OrderedDict:
    return OrderedDict((key, value) for key, value in zip(context, values, strict=True))


_odict_flatten = _ordereddict_flatten
_odict_unflatten = _ordereddict_unflatten


def _defaultdict_flatten(d: defaultdict) -> tuple[list, Context]:
    values, keys = _dict_flatten(d)
    return values, [d.default_factory, keys]


def _defaultdict_flatten_with_keys(d: defaultdict):
    values, context = _defaultdict_flatten(d)
    return [(MappingKey(k), v) for k, v in zip(context[1], values, strict=True)], context


def _defaultdict_unflatten(values: Iterable, context: Context) -> defaultdict:
    default_factory, keys = context
    return defaultdict(default_factory, _dict_unflatten(values, keys))


def _defaultdict_serialize(context: Context) -> DumpableContext:
    default_factory, keys = context
    return {"default_factory_module": default_factory.__module__,
            "default_factory_name": default_factory.__qualname__, "dict_context": keys}


def _defaultdict_deserialize(dumpable_context: DumpableContext) -> Context:
    if not isinstance(dumpable_context, dict):
        raise AssertionError("dumpable_context must be a dict")  # noqa: TRY004 (PyTorch's type)
    expected = {"default_factory_module", "default_factory_name", "dict_context"}
    if set(dumpable_context) != expected:
        raise AssertionError(f"dumpable_context keys must be {expected}, got {set(dumpable_context)}")
    module = importlib.import_module(dumpable_context["default_factory_module"])
    return [getattr(module, dumpable_context["default_factory_name"]), dumpable_context["dict_context"]]


def _deque_flatten(d: deque) -> tuple[list, Context]:
    return list(d), d.maxlen


def _deque_flatten_with_keys(d: deque):
    return _sequence_keys(list(d)), d.maxlen


def _deque_unflatten(values: Iterable, context: Context) -> deque:
    return deque(values, maxlen=context)


_private_register_pytree_node(tuple, _tuple_flatten, _tuple_unflatten, serialized_type_name="builtins.tuple",
                              flatten_with_keys_fn=_tuple_flatten_with_keys)
_private_register_pytree_node(list, _list_flatten, _list_unflatten, serialized_type_name="builtins.list",
                              flatten_with_keys_fn=_list_flatten_with_keys)
_private_register_pytree_node(dict, _dict_flatten, _dict_unflatten, serialized_type_name="builtins.dict",
                              flatten_with_keys_fn=_dict_flatten_with_keys)
_private_register_pytree_node(namedtuple, _namedtuple_flatten, _namedtuple_unflatten,  # every namedtuple
                              serialized_type_name="collections.namedtuple",
                              to_dumpable_context=_namedtuple_serialize,
                              from_dumpable_context=_namedtuple_deserialize,
                              flatten_with_keys_fn=_namedtuple_flatten_with_keys)
_private_register_pytree_node(OrderedDict, _ordereddict_flatten, _ordereddict_unflatten,
                              serialized_type_name="collections.OrderedDict",
                              flatten_with_keys_fn=_ordereddict_flatten_with_keys)
_private_register_pytree_node(defaultdict, _defaultdict_flatten, _defaultdict_unflatten,
                              serialized_type_name="collections.defaultdict",
                              to_dumpable_context=_defaultdict_serialize,
                              from_dumpable_context=_defaultdict_deserialize,
                              flatten_with_keys_fn=_defaultdict_flatten_with_keys)
_private_register_pytree_node(deque, _deque_flatten, _deque_unflatten, serialized_type_name="collections.deque",
                              flatten_with_keys_fn=_deque_flatten_with_keys)

STANDARD_DICT_TYPES: frozenset[type] = frozenset({dict, OrderedDict, defaultdict})
BUILTIN_TYPES: frozenset = frozenset({tuple, list, dict, namedtuple, OrderedDict, defaultdict, deque})

# What importing torch registers besides: torch.Size (unflattened to a plain tuple, as PyTorch does) and the
# result types of ops (values, indices = x.max(0)).
register_pytree_node(Size, lambda xs: (list(xs), None), lambda xs, _: tuple(xs),
                     flatten_with_keys_fn=lambda xs: (_sequence_keys(list(xs)), None),
                     serialized_type_name="torch.Size")


def _register_result_type(cls: type) -> None:
    register_pytree_node(cls, lambda r: (list(r), None), lambda values, _: cls(values),
                         flatten_with_keys_fn=lambda r: (_sequence_keys(list(r)), None))


for _name in _return_types.__all__:
    _register_result_type(getattr(_return_types, _name))
del _name


def _get_node_type(tree: Any) -> Any:
    """The registry key of `tree`: its type, or `namedtuple` for every namedtuple."""
    node_type = type(tree)
    return namedtuple if is_namedtuple_class(node_type) else node_type


def tree_is_leaf(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Whether `tree` is a leaf: `is_leaf(tree)` is true, or its type is not a registered node (None is a leaf)."""
    if is_leaf is not None and is_leaf(tree):
        return True
    return _get_node_type(tree) not in SUPPORTED_NODES


def _is_leaf(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Deprecated (FutureWarning) name of `tree_is_leaf`."""
    warnings.warn("torch.utils._pytree._is_leaf is private and will be removed in a future release. "
                  "Please use torch.utils._pytree.tree_is_leaf instead.", FutureWarning, stacklevel=2)
    return tree_is_leaf(tree, is_leaf=is_leaf)


def _is_namedtuple_instance(tree: Any) -> bool:
    """Deprecated (FutureWarning) name of `is_namedtuple_instance`."""
    warnings.warn("torch.utils._pytree._is_namedtuple_instance is private and will be removed in a future release. "
                  "Please use torch.utils._pytree.is_namedtuple_instance instead.", FutureWarning, stacklevel=2)
    return is_namedtuple_instance(tree)


# ---- TreeSpec -----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(init=False, frozen=True, eq=True, repr=False, slots=True)
class TreeSpec:
    """The structure of a pytree: the root's node type (None for a leaf), its context, and one spec per child."""
    type: Any
    _context: Context
    _children: list

    num_nodes: int = dataclasses.field(init=False)
    num_leaves: int = dataclasses.field(init=False)
    num_children: int = dataclasses.field(init=False)

    def __init__(self, type: Any, context: Context, children_specs: list) -> None:  # noqa: A002 (PyTorch's name)
        if type is None:
            if context is not None:
                raise AssertionError("leaf node should not have a context")
            if len(children_specs) != 0:
                raise AssertionError("leaf node should not have children")
            num_nodes = num_leaves = 1
        else:
            num_nodes, num_leaves = 1, 0
            for child in children_specs:
                num_nodes += child.num_nodes
                num_leaves += child.num_leaves
        setattr = object.__setattr__  # noqa: A001 (frozen: the one way in)
        setattr(self, "type", type)
        setattr(self, "_context", context)
        setattr(self, "_children", children_specs)
        setattr(self, "num_nodes", num_nodes)
        setattr(self, "num_leaves", num_leaves)
        setattr(self, "num_children", len(children_specs))

    def __repr__(self, indent: int = 0) -> str:
        text = f"TreeSpec({self.type.__name__}, {self._context}, ["
        if self.num_children > 0:
            indent += 2
            text += self._children[0].__repr__(indent)
            text += "," if self.num_children > 1 else ""
            text += ",".join("\n" + " " * indent + child.__repr__(indent) for child in self._children[1:])
        return text + "])"

    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        if other.__class__ is self.__class__:
            return (str(self.type) == str(other.type) and self._context == other._context
                    and self._children == other._children)
        return NotImplemented

    def __hash__(self) -> int:
        node_type = self.type
        if node_type is defaultdict:
            context = (self._context[0], tuple(self._context[1]))
        elif node_type in (dict, OrderedDict):
            context = tuple(self._context)
        elif node_type is None or node_type in BUILTIN_TYPES:
            context = self._context
        elif isinstance(self._context, ConstantNode):
            context = self._context.value
        else:  # a user type's context may not be hashable
            context = None
        return hash((node_type, context, tuple(self._children)))

    @property
    def context(self) -> Context:
        """The context the root node's flatten function gave (dict keys, a namedtuple's class, ...)."""
        return self._context

    @property
    def children_specs(self) -> list:
        """Deprecated (FutureWarning): the children's specs; use `children()` or `child(i)`."""
        warnings.warn("`treespec.children_specs` is deprecated. Use `treespec.child(index)` to access a single "
                      "child, or `treespec.children()` to get all children.", FutureWarning, stacklevel=2)
        return self._children

    def is_leaf(self) -> bool:
        """Whether this spec is a leaf's."""
        return self.num_nodes == 1 and self.num_leaves == 1

    def children(self) -> list:
        """A copy of the children's specs."""
        return self._children.copy()

    def child(self, index: int) -> "TreeSpec":
        """The spec of child `index`."""
        return self._children[index]

    def flatten_up_to(self, tree: PyTree) -> list:
        """The subtrees of `tree` at this spec's leaves; ValueError where `tree` does not have this structure (dicts
        of the standard kinds match each other by keys, in any order)."""
        subtrees: list = []
        _flatten_up_to(self, tree, subtrees)
        return subtrees

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        """The pytree of this structure holding `leaves` in order; ValueError for a wrong number of leaves."""
        if not isinstance(leaves, (list, tuple)):
            leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers to "
                             f"a pytree that holds {self.num_leaves} items ({self}).")
        return _unflatten(self, iter(leaves))


def _unflatten(spec: TreeSpec, leaves) -> PyTree:
    if spec.num_nodes == 1 and spec.num_leaves == 1:
        return next(leaves)
    children = [_unflatten(child, leaves) for child in spec._children]
    return SUPPORTED_NODES[spec.type].unflatten_fn(children, spec._context)


def _flatten_up_to(spec: TreeSpec, node: PyTree, subtrees: list) -> None:
    if spec.is_leaf():
        subtrees.append(node)
        return
    node_type = _get_node_type(node)
    if spec.type not in BUILTIN_TYPES:  # a custom node type must match exactly
        if node_type != spec.type:
            raise ValueError(f"Type mismatch; expected {spec.type!r}, but got {node_type!r}.")
        children, context = SUPPORTED_NODES[node_type].flatten_fn(node)
        if len(children) != spec.num_children:
            raise ValueError(f"Node arity mismatch; expected {spec.num_children}, but got {len(children)}.")
        if context != spec._context:
            raise ValueError(f"Node context mismatch for custom node type {spec.type!r}.")
    else:
        both_dicts = spec.type in STANDARD_DICT_TYPES and node_type in STANDARD_DICT_TYPES
        if not both_dicts and node_type != spec.type:
            raise ValueError(f"Node type mismatch; expected {spec.type!r}, but got {node_type!r}.")
        if len(node) != spec.num_children:
            raise ValueError(f"Node arity mismatch; expected {spec.num_children}, but got {len(node)}.")
        if both_dicts:  # dicts of the standard kinds match by keys; a defaultdict's factory is not compared
            keys = spec._context if spec.type is not defaultdict else spec._context[1]
            got, expected = set(node), set(keys)
            if got != expected:
                missing, extra = expected - got, got - expected
                message = (f"; missing key(s): {missing}" if missing else "") + (
                    f"; extra key(s): {extra}" if extra else "")
                raise ValueError(f"Node keys mismatch{message}.")
            children = [node[key] for key in keys]
        else:
            children, context = SUPPORTED_NODES[node_type].flatten_fn(node)
            if node_type is not deque and context != spec._context:  # a deque's maxlen is not compared
                raise ValueError(f"Node context mismatch for node type {spec.type!r}; "
                                 f"expected {spec._context!r}, but got {context!r}.")
    for subtree, subspec in zip(children, spec._children, strict=True):
        _flatten_up_to(subspec, subtree, subtrees)


PyTreeSpec: TypeAlias = TreeSpec


class LeafSpec(TreeSpec):
    """Deprecated (FutureWarning when made): the spec of a leaf, printed `*`; test `spec.is_leaf()` instead."""
    __slots__ = ()

    def __init__(self) -> None:
        warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated, use `isinstance(treespec, TreeSpec) and "
                      "treespec.is_leaf()` instead.", FutureWarning, stacklevel=2)
        self._init()

    def _init(self) -> None:
        for name, value in (("type", None), ("_context", None), ("_children", []), ("num_nodes", 1),
                            ("num_leaves", 1), ("num_children", 0)):
            object.__setattr__(self, name, value)

    def __repr__(self, indent: int = 0) -> str:
        return "*"


_LEAF_SPEC = LeafSpec.__new__(LeafSpec)  # every leaf shares this one spec
_LEAF_SPEC._init()


def treespec_leaf() -> LeafSpec:
    """The spec of a leaf."""
    return _LEAF_SPEC


def treespec_tuple(iterable: Iterable[TreeSpec] = (), /) -> TreeSpec:
    """The spec of a tuple whose children have the specs in `iterable`."""
    children = list(iterable)
    if any(not isinstance(child, TreeSpec) for child in children):
        raise ValueError(f"Expected a tuple of TreeSpec values, got: {children!r}.")
    return TreeSpec(tuple, None, children)


def treespec_dict(mapping: Mapping[Any, TreeSpec] | Iterable[tuple[Any, TreeSpec]] = (), /,
                  **kwargs: TreeSpec) -> TreeSpec:
    """The spec of a dict whose values have the specs in `mapping` and `kwargs`."""
    dct = dict(mapping, **kwargs)
    if any(not isinstance(child, TreeSpec) for child in dct.values()):
        raise ValueError(f"Expected a dictionary of TreeSpec values, got: {dct!r}.")
    return TreeSpec(dict, list(dct.keys()), list(dct.values()))


# ---- flattening and mapping ---------------------------------------------------------------------------------------
def tree_flatten(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> tuple[list, TreeSpec]:
    """The leaves of `tree` in order and the TreeSpec that rebuilds it."""
    leaves: list = []
    return leaves, _flatten(tree, is_leaf, leaves)


def _flatten(node: PyTree, is_leaf, leaves: list) -> TreeSpec:
    if is_leaf is not None and is_leaf(node):
        leaves.append(node)
        return _LEAF_SPEC
    node_type = _get_node_type(node)
    node_def = SUPPORTED_NODES.get(node_type)
    if node_def is None:
        leaves.append(node)
        return _LEAF_SPEC
    children, context = node_def.flatten_fn(node)
    return TreeSpec(node_type, context, [_flatten(child, is_leaf, leaves) for child in children])


def tree_unflatten(leaves: Iterable[Any], treespec: TreeSpec) -> PyTree:
    """The pytree `treespec` describes, holding `leaves` (the arguments may come in either order)."""
    if not isinstance(treespec, TreeSpec):
        if not isinstance(leaves, TreeSpec):
            raise TypeError(f"Expected `treespec` to be an instance of "
                            f"PyTreeSpec but got item of type {type(treespec)}.")
        leaves, treespec = treespec, leaves
    return treespec.unflatten(leaves)


def tree_iter(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> Iterable[Any]:
    """An iterator over the leaves of `tree`."""
    if tree_is_leaf(tree, is_leaf=is_leaf):
        yield tree
    else:
        children, _ = SUPPORTED_NODES[_get_node_type(tree)].flatten_fn(tree)
        for child in children:
            yield from tree_iter(child, is_leaf=is_leaf)


def tree_leaves(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> list:
    """The leaves of `tree`, in order."""
    leaves: list = []
    _flatten(tree, is_leaf, leaves)
    return leaves


def tree_structure(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> TreeSpec:
    """The TreeSpec of `tree`."""
    return tree_flatten(tree, is_leaf=is_leaf)[1]


def tree_map(func: Callable[..., Any], tree: PyTree, *rests: PyTree,
             is_leaf: Callable[[PyTree], bool] | None = None) -> PyTree:
    """A tree of `tree`'s structure holding `func(leaf, *leaves of rests at that place)`; each of `rests` must have
    `tree`'s structure or have it as a prefix (ValueError otherwise)."""
    leaves, treespec = tree_flatten(tree, is_leaf=is_leaf)
    flat_args = [leaves] + [treespec.flatten_up_to(r) for r in rests]
    return treespec.unflatten(map(func, *flat_args))


def tree_map_(func: Callable[..., Any], tree: PyTree, *rests: PyTree,
              is_leaf: Callable[[PyTree], bool] | None = None) -> PyTree:
    """Call `func` on the leaves as `tree_map` does, for its side effects, and return `tree` itself."""
    leaves, treespec = tree_flatten(tree, is_leaf=is_leaf)
    flat_args = [leaves] + [treespec.flatten_up_to(r) for r in rests]
    deque(map(func, *flat_args), maxlen=0)
    return tree


def map_only(type_or_types_or_pred, /) -> Callable:
    """A decorator making `func` apply to the values of the given type(s) (or passing the predicate) and return
    other values unchanged."""
    if isinstance(type_or_types_or_pred, (type, tuple, types.UnionType)):
        def pred(x: Any) -> bool:
            return isinstance(x, type_or_types_or_pred)
    elif callable(type_or_types_or_pred):
        pred = type_or_types_or_pred
    else:
        raise TypeError("Argument must be a type, a tuple of types, or a callable.")

    def wrapper(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapped(x: Any) -> Any:
            return func(x) if pred(x) else x
        return wrapped
    return wrapper


def tree_map_only(type_or_types_or_pred, /, func: Callable, tree: PyTree,
                  is_leaf: Callable[[PyTree], bool] | None = None) -> PyTree:
    """`tree_map` of `func` over the leaves of the given type(s) (or passing a predicate); other leaves are kept."""
    return tree_map(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_map_only_(type_or_types_or_pred, /, func: Callable, tree: PyTree,
                   is_leaf: Callable[[PyTree], bool] | None = None) -> PyTree:
    """`tree_map_` of `func` over the leaves of the given type(s) (or passing a predicate); returns `tree`."""
    return tree_map_(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_all(pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Whether `pred` holds for every leaf of `tree`."""
    return all(map(pred, tree_iter(tree, is_leaf=is_leaf)))


def tree_any(pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Whether `pred` holds for some leaf of `tree`."""
    return any(map(pred, tree_iter(tree, is_leaf=is_leaf)))


def tree_all_only(type_or_types, /, pred: Callable[[Any], bool], tree: PyTree,
                  is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Whether `pred` holds for every leaf of `tree` of the given type(s)."""
    return all(pred(x) for x in tree_iter(tree, is_leaf=is_leaf) if isinstance(x, type_or_types))


def tree_any_only(type_or_types, /, pred: Callable[[Any], bool], tree: PyTree,
                  is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Whether `pred` holds for some leaf of `tree` of the given type(s)."""
    return any(pred(x) for x in tree_iter(tree, is_leaf=is_leaf) if isinstance(x, type_or_types))


def arg_tree_leaves(*args: PyTree, **kwargs: PyTree) -> list:
    """The leaves of all positional and keyword arguments, as `tree_leaves((args, kwargs))`."""
    leaves: list = []
    for a in args:
        leaves.extend(tree_iter(a))
    for a in kwargs.values():
        leaves.extend(tree_iter(a))
    return leaves


def _broadcast_to_and_flatten(tree: PyTree, treespec: TreeSpec,
                              is_leaf: Callable[[PyTree], bool] | None = None) -> list | None:
    """`tree`, a prefix of `treespec`'s structure, broadcast to its leaves and flattened; None if it is not one."""
    full_tree = tree_unflatten([0] * treespec.num_leaves, treespec)
    result: list = []

    def add_leaves(x: Any, subtree: PyTree) -> None:
        result.extend([x] * tree_structure(subtree, is_leaf=is_leaf).num_leaves)

    try:
        tree_map_(add_leaves, tree, full_tree, is_leaf=is_leaf)
    except ValueError:
        return None
    return result


# ---- key paths ----------------------------------------------------------------------------------------------------
def _generate_key_paths(key_path: tuple, tree: PyTree, is_leaf) -> Iterable[tuple[tuple, Any]]:
    if is_leaf and is_leaf(tree):
        yield key_path, tree
        return
    node_type = _get_node_type(tree)
    handler = SUPPORTED_NODES.get(node_type)
    if not handler:
        yield key_path, tree
        return
    if not handler.flatten_with_keys_fn:
        raise ValueError(f"Did not find a flatten_with_keys_fn for type: {node_type}. "
                         "Please pass a flatten_with_keys_fn argument to register_pytree_node.")
    key_children, _ = handler.flatten_with_keys_fn(tree)
    for k, c in key_children:
        yield from _generate_key_paths((*key_path, k), c, is_leaf)


def tree_flatten_with_path(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
                           ) -> tuple[list[tuple[KeyPath, Any]], TreeSpec]:
    """(key path, leaf) pairs of `tree` and its TreeSpec; ValueError for a node registered without
    flatten_with_keys_fn."""
    _, treespec = tree_flatten(tree, is_leaf)
    return list(_generate_key_paths((), tree, is_leaf)), treespec


def tree_leaves_with_path(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
                          ) -> list[tuple[KeyPath, Any]]:
    """(key path, leaf) pairs of `tree`, in order."""
    return list(_generate_key_paths((), tree, is_leaf))


def tree_map_with_path(func: Callable[..., Any], tree: PyTree, *rests: PyTree,
                       is_leaf: Callable[[PyTree], bool] | None = None) -> PyTree:
    """`tree_map` whose `func` takes the leaf's key path first: `func(path, leaf, *others)`."""
    keypath_leaves, treespec = tree_flatten_with_path(tree, is_leaf)
    columns = list(zip(*keypath_leaves, strict=True)) + [treespec.flatten_up_to(r) for r in rests]
    return treespec.unflatten(func(*xs) for xs in zip(*columns, strict=True))


# ---- serialization ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class _TreeSpecSchema:
    type: str | None
    context: DumpableContext
    children_spec: list["_TreeSpecSchema"]


def _treespec_to_json(treespec: TreeSpec) -> _TreeSpecSchema:
    if treespec.is_leaf():
        return _TreeSpecSchema(None, None, [])
    if treespec.type not in SUPPORTED_SERIALIZED_TYPES:
        raise NotImplementedError(f"Serializing {treespec.type} in pytree is not registered.")
    node_def = SUPPORTED_SERIALIZED_TYPES[treespec.type]
    if node_def.serialized_type_name == NO_SERIALIZED_TYPE_NAME_FOUND:
        raise NotImplementedError(f"No registered serialization name for {treespec.type} found. Please update your "
                                  "_register_pytree_node call with a `serialized_type_name` kwarg.")
    if node_def.to_dumpable_context is None:
        try:
            context = json.dumps(treespec._context, cls=EnumEncoder)
        except TypeError as e:
            raise TypeError("Unable to serialize context. Please make the context json dump-able, or register a "
                            "custom serializer using _register_pytree_node.") from e
    else:
        context = node_def.to_dumpable_context(treespec._context)
    return _TreeSpecSchema(node_def.serialized_type_name, context,
                           [_treespec_to_json(child) for child in treespec._children])


def enum_object_hook(obj: dict[str, Any]) -> Any:
    """json object hook turning what EnumEncoder wrote back into the Enum member."""
    if "__enum__" in obj:
        modname, _, classname = obj["fqn"].partition(":")
        enum_cls = importlib.import_module(modname)
        for attr in classname.split("."):
            enum_cls = getattr(enum_cls, attr)
        return enum_cls[obj["name"]]
    return obj


def _json_to_treespec(schema: DumpableContext) -> TreeSpec:
    if schema["type"] is None and schema["context"] is None and len(schema["children_spec"]) == 0:
        return _LEAF_SPEC
    if schema["type"] not in SERIALIZED_TYPE_TO_PYTHON_TYPE:
        raise NotImplementedError(f"Deserializing {schema['type']} in pytree is not registered.")
    typ = SERIALIZED_TYPE_TO_PYTHON_TYPE[schema["type"]]
    node_def = SUPPORTED_SERIALIZED_TYPES[typ]
    if node_def.from_dumpable_context is None:
        try:
            context = json.loads(schema["context"], object_hook=enum_object_hook)
        except TypeError as e:
            raise TypeError("Unable to deserialize context. Please make the context json load-able, or register a "
                            "custom serializer using _register_pytree_node.") from e
    else:
        context = node_def.from_dumpable_context(schema["context"])
    return TreeSpec(typ, context, [_json_to_treespec(child) for child in schema["children_spec"]])


class _ProtocolFn(NamedTuple):
    treespec_to_json: Callable[[TreeSpec], DumpableContext]
    json_to_treespec: Callable[[DumpableContext], TreeSpec]


_SUPPORTED_PROTOCOLS: dict[int, _ProtocolFn] = {1: _ProtocolFn(_treespec_to_json, _json_to_treespec)}


def treespec_dumps(treespec: TreeSpec, protocol: int | None = None) -> str:
    """`treespec` as a JSON string (PyTorch's format); NotImplementedError for a type registered without
    serialized_type_name."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f"Expected `treespec` to be an instance of PyTreeSpec but got item of type {type(treespec)}.")
    if protocol is None:
        protocol = DEFAULT_TREESPEC_SERIALIZATION_PROTOCOL
    if protocol not in _SUPPORTED_PROTOCOLS:
        raise ValueError(f"Unknown protocol {protocol}. Available protocols: {list(_SUPPORTED_PROTOCOLS.keys())}")
    schema = _SUPPORTED_PROTOCOLS[protocol].treespec_to_json(treespec)
    return json.dumps((protocol, dataclasses.asdict(schema)), cls=EnumEncoder)


@functools.lru_cache
def treespec_loads(serialized: str) -> TreeSpec:
    """The TreeSpec that `treespec_dumps` wrote as `serialized`."""
    protocol, schema = json.loads(serialized)
    if protocol in _SUPPORTED_PROTOCOLS:
        return _SUPPORTED_PROTOCOLS[protocol].json_to_treespec(schema)
    raise ValueError(f"Unknown protocol {protocol}. Available protocols: {list(_SUPPORTED_PROTOCOLS.keys())}")


class _Asterisk(str):
    __slots__ = ()

    def __new__(cls):
        return super().__new__(cls, "*")

    def __repr__(self) -> str:
        return "*"


_asterisk = _Asterisk()
del _Asterisk


def treespec_pprint(treespec: TreeSpec) -> str:
    """The tree `treespec` describes, printed with `*` for each leaf, e.g. `{'a': [*, (*, *)]}`."""
    return repr(tree_unflatten([_asterisk] * treespec.num_leaves, treespec))
