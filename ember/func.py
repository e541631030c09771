"""ember.func: PyTorch's function transforms (torch.func) on ember's autograd.

`grad`, `grad_and_value`, `vjp`, `jacrev` and `hessian` are built on reverse-mode autograd, `jvp` and `jacfwd` on
forward mode (`ember.autograd.forward_ad`); each keeps the graph of its gradients, so transforms nest (`hessian`
is `jacfwd(jacrev(f))`), and each `jvp` or `jacfwd` opens a dual level of its own, so forward mode nests too
(`jacfwd(jacfwd(f))`, a `jvp` inside a `jvp`: NOTE [ Nested levels ] in autograd/forward_ad.py). A custom
autograd.Function inside a transform follows PyTorch's rules (NOTE [ Custom Functions in forward mode ] in
autograd/function.py).
`linearize` records func once and gives each Jacobian-vector product by one backward pass. `vmap` (ember/_vmap.py)
runs the function once on the whole batch by batching rules, falling back to a loop over the batch for an op
without one.
`functional_call` runs a module with other parameters and buffers; `stack_module_state` stacks the parameters
and buffers of several models for it.
"""
import contextlib
import functools

from ._creation import eye, zeros_like
from ._tensor import Tensor
from ._tree import flatten, unflatten
from ._vmap import vmap, vmap_level
from .autograd import forward_ad
from .autograd import grad as _autograd_grad
from .autograd.function import FUNC_TRANSFORMS
from .autograd.grad_mode import DUAL_LEVEL_OPEN, enable_grad
from .autograd.graph import AccumulateGrad
from .ops.shape import stack

__all__ = ["functional_call", "functionalize", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "linearize", "replace_all_batch_norm_modules_", "stack_module_state", "vjp", "vmap"]


# ---- functional_call ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _swapped(module, tensors: dict):
    """The module with the named parameters and buffers replaced by `tensors` inside the block; a name that is
    neither (of a submodule that exists) is set as a plain attribute for the block, as PyTorch does."""
    saved = []
    for name, value in tensors.items():
        owner_name, _, attr = name.rpartition(".")
        owner = module.get_submodule(owner_name) if owner_name else module
        table = owner._parameters if attr in owner._parameters else owner._buffers if attr in owner._buffers \
            else owner.__dict__
        saved.append((table, attr, table.get(attr, _ABSENT)))
        table[attr] = value
    try:
        yield module
    finally:
        for table, attr, original in reversed(saved):
            if original is _ABSENT:
                del table[attr]
            else:
                table[attr] = original


_ABSENT = object()


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """module(*args, **kwargs) with its parameters and buffers taken from the given dict (or dicts); the module
    itself is left as it was."""
    dicts = parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (list, tuple)) \
        else [parameter_and_buffer_dicts]
    tensors = {}
    for d in dicts:
        overlap = set(tensors) & set(d)
        if overlap:
            raise ValueError(f"{sorted(overlap)} appeared in multiple dictionaries; behavior of functional call is "
                             f"ambiguous")
        tensors.update(d)
    if strict:
        expected = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing, unexpected = sorted(expected - set(tensors)), sorted(set(tensors) - expected)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: missing keys {missing}, "
                               f"unexpected keys {unexpected}")
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _swapped(module, tensors):
        return module(*args, **(kwargs or {}))


def replace_all_batch_norm_modules_(root):
    """Make every batch norm layer in `root` keep no running statistics (their buffers None), in place, so that vmap
    over a model computes batch statistics per example; returns root."""
    from .nn.modules.batchnorm import _BatchNorm  # lazy: ember.func loads before ember.nn
    for module in root.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.running_mean = module.running_var = module.num_batches_tracked = None
            module.track_running_stats = False
    return root


def stack_module_state(models) -> tuple[dict, dict]:
    """(params, buffers) of the models, each name's tensors stacked along a new first dimension: new leaves,
    which require grad where the models' tensors do."""
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = [dict(m.named_parameters()) for m in models]
    buffers = [dict(m.named_buffers()) for m in models]
    return ({name: _stacked_leaf([p[name] for p in params], name) for name in params[0]},
            {name: _stacked_leaf([b[name] for b in buffers], name) for name in buffers[0]})


def _stacked_leaf(tensors: list, name: str) -> Tensor:
    requires_grad = {t.requires_grad for t in tensors}
    if len(requires_grad) != 1:
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    return stack([t.detach() for t in tensors]).requires_grad_(requires_grad.pop())


# ---- gradients --------------------------------------------------------------------------------------------------
def _leaves(args, argnums):
    """The arguments with the tensors of those at `argnums` made differentiable at this level, and per argnum
    its tensors and their structure."""
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    groups = []
    for i in numbers:
        tensors, spec = flatten(args[i])
        if not all(isinstance(t, Tensor) for t in tensors):
            raise RuntimeError(f"grad: Expected argument {i} to be a Tensor or a dict, list or tuple of Tensors")
        tensors = [t if t.requires_grad else forward_ad.leaf_keeping_tangent(t) for t in tensors]
        args[i] = unflatten(list(tensors), spec)
        groups.append((tensors, spec))
    return args, groups


def _gradients(output, groups, grad_outputs=None, create_graph: bool = True) -> tuple:
    """The gradients of `output` for each group of leaves, in the group's structure (zeros where unused); without
    `create_graph`, the graph of `output` is kept for further calls."""
    leaves = [t for tensors, _ in groups for t in tensors]
    found = _autograd_grad(output, leaves, grad_outputs, retain_graph=True, create_graph=create_graph,
                           allow_unused=True)
    found = [g if g is not None else leaf.detach() * 0 for g, leaf in zip(found, leaves)]
    result, at = [], 0
    for tensors, spec in groups:
        result.append(unflatten(found[at:at + len(tensors)], spec))
        at += len(tensors)
    return tuple(result)


def _outside_graph(args) -> bool:
    """Whether no tensor among `args` requires grad: the transform's results then do not require grad outside it
    (they keep the tangents of the dual levels open around it)."""
    tensors, _ = flatten(list(args))
    return not any(isinstance(t, Tensor) and t.requires_grad for t in tensors)


def _detached(tree):
    """The tree with each tensor made one that does not require grad, keeping its tangents."""
    tensors, spec = flatten(tree)
    return unflatten([forward_ad.unseen(t) if isinstance(t, Tensor) else t for t in tensors], spec)


def _detached_unless_outside(tree, own: list):
    """The results of a transform whose arguments do not require grad: detached (_detached), unless their graph
    reaches a leaf requiring grad other than the transform's `own` tensors (its leaves or duals), the leaves under
    them and forward AD's: a parameter the function closed over, whose gradient then flows through them, as in
    PyTorch."""
    inside = {id(t) for t in own} | {id(leaf) for leaf in _graph_leaves(own)}
    tensors, _ = flatten(tree)
    tensors = [t for t in tensors if isinstance(t, Tensor)]
    if any(id(leaf) not in inside and not forward_ad.is_tangent_source(leaf) for leaf in _graph_leaves(tensors)):
        return tree
    return _detached(tree)


def _own(groups) -> list:
    """The tensors of the groups _leaves gives."""
    return [t for tensors, _ in groups for t in tensors]


def _graph_leaves(tensors: list):
    """The leaves requiring grad that the graphs of `tensors` reach (a leaf among `tensors` itself included)."""
    nodes = [t.grad_fn for t in tensors]
    yield from (t for t in tensors if t.requires_grad and t.grad_fn is None)
    seen = set()
    while nodes:
        node = nodes.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            yield node.variable
        else:
            nodes.extend(next_node for next_node, _ in node.next_functions)


@contextlib.contextmanager
def _transform(vmapped: bool = False):
    """The block of a transform running the user's function: custom Functions check that they support it
    (`vmapped`: run as PyTorch runs it under vmap, for jacfwd and hessian)."""
    FUNC_TRANSFORMS[0] += 1
    FUNC_TRANSFORMS[1] += vmapped
    try:
        yield
    finally:
        FUNC_TRANSFORMS[0] -= 1
        FUNC_TRANSFORMS[1] -= vmapped


def _split_aux(result, has_aux: bool, name: str):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{name}(f, ...)(*args): output of function f should be a tuple: (output, aux) if "
                           f"has_aux is True")
    return result


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """A function returning (the gradient of func's scalar output with respect to the arguments at argnums,
    func's output) — with its aux output when has_aux."""
    def transformed(*args, **kwargs):
        constant = _outside_graph(args)
        with enable_grad():
            args, leaves = _leaves(args, argnums)
            with _transform():
                output, aux = _split_aux(func(*args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(output, Tensor) or output.numel() != 1:
                got = f"tensor with {output.dim()} dims" if isinstance(output, Tensor) else type(output).__name__
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"{got}. Maybe you wanted to use the vjp or jacrev APIs instead?")
            grads = _gradients(output, leaves)
        grads = grads[0] if isinstance(argnums, int) else grads
        result = (grads, (output, aux)) if has_aux else (grads, output)
        return _detached_unless_outside(result, _own(leaves)) if constant else result
    return transformed


def grad(func, argnums=0, has_aux: bool = False):
    """A function returning the gradient of func's scalar output with respect to the arguments at argnums."""
    both = grad_and_value(func, argnums, has_aux)

    def transformed(*args, **kwargs):
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return transformed


def vjp(func, *primals, has_aux: bool = False):
    """(func(*primals), vjp_fn): vjp_fn(cotangents) gives the vector-Jacobian products for each primal."""
    constant = _outside_graph(primals)
    with enable_grad():
        args, leaves = _leaves(primals, tuple(range(len(primals))))
        with _transform():
            output, aux = _split_aux(func(*args), has_aux, "vjp")

    def vjp_fn(cotangents):
        outputs, _ = flatten(output)
        vectors, _ = flatten(cotangents)
        with enable_grad():
            grads = _gradients(outputs, leaves, vectors)
        return _detached_unless_outside(grads, _own(leaves)) if constant and _outside_graph([cotangents]) else grads
    shown = _detached_unless_outside(output, _own(leaves)) if constant else output
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def functionalize(func, *, remove: str = "mutations"):
    """func as a function without mutations. Differs from PyTorch: func runs as it is (ember records no program
    to rewrite), which gives the same results, input mutations included."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. "
                           "Valid options are 'mutations' and 'mutations_and_views'.")

    @functools.wraps(func)
    def functionalized(*args, **kwargs):
        return func(*args, **kwargs)
    return functionalized


def jacrev(func, argnums=0, has_aux: bool = False, *, chunk_size=None):
    """A function returning the Jacobian of func's output (a tensor or a tree of them) with respect to the arguments
    at argnums, of shape output.shape + input.shape: one backward pass per output element, vmapped (one batched
    pass) where the Jacobian needs no graph of its own (func reaches no tensor requiring grad outside its
    arguments, and no other transform is running)."""
    def transformed(*args, **kwargs):
        constant = _outside_graph(args)
        nested = FUNC_TRANSFORMS[0] > 0 or DUAL_LEVEL_OPEN[0] or vmap_level() > 0
        with enable_grad():
            args, leaves = _leaves(args, argnums)
            with _transform():
                output, aux = _split_aux(func(*args, **kwargs), has_aux, "jacrev")
            outputs, spec = flatten(output)
            batched = constant and not nested and all(_reaches_only(o, _own(leaves)) for o in outputs)
            jacobians = [_jacobian(o, leaves, batched) for o in outputs]
        result = unflatten([j[0] if isinstance(argnums, int) else j for j in jacobians], spec)
        result = (result, aux) if has_aux else result
        return _detached_unless_outside(result, _own(leaves)) if constant else result
    return transformed


def _jacobian(output: Tensor, leaves: list, batched: bool) -> tuple:
    """Per group of leaves, the Jacobians of `output`: by one vmapped backward pass without a graph (`batched`), or
    by one pass per element keeping the graph."""
    if not isinstance(output, Tensor):
        raise RuntimeError(f"jacrev(f, ...)(*args): expected f(*args) to return Tensors, got {type(output).__name__}")
    shape = tuple(output.shape)
    if batched:
        basis = eye(output.numel(), dtype=output.dtype, device=output.device).reshape(-1, *shape)
        columns = vmap(lambda v: _gradients(output, leaves, [v], create_graph=False))(basis)
        return tuple(_reshaped_tree(column, shape) for column in columns)
    flat = output.reshape(-1)
    rows = [_gradients(flat[k], leaves) for k in range(flat.shape[0])]
    return tuple(_stack_tree([row[j] for row in rows], shape) for j in range(len(leaves)))


def _reaches_only(output: Tensor, own: list) -> bool:
    """Whether every leaf requiring grad that output's graph reaches is one of the transform's `own` tensors."""
    inside = {id(t) for t in own}
    return all(id(leaf) in inside for leaf in _graph_leaves([output]))


def _reshaped_tree(tree, output_shape: tuple):
    """The vmapped gradients of the output's elements, (numel, *leaf shape) per leaf, as Jacobians output_shape +
    leaf shape."""
    flat, spec = flatten(tree)
    return unflatten([t.reshape(output_shape + tuple(t.shape[1:])) for t in flat], spec)


def _stack_tree(rows: list, output_shape: tuple):
    """Gradients of each output element (trees of one structure) stacked into Jacobians output_shape + leaf."""
    flats = [flatten(row)[0] for row in rows]
    spec = flatten(rows[0])[1]
    stacked = [stack([flat[k] for flat in flats]).reshape(output_shape + tuple(flats[0][k].shape))
               for k in range(len(flats[0]))]
    return unflatten(stacked, spec)


def jvp(func, primals: tuple, tangents: tuple, *, strict: bool = False, has_aux: bool = False):
    """(func(*primals), the product of func's Jacobian at primals with tangents), by forward-mode AD — with
    func's aux output when has_aux."""
    if not isinstance(primals, tuple):
        raise RuntimeError(  # noqa: TRY004 (PyTorch's type)
            "jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    flat_primals, spec = flatten(primals)
    flat_tangents, tangent_spec = flatten(tangents)
    if not isinstance(tangents, tuple) or tangent_spec != spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be.")
    with forward_ad.nested_level() as level:
        duals = [forward_ad.make_dual(p, t, level=level) for p, t in zip(flat_primals, flat_tangents)]
        with _transform():
            output, aux = _split_aux(func(*unflatten(duals, spec)), has_aux, "jvp")
        outputs, out_spec = flatten(output)
        primals_out, tangents_out = [], []
        for out in outputs:
            if not isinstance(out, Tensor):
                raise RuntimeError(  # noqa: TRY004 (PyTorch's type)
                    f"jvp(f, primals, tangents): expected f(*args) to return only tensors, got unsupported type "
                    f"{type(out)}")
            primal, tangent = forward_ad.unpack_dual(out, level=level)
            if tangent is None:
                if strict:
                    raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is independent of "
                                       "the inputs. This is not allowed with strict=True.")
                tangent = zeros_like(primal)
            primals_out.append(primal)
            tangents_out.append(tangent)
        aux = _primals(aux, level) if has_aux else None
    result = (unflatten(primals_out, out_spec), unflatten(tangents_out, out_spec))
    return result + (aux,) if has_aux else result


def _primals(tree, level: int):
    """The tree with each tensor replaced by its primal at `level`."""
    leaves, spec = flatten(tree)
    return unflatten([forward_ad.unpack_dual(t, level=level).primal if isinstance(t, Tensor) else t for t in leaves],
                     spec)


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) gives the Jacobian-vector product at primals.

    func runs once; each jvp_fn call is one backward pass through a graph of J^T u kept from the first call
    (NOTE [ Tangents by double backward ] in autograd/forward_ad.py), where PyTorch traces func into a graph.
    """
    with enable_grad():
        leaves = [p.detach().requires_grad_(True) for p in primals]
        output = func(*leaves)
        outputs, out_spec = flatten(output)
        vectors = [zeros_like(out, requires_grad=True) for out in outputs]
        grads = _autograd_grad(outputs, leaves, vectors, create_graph=True, allow_unused=True)

    def jvp_fn(*tangents):
        if len(tangents) != len(primals):
            raise RuntimeError(f"linearize: jvp_fn expected {len(primals)} tangents, one per primal, but got "
                               f"{len(tangents)}")
        for p, t in zip(primals, tangents):
            if t.shape != p.shape:
                raise RuntimeError(f"linearize: expected the tangent to have the primal's shape {tuple(p.shape)}, "
                                   f"but got {tuple(t.shape)}")
        with enable_grad():
            terms = [(g * t).sum() for g, t in zip(grads, tangents) if g is not None and g.requires_grad]
            found = _autograd_grad(sum(terms), vectors, retain_graph=True, allow_unused=True) if terms \
                else (None,) * len(vectors)
        return unflatten([zeros_like(out) if f is None else f.detach() for f, out in zip(found, outputs)],
                         out_spec)
    return _detached(output), jvp_fn


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """A function returning the Jacobian of func's output with respect to the arguments at argnums, of shape
    output.shape + input.shape, by forward mode: func runs once per input element, one tangent a column."""
    def transformed(*args, **kwargs):
        constant = _outside_graph(args)
        numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        columns = {}  # (argnum position, leaf index) -> tangents of each output leaf, one per input element
        with forward_ad.nested_level() as level:
            for at, i in enumerate(numbers):
                leaves, spec = flatten(args[i])
                for j, leaf in enumerate(leaves):
                    for k in range(leaf.numel()):
                        basis = zeros_like(leaf)
                        basis.view(-1)[k] = 1
                        call = list(args)
                        call[i] = unflatten([forward_ad.make_dual(t, basis, level=level) if n == j else t
                                             for n, t in enumerate(leaves)], spec)
                        with _transform(vmapped=True):
                            output, aux = _split_aux(func(*call, **kwargs), has_aux, "jacfwd")
                        outputs, out_spec = flatten(output)
                        columns.setdefault((at, j), []).append(
                            [_tangent_or_zeros(out, level) for out in outputs])
            aux = _primals(aux, level) if has_aux else None
        per_output = []
        for o, out in enumerate(outputs):
            per_arg = []
            for at, i in enumerate(numbers):
                leaves, spec = flatten(args[i])
                per_arg.append(unflatten([stack([col[o] for col in columns[(at, j)]], -1).reshape(
                    tuple(out.shape) + tuple(leaf.shape)) for j, leaf in enumerate(leaves)], spec))
            per_output.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
        result = unflatten(per_output, out_spec)
        result = (result, aux) if has_aux else result
        return _detached_unless_outside(result, []) if constant else result
    return transformed


def _tangent_or_zeros(out: Tensor, level: int) -> Tensor:
    tangent = forward_ad.unpack_dual(out, level=level).tangent
    return zeros_like(out) if tangent is None else tangent


def hessian(func, argnums=0):
    """A function returning the Hessian of func's scalar output with respect to the arguments at argnums."""
    return jacfwd(jacrev(func, argnums), argnums)
