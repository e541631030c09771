"""A pickle reader that calls nothing outside an allowlist: how `ember.load` reads a checkpoint by default.

Python's own Unpickler lets a pickle call any function it can name (`os.system` is one GLOBAL and one
REDUCE away), and restricting names alone still lets BUILD set any attribute of any object. This
reader interprets the opcodes itself: names resolve through `find_global` (the allowlist), only
allowlisted objects are called or instantiated, BUILD is accepted only on OrderedDicts (their
attributes) and on classes the user allowlisted, and containers are filled only when they are plain
dicts, lists and sets. Every read is bounded by the bytes given, so a malformed pickle raises
UnpicklingError and never reads past its end.
"""
import codecs
import importlib
import pickle
import struct
from collections import Counter, OrderedDict

from . import allowlist
from .allowlist import NEWOBJ_CLASSES
from .storage import TYPED

_MAPPINGS = (dict, OrderedDict, Counter)


class _Mark:
    """The marker MARK pushes; items above it belong to the next TUPLE, LIST, DICT, APPENDS, ..."""


MARK = _Mark()


class RestrictedUnpickler:
    """Read one pickle from `data` at `pos`, resolving globals with `find_global` and persistent ids with
    `persistent_load`; `callables` are the objects the pickle may call, `user_classes` those BUILD may update."""

    def __init__(self, data, find_global, persistent_load, callables, user_classes, encoding: str = "utf-8"):
        self.data = memoryview(data).cast("B")
        self.find_global = find_global
        self.persistent_load = persistent_load
        self.callable_ids = {id(c) for c in callables}
        self.user_classes = tuple(user_classes)
        self.encoding = encoding

    def load(self, pos: int = 0):
        """The object the pickle at `pos` holds, and the position after its STOP."""
        self.pos = pos
        self.stack: list = []
        self.memo: dict = {}
        while True:
            start = self.pos
            op = self._read(1)[0]
            handler = _DISPATCH.get(op)
            if handler is None:
                raise pickle.UnpicklingError(f"unsupported pickle opcode {bytes([op])!r} at byte {start}")
            try:
                if handler(self):
                    break
            except (IndexError, KeyError, TypeError, AttributeError, struct.error, UnicodeDecodeError, ValueError,
                    OverflowError, RecursionError) as e:
                if isinstance(e, pickle.UnpicklingError):
                    raise
                raise pickle.UnpicklingError(f"malformed pickle at byte {start} (opcode {bytes([op])!r}): "
                                             f"{type(e).__name__}: {e}") from None
        if callable(self.result):  # a class or function named by the file, where a checkpoint holds data
            raise pickle.UnpicklingError(f"the pickle holds {getattr(self.result, '__name__', self.result)!r}, a "
                                         "global of the checkpoint format, where a checkpoint holds data")
        return self.result, self.pos

    # ---- reading ---------------------------------------------------------------------------
    def _read(self, n: int) -> memoryview:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise pickle.UnpicklingError(f"pickle data was truncated: {n} bytes wanted at byte {self.pos}, "
                                         f"{len(self.data) - self.pos} left")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def _readline(self) -> bytes:
        rest = self.data[self.pos:]
        end = bytes(rest[:1 << 16]).find(b"\n")
        if end < 0:
            raise pickle.UnpicklingError(f"pickle data was truncated: no end of line after byte {self.pos}")
        line = bytes(rest[:end])
        self.pos += end + 1
        return line

    def _uint(self, n: int) -> int:
        return int.from_bytes(self._read(n), "little")

    def _pop_mark(self) -> list:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i] is MARK:
                items = self.stack[i + 1:]
                del self.stack[i:]
                return items
        raise pickle.UnpicklingError("pickle has no MARK where one is needed")

    def _push(self, value) -> None:
        self.stack.append(value)

    def _pop(self):
        value = self.stack.pop()
        if value is MARK:
            raise pickle.UnpicklingError("pickle used a MARK as a value")
        return value

    # ---- calls -------------------------------------------------------------------------------
    def _call(self, func, args):
        if id(func) not in self.callable_ids:
            raise pickle.UnpicklingError(f"the pickle calls {func!r}, which is not an allowlisted function or class")
        if not isinstance(args, tuple):
            raise pickle.UnpicklingError(f"the arguments of {func!r} must be a tuple, got {type(args).__name__}")
        return func(*args)

    def _new(self, cls, args, kwargs=None):
        if id(cls) not in self.callable_ids or not (cls in NEWOBJ_CLASSES or cls in self.user_classes):
            raise pickle.UnpicklingError(f"the pickle creates an instance of {cls!r}, which is not an allowlisted "
                                         f"class")
        if not isinstance(args, tuple) or not isinstance(kwargs or {}, dict):
            raise pickle.UnpicklingError(f"the arguments for {cls!r} must be a tuple and a dict")
        return cls.__new__(cls, *args, **(kwargs or {}))

    def _string(self, raw: bytes):
        return raw if self.encoding == "bytes" else raw.decode(self.encoding, "strict")


def _op_proto(u):
    version = u._read(1)[0]
    if version > pickle.HIGHEST_PROTOCOL:
        raise pickle.UnpicklingError(f"unsupported pickle protocol {version}")


def _op_frame(u):
    u._read(8)


def _op_stop(u):
    u.result = u._pop()
    return True


def _op_mark(u):
    u._push(MARK)


def _op_pop(u):
    u.stack.pop()


def _op_pop_mark(u):
    u._pop_mark()


def _op_dup(u):
    u._push(u.stack[-1])


_OLD_BOOLS = {b"00": False, b"01": True}  # protocol 0 writes booleans as INT 00 and 01


def _op_int(u):
    line = u._readline()
    u._push(_OLD_BOOLS[line] if line in _OLD_BOOLS else int(line))


def _op_long(u):
    u._push(int(u._readline().rstrip(b"L")))


def _op_float(u):
    u._push(float(u._readline()))


def _op_string(u):
    line = u._readline()
    if len(line) < 2 or line[0] != line[-1] or line[:1] not in (b"'", b'"'):
        raise pickle.UnpicklingError("the STRING opcode argument must be quoted")
    u._push(u._string(codecs.escape_decode(line[1:-1])[0]))


def _op_unicode(u):
    u._push(u._readline().decode("raw-unicode-escape"))


def _sized(n_bytes, convert):
    def op(u):
        u._push(convert(u, bytes(u._read(u._uint(n_bytes)))))
    return op


def _py2_str(u, raw):
    return u._string(raw)


def _utf8(u, raw):
    return raw.decode("utf-8", "surrogatepass")


def _bytes(u, raw):
    return raw


def _bytearray(u, raw):
    return bytearray(raw)


def _op_binfloat(u):
    u._push(struct.unpack(">d", u._read(8))[0])


def _fixed_int(n_bytes, signed):
    def op(u):
        u._push(int.from_bytes(u._read(n_bytes), "little", signed=signed))
    return op


def _long_n(n_bytes):
    def op(u):
        u._push(int.from_bytes(u._read(u._uint(n_bytes)), "little", signed=True))
    return op


def _const(value):
    def op(u):
        u._push(value)
    return op


def _empty(factory):
    def op(u):
        u._push(factory())
    return op


def _op_tuple(u):
    u._push(tuple(u._pop_mark()))


def _tuple_n(n):
    def op(u):
        items = [u._pop() for _ in range(n)][::-1]
        u._push(tuple(items))
    return op


def _op_list(u):
    u._push(u._pop_mark())


def _op_dict(u):
    items = u._pop_mark()
    u._push(dict(zip(items[::2], items[1::2])))


def _op_frozenset(u):
    u._push(frozenset(u._pop_mark()))


def _target(u, kinds, opcode):
    target = u.stack[-1]
    if type(target) not in kinds:
        raise pickle.UnpicklingError(f"{opcode} applies to {', '.join(k.__name__ for k in kinds)} only, "
                                     f"got {type(target).__name__}")
    return target


def _op_append(u):
    value = u._pop()
    _target(u, (list,), "APPEND").append(value)


def _op_appends(u):
    items = u._pop_mark()
    _target(u, (list,), "APPENDS").extend(items)


def _op_setitem(u):
    value, key = u._pop(), u._pop()
    _target(u, _MAPPINGS, "SETITEM")[key] = value


def _op_setitems(u):
    items = u._pop_mark()
    if len(items) % 2:
        raise pickle.UnpicklingError("SETITEMS needs key-value pairs")
    target = _target(u, _MAPPINGS, "SETITEMS")
    for k, v in zip(items[::2], items[1::2]):
        target[k] = v


def _op_additems(u):
    items = u._pop_mark()
    _target(u, (set,), "ADDITEMS").update(items)


def _memo_get(index):
    def op(u):
        key = index(u)
        if key not in u.memo:
            raise pickle.UnpicklingError(f"pickle refers to memo entry {key}, which it never stored")
        u._push(u.memo[key])
    return op


def _memo_put(index):
    def op(u):
        u.memo[index(u)] = u.stack[-1]
    return op


def _op_memoize(u):
    u.memo[len(u.memo)] = u.stack[-1]


def _op_global(u):
    module = u._readline().decode("utf-8")
    module = "builtins" if module == "__builtin__" else module  # files pickled by Python 2
    name = u._readline().decode("utf-8")
    u._push(u.find_global(module, name))


def _op_stack_global(u):
    name, module = u._pop(), u._pop()
    if not (isinstance(module, str) and isinstance(name, str)):
        raise pickle.UnpicklingError("STACK_GLOBAL needs a module and a name as strings")
    u._push(u.find_global(module, name))


def _op_reduce(u):
    args = u._pop()
    func = u._pop()
    u._push(u._call(func, args))


def _op_newobj(u):
    args = u._pop()
    cls = u._pop()
    u._push(u._new(cls, args))


def _op_newobj_ex(u):
    kwargs, args, cls = u._pop(), u._pop(), u._pop()
    u._push(u._new(cls, args, kwargs))


def _op_inst(u):
    cls = u.find_global(u._readline().decode("ascii"), u._readline().decode("ascii"))
    u._push(u._call(cls, tuple(u._pop_mark())))


def _op_obj(u):
    items = u._pop_mark()
    if not items:
        raise pickle.UnpicklingError("OBJ needs a class")
    u._push(u._call(items[0], tuple(items[1:])))


def _op_build(u):
    state = u._pop()
    inst = u.stack[-1]
    if type(inst) is OrderedDict and isinstance(state, dict) and all(_plain_name(k) for k in state):
        inst.__dict__.update(state)  # a module's state_dict carries `_metadata` so
        return
    if not (u.user_classes and isinstance(inst, u.user_classes)):
        raise pickle.UnpicklingError(f"the pickle sets the state of a {type(inst).__name__}; only instances of "
                                     f"classes allowlisted with add_safe_globals may have their state set")
    if getattr(type(inst), "__setstate__", None) is not None:
        inst.__setstate__(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        inst.__dict__.update(state)
    for k, v in (slots or {}).items():
        setattr(inst, k, v)


def _plain_name(key) -> bool:
    """An attribute name that is no dunder (which could change how Python treats the object)."""
    return isinstance(key, str) and key.isidentifier() and not key.startswith("__")


def _op_persid(u):
    u._push(u.persistent_load(u._readline().decode("ascii")))


def _op_binpersid(u):
    u._push(u.persistent_load(u._pop()))


_OPS = {
    pickle.PROTO: _op_proto, pickle.FRAME: _op_frame, pickle.STOP: _op_stop, pickle.MARK: _op_mark,
    pickle.POP: _op_pop, pickle.POP_MARK: _op_pop_mark, pickle.DUP: _op_dup,
    pickle.INT: _op_int, pickle.LONG: _op_long, pickle.FLOAT: _op_float, pickle.BINFLOAT: _op_binfloat,
    pickle.BININT: _fixed_int(4, True), pickle.BININT1: _fixed_int(1, False), pickle.BININT2: _fixed_int(2, False),
    pickle.LONG1: _long_n(1), pickle.LONG4: _long_n(4),
    pickle.NONE: _const(None), pickle.NEWTRUE: _const(True), pickle.NEWFALSE: _const(False),
    pickle.STRING: _op_string, pickle.UNICODE: _op_unicode,
    pickle.BINSTRING: _sized(4, _py2_str), pickle.SHORT_BINSTRING: _sized(1, _py2_str),
    pickle.BINUNICODE: _sized(4, _utf8), pickle.SHORT_BINUNICODE: _sized(1, _utf8),
    pickle.BINUNICODE8: _sized(8, _utf8),
    pickle.BINBYTES: _sized(4, _bytes), pickle.SHORT_BINBYTES: _sized(1, _bytes), pickle.BINBYTES8: _sized(8, _bytes),
    pickle.BYTEARRAY8: _sized(8, _bytearray),
    pickle.EMPTY_TUPLE: _const(()), pickle.EMPTY_LIST: _empty(list), pickle.EMPTY_DICT: _empty(dict),
    pickle.EMPTY_SET: _empty(set), pickle.TUPLE: _op_tuple, pickle.TUPLE1: _tuple_n(1), pickle.TUPLE2: _tuple_n(2),
    pickle.TUPLE3: _tuple_n(3), pickle.LIST: _op_list, pickle.DICT: _op_dict, pickle.FROZENSET: _op_frozenset,
    pickle.APPEND: _op_append, pickle.APPENDS: _op_appends, pickle.SETITEM: _op_setitem,
    pickle.SETITEMS: _op_setitems, pickle.ADDITEMS: _op_additems,
    pickle.GET: _memo_get(lambda u: int(u._readline())), pickle.BINGET: _memo_get(lambda u: u._uint(1)),
    pickle.LONG_BINGET: _memo_get(lambda u: u._uint(4)), pickle.PUT: _memo_put(lambda u: int(u._readline())),
    pickle.BINPUT: _memo_put(lambda u: u._uint(1)), pickle.LONG_BINPUT: _memo_put(lambda u: u._uint(4)),
    pickle.MEMOIZE: _op_memoize,
    pickle.GLOBAL: _op_global, pickle.STACK_GLOBAL: _op_stack_global, pickle.REDUCE: _op_reduce,
    pickle.NEWOBJ: _op_newobj, pickle.NEWOBJ_EX: _op_newobj_ex, pickle.INST: _op_inst, pickle.OBJ: _op_obj,
    pickle.BUILD: _op_build, pickle.PERSID: _op_persid, pickle.BINPERSID: _op_binpersid,
}
_DISPATCH = {op[0]: handler for op, handler in _OPS.items()}


# The tensor types a legacy tar checkpoint names beside each tensor (`torch.FloatTensor`); only their element
# type matters, so they stand for the storage type of that element type.
_LEGACY_TENSOR_TYPES = {f"torch{where}.{s.name[:-len('Storage')]}Tensor": s for s in TYPED for where in ("", ".cuda")}


def _ember_layer(module: str, name: str):
    """ember's class for a layer PyTorch pickled whole (`torch.save(model)`: torch.nn.modules.linear.Linear is
    ember.nn.Linear, whose attributes have PyTorch's names) and ember's function for a torch.nn.functional one a
    layer holds (TransformerEncoderLayer's activation), or None."""
    from .. import nn  # lazy: serialization loads before nn
    if module == "torch.nn.functional":
        return getattr(nn.functional, name, None)
    if not module.startswith("torch.nn.modules."):
        return None
    try:
        layer = getattr(importlib.import_module("ember" + module[len("torch"):]), name, None)
    except ImportError:  # a file ember splits otherwise: the layer by its name in nn
        layer = None
    layer = getattr(nn, name, None) if layer is None else layer
    return layer if isinstance(layer, type) and issubclass(layer, nn.Module) else None


class TrustedUnpickler(pickle.Unpickler):
    """Python's unpickler for `weights_only=False`: any global may load, PyTorch's names resolve to ember's."""

    def find_class(self, module, name):
        full = f"{module}.{name}"
        if full in _LEGACY_TENSOR_TYPES:
            return _LEGACY_TENSOR_TYPES[full]
        if full in allowlist.ALLOWED or module == "torch":
            return allowlist.find_allowed(module, name)
        layer = _ember_layer(module, name)
        if layer is not None:
            return layer
        if module.startswith("torch."):
            raise pickle.UnpicklingError(
                f"the checkpoint pickles PyTorch's {full}, which ember cannot load; save the model's state_dict() "
                f"in PyTorch instead and load it into the same model in ember with load_state_dict")
        return super().find_class(module, name)
