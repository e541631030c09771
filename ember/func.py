"""ember.func: PyTorch's function transforms (torch.func) on ember's autograd.

`grad`, `grad_and_value`, `vjp`, `jacrev`, `jacfwd` and `hessian` are built on reverse-mode autograd (jacfwd
gives jacrev's values: ember has no forward mode); each keeps the graph of its gradients, so transforms nest
(`hessian` is `jacfwd(jacrev(f))`). `vmap` runs the function once per batch element and stacks the results:
the values are PyTorch's, the speed is a Python loop's. `functional_call` runs a module with other parameters
and buffers.
"""
import contextlib

from ._tensor import Tensor
from ._tree import flatten, unflatten
from .autograd import grad as _autograd_grad
from .autograd.grad_mode import enable_grad
from .ops.shape import stack

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jacrev", "jacfwd", "hessian", "vmap"]


# ---- functional_call ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _swapped(module, tensors: dict):
    """The module with the named parameters and buffers replaced by `tensors` inside the block."""
    saved = []
    for name, value in tensors.items():
        owner_name, _, attr = name.rpartition(".")
        owner = module.get_submodule(owner_name) if owner_name else module
        table = owner._parameters if attr in owner._parameters else owner._buffers if attr in owner._buffers \
            else None
        if table is None:
            raise AttributeError(f"{type(module).__name__} has no parameter or buffer named '{name}'")
        saved.append((table, attr, table[attr]))
        table[attr] = value
    try:
        yield module
    finally:
        for table, attr, original in reversed(saved):
            table[attr] = original


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
        tensors = [t if t.requires_grad else t.detach().requires_grad_(True) for t in tensors]
        args[i] = unflatten(list(tensors), spec)
        groups.append((tensors, spec))
    return args, groups


def _gradients(output, groups, grad_outputs=None) -> tuple:
    """The gradients of `output` for each group of leaves, in the group's structure (zeros where unused)."""
    leaves = [t for tensors, _ in groups for t in tensors]
    found = _autograd_grad(output, leaves, grad_outputs, create_graph=True, allow_unused=True)
    found = [g if g is not None else leaf.detach() * 0 for g, leaf in zip(found, leaves)]
    result, at = [], 0
    for tensors, spec in groups:
        result.append(unflatten(found[at:at + len(tensors)], spec))
        at += len(tensors)
    return tuple(result)


def _outside_graph(args) -> bool:
    """Whether no tensor among `args` requires grad: the transform's results are then constants outside it."""
    tensors, _ = flatten(list(args))
    return not any(isinstance(t, Tensor) and t.requires_grad for t in tensors)


def _detached(tree):
    tensors, spec = flatten(tree)
    return unflatten([t.detach() if isinstance(t, Tensor) else t for t in tensors], spec)


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
            output, aux = _split_aux(func(*args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(output, Tensor) or output.numel() != 1:
                got = f"tensor with {output.dim()} dims" if isinstance(output, Tensor) else type(output).__name__
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"{got}. Maybe you wanted to use the vjp or jacrev APIs instead?")
            grads = _gradients(output, leaves)
        grads = grads[0] if isinstance(argnums, int) else grads
        result = (grads, (output, aux)) if has_aux else (grads, output)
        return _detached(result) if constant else result
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
        output, aux = _split_aux(func(*args), has_aux, "vjp")

    def vjp_fn(cotangents):
        outputs, _ = flatten(output)
        vectors, _ = flatten(cotangents)
        with enable_grad():
            grads = _gradients(outputs, leaves, vectors)
        return _detached(grads) if constant and _outside_graph([cotangents]) else grads
    shown = _detached(output) if constant else output
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def jacrev(func, argnums=0, has_aux: bool = False, *, chunk_size=None):
    """A function returning the Jacobian of func's output with respect to the arguments at argnums, of shape
    output.shape + input.shape, one backward pass per output element."""
    def transformed(*args, **kwargs):
        constant = _outside_graph(args)
        with enable_grad():
            args, leaves = _leaves(args, argnums)
            output, aux = _split_aux(func(*args, **kwargs), has_aux, "jacrev")
            flat = output.reshape(-1)
            rows = [_gradients(flat[k], leaves) for k in range(flat.shape[0])]
        jacobians = tuple(_stack_tree([row[j] for row in rows], tuple(output.shape)) for j in range(len(leaves)))
        result = jacobians[0] if isinstance(argnums, int) else jacobians
        result = (result, aux) if has_aux else result
        return _detached(result) if constant else result
    return transformed


def _stack_tree(rows: list, output_shape: tuple):
    """Gradients of each output element (trees of one structure) stacked into Jacobians output_shape + leaf."""
    flats = [flatten(row)[0] for row in rows]
    spec = flatten(rows[0])[1]
    stacked = [stack([flat[k] for flat in flats]).reshape(output_shape + tuple(flats[0][k].shape))
               for k in range(len(flats[0]))]
    return unflatten(stacked, spec)


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """The Jacobian as jacrev computes it (ember has no forward-mode autograd; the values are the same)."""
    return jacrev(func, argnums, has_aux)


def hessian(func, argnums=0):
    """A function returning the Hessian of func's scalar output with respect to the arguments at argnums."""
    return jacfwd(jacrev(func, argnums), argnums)


# ---- vmap --------------------------------------------------------------------------------------------------------
def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """func mapped over a batch dimension of its inputs (in_dims: one per argument, None for unbatched ones),
    its outputs stacked along out_dims. Runs func once per batch element."""
    def mapped(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`: in_dims has {len(dims)} entries but inputs has {len(args)}")
        sizes = {a.shape[d] for a, d in zip(args, dims) if d is not None and isinstance(a, Tensor)}
        if len(sizes) != 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sorted(sizes)} for the mapped dimension" if sizes else
                             "vmap: at least one input must be a tensor with a mapped dimension")
        size = sizes.pop()
        results = [func(*(a.select(d, i) if d is not None and isinstance(a, Tensor) else a
                          for a, d in zip(args, dims)), **kwargs) for i in range(size)]
        return _stack_outputs(results, out_dims)
    return mapped


def _stack_outputs(results, out_dims):
    first = results[0]
    if isinstance(first, dict):
        return {k: _stack_outputs([r[k] for r in results], out_dims) for k in first}
    if isinstance(first, (tuple, list)):
        dims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(first)
        return type(first)(_stack_outputs([r[k] for r in results], dims[k]) for k in range(len(first)))
    if not isinstance(first, Tensor):
        raise ValueError(f"vmap: the function must return tensors, got {type(first).__name__}")
    return stack(results, out_dims)
