"""The _foreach_* ops (ember/ops/foreach.py) against torch: values, dtypes, gradients through the out-of-place forms,
in-place aliasing and version counters, and PyTorch's errors for bad lists."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, torch

import ember

UNARY = ("abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor", "frac",
         "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin",
         "sinh", "sqrt", "tan", "tanh", "trunc")


def _unit(*shape, seed=0):
    """Values in (0.1, 0.9), inside the domain of every unary op (acos, log, rsqrt, ...)."""
    return np.random.default_rng(seed).uniform(0.1, 0.9, shape)


A, B, C, D = randn(2, 3), randn(4), randn(2, 3, seed=1), randn(4, seed=1)


def _inplace(op):
    """fn(lib, *arrays) running the in-place `op(lib, [a, b], *rest)` on clones: the modified tensors, and whether
    the result is the list it was given."""
    def f(lib, a, b, *rest):
        tensors = [a.clone(), b.clone()]
        r = op(lib, tensors, *rest)
        return (*tensors, r is tensors)
    return f


def test_every_foreach_name_of_torch_is_exported():
    names = {n for n in dir(torch) if n.startswith("_foreach_")}
    assert names and all(callable(getattr(ember, n, None)) for n in names), names - set(dir(ember))


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    op = getattr(ember, f"_foreach_{name}")
    assert op.__name__ == f"_foreach_{name}" and op.__doc__
    check(lambda lib, a, b: getattr(lib, f"_foreach_{name}")([a, b]), _unit(2, 3), _unit(4, seed=1),
          check_grad_fn=False)
    check(_inplace(lambda lib, t: getattr(lib, f"_foreach_{name}_")(t)), _unit(2, 3), _unit(4, seed=1))


BINARY_OPERANDS = {
    "scalar": lambda lib, c, d: (0.5,), "scalar_list": lambda lib, c, d: ([2, -1.5],),
    "tensor_list": lambda lib, c, d: ([c, d],), "zero_dim": lambda lib, c, d: (c[0, 0].detach(),),
    "broadcast_list": lambda lib, c, d: ([c[0], d[:1]],),
}


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum", "clamp_min", "clamp_max", "pow"])
@pytest.mark.parametrize("kind", sorted(BINARY_OPERANDS))
def test_binary(name, kind):
    def out_of_place(lib, a, b, c, d):
        return getattr(lib, f"_foreach_{name}")([a.abs() + 0.5, b.abs() + 0.5], *BINARY_OPERANDS[kind](lib, c, d))

    def inplace(lib, tensors, c, d):
        tensors[:] = [t.abs() + 0.5 for t in tensors]  # a list of non-leaf tensors, modified below
        return getattr(lib, f"_foreach_{name}_")(tensors, *BINARY_OPERANDS[kind](lib, c, d))
    check(out_of_place, A, B, C, D, check_grad_fn=False)
    # ember's single ops record AddBackward0 for add_(number) (PyTorch AddBackward1), ClampBackward0 for clamp_min_(
    # tensor) (ClampMinBackward1): the in-place forms' nodes are compared where the single ops agree
    single_ops_agree = kind in ("tensor_list", "broadcast_list") and not name.startswith("clamp")
    # PyTorch's maximum_ and minimum_ with numbers have no derivative (ember's do: test_binary's out-of-place forms)
    differentiable = name not in ("maximum", "minimum") or "tensor" in kind or kind == "broadcast_list"
    check(_inplace(inplace), A, B, C, D, check_grad_fn=single_ops_agree, grad=differentiable)


@pytest.mark.parametrize("name", ["add_", "mul_", "div_"])
def test_inplace_with_a_zero_dim_tensor_requiring_grad(name):
    """The gradient reaches the 0-d tensor (PyTorch's out-of-place forms fail in backward here)."""
    check(_inplace(lambda lib, t, c: getattr(lib, f"_foreach_{name}")(t, c[0] + 2)), A, B, randn(1),
          check_grad_fn=False)


@pytest.mark.parametrize("kind", ["tensor_list", "zero_dim"])
@pytest.mark.parametrize("name", ["add", "sub"])
def test_alpha(name, kind):
    check(lambda lib, a, b, c, d: getattr(lib, f"_foreach_{name}")([a, b], *BINARY_OPERANDS[kind](lib, c, d),
                                                                   alpha=-0.5), A, B, C, D, check_grad_fn=False)
    check(_inplace(lambda lib, t, c, d: getattr(lib, f"_foreach_{name}_")(t, *BINARY_OPERANDS[kind](lib, c, d),
                                                                          alpha=2)), A, B, C, D,
          check_grad_fn=kind == "tensor_list")


def test_integer_lists_promote_as_the_single_ops():
    ints = [np.array([1, 2, 3]), np.array([4])]
    others = [lambda lib: 1.5, lambda lib: [1.5, 2], lambda lib: 2, lambda lib: True,
              lambda lib: [lib.tensor([2, 2, 2]), lib.tensor([3.0])]]
    for other in others:
        for name in ("add", "sub", "mul", "div", "maximum", "pow", "clamp_min"):
            check(lambda lib, a, b, name=name, other=other: getattr(lib, f"_foreach_{name}")([a, b], other(lib)), *ints)
    check(lambda lib, a, b: lib._foreach_sqrt([a, b]), *ints)
    check(lambda lib, a, b: lib._foreach_mul([a, b], lib.tensor(2.5, dtype=lib.float64)), *ints)
    check(lambda lib, a, b: lib._foreach_add_([a, b], 1.5), *ints)  # RuntimeError: Float into Long
    check(lambda lib, a, b: lib._foreach_mul_([a, b], lib.tensor(2)), *ints)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [(), (0.5,), ([2, -1],), "packed"])
def test_addcmul_addcdiv(name, value):
    def args(lib):
        return (lib.tensor([2.0, -1.0], dtype=lib.float64),) if value == "packed" else value

    def f(lib, a, b, c, d):
        return getattr(lib, f"_foreach_{name}")([a, b], [c, d], [c.abs() + 1, d.abs() + 1], *args(lib))
    differentiable = value != "packed"  # PyTorch has no derivative with a packed tensor of values (ember has)
    check(f, A, B, C, D, check_grad_fn=False, grad=differentiable)
    check(_inplace(lambda lib, t, c, d: getattr(lib, f"_foreach_{name}_")(t, [c, d], [c.abs() + 1, d.abs() + 1],
                                                                          *args(lib))), A, B, C, D, grad=differentiable)


@pytest.mark.parametrize("weight", [0.3, [0.25, 2.0], "tensors", "zero_dim"])
def test_lerp(weight):
    def w(lib, c, d):
        if weight == "tensors":
            return [c.sigmoid(), d.sigmoid()]
        return lib.tensor(0.75, dtype=lib.float64) if weight == "zero_dim" else weight
    check(lambda lib, a, b, c, d: lib._foreach_lerp([a, b], [c, d], w(lib, c, d)), A, B, C, D, check_grad_fn=False)
    check(_inplace(lambda lib, t, c, d: lib._foreach_lerp_(t, [c, d], w(lib, c, d))), A, B, C, D)
    check(lambda lib, a, b, c, d: lib._foreach_lerp([a, b], tensors1=[c, d], weight=0.5), A, B, C, D,
          check_grad_fn=False)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, 0, float("inf"), float("-inf")])
def test_norm_and_powsum(ord):
    x = np.array([1.0, -2.0, 0.5])
    check(lambda lib, a, b: lib._foreach_norm([a, b], ord), x, randn(2, 3), check_grad_fn=False)
    check(lambda lib, a, b: lib._foreach_powsum([a, b], ord), x, randn(2, 3), grad=False)


def test_reductions_with_dtype_and_complex():
    f32 = randn(3, dtype=np.float32)
    check(lambda lib, a: lib._foreach_norm([a], dtype=lib.float64), f32, check_grad_fn=False)
    check(lambda lib, a: lib._foreach_norm([a], 3, lib.float16), f32)  # narrowing: RuntimeError
    check(lambda lib, a: lib._foreach_norm([a]), np.array([3 + 4j]), check_grad_fn=False)
    check(lambda lib, a: lib._foreach_powsum([a], 2, dtype=lib.float64), f32, grad=False)
    check(lambda lib, a: lib._foreach_powsum([a]), np.array([3 + 4j]), grad=False)
    check(lambda lib, a: lib._foreach_norm([a]), np.array([1, 2]))  # integers: RuntimeError
    check(lambda lib, a: lib._foreach_powsum([a]), np.array([1, 2]))  # NotImplementedError
    check(lambda lib, a, b: lib._foreach_max([a, b]), A, np.array([3, -1]), check_grad_fn=False)
    check(lambda lib, a: lib._foreach_max([a, a[:0]]), A)


def test_pow_with_a_number_base_and_other_forms():
    check(lambda lib, a, b: lib._foreach_pow(2.0, [a, b]), A, B, check_grad_fn=False)
    check(lambda lib, a, b: lib._foreach_pow(lib.tensor(3.0, dtype=lib.float64), [a, b]), A, B, check_grad_fn=False)
    check(lambda lib, a, b, c, d: lib._foreach_mm([a, c.t()], [b.reshape(3, 1).expand(3, 2), a]),
          A, randn(3), C, D, check_grad_fn=False)
    check(lambda lib, a, b: lib._foreach_clone([a, b]), A, B, check_grad_fn=False)
    check(_inplace(lambda lib, t: lib._foreach_zero_(t)), A, B)
    check(_inplace(lambda lib, t, c, d: lib._foreach_copy_(t, [c, d[:1]])), A, B, C, D, grad=False)  # no derivative


def test_inplace_forms_write_the_given_tensors():
    params = [ember.zeros(2), ember.ones(3)]
    views = [p[:1] for p in params]
    versions = [p._version for p in params]
    same = ember._foreach_mul_(params, 0.5)
    assert same is params and all(v._data.base is not None for v in views)
    assert [p._version for p in params] == [v + 1 for v in versions]
    assert views[1].tolist() == [0.5]
    as_tuple = tuple(params)
    assert ember._foreach_add_(as_tuple, 1) is as_tuple and params[0].tolist() == [1.0, 1.0]
    out = ember._foreach_add(params, 1)
    assert isinstance(out, tuple) and all(o is not p for o, p in zip(out, params))
    src = [ember.ones(2, requires_grad=True), ember.ones(3, requires_grad=True)]
    ember._foreach_copy_(params, src)  # differentiable in ember (PyTorch has no derivative for it)
    (params[0].sum() + params[1].sum() * 2).backward()
    assert src[0].grad.tolist() == [1.0, 1.0] and src[1].grad.tolist() == [2.0, 2.0, 2.0]


def test_inplace_on_a_saved_tensor_raises_in_backward():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        z = y.sigmoid()
        lib._foreach_add_([z], 1)
        with pytest.raises(RuntimeError):
            z.sum().backward()


def test_soft_target_update_under_no_grad():
    """The RL soft update: target <- (1 - tau) * target + tau * online, on parameters requiring grad."""
    results = []
    for lib in (ember, torch):
        online = [lib.tensor(randn(3, 2), requires_grad=True), lib.tensor(randn(2), requires_grad=True)]
        target = [lib.tensor(randn(3, 2, seed=5), requires_grad=True), lib.tensor(randn(2, seed=5),
                                                                                  requires_grad=True)]
        with lib.no_grad():
            lib._foreach_mul_(target, 0.9)
            lib._foreach_add_(target, online, alpha=0.1)
            lib._foreach_lerp_(target, online, 0.5)
        results.append([t.detach().numpy() for t in target] + [target[0].requires_grad, target[0].grad_fn is None])
        with pytest.raises(RuntimeError):
            lib._foreach_add_(target, 1)  # leaves requiring grad, outside no_grad
    for e, t in zip(*results):
        np.testing.assert_allclose(e, t)


BAD_CALLS = {
    "length_mismatch": lambda lib: lib._foreach_add([lib.ones(2), lib.ones(1)], [lib.ones(2)]),
    "empty": lambda lib: lib._foreach_add([], 1),
    "empty_pair": lambda lib: lib._foreach_mul([], [lib.ones(1)]),
    "empty_unary": lambda lib: lib._foreach_exp([]),
    "empty_norm": lambda lib: lib._foreach_norm([]),
    "scalar_list_length": lambda lib: lib._foreach_add([lib.ones(2)], [1, 2]),
    "not_a_list": lambda lib: lib._foreach_add(lib.ones(2), 1),
    "not_tensors": lambda lib: lib._foreach_add([1, 2], 1),
    "string_scalar": lambda lib: lib._foreach_mul([lib.ones(2)], "x"),
    "none_scalar": lambda lib: lib._foreach_mul([lib.ones(2)], None),
    "mixed_list": lambda lib: lib._foreach_add([lib.ones(2)], [2, lib.tensor(1.0)]),
    "alpha_with_scalar": lambda lib: lib._foreach_add([lib.ones(2)], 1, alpha=2),
    "alpha_on_mul": lambda lib: lib._foreach_mul([lib.ones(2)], [lib.ones(2)], alpha=2),
    "alpha_none": lambda lib: lib._foreach_add([lib.ones(2)], [lib.ones(2)], alpha=None),
    "one_dim_scalar": lambda lib: lib._foreach_add([lib.ones(2)], lib.ones(2)),
    "grad_scalar_as_number": lambda lib: lib._foreach_sub([lib.ones(2)], lib.tensor(1.0, requires_grad=True)),
    "one_dim_weight": lambda lib: lib._foreach_lerp([lib.ones(2)], [lib.ones(2)], lib.ones(1)),
    "packed_zero_dim": lambda lib: lib._foreach_addcmul([lib.ones(2)], [lib.ones(2)], [lib.ones(2)], lib.tensor(2.)),
    "packed_length": lambda lib: lib._foreach_addcdiv([lib.ones(2)], [lib.ones(2)], [lib.ones(2)], lib.ones(3)),
    "addcdiv_ints": lambda lib: lib._foreach_addcdiv([lib.ones(2, dtype=lib.int64)] * 3, *[[lib.ones(2).long()]] * 2),
    "lerp_ints": lambda lib: lib._foreach_lerp([lib.ones(2).long()], [lib.ones(2).long()], 0.5),
    "neg_bool": lambda lib: lib._foreach_neg([lib.ones(2).bool()]),
    "leaf_inplace": lambda lib: lib._foreach_exp_([lib.ones(2, requires_grad=True)]),
    "inplace_broadcast": lambda lib: lib._foreach_add_([lib.ones(2)], [lib.ones(1, 2)]),
    "devices": lambda lib: lib._foreach_add([lib.ones(2)], [lib.ones(2, device="meta")]),
    "norm_fro": lambda lib: lib._foreach_norm([lib.ones(2)], "fro"),
    "mm_shapes": lambda lib: lib._foreach_mm([lib.ones(2, 3)], [lib.ones(2, 2)]),
    "copy_shapes": lambda lib: lib._foreach_copy_([lib.ones(2)], [lib.ones(3)]),
    "pow_int_negative": lambda lib: lib._foreach_pow([lib.tensor([1, 2])], -1),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_input_raises_like_torch(name):
    raises_like_torch(BAD_CALLS[name])


def test_error_messages_say_what_was_expected():
    with pytest.raises(RuntimeError, match="same number of tensors, got 2 and 1"):
        ember._foreach_sub([ember.ones(1), ember.ones(1)], [ember.ones(1)])
    with pytest.raises(RuntimeError, match="same number of elements as scalar list"):
        ember._foreach_div([ember.ones(1)], [1, 2])
    with pytest.raises(TypeError, match="element 1 in argument 0, but got int"):
        ember._foreach_sqrt([ember.ones(1), 3])


def test_results_require_grad_together_after_forward_ad():
    """Regression: once a dual level had been used, a result that depends on no input requiring grad was left
    unrecorded (forward AD's marks), so it did not require grad as PyTorch's does."""
    with ember.autograd.forward_ad.dual_level():
        ember.autograd.forward_ad.make_dual(ember.ones(2), ember.ones(2)) * 2
    a = ember.ones(2, requires_grad=True)
    assert [t.requires_grad for t in ember._foreach_abs([a, ember.ones(2)])] == [True, True]
