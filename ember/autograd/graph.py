"""Graph nodes: the backward functions that results point to through `grad_fn`."""
import sys

from .._dtype import scalar_type_name
from .._hooks import add_hook
from .._tensor import Tensor, wrap
from ..backend import array_module

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
        if self._versions is not None:
            for i, counter, version in self._versions:
                if counter[0] != version:
                    self._raise_modified(i, counter[0], version)
        if self._result_at >= 0:
            return self._unpack_result(saved)
        return saved

    def _unpack_result(self, saved):
        # NOTE [ Saved results ]: an op that saves its own output (exp, tanh, sigmoid) keeps only the
        # output's array and version counter, not the output Tensor: the Tensor points to this node
        # through grad_fn, and keeping it here would make a reference cycle that holds every
        # activation until the garbage collector runs. Unpacking rebuilds an equivalent Tensor whose
        # grad_fn is this node, so higher-order gradients still flow through it.
        i = self._result_at
        data, counter = saved[i]
        out = wrap(data)
        out._vc = counter
        out._rg = True
        out._grad_fn = self
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
    if isinstance(value, Tensor) and value._data.dtype.itemsize == 2 and value._data.dtype.kind in "fV":
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
        nodes[name] = type(name, (FunctionNode,), attributes)
    return nodes


def _printed_name(text: str):
    def name(self) -> str:
        return text
    return name
