"""Graph nodes: the backward functions that results point to through `grad_fn`, and torch.autograd.graph's API
on them: saved tensor hooks, gradient edges, multi-grad hooks."""
import contextlib
import sys
from typing import NamedTuple

import numpy as np

from .._dtype import scalar_type_name
from .._hooks import RemovableHandle, add_hook
from .._tensor import Tensor, wrap
from ..backend import array_module, is_half
from .grad_mode import no_grad

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "register_multi_grad_hook",
           "allow_mutation_on_saved_tensors", "Node", "GradientEdge", "get_gradient_edge", "increment_version"]

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward.")


class Node:
    """A backward function in the autograd graph (PyTorch's `grad_fn` objects).

    `next_functions` holds one `(node, output_nr)` edge per differentiable input, `(None, 0)`
    where the input needs no gradient. Subclasses implement `apply(grads) -> input grads`.
    `reads_inputs` marks the nodes whose PyTorch backward reads the op's inputs (see NOTE [ Backward
    reads inputs ]).
    """
    # Creating a node sets no attribute; `record` sets the slots. What most nodes never change
    # is a class-level default, and the few nodes with hooks keep their own values in __dict__.
    __slots__ = ("next_functions", "_shapes", "_saved", "_versions", "__dict__", "__weakref__")
    n_outputs = 1
    _result_at = -1
    _pre_hooks = None
    _retained = None
    _hooks = None
    _packed = False  # True once a saved tensor went through pack hooks (NOTE [ Saved tensor hooks ])
    reads_inputs = None

    def name(self) -> str:
        """The node's PyTorch name, e.g. 'AddBackward0'."""
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def __call__(self, *grads):
        return self.apply(list(grads))

    @property
    def metadata(self) -> dict:
        """A dict for the user's own annotations, as in PyTorch."""
        return self.__dict__.setdefault("_metadata", {})

    def register_hook(self, fn):
        """Call `fn(grad_inputs, grad_outputs)` after this node runs; it may return new grad_inputs."""
        self._hooks, handle = add_hook(self._hooks, fn)
        return handle

    def register_prehook(self, fn):
        """Call `fn(grad_outputs)` before this node runs; it may return new grad_outputs."""
        return self._add_pre_hook(None, fn)

    def _add_pre_hook(self, output_nr, fn):
        self._pre_hooks, handle = add_hook(self._pre_hooks, (output_nr, fn))
        return handle

    def saved_values(self):
        """The values saved for backward, unpacked; RuntimeError if freed or modified in place."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        if self._versions is not None:  # the node saved a tensor
            for i, counter, version in self._versions:
                if counter[0] != version:
                    self._raise_modified(i, counter[0], version)
            if self._packed:
                return self._unpack_packed(saved)
        if self._result_at >= 0:
            return self._unpack_result(saved)
        return saved

    def _unpack_packed(self, saved):
        # NOTE [ Saved tensor hooks ]
        if self._result_at >= 0:  # beside tensors packed by grad_fn._raw_saved_<name>.register_hooks
            saved = self._unpack_result(saved)
        return tuple(v.unpack(self) if v.__class__ is _Packed else v for v in saved)

    def _value_at(self, i: int):
        """The saved value at position i, unpacked (grad_fn._saved_<name>); checks only that value's version."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        for j, counter, version in self._versions or ():
            if j == i and counter[0] != version:
                self._raise_modified(i, counter[0], version)
        if i == self._result_at:
            return self._unpack_result(saved)[i]
        v = saved[i]
        return v.unpack(self) if v.__class__ is _Packed else v

    def _named_value(self, i: int, wrapped: bool, name: str):
        """grad_fn._saved_<name>: the value saved at position i (NOTE [ Saved values by name ])."""
        if self._saved is not None and i >= len(self._saved):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = self._value_at(i)
        if wrapped and value is not None and not isinstance(value, Tensor):
            return wrap(np.asarray(value))  # PyTorch saves a number operand as a 0-dim tensor of its own dtype
        return value

    def _raw_value(self, i: int, name: str) -> "SavedTensor":
        """grad_fn._raw_saved_<name>: the tensor saved at position i, for its register_hooks."""
        saved = self._saved
        if saved is not None and (i >= len(saved) or i != self._result_at
                                  and not (saved[i] is None or isinstance(saved[i], (Tensor, _Packed)))):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r} (ember saves a number "
                                 f"there, not a tensor)")
        return SavedTensor(self, i)

    def _unpack_result(self, saved):
        # NOTE [ Saved results ]: an op that saves its own output (exp, tanh, sigmoid) keeps only the
        # output's array and version counter, not the output Tensor: the Tensor points to this node
        # through grad_fn, and keeping it here would make a reference cycle that holds every
        # activation until the garbage collector runs. Unpacking rebuilds an equivalent Tensor whose
        # grad_fn is this node, so higher-order gradients still flow through it. Under forward AD the node keeps
        # the result's marks, which the rebuilt Tensor gets, so that a gradient computed from it has the result's
        # tangents (forward-over-reverse; NOTE [ Hidden graph ] in forward_ad.py).
        i = self._result_at
        data, counter = saved[i]
        out = wrap(data)
        out._vc = counter
        out._rg = True
        out._grad_fn = self
        marks = self.__dict__.get("_result_marks")
        if marks is not None:
            if marks[0]:
                out._fw_hidden = True
            out._fw_sources = marks[1]
        return saved[:i] + (out,) + saved[i + 1:]

    def _raise_modified(self, i, now, then):
        value = self._saved[i]
        if i == self._result_at:
            value = value[0]
        shape = list(value.shape)
        kind = scalar_type_name(value.dtype)
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [ember.{kind}Tensor {shape}], which is saved by {self.name()}, is at version "
            f"{now}; expected version {then} instead. Hint: the operation that modified it ran after "
            "this one in the forward pass; use an out-of-place version of it (e.g. x = x + 1 instead of "
            "x += 1) or .clone() the tensor before modifying it.")

    def release(self):
        """Free the saved tensors (after a backward without retain_graph).

        A node that saved no tensor (only shapes or numbers) keeps working, so a second backward
        through it succeeds, as in PyTorch.
        """
        if self._versions is not None:
            self._saved = None


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds incoming gradients into `variable.grad`."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self) -> str:
        """PyTorch's name, with ember's word for itself: 'ember::autograd::AccumulateGrad'."""
        return "ember::autograd::AccumulateGrad"


# NOTE [ Backward reads inputs ]
# PyTorch computes the gradient of relu, hardtanh, pooling, reflection padding, convolution and a few
# more with a backward op that takes the op's input as well as the output gradient. Where the gradient
# is piecewise constant in that input (relu's mask, pooling's chosen elements), the backward op's own
# derivative with respect to the input is zero, but its result still requires grad whenever the input
# does: `autograd.grad(relu(x).sum(), x, create_graph=True)[0]` requires grad, and differentiating it
# again gives zeros rather than "element 0 of tensors does not require grad". ember's formulas compute
# such gradients from the output gradient alone, so under create_graph the engine records a gradient
# of a node with `reads_inputs` that does not require grad as the result of an `InputTie` over the
# node's inputs, named as PyTorch names the backward op's node (`<Node>Backward0`, with
# `ReluBackward0` giving `ReluBackwardBackward0`). Its gradient for each input is what PyTorch's
# gives: zeros (`reads_inputs = "zeros"`), none at all (`"no grad"`, convolution's), or PyTorch's
# RuntimeError where it has no such derivative (`"not implemented"`, hardsigmoid's).


class InputTie(Node):
    """A gradient's dependence, with zero derivative, on the inputs of the op it is the gradient of."""
    __slots__ = ()
    gradient = "zeros"

    def apply(self, grads):
        if self.gradient == "not implemented":
            raise RuntimeError(f"the derivative of {self.name()[:-9]} (the backward of an op) is not "
                               "implemented, as in PyTorch")
        if self.gradient == "no grad":
            return (None,) * len(self._shapes)
        xp = array_module(grads[0]._data)
        return tuple(None if meta is None else wrap(xp.zeros(meta[0], meta[1])) for meta in self._shapes)


_TIES = {}  # node name -> its InputTie class


def tie_to_inputs(node: Node, grads):
    """The gradients `node` returned, each one that does not require grad recorded as an InputTie over
    the node's inputs (NOTE [ Backward reads inputs ]); called by the engine under create_graph."""
    out = list(grads)
    for i, g in enumerate(out):
        if g is None or g._rg:
            continue
        name = node.name()[:-1] + "Backward0"
        cls = _TIES.get(name)
        if cls is None:
            cls = _TIES[name] = type(name, (InputTie,), {"__slots__": (), "gradient": node.reads_inputs})
        tie = cls()
        tie.next_functions = node.next_functions
        tie._shapes = node._shapes
        tie._saved = ()
        tie._versions = None
        t = out[i] = wrap(g._data)
        t._grad_fn = tie
        t._rg = True
    return out


class FunctionNode(Node):
    """A node whose backward is a Python function `formula(grad, *saved) -> tuple of input grads`.

    The op families define one subclass per PyTorch name from their formula tables.
    """
    __slots__ = ()
    formula = None
    holomorphic = True
    in_float32 = ""  # the NumPy kinds of half precision whose gradients compute in float32 (NOTE [ Half precision
    # arithmetic ]): "fV" for float16 and bfloat16, "V" for bfloat16 alone

    def apply(self, grads):
        g = grads[0]
        dt = g._data.dtype
        if dt.kind == "c" and self.holomorphic:  # NOTE [ Complex gradients ]
            return tuple(None if x is None else x.conj() for x in self.formula(g.conj(), *self.saved_values()))
        if dt.itemsize == 2 and self.in_float32 and dt.kind in self.in_float32:  # the engine rounds the results
            return self.formula(g.float(), *(widened_value(s) for s in self.saved_values()))
        return self.formula(g, *self.saved_values())


def widened_value(value):
    """A half-precision tensor as float32; other tensors and values as they are."""
    if isinstance(value, Tensor) and is_half(value._data):
        return value.float()
    return value


# NOTE [ Complex gradients ]
# For a complex tensor ember follows PyTorch's convention: the gradient of a real loss L with respect to
# z = x + iy is dL/dx + i dL/dy, the conjugate Wirtinger derivative, so that a gradient step z - lr * grad
# lowers L. For a holomorphic op w = f(z) the chain rule gives grad_z = grad_w * conj(f'(z)). The formula
# tables are written for real inputs, as grad_w * f'(z) over the saved values; since they are linear in the
# gradient, conj(formula(conj(grad_w))) = grad_w * conj(f'(z)) is the complex gradient, and FunctionNode
# computes it so whenever a gradient arrives complex. Ops that are not holomorphic (abs, angle, the parts
# and views of complex numbers, complex(), polar()) have their own formulas, in a table made with
# `holomorphic=False`. A real input of an op whose gradient comes out complex (a real tensor times a complex
# one) gets the real part of it: the engine conforms every gradient to its input's dtype.


def no_derivative(message: str, error: type = RuntimeError):
    """The formula of a node PyTorch records but cannot differentiate: backward through it raises error(message)."""
    def formula(grad, *saved):
        raise error(message)
    return formula


class NodeTable(dict):
    """An op family's node classes by PyTorch name: `NODES.AddBackward0` where the name is written out,
    `NODES[name]` where it is computed."""

    def __getattr__(self, name: str) -> type:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"this op family defines no node class {name!r}") from None


def node_classes(table: dict, reads_inputs: dict | None = None, holomorphic: bool = True,
                 printed: dict | None = None, in_float32: dict | None = None) -> NodeTable:
    """Make one FunctionNode subclass per entry of a formula table {name: formula}; `reads_inputs` maps
    node names to what PyTorch's double backward gives their inputs (NOTE [ Backward reads inputs ]);
    `holomorphic=False` marks formulas written for complex inputs as they are (NOTE [ Complex gradients ]);
    `printed` maps class names to the names `grad_fn.name()` prints where they differ, for PyTorch's nodes
    defined only in C++ ('ember::autograd::CopySlices', which several ember nodes stand for); `in_float32` maps
    the nodes whose PyTorch backward is one kernel computing half precision in float32 (rounded once) to the NumPy
    kinds of the half dtypes it does so for: "fV" (float16 and bfloat16) or "V" (NOTE [ Half precision arithmetic ]).

    The family's ops create nodes from the table by their PyTorch names, `NODES.AddBackward0()`; each class
    reports the calling module as its `__module__`.
    """
    reads_inputs, printed, in_float32 = reads_inputs or {}, printed or {}, in_float32 or {}
    unknown = (set(reads_inputs) | set(printed) | set(in_float32)) - set(table)
    if unknown:
        raise KeyError(f"reads_inputs, printed or in_float32 names nodes that the table does not define: "
                       f"{sorted(unknown)}")
    module = sys._getframe(1).f_globals["__name__"]
    nodes = NodeTable()
    for name, f in table.items():
        attributes = {"__slots__": (), "formula": staticmethod(f), "holomorphic": holomorphic,
                      "reads_inputs": reads_inputs.get(name), "in_float32": in_float32.get(name, ""),
                      "__module__": module}
        if name in printed:
            attributes["name"] = _printed_name(printed[name])
        attributes.update(_saved_accessors(name))
        nodes[name] = type(name, (FunctionNode,), attributes)
    return nodes


def _printed_name(text: str):
    def name(self) -> str:
        return text
    return name


# ---- saved tensors ----------------------------------------------------------------------------------------------

# NOTE [ Saved tensor hooks ]
# Under `saved_tensors_hooks(pack_hook, unpack_hook)` every tensor an op saves for backward goes through the
# innermost active pair: `record` calls pack_hook(tensor) once, under no_grad, and the node keeps what it returned
# (a _Packed) in place of the tensor; every read (the backward formula, `ctx.saved_tensors`, `grad_fn._saved_<name>`)
# calls unpack_hook on it and gets a new Tensor standing where the original stood in the graph (its grad_fn and
# output_nr, its leaf's AccumulateGrad, or this node for a saved result), so higher-order gradients still reach the
# original. As in PyTorch: numbers are not packed; a packed tensor's version is not checked (the hooks decide what is
# kept); a pack hook that modifies its input in place raises; the unpacked tensor is not checked against the original's
# shape or dtype, only that it is a Tensor. `grad_fn._raw_saved_<name>.register_hooks(pack, unpack)` packs one saved
# tensor the same way. With no hooks active `record` pays one test of the empty stack, and backward one test of
# `_packed` per node that saved a tensor.
SAVED_TENSORS_HOOKS = []  # the active (pack_hook, unpack_hook) pairs, innermost last; record() reads it
_HOOKS_DISABLED = [None]  # the error message while disable_saved_tensors_hooks is active

_FREED_REGISTER = (
    "Calling register_hooks on a saved tensor after it has been freed. Saved intermediate values of the graph are "
    "freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved variables after calling backward.")


class _Packed:
    """A saved tensor as its pack hook returned it, with where the original stood in the graph."""
    __slots__ = ("value", "unpack_hook", "requires_grad", "is_result", "grad_fn", "output_nr", "acc", "marks")

    def unpack(self, node: Node) -> Tensor:
        t = self.unpack_hook(self.value)
        if not isinstance(t, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                            f"{type(t).__name__}")
        out = wrap(t._data)
        out._vc = t._vc
        if self.requires_grad:
            out._rg = True
            if self.is_result:
                out._grad_fn = node
            elif self.grad_fn is not None:
                out._grad_fn = self.grad_fn
                if self.output_nr:
                    out._output_nr = self.output_nr
            else:
                out._acc = self.acc
        if self.marks is not None:  # forward AD's marks (NOTE [ Hidden graph ] in forward_ad.py)
            out._fw_hidden, out._fw_sources = self.marks
        return out


def _pack(t: Tensor, pack_hook, unpack_hook, is_result: bool) -> _Packed:
    """`t` through pack_hook (NOTE [ Saved tensor hooks ])."""
    version = t._vc[0]
    with no_grad():
        value = pack_hook(t)
    if t._vc[0] != version:
        raise RuntimeError("A saved tensor pack hook is modifying its input in place. Tensors provided as input to "
                           "pack hook cannot be modified by in-place operations as this can lead to unexpected "
                           "side-effects. Please open an issue if you need to perform in-place operations on the input "
                           "to a pack hook.")
    p = _Packed()
    p.value, p.unpack_hook, p.requires_grad, p.is_result = value, unpack_hook, t._rg, is_result
    p.grad_fn = None if is_result else t._grad_fn
    p.output_nr = t._output_nr
    p.acc = None
    if t._rg and t._grad_fn is None and not is_result:
        from .record import accumulator  # lazy: record builds on this module
        accumulator(t)
        p.acc = t._acc
    p.marks = (t._fw_hidden, t._fw_sources) if t._fw_hidden or t._fw_sources else None
    return p


def pack_saved(node: Node, out: Tensor, hooks) -> None:
    """Pass every tensor `node` saved (its result `out` among them) through the pack hook of `hooks`; called by
    record() while saved_tensors_hooks is active. `hooks` is None inside a checkpointed function."""
    if hooks is None:
        return
    pack_hook, unpack_hook = hooks
    saved = list(node._saved)
    for i, v in enumerate(saved):
        if i == node._result_at:
            saved[i] = _pack(out, pack_hook, unpack_hook, True)
        elif isinstance(v, Tensor):
            saved[i] = _pack(v, pack_hook, unpack_hook, False)
    node._saved = tuple(saved)
    node._result_at = -1
    node._versions = []
    node._packed = True


class SavedTensor:
    """One tensor a node saved for backward, as `grad_fn._raw_saved_<name>` gives it (PyTorch's
    torch._C._autograd.SavedTensor)."""
    __slots__ = ("_node", "_at")

    def __init__(self, node: Node, at: int):
        self._node, self._at = node, at

    def unpack(self) -> Tensor | None:
        """The saved tensor, as backward reads it."""
        return self._node._value_at(self._at)

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        """Pack the saved tensor with pack_hook now; every later read unpacks it with unpack_hook."""
        if not (callable(pack_hook) and callable(unpack_hook)):
            raise TypeError(f"register_hooks(): pack_hook and unpack_hook must be callable, but got "
                            f"{type(pack_hook).__name__} and {type(unpack_hook).__name__}")
        node, i = self._node, self._at
        saved = node._saved
        if saved is None:
            raise RuntimeError(_FREED_REGISTER)
        v = saved[i]
        if v.__class__ is _Packed:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. Hint: only "
                               "one pair of hooks is allowed at a time.")
        if v is None:
            raise RuntimeError("Calling register_hooks on a saved tensor with value None is forbidden")
        if i == node._result_at:
            result = wrap(v[0])
            result._vc, result._rg = v[1], True
            packed = _pack(result, pack_hook, unpack_hook, True)
            node._result_at = -1
        else:
            packed = _pack(v, pack_hook, unpack_hook, False)
        node._saved = saved[:i] + (packed,) + saved[i + 1:]
        node._versions = [entry for entry in node._versions or () if entry[0] != i]
        node._packed = True


class saved_tensors_hooks:
    """Context manager that passes every tensor saved for backward inside it through `pack_hook(tensor) -> Any`, and
    what it returned through `unpack_hook(packed) -> Tensor` when backward reads it. Nested, the innermost pair applies.
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if _HOOKS_DISABLED[0] is not None:
            raise RuntimeError(_HOOKS_DISABLED[0])
        SAVED_TENSORS_HOOKS.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc) -> None:
        SAVED_TENSORS_HOOKS.pop()


class save_on_cpu(saved_tensors_hooks):
    """Context manager under which the tensors saved for backward are kept on the CPU and copied back to their device
    when backward reads them (on CPU tensors, nothing is copied)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        import ember  # lazy: the device modules sit above autograd
        device_module = getattr(ember, device_type, ember.cuda)

        def pack_to_cpu(tensor):
            if not pin_memory:
                return tensor.device, tensor.cpu()
            packed = ember.empty(tensor.size(), dtype=tensor.dtype, pin_memory=device_module.is_available())
            packed.copy_(tensor)
            return tensor.device, packed

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def checkpoint_saved_tensors():
    """Context manager for the forward of a non-reentrant checkpoint (ember.utils.checkpoint), which keeps what its ops
    save its own way: as in PyTorch, where its hooks are the innermost, outer saved tensor hooks see none of it."""
    SAVED_TENSORS_HOOKS.append(None)
    try:
        yield
    finally:
        SAVED_TENSORS_HOOKS.pop()


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Context manager inside which entering saved_tensors_hooks (or save_on_cpu) raises RuntimeError(error_message);
    entering it while such hooks are active raises the same."""
    previous = _HOOKS_DISABLED[0]
    try:
        if SAVED_TENSORS_HOOKS:
            raise RuntimeError(error_message)
        _HOOKS_DISABLED[0] = error_message
        yield
    finally:
        _HOOKS_DISABLED[0] = previous


_MUTATION_ALLOWED = [False]


@contextlib.contextmanager
def allow_mutation_on_saved_tensors():
    """Context manager under which a tensor saved for backward may be modified in place afterwards: backward uses its
    value at the time it was saved. ember keeps a copy of each saved tensor (PyTorch copies one only when it is
    modified, and yields the record of its copies where ember yields None); forward and backward must both run
    inside."""
    if _MUTATION_ALLOWED[0]:
        raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")

    def unpack(t):
        if not _MUTATION_ALLOWED[0]:
            raise AssertionError("Trying to backward outside of the 'allow_mutation_on_saved_tensors' context in which "
                                 "the graph was originally recorded.")
        return t

    with saved_tensors_hooks(lambda t: t.clone(), unpack):
        _MUTATION_ALLOWED[0] = True
        try:
            yield None
        finally:
            _MUTATION_ALLOWED[0] = False


# NOTE [ Saved values by name ]
# PyTorch exposes what each node saved as grad_fn._saved_<name> (and each saved tensor as grad_fn._raw_saved_<name>),
# named as in its derivatives.yaml. The table below names the values of the common nodes in the order their ops pass
# them to record() (None: a value of ember's own, such as a flag, that PyTorch does not save); the parity tests in
# tests/autograd/test_saved_tensor_hooks.py check every entry against PyTorch, so an op that changes what it saves
# must change its entry. A number PyTorch saves as a 0-dim tensor (`x * 2`'s other) is given as one.
_SELF = ("self",)
_RESULT = ("result",)
SAVED_NAMES = {
    "MulBackward0": ("self", "other"), "DivBackward0": ("self", "other"),
    "PowBackward0": ("self", "exponent"), "PowBackward1": ("self", "exponent", None, "result"),
    "PowBackward2": ("self", "exponent", "result"),
    **dict.fromkeys(("ExpBackward0", "Exp2Backward0", "Expm1Backward0", "SigmoidBackward0", "TanhBackward0",
                     "SqrtBackward0", "RsqrtBackward0", "ReciprocalBackward0", "ReluBackward0", "TanBackward0"),
                    _RESULT),
    **dict.fromkeys(("LogBackward0", "Log2Backward0", "Log10Backward0", "Log1PBackward0", "SinBackward0",
                     "CosBackward0", "AsinBackward0", "AcosBackward0", "AtanBackward0", "SinhBackward0",
                     "CoshBackward0", "AsinhBackward0", "AtanhBackward0", "ErfBackward0", "ErfcBackward0",
                     "AbsBackward0", "SiluBackward0", "MishBackward0", "HardswishBackward0", "HardsigmoidBackward0"),
                    _SELF),
    "SoftmaxBackward0": ("result", "dim"), "LogSoftmaxBackward0": ("result", "dim"),
    "GeluBackward0": ("self", "approximate"), "LeakyReluBackward0": ("self", "negative_slope"),
    "HardtanhBackward0": ("self", "min_val", "max_val"), "SoftplusBackward0": ("self", "beta", "threshold"),
    "EluBackward0": ("self", "alpha", "scale", "input_scale"),
    "ClampBackward0": ("self", "min", "max"), "ClampBackward1": ("self", "min", "max"),
    "MmBackward0": ("self", "mat2", None), "AddmmBackward0": ("mat1", "mat2", "beta", "alpha", None),
    "BmmBackward0": ("self", "mat2"), "MvBackward0": ("self", "vec"), "DotBackward0": ("self", "tensor"),
    "AddBackward0": ("alpha",), "SubBackward0": ("alpha",),
    "SumBackward0": ("self_sym_sizes",), "SumBackward1": ("self_sym_sizes", "dim", "keepdim"),
    "MeanBackward0": ("self_sym_sizes", "self_sym_numel"), "MeanBackward1": ("self_sym_sizes", "dim", "keepdim", None),
    "ViewBackward0": ("self_sym_sizes",), "ExpandBackward0": ("self_sym_sizes",),
    "PermuteBackward0": ("dims",), "TransposeBackward0": ("dim0", "dim1"), "UnsqueezeBackward0": ("dim",),
    "MaximumBackward0": ("self", "other"), "MinimumBackward0": ("self", "other"),
    "MaxBackward1": ("self", "result"), "MinBackward1": ("self", "result"),
    "AmaxBackward0": ("self", "result", "dim", "keepdim"), "LogsumexpBackward0": ("self", "result", "dim", "keepdim"),
    "ProdBackward0": ("self", "result"),
    "WhereBackward0": ("condition",),
    "AddcmulBackward0": ("tensor1", "tensor2", "value"), "AddcdivBackward0": ("tensor1", "tensor2", "value"),
    "MseLossBackward0": ("self", "target", None),
}
_WRAPPED_NUMBERS = {("MulBackward0", "other"), ("DivBackward0", "other")}


def _saved_accessors(node: str) -> dict:
    """The `_saved_<name>` and `_raw_saved_<name>` properties of node class `node`, from SAVED_NAMES (properties
    rather than a __getattr__, which would slow down every attribute read of every node)."""
    accessors = {}
    for i, field in enumerate(SAVED_NAMES.get(node, ())):
        if field:
            wrapped, name, raw = (node, field) in _WRAPPED_NUMBERS, "_saved_" + field, "_raw_saved_" + field
            accessors[name] = property(lambda self, i=i, w=wrapped, n=name: self._named_value(i, w, n))
            accessors[raw] = property(lambda self, i=i, n=raw: self._raw_value(i, n))
    return accessors


# ---- gradient edges and multi-grad hooks -----------------------------------------------------------------------

class GradientEdge(NamedTuple):
    """Where a tensor's gradient is computed in the graph: `(node, output_nr)`. `autograd.grad` and `backward` take one
    in place of a tensor, in `inputs` (and in `outputs`, given its grad_outputs)."""
    node: Node
    output_nr: int
    ownership_token: Node | None = None


def _grad_fn_or_accumulator(t: Tensor) -> Node:
    """t's grad_fn, or its AccumulateGrad node when t is a leaf that requires grad."""
    if isinstance(t, GradientEdge):
        return t.node
    if t._grad_fn is not None:
        return t._grad_fn
    if not t._rg:
        raise AssertionError("Expected gradient function to be set: the tensor does not require grad")
    from .record import accumulator  # lazy: record builds on this module
    return accumulator(t)


def get_gradient_edge(tensor: Tensor) -> GradientEdge:
    """The edge through which the gradient of `tensor` flows: `autograd.grad(loss, get_gradient_edge(x))` gives what
    `autograd.grad(loss, x)` gives."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require gradients")
    return GradientEdge(_grad_fn_or_accumulator(tensor), tensor._output_nr)


def increment_version(tensor) -> None:
    """Count an in-place change that ember did not see (a kernel writing through data_ptr, say) in the version of
    `tensor` (or of each tensor of an iterable), so that backward through a node that saved it raises."""
    for t in (tensor,) if isinstance(tensor, Tensor) else tensor:
        t._vc[0] += 1


class _MultiHandle(RemovableHandle):
    """The handle of register_multi_grad_hook: removes the hook from every tensor."""

    def __init__(self, handles: tuple):
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def __getstate__(self):
        return self.handles

    def __setstate__(self, state):
        self.handles = state


def register_multi_grad_hook(tensors, fn, *, mode: str = "all") -> RemovableHandle:
    """Call `fn` once per backward over `tensors`: in mode "all" with the list of their gradients, once every one that
    this backward computes is computed (None for the others); in mode "any" with the first gradient computed."""
    # lazy: the engine builds on this module
    from .engine import current_graph_task_id, running_graph_task_ids, will_engine_execute_node
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = list(tensors)
    state = {}  # per backward running: "any", whether fn ran; "all", [calls still expected, gradients]

    def task_state():
        task = current_graph_task_id()
        if task not in state:
            for done in state.keys() - running_graph_task_ids():  # a backward that ended before every hook ran
                del state[done]
        return task

    if mode == "any":
        def any_hook(grad):
            task = task_state()
            if task not in state:
                state[task] = True
                fn(grad)

        return _MultiHandle(tuple(t.register_hook(any_hook) for t in tensors if t.requires_grad))

    nodes = [_grad_fn_or_accumulator(t) for t in tensors]  # held: a leaf's AccumulateGrad lives as long as the hook

    def hook_for(i):
        def hook(grad):
            task = task_state()
            if task not in state:
                state[task] = [sum(map(will_engine_execute_node, nodes)), [None] * len(nodes)]
            pending = state[task]
            pending[1][i] = grad
            pending[0] -= 1
            if pending[0] == 0:
                del state[task]
                fn(pending[1])
        return hook

    return _MultiHandle(tuple(t.register_hook(hook_for(i)) for i, t in enumerate(tensors)))
