"""Forward mode composed with itself and with reverse mode, against PyTorch: forward-over-reverse Hessians of ops
whose backward reads their own result (jacfwd(jacrev), jvp(grad), vmap(hessian)), nested forward levels
(jacfwd(jacfwd), jvp inside jvp, third derivatives, in-place ops), and custom autograd.Functions in forward mode
(jvp, save_for_forward, setup_context, the errors of torch.func's rules for them, gradcheck(check_forward_ad=True))."""
import numpy as np
import pytest
from parity import assert_same, randn, same_exception_type, torch

import ember

X = randn(4) * 0.8
POS = np.abs(X) + 0.5
UNIT = np.clip(X * 0.4, -0.9, 0.9)
DIRECTION = np.linspace(-1.0, 1.0, 4)


def _both(fn, **kw):
    """Run fn(lib) on ember and torch and compare the results (values, dtype, shape, requires_grad), or the
    exception type and message where torch raises."""
    try:
        expected = fn(torch)
    except Exception as t_err:  # noqa: BLE001 (whatever torch raises, ember must raise alike)
        with pytest.raises(Exception) as info:
            fn(ember)
        assert same_exception_type(info.value, t_err), f"torch raised {t_err!r}, ember {info.value!r}"
        assert str(info.value) == str(t_err)
        return None
    got = fn(ember)
    assert_same(got, expected, check_grad_fn=False, **kw)
    assert _requires_grad(got) == _requires_grad(expected), "which results require grad differs"
    return got


def _requires_grad(tree):
    if isinstance(tree, (tuple, list)):
        return [_requires_grad(t) for t in tree]
    return getattr(tree, "requires_grad", None)


# ---- forward over reverse: ops whose backward reads their own result, and others --------------------------------
OPS = {
    "tanh": (lambda lib, x: x.tanh(), X),
    "sigmoid": (lambda lib, x: x.sigmoid(), X),
    "exp": (lambda lib, x: x.exp(), X),
    "exp2": (lambda lib, x: lib.exp2(x), X),
    "expm1": (lambda lib, x: x.expm1(), X),
    "tan": (lambda lib, x: x.tan(), UNIT),
    "reciprocal": (lambda lib, x: x.reciprocal(), POS),
    "one_over": (lambda lib, x: 1 / x, POS),
    "number_over": (lambda lib, x: 2.5 / x, POS),
    "log_softmax": (lambda lib, x: lib.log_softmax(x, 0), X),
    "softmax": (lambda lib, x: lib.softmax(x, 0), X),
    "sqrt": (lambda lib, x: x.sqrt(), POS),
    "rsqrt": (lambda lib, x: x.rsqrt(), POS),
    "elu": (lambda lib, x: lib.nn.functional.elu(x), X),
    "selu": (lambda lib, x: lib.nn.functional.selu(x), X),
    "celu": (lambda lib, x: lib.nn.functional.celu(x), X),
    "softplus": (lambda lib, x: lib.nn.functional.softplus(x), X),
    "logsigmoid": (lambda lib, x: lib.nn.functional.logsigmoid(x), X),
    "silu": (lambda lib, x: lib.nn.functional.silu(x), X),
    "gelu_tanh": (lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), X),
    "mish": (lambda lib, x: lib.nn.functional.mish(x), X),
    "pow_tensor": (lambda lib, x: x ** x, POS),
    "number_pow": (lambda lib, x: 2 ** x, X),
    "sinh_cosh": (lambda lib, x: x.sinh() * x.cosh(), X),
    "atanh": (lambda lib, x: x.atanh(), UNIT),
    "erfinv": (lambda lib, x: x.erfinv(), UNIT),
    "norm": (lambda lib, x: x.norm(), X),
    "logsumexp": (lambda lib, x: lib.logsumexp(x, 0), X),
    "std": (lambda lib, x: x.std(), X),
    "prod": (lambda lib, x: x.prod(), X),
    "cumprod": (lambda lib, x: x.cumprod(0), X),
    "normalize": (lambda lib, x: lib.nn.functional.normalize(x, dim=0), X),
    "logit_of_sigmoid": (lambda lib, x: lib.logit(x.sigmoid()), X),
    "cross_entropy": (lambda lib, x: lib.nn.functional.cross_entropy(x.reshape(2, 2), lib.tensor([0, 1])), X),
    "inv": (lambda lib, x: lib.linalg.inv(x.reshape(2, 2) + 2 * lib.eye(2, dtype=x.dtype)), X),
    "chain": (lambda lib, x: x.sigmoid().tanh().exp() * x.sin(), X),
}


def _scalar(lib, name):
    fn, _ = OPS[name]
    return lambda y: fn(lib, y).sum()


@pytest.mark.parametrize("name", list(OPS))
def test_forward_over_reverse_hessians(name):
    x = OPS[name][1]
    _both(lambda lib: lib.func.hessian(_scalar(lib, name))(lib.tensor(x)))
    _both(lambda lib: lib.func.jacfwd(lib.func.jacrev(_scalar(lib, name)))(lib.tensor(x)))
    _both(lambda lib: lib.func.jvp(lib.func.grad(_scalar(lib, name)), (lib.tensor(x),), (lib.tensor(DIRECTION),)))


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "exp", "reciprocal", "log_softmax", "softmax", "sqrt", "elu"])
def test_vmap_of_hessian(name):
    batch = np.stack([OPS[name][1], OPS[name][1][::-1] * 0.5])
    _both(lambda lib: lib.func.vmap(lib.func.hessian(_scalar(lib, name)))(lib.tensor(batch)))


def test_forward_over_reverse_in_a_dual_level():
    def fn(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(lib.tensor(X, requires_grad=True), lib.tensor(DIRECTION))
            y = (x.tanh() * x.exp()).sum()
            (g,) = lib.autograd.grad(y, x, create_graph=True)
            return fw.unpack_dual(g).tangent
    _both(fn)


# ---- nested forward mode ------------------------------------------------------------------------------------------
def _sin_sum(lib):
    return lambda y: y.sin().sum()


NESTED = {
    "jacfwd_jacfwd": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(_sin_sum(lib)))(x),
    "jacfwd_jacfwd_tanh_matmul": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(
        lambda y: (y.tanh() @ y.exp()) * y[0]))(x),
    "jacfwd_cubed": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(lib.func.jacfwd(
        lambda y: (y.exp() * y.sin()).sum())))(x),
    "jacfwd_jacfwd_jacrev": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(lib.func.jacrev(
        lambda y: y.tanh().sum())))(x),
    "jacfwd_of_hessian": lambda lib, x: lib.func.jacfwd(lib.func.hessian(lambda y: y.sigmoid().sum()))(x),
    "jacrev_jacfwd": lambda lib, x: lib.func.jacrev(lib.func.jacfwd(lambda y: y.tanh() * y[0]))(x),
    "jvp_jvp_tangent": lambda lib, x: lib.func.jvp(
        lambda y: lib.func.jvp(lambda z: z.sin(), (y,), (lib.ones(4, dtype=y.dtype),))[1],
        (x,), (lib.tensor(DIRECTION),)),
    "jvp_jvp_primal": lambda lib, x: lib.func.jvp(
        lambda y: lib.func.jvp(lambda z: z.exp(), (y,), (lib.ones(4, dtype=y.dtype),))[0],
        (x,), (lib.tensor(DIRECTION),)),
    "jvp_jvp_tangent_depends_on_outer": lambda lib, x: lib.func.jvp(
        lambda y: lib.func.jvp(lambda z: z.exp() * y, (y,), (y * 2,))[1], (x,), (lib.tensor(DIRECTION),)),
    "jvp_jvp_grad": lambda lib, x: lib.func.jvp(
        lambda y: lib.func.jvp(lib.func.grad(lambda z: z.sigmoid().sum()), (y,), (lib.ones(4, dtype=y.dtype),))[1],
        (x,), (lib.tensor(DIRECTION),)),
    "vmap_jacfwd_jacfwd": lambda lib, x: lib.func.vmap(lib.func.jacfwd(lib.func.jacfwd(_sin_sum(lib))))(
        lib.stack([x, x * 2])),
    "jacfwd_jacfwd_inplace": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(_inplace))(x),
    "jvp_jvp_inplace": lambda lib, x: lib.func.jvp(
        lambda y: lib.func.jvp(_inplace, (y,), (lib.ones(4, dtype=y.dtype),))[1], (x,), (lib.tensor(DIRECTION),)),
    "jacfwd_cubed_inplace": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(lib.func.jacfwd(_inplace)))(x),
    "jacfwd_jacfwd_inplace_on_saved_result": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(
        lambda y: y.exp().sin_().sum()))(x),
    "jacfwd_jacfwd_has_aux": lambda lib, x: lib.func.jacfwd(lib.func.jacfwd(
        lambda y: (y.sin().sum(), y.cos()), has_aux=True), has_aux=True)(x),
    "hessian_argnums": lambda lib, x: lib.func.hessian(lambda a, b: (a.tanh() * b.exp()).sum(), argnums=(0, 1))(
        x, x * 2),
}


def _inplace(y):
    z = y.clone()
    z.mul_(y)
    z.add_(y.exp())
    return z.sum()


@pytest.mark.parametrize("name", list(NESTED))
def test_nested_forward_mode(name):
    _both(lambda lib: NESTED[name](lib, lib.tensor(X)))


def test_nested_results_require_grad_as_in_pytorch():
    def reverse_over_jvp(lib):
        x = lib.tensor(X, requires_grad=True)
        primal, tangent = lib.func.jvp(lambda y: (y ** 3).sum(), (x,), (lib.tensor(DIRECTION),))
        assert primal.requires_grad and tangent.requires_grad
        return lib.autograd.grad(tangent, x)

    _both(reverse_over_jvp)

    def plain(lib):
        primal, tangent = lib.func.jvp(lib.func.grad(lambda y: y.tanh().sum()), (lib.tensor(X),),
                                       (lib.tensor(DIRECTION),))
        assert not primal.requires_grad and not tangent.requires_grad
        hessian = lib.func.jacfwd(lib.func.jacfwd(_sin_sum(lib)))(lib.tensor(X))
        assert not hessian.requires_grad and hessian.grad_fn is None
        return primal, tangent, hessian

    _both(plain)


def test_levels_nest_only_in_transforms():
    def public(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level(), fw.dual_level():
            pass

    def transform_in_public(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            lib.func.jvp(lambda y: y.sin(), (lib.tensor(X),), (lib.tensor(X),))

    def public_in_transform(lib):
        def f(y):
            with lib.autograd.forward_ad.dual_level():
                return y.sin()
        lib.func.jvp(f, (lib.tensor(X),), (lib.tensor(X),))

    for fn in (public, transform_in_public, public_in_transform):
        _both(fn)
    fw = ember.autograd.forward_ad
    assert not fw._LEVELS and not ember.autograd.grad_mode.DUAL_LEVEL_OPEN[0]
    with fw.dual_level() as level:  # the levels are all closed again
        assert level == 0
        with pytest.raises(RuntimeError, match="Invalid level given to _make_dual"):
            fw.make_dual(ember.tensor(X), ember.tensor(X), level=1)


# ---- custom autograd.Function in forward mode ---------------------------------------------------------------------
def _functions(lib):
    """The tutorial's Functions and variants, defined on `lib`."""
    class Exp(lib.autograd.Function):  # forward(ctx) style, jvp only: the forward-mode AD tutorial's
        @staticmethod
        def forward(ctx, foo):
            result = lib.exp(foo)
            ctx.result = result
            return result

        @staticmethod
        def jvp(ctx, g):
            return g * ctx.result

    class MulAdd(lib.autograd.Function):  # setup_context style, save_for_forward, two inputs and outputs
        @staticmethod
        def forward(x, y):
            return x * y, x + y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_forward(*inputs)
            ctx.save_for_backward(*inputs)

        @staticmethod
        def jvp(ctx, gx, gy):
            x, y = ctx.saved_tensors
            return gx * y + x * gy, gx + gy

        @staticmethod
        def backward(ctx, g1, g2):
            x, y = ctx.saved_tensors
            return g1 * y + g2, g1 * x + g2

    class Sin(lib.autograd.Function):  # setup_context, backward and jvp, batched by the generated vmap rule
        generate_vmap_rule = True

        @staticmethod
        def forward(x):
            return x.sin()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])
            ctx.x = inputs[0]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[0].cos()

        @staticmethod
        def jvp(ctx, g):
            return g * ctx.x.cos()

    class SavedExp(lib.autograd.Function):  # saves its result for backward (forward-over-reverse through it)
        generate_vmap_rule = True

        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)
            ctx.save_for_forward(output)

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[0]

        @staticmethod
        def jvp(ctx, g):
            return g * ctx.saved_tensors[0]

    class SinBackwardOnly(lib.autograd.Function):  # setup_context, no jvp
        @staticmethod
        def forward(x):
            return x.sin()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[0].cos()

    class OldStyle(lib.autograd.Function):  # forward(ctx) and backward: no setup_context
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[0].cos()

    class WithIndex(lib.autograd.Function):  # an integer output and a number argument
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k, (x * 3).long()

        @staticmethod
        def jvp(ctx, g, gk):
            assert gk is None
            return g * ctx.k, None

    class TwoTangents(Exp):  # jvp gives the wrong number of tangents
        @staticmethod
        def jvp(ctx, g):
            return g, g

    class WrongShape(Exp):
        @staticmethod
        def jvp(ctx, g):
            return g.sum()

    return {c.__name__: c for c in (Exp, MulAdd, Sin, SavedExp, SinBackwardOnly, OldStyle, WithIndex, TwoTangents,
                                    WrongShape)}


def _dual_apply(lib, name, *args):
    """Apply the Function `name` to args (arrays become duals with tangent DIRECTION-like values, None-tangent
    arrays given as (array, None)); the (primal, tangent) of each output."""
    fw = lib.autograd.forward_ad
    fn = _functions(lib)[name]
    with fw.dual_level():
        inputs = []
        for i, a in enumerate(args):
            if isinstance(a, tuple):
                inputs.append(lib.tensor(a[0]))
            elif isinstance(a, np.ndarray):
                inputs.append(fw.make_dual(lib.tensor(a), lib.tensor(randn(*a.shape, seed=i + 3))))
            else:
                inputs.append(a)
        out = fn.apply(*inputs)
        return [tuple(fw.unpack_dual(o)) for o in (out if isinstance(out, tuple) else (out,))]


def test_custom_function_jvp():
    _both(lambda lib: _dual_apply(lib, "Exp", np.array([0.0, 1.0])))
    _both(lambda lib: _dual_apply(lib, "MulAdd", X, (X[::-1].copy(), None)))
    _both(lambda lib: _dual_apply(lib, "MulAdd", X, X[::-1].copy()))
    _both(lambda lib: _dual_apply(lib, "Sin", X))
    _both(lambda lib: _dual_apply(lib, "WithIndex", X, 2.5))
    for name in ("TwoTangents", "WrongShape", "SinBackwardOnly", "OldStyle"):  # PyTorch's errors
        _both(lambda lib: _dual_apply(lib, name, X))


def test_custom_function_jvp_of_input_that_requires_grad():
    def fn(lib):  # the tutorial's: jvp reads the output, which is in the graph (through the Function's node)
        fw = lib.autograd.forward_ad
        x = lib.tensor(X, requires_grad=True)
        with fw.dual_level():
            y = _functions(lib)["Exp"].apply(fw.make_dual(x, lib.tensor(DIRECTION)))
            return y, fw.unpack_dual(y).tangent
    _both(fn)


def test_custom_function_without_backward_in_reverse_mode():
    def fn(lib):
        x = lib.tensor(X, requires_grad=True)
        return lib.autograd.grad(_functions(lib)["Exp"].apply(x).sum(), x)
    _both(fn)


def test_custom_function_jvp_with_reverse_mode():
    def reverse_over_forward(lib):
        fw = lib.autograd.forward_ad
        x = lib.tensor(X, requires_grad=True)
        with fw.dual_level():
            y = _functions(lib)["Sin"].apply(fw.make_dual(x, lib.tensor(DIRECTION)))
            assert y.requires_grad and y.grad_fn is not None
            tangent = fw.unpack_dual(y).tangent
            assert tangent.requires_grad
            (grad_of_tangent,) = lib.autograd.grad(tangent.sum(), x, retain_graph=True)
            y.sum().backward()
        return tangent, grad_of_tangent, x.grad
    _both(reverse_over_forward)

    def under_no_grad(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            with lib.no_grad():
                y = _functions(lib)["Exp"].apply(fw.make_dual(lib.tensor(X, requires_grad=True),
                                                              lib.tensor(DIRECTION)))
            assert not y.requires_grad
            return fw.unpack_dual(y).tangent
    _both(under_no_grad)

    def later_ops(lib):  # the tangent of a result computed from the Function's output comes from jvp alone
        fw = lib.autograd.forward_ad
        x = lib.tensor(X, requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(x, lib.tensor(DIRECTION))
            a, b = _functions(lib)["MulAdd"].apply(d, d.exp())
            return fw.unpack_dual((a * b + d).tanh()).tangent
    _both(later_ops)


def test_custom_function_in_transforms():
    ones = np.ones(4)

    def transform(kind, name):
        def fn(lib):
            f = _functions(lib)[name].apply
            x, v = lib.tensor(X), lib.tensor(ones)
            if kind == "jvp":
                return lib.func.jvp(f, (x,), (v,))
            if kind == "grad":
                return lib.func.grad(lambda y: f(y).sum())(x)
            if kind == "jacrev":
                return lib.func.jacrev(f)(x)
            if kind == "jacfwd":
                return lib.func.jacfwd(f)(x)
            if kind == "vmap":
                return lib.func.vmap(f)(lib.stack([x, x * 2]))
            if kind == "hessian":
                return lib.func.hessian(lambda y: f(y).sum())(x)
            if kind == "jvp_grad":
                return lib.func.jvp(lib.func.grad(lambda y: f(y).sum()), (x,), (v,))
            raise AssertionError(kind)
        return fn

    for kind in ("jvp", "grad", "jacrev", "jacfwd", "vmap", "hessian", "jvp_grad"):
        for name in ("Exp", "Sin", "SavedExp", "SinBackwardOnly", "OldStyle"):
            try:
                _both(transform(kind, name))
            except AssertionError as err:
                raise AssertionError(f"{kind} of {name}: {err}") from None
    _both(lambda lib: lib.func.jvp(_functions(lib)["MulAdd"].apply, (lib.tensor(X), lib.tensor(POS)),
                                   (lib.tensor(ones), lib.tensor(DIRECTION))))


def test_save_for_forward_takes_tensors():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x, 3)
            return x

    with pytest.raises(AssertionError, match="save_for_forward expects all arguments to be tensors"):
        Bad.apply(ember.tensor(X))


def test_gradcheck_of_forward_mode():
    for lib in (ember, torch):
        Exp = _functions(lib)["Exp"]  # the tutorial's check of a Function with jvp only

        class WrongJvp(Exp):
            @staticmethod
            def jvp(ctx, g):
                return g * 2

        x = lib.tensor(randn(3, 2), requires_grad=True)
        kw = dict(check_forward_ad=True, check_backward_ad=False, check_undefined_grad=False, check_batched_grad=False)
        assert lib.autograd.gradcheck(Exp.apply, (x,), **kw)
        with pytest.raises(RuntimeError, match="Jacobian computed with forward mode mismatch for output 0"):
            lib.autograd.gradcheck(WrongJvp.apply, (x,), **kw)
        with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp method"):
            lib.autograd.gradcheck(Exp.apply, (x,), check_forward_ad=True, check_undefined_grad=False,
                                   check_batched_grad=False)
        assert lib.autograd.gradcheck(lambda a: (a.tanh() * a.exp()).sum(1), (x,), check_forward_ad=True)
