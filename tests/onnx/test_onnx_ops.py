"""The converters of arithmetic, comparisons, shape ops, indexing, reductions and creation: each op exported on
its own, run by ONNX Runtime and compared with ember, and with PyTorch's export of the same call."""
import numpy as np
import pytest
from onnx_check import check_against_torch, check_export, export_bytes, module_of

import ember

onnx = pytest.importorskip("onnx")


# PyTorch's TorchScript exporter lacks these, or (floor division) rounds toward zero where PyTorch floors
NOT_IN_TORCH = {"expm1", "sinh", "cosh", "asinh", "mT", "floordiv"}


def arrays(*shapes, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    made = []
    for shape in shapes:
        if np.dtype(dtype).kind == "f":
            made.append(rng.standard_normal(shape).astype(dtype))
        else:
            made.append(rng.integers(-5, 6, shape).astype(dtype))
    return made


def both(fn, *shapes, dtype=np.float32, atol=1e-5, opset=None, torch_exports=True):
    """Export `fn` with ember; compare ONNX Runtime with ember, and with PyTorch's export of the same call
    (where PyTorch's TorchScript exporter has a converter for it)."""
    values = arrays(*shapes, dtype=dtype)
    kwargs = {} if opset is None else {"opset_version": opset}
    check_export(module_of(ember, fn), *[ember.from_numpy(v.copy()) for v in values], atol=atol, **kwargs)
    if torch_exports:
        check_against_torch(lambda lib: module_of(lib, fn), *values, atol=atol, **kwargs)


ARITHMETIC = {
    "add": lambda lib, x, y: x + y, "add_alpha": lambda lib, x, y: lib.add(x, y, alpha=2),
    "radd": lambda lib, x, y: 1.5 + x, "sub": lambda lib, x, y: x - y, "rsub": lambda lib, x, y: 2 - x,
    "sub_alpha": lambda lib, x, y: x.sub(y, alpha=0.5), "mul": lambda lib, x, y: x * y * 3,
    "div": lambda lib, x, y: x / (y.abs() + 1), "rdiv": lambda lib, x, y: 1 / (x.abs() + 1),
    "div_floor": lambda lib, x, y: lib.div(x, y.abs() + 0.5, rounding_mode="floor"),
    "div_trunc": lambda lib, x, y: lib.div(x, y.abs() + 0.5, rounding_mode="trunc"),
    "floordiv": lambda lib, x, y: x // 0.7, "remainder": lambda lib, x, y: lib.remainder(x, 0.7),
    "mod": lambda lib, x, y: x % (y.abs() + 0.5), "fmod": lambda lib, x, y: lib.fmod(x, 0.7),
    "pow": lambda lib, x, y: x.abs() ** y, "pow_scalar": lambda lib, x, y: x ** 2, "rpow": lambda lib, x, y: 2 ** x,
    "maximum": lambda lib, x, y: lib.maximum(x, y), "minimum": lambda lib, x, y: lib.minimum(x, y),
    "matmul": lambda lib, x, y: x @ y.transpose(0, 1), "inplace": lambda lib, x, y: x.clone().add_(y).mul_(2),
    "iadd": lambda lib, x, y: _iadd(x, y), "where": lambda lib, x, y: lib.where(x > y, x, y * 2),
    "where_method": lambda lib, x, y: x.where(x > y, 0.5),
    "masked_fill": lambda lib, x, y: x.masked_fill(y > 0, -1.0), "clamp": lambda lib, x, y: x.clamp(-0.5, 0.5),
    "clamp_min": lambda lib, x, y: x.clamp(min=0.1), "clamp_tensor": lambda lib, x, y: lib.clamp(x, max=y),
    "eq": lambda lib, x, y: (x == y) | (x > 0), "ne": lambda lib, x, y: (x != y) & (y < 0),
    "le": lambda lib, x, y: (x <= y).logical_xor(x >= 0.5), "not": lambda lib, x, y: ~(x < y),
    "bool_to_float": lambda lib, x, y: (x < y).float() + x,
    "round_decimals": lambda lib, x, y: lib.round(x * 10, decimals=1),
}


def _iadd(x, y):
    z = x * 1
    z += y
    z *= y
    return z


@pytest.mark.parametrize("name", list(ARITHMETIC))
def test_arithmetic_and_comparisons(name):
    both(ARITHMETIC[name], (3, 4), (3, 4), torch_exports=name not in NOT_IN_TORCH)


UNARY = ["exp", "log", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "abs", "neg", "sign", "floor",
         "ceil", "round", "reciprocal", "erf", "square", "log1p", "expm1", "log2", "log10", "atan", "sinh", "cosh",
         "asinh"]
POSITIVE = {"log", "sqrt", "rsqrt", "log1p", "log2", "log10", "reciprocal"}


@pytest.mark.parametrize("name", UNARY)
def test_unary_math(name):
    shift = (lambda lib, x: x.abs() + 0.1) if name in POSITIVE else (lambda lib, x: x * 0.9)
    both(lambda lib, x: getattr(lib, name)(shift(lib, x)), (2, 5), torch_exports=name not in NOT_IN_TORCH)


def test_integer_arithmetic():
    both(lambda lib, x, y: (x * 3 + y) // 2 - x % 3, (4,), (4,), dtype=np.int64, torch_exports=False)
    both(lambda lib, x, y: x / 2 + y.float(), (4,), (4,), dtype=np.int64)


SHAPE = {
    "view": lambda lib, x: x.view(2, -1), "reshape": lambda lib, x: lib.reshape(x, (4, 3, 2)),
    "flatten": lambda lib, x: x.flatten(), "flatten_1": lambda lib, x: lib.flatten(x, 1),
    "flatten_mid": lambda lib, x: x.flatten(0, 1), "unflatten": lambda lib, x: x.unflatten(2, (2, 2)),
    "t": lambda lib, x: x[0].t(), "T": lambda lib, x: x.T, "mT": lambda lib, x: x.mT,
    "transpose": lambda lib, x: x.transpose(0, 2), "permute": lambda lib, x: x.permute(2, 0, 1),
    "movedim": lambda lib, x: lib.movedim(x, 0, -1), "squeeze": lambda lib, x: x[:, :1].squeeze(),
    "squeeze_dim": lambda lib, x: x[:, :1].squeeze(1), "unsqueeze": lambda lib, x: x.unsqueeze(-1),
    "expand": lambda lib, x: x[:, :1].expand(-1, 5, 4), "expand_new": lambda lib, x: x[0, 0].expand(2, 3, 4),
    "expand_as": lambda lib, x: x[:1].expand_as(x), "repeat": lambda lib, x: x.repeat(2, 1, 1, 2),
    "cat": lambda lib, x: lib.cat([x, x * 2], dim=1), "stack": lambda lib, x: lib.stack([x, x + 1], dim=-1),
    "split": lambda lib, x: lib.split(x, [1, 2], dim=1), "split_size": lambda lib, x: x.split(2, dim=2),
    "chunk": lambda lib, x: x.chunk(2, 0), "unbind": lambda lib, x: x.unbind(1),
    "narrow": lambda lib, x: x.narrow(2, 1, 2), "select": lambda lib, x: x.select(1, -1),
    "contiguous": lambda lib, x: x.transpose(0, 1).contiguous(), "view_as": lambda lib, x: x.view_as(x[0:2]),
    "to_double": lambda lib, x: x.to(lib.float64) * 2, "long": lambda lib, x: (x * 3).long(),
    "type_as": lambda lib, x: x.type_as(lib.ones(1, dtype=lib.int32)),
}


@pytest.mark.parametrize("name", list(SHAPE))
def test_shape_ops(name):
    both(SHAPE[name], (2, 3, 4), torch_exports=name not in NOT_IN_TORCH)


INDEXING = {
    "int": lambda lib, x: x[1], "negative": lambda lib, x: x[-1, :, -2], "slice": lambda lib, x: x[:, 1:3],
    "step": lambda lib, x: x[::2, :, 1::2], "none": lambda lib, x: x[:, None, 0], "ellipsis": lambda lib, x: x[..., 1],
    "ellipsis_none": lambda lib, x: x[None, ..., :2], "open_end": lambda lib, x: x[:, -2:],
    "index_tensor": lambda lib, x: x[:, lib.tensor([2, 0])], "index_select": lambda lib, x: x.index_select(
        2, lib.tensor([3, 1, 1])),
    "gather": lambda lib, x: x.gather(2, lib.tensor([[[0, 3]] * 3] * 2)),
}


@pytest.mark.parametrize("name", list(INDEXING))
def test_indexing(name):
    both(INDEXING[name], (3, 3, 4))


def test_boolean_mask_indexing_is_refused():
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="boolean mask"):
        export_bytes(module_of(ember, lambda lib, x: x[x > 0]), [ember.randn(4)])


REDUCTIONS = {
    "sum": lambda lib, x: x.sum(), "sum_dim": lambda lib, x: x.sum(1), "sum_dims": lambda lib, x: x.sum((0, 2), True),
    "mean": lambda lib, x: x.mean(-1), "mean_all": lambda lib, x: lib.mean(x), "prod": lambda lib, x: x.prod(1),
    "amax": lambda lib, x: x.amax((1, 2)), "amin": lambda lib, x: x.amin(0, keepdim=True),
    "max": lambda lib, x: x.max(), "max_dim": lambda lib, x: x.max(1), "min_dim": lambda lib, x: lib.min(x, 2, True),
    "max_binary": lambda lib, x: lib.max(x, x * 0.5), "argmax": lambda lib, x: x.argmax(),
    "argmax_dim": lambda lib, x: x.argmax(1, keepdim=True), "argmin": lambda lib, x: x.argmin(-1),
    "var": lambda lib, x: x.var(1), "var_biased": lambda lib, x: x.var(dim=(0, 2), unbiased=False),
    "std": lambda lib, x: x.std(), "std_correction": lambda lib, x: lib.std(x, 1, correction=0, keepdim=True),
    "norm": lambda lib, x: x.norm(), "norm_dim": lambda lib, x: x.norm(dim=1), "norm_1": lambda lib, x: x.norm(1, 2),
    "logsumexp": lambda lib, x: x.logsumexp(1), "all": lambda lib, x: (x > -3).all(),
    "any": lambda lib, x: (x > 1).any(1),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reductions(name):
    both(REDUCTIONS[name], (2, 3, 4))


CREATION = {
    "zeros": lambda lib, x: x + lib.zeros(x.size(0), 4), "ones": lambda lib, x: lib.ones(2, x.shape[0], 4) * x,
    "full": lambda lib, x: lib.full((x.size(0), 1), 0.5) + x, "zeros_like": lambda lib, x: lib.zeros_like(x) + 1,
    "ones_like": lambda lib, x: lib.ones_like(x, dtype=lib.int64), "new_zeros": lambda lib, x: x.new_zeros(x.shape),
    "arange": lambda lib, x: x + lib.arange(x.size(1)), "constant": lambda lib, x: x * lib.tensor([1.0, 2, 3, 4]),
}


@pytest.mark.parametrize("name", list(CREATION))
def test_creation_from_traced_sizes_runs_at_other_sizes(name):
    fn = CREATION[name]
    model = module_of(ember, fn)
    check_export(model, ember.randn(3, 4), input_names=["x"], dynamic_axes={"x": {0: "n"}},
                 resized=[(ember.randn(5, 4),), (ember.randn(1, 4),)])
    check_against_torch(lambda lib: module_of(lib, fn), *arrays((3, 4)))
