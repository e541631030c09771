"""Custom autograd Functions, compared with PyTorch."""

from parity import check, randn

import ember


def functions(lib):
    """The same custom Functions defined against `lib`."""
    F = lib.autograd.Function

    class Exp(F):
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    class Scale(F):  # non-tensor argument; needs_input_grad
        @staticmethod
        def forward(ctx, x, factor, y):
            ctx.factor = factor
            ctx.save_for_backward(x, y)
            return x * factor + y

        @staticmethod
        def backward(ctx, g):
            assert ctx.needs_input_grad[1] is False
            gx = g * ctx.factor if ctx.needs_input_grad[0] else None
            gy = g if ctx.needs_input_grad[2] else None
            return gx, None, gy

    class SplitTwo(F):  # multiple outputs, one non-differentiable
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return x * 2, x * 3, idx

        @staticmethod
        def backward(ctx, g1, g2, g_idx):
            return g1 * 2 + g2 * 3

    class AddOneInPlace(F):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class NoMaterialize(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is None
            return g1

    class Materialize(F):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is not None and not g2.detach().numpy().any()
            return g1 + g2

    class TooMany(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class TooFew(F):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return (g,)

    class Cube(F):  # setup_context style, differentiable backward
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    return {c.__name__: c for c in (Exp, Scale, SplitTwo, AddOneInPlace, NoMaterialize, Materialize, TooMany,
                                    TooFew, Cube)}


def fn(name):
    return lambda lib: functions(lib)[name]


def test_save_for_backward_and_grad_fn_name():
    check(lambda lib, x: fn("Exp")(lib).apply(x), randn(3))
    check(lambda lib, x: fn("Exp")(lib).apply(x * 2).sum(), randn(3))


def test_non_tensor_args_and_needs_input_grad():
    check(lambda lib, x, y: fn("Scale")(lib).apply(x, 2.5, y), randn(3), randn(3, seed=1))
    check(lambda lib, x, y: fn("Scale")(lib).apply(x, 2.5, y.detach()), randn(3), randn(3, seed=1))


def test_multiple_outputs_and_non_differentiable():
    def f(lib, x):
        a, b, idx = fn("SplitTwo")(lib).apply(x)
        return a, b, idx, idx.requires_grad, a.grad_fn is b.grad_fn
    check(f, randn(4))
    check(lambda lib, x: fn("SplitTwo")(lib).apply(x)[1], randn(4))


def test_mark_dirty():
    def f(lib, x):
        h = x * 1
        r = fn("AddOneInPlace")(lib).apply(h)
        return r, r is h, h._version
    check(f, randn(3))
    check(lambda lib, x: fn("AddOneInPlace")(lib).apply(x), randn(3))

    def under_no_grad(lib, x):  # a leaf requiring grad may be modified in place where no graph is recorded
        with lib.no_grad():
            r = fn("AddOneInPlace")(lib).apply(x)
        return r.detach(), x._version
    check(under_no_grad, randn(3))


def test_set_materialize_grads():
    check(lambda lib, x: fn("NoMaterialize")(lib).apply(x)[0], randn(3))
    check(lambda lib, x: fn("Materialize")(lib).apply(x)[0], randn(3))


def test_wrong_number_of_gradients():
    check(lambda lib, x: fn("TooMany")(lib).apply(x).sum().backward(), randn(3))
    check(lambda lib, x, y: fn("TooFew")(lib).apply(x, y).sum().backward(), randn(3), randn(3, seed=1))


def test_setup_context_and_double_backward():
    check(lambda lib, x: fn("Cube")(lib).apply(x), randn(3))

    def f(lib, x):
        y = fn("Cube")(lib).apply(x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        return lib.autograd.grad(g.sum(), x)
    check(f, randn(3))


def test_no_grad_inputs_give_plain_tensor():
    check(lambda lib, x: fn("Exp")(lib).apply(x), randn(3), grad=False)
    with ember.no_grad():
        r = functions(ember)["Exp"].apply(ember.ones(2, requires_grad=True))
    assert r.grad_fn is None and not r.requires_grad


def test_saved_tensor_modified_in_place_raises():
    def f(lib, x):
        h = x * 1
        r = fn("Scale")(lib).apply(h, 2.0, h)
        h.add_(1)
        r.sum().backward()
    check(f, randn(3))


def test_once_differentiable():
    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @ember.autograd.function.once_differentiable
        def backward(ctx, g):
            assert not ember.is_grad_enabled()
            return g * 2

    x = ember.ones(3, requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
