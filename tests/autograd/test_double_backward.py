"""Double backward against torch: each op's gradients taken with create_graph, for every subset of inputs
requiring grad, compared in value, in whether they require grad, and in their own gradients."""
import numpy as np
import pytest
from parity import check, randn, second_order

# torch names the nodes of its gradients' graphs differently, and where a second derivative is -0. or +0.
# follows its own formulas; values, requires_grad and the gradients themselves must match.
SECOND = {"check_grad_fn": False, "atol": 1e-8, "grad_atol": 1e-8, "signed_zeros": False}


def F(lib):
    return lib.nn.functional


def positive(*shape, seed=0):
    return np.abs(randn(*shape, seed=seed)) + 0.5


def probabilities(*shape, seed=0):
    return np.random.default_rng(seed).random(shape) * 0.9 + 0.05


UNARY = {
    "exp": lambda lib, x: x.exp(), "log": lambda lib, x: x.abs().log(), "sin": lambda lib, x: x.sin(),
    "tanh": lambda lib, x: x.tanh(), "sigmoid": lambda lib, x: x.sigmoid(), "sqrt": lambda lib, x: x.abs().sqrt(),
    "abs": lambda lib, x: x.abs(), "pow 3": lambda lib, x: x ** 3, "reciprocal": lambda lib, x: x.reciprocal(),
    "clamp": lambda lib, x: x.clamp(-0.5, 0.5), "erf": lambda lib, x: x.erf(), "atan": lambda lib, x: x.atan(),
    "relu": lambda lib, x: F(lib).relu(x), "leaky_relu": lambda lib, x: F(lib).leaky_relu(x, 0.1),
    "hardtanh": lambda lib, x: F(lib).hardtanh(x), "relu6": lambda lib, x: F(lib).relu6(x),
    "elu": lambda lib, x: F(lib).elu(x), "selu": lambda lib, x: F(lib).selu(x), "celu": lambda lib, x: F(lib).celu(x),
    "gelu": lambda lib, x: F(lib).gelu(x), "gelu tanh": lambda lib, x: F(lib).gelu(x, approximate="tanh"),
    "silu": lambda lib, x: F(lib).silu(x), "mish": lambda lib, x: F(lib).mish(x),
    "hardswish": lambda lib, x: F(lib).hardswish(x), "hardsigmoid": lambda lib, x: F(lib).hardsigmoid(x),
    "softplus": lambda lib, x: F(lib).softplus(x), "softshrink": lambda lib, x: F(lib).softshrink(x),
    "hardshrink": lambda lib, x: F(lib).hardshrink(x), "logsigmoid": lambda lib, x: F(lib).logsigmoid(x),
    "threshold": lambda lib, x: F(lib).threshold(x, 0.1, 2.0), "glu": lambda lib, x: F(lib).glu(x, 1),
    "softsign": lambda lib, x: F(lib).softsign(x), "tanhshrink": lambda lib, x: F(lib).tanhshrink(x),
    "softmax": lambda lib, x: F(lib).softmax(x, 1), "log_softmax": lambda lib, x: F(lib).log_softmax(x, 1),
    "sum": lambda lib, x: x.sum(1), "mean": lambda lib, x: x.mean(), "prod": lambda lib, x: x.prod(1),
    "amax": lambda lib, x: x.amax(1), "max dim": lambda lib, x: x.max(1)[0], "norm": lambda lib, x: x.norm(),
    "var": lambda lib, x: x.var(1), "std": lambda lib, x: x.std(1), "logsumexp": lambda lib, x: x.logsumexp(1),
    "cumsum": lambda lib, x: x.cumsum(1), "cumprod": lambda lib, x: x.cumprod(1),
    "logcumsumexp": lambda lib, x: x.logcumsumexp(1), "logcumsumexp of the weighted": lambda lib, x:
    (x * lib.tensor([[1.0, -2.0, 0.0, 3.0]])).logcumsumexp(1) * lib.tensor([[0.5, 0.0, -1.0, 2.0]]),
    "sort": lambda lib, x: x.sort(1)[0], "topk": lambda lib, x: x.topk(2)[0],
    "index": lambda lib, x: x[:, [0, 2, 0]], "transpose": lambda lib, x: x.t() * x.t(),
    "layer_norm": lambda lib, x: F(lib).layer_norm(x, (4,)), "normalize": lambda lib, x: F(lib).normalize(x),
}


@pytest.mark.parametrize("fn", UNARY.values(), ids=UNARY.keys())
def test_unary(fn):
    check(second_order(fn), randn(3, 4), **SECOND)


BINARY = {
    "add": lambda lib, a, b: a + b * 2, "mul": lambda lib, a, b: a * b, "div": lambda lib, a, b: a / b,
    "pow": lambda lib, a, b: a.abs() ** b, "maximum": lambda lib, a, b: lib.maximum(a, b),
    "atan2": lambda lib, a, b: lib.atan2(a, b), "where": lambda lib, a, b: lib.where(a > 0, a * a, b * a),
    "matmul": lambda lib, a, b: a @ b.t(), "mse": lambda lib, a, b: F(lib).mse_loss(a, b),
    "mse none": lambda lib, a, b: F(lib).mse_loss(a, b, reduction="none"),
    "l1": lambda lib, a, b: F(lib).l1_loss(a, b), "smooth_l1": lambda lib, a, b: F(lib).smooth_l1_loss(a, b),
    "huber": lambda lib, a, b: F(lib).huber_loss(a, b, delta=0.5),
    "kl_div": lambda lib, a, b: F(lib).kl_div(a, b.exp(), reduction="batchmean"),
    "cosine_similarity": lambda lib, a, b: F(lib).cosine_similarity(a, b),
    "pairwise_distance": lambda lib, a, b: F(lib).pairwise_distance(a, b),
    "cat": lambda lib, a, b: lib.cat([a * a, b]), "stack": lambda lib, a, b: lib.stack([a, b * a]),
}


@pytest.mark.parametrize("fn", BINARY.values(), ids=BINARY.keys())
def test_binary(fn):
    check(second_order(fn), randn(3, 4), randn(3, 4, seed=1), **SECOND)


def test_losses_with_probabilities_and_logits():
    p, y = probabilities(3, 4), probabilities(3, 4, seed=1)
    for reduction in ("mean", "sum", "none"):
        check(second_order(lambda lib, x, t: F(lib).binary_cross_entropy(x, t, reduction=reduction)), p, y,
              **SECOND)
        check(second_order(lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, reduction=reduction)),
              randn(3, 4), y, **SECOND)
        check(second_order(lambda lib, x, t, pw: F(lib).binary_cross_entropy_with_logits(
            x, t, pos_weight=pw, reduction=reduction)), randn(3, 4), y, positive(4, seed=3), **SECOND)
        check(second_order(lambda lib, x, t: F(lib).soft_margin_loss(x, t, reduction=reduction)), randn(3, 4),
              np.sign(randn(3, 4, seed=1)), grad=True, **SECOND)
    check(second_order(lambda lib, x, t: F(lib).cross_entropy(x, t)), randn(3, 4), np.array([0, 3, 1]),
          **SECOND)
    check(second_order(lambda lib, x, t: F(lib).cross_entropy(x, t, label_smoothing=0.2)), randn(3, 4),
          probabilities(3, 4, seed=4), **SECOND)
    check(second_order(lambda lib, x, t: F(lib).nll_loss(F(lib).log_softmax(x, 1), t)), randn(3, 4),
          np.array([0, 3, 1]), **SECOND)
    check(second_order(lambda lib, x, t: F(lib).poisson_nll_loss(x, t)), randn(3, 4), positive(3, 4),
          **SECOND)
    check(second_order(lambda lib, x, t, v: F(lib).gaussian_nll_loss(x, t, v)), randn(3, 4), randn(3, 4, seed=1),
          positive(3, 4, seed=2), **SECOND)


SPATIAL = {
    "conv2d": lambda lib, x, w: F(lib).conv2d(x, w, padding=1),
    "conv_transpose2d": lambda lib, x, w: F(lib).conv_transpose2d(x, w.transpose(0, 1), stride=2),
    "conv2d then relu": lambda lib, x, w: F(lib).relu(F(lib).conv2d(x, w)),
    "conv1d": lambda lib, x, w: F(lib).conv1d(x[:, :, 0], w[:, :, 0]),
    "max_pool2d": lambda lib, x, w: F(lib).max_pool2d(x, 2) * w.sum(),
    "avg_pool2d": lambda lib, x, w: F(lib).avg_pool2d(x, 2),
    "adaptive_avg_pool2d": lambda lib, x, w: F(lib).adaptive_avg_pool2d(x, 3),
    "adaptive_max_pool2d": lambda lib, x, w: F(lib).adaptive_max_pool2d(x, 3),
    "max_pool1d": lambda lib, x, w: F(lib).max_pool1d(x[0], 2),
    "lp_pool2d": lambda lib, x, w: F(lib).lp_pool2d(x.abs() + 1, 2, 2),
    "reflect pad": lambda lib, x, w: F(lib).pad(x, (1, 2, 1, 0), mode="reflect"),
    "replicate pad": lambda lib, x, w: F(lib).pad(x, (1, 2, 1, 0), mode="replicate"),
    "circular pad": lambda lib, x, w: F(lib).pad(x, (1, 2, 1, 0), mode="circular"),
    "constant pad": lambda lib, x, w: F(lib).pad(x, (1, 2, 1, 0), value=0.5),
    "nearest": lambda lib, x, w: F(lib).interpolate(x, scale_factor=2),
    "bilinear": lambda lib, x, w: F(lib).interpolate(x, scale_factor=2, mode="bilinear"),
    "pixel_shuffle": lambda lib, x, w: F(lib).pixel_shuffle(x, 2) * x.sum(),
    "unfold": lambda lib, x, w: F(lib).unfold(x, 2),
    "batch_norm": lambda lib, x, w: F(lib).batch_norm(x, None, None, training=True),
    "group_norm": lambda lib, x, w: F(lib).group_norm(x, 2), "instance_norm": lambda lib, x, w: F(lib).instance_norm(x),
    "dropout eval": lambda lib, x, w: F(lib).dropout(x, 0.5, training=False) * x,
}


@pytest.mark.parametrize("fn", SPATIAL.values(), ids=SPATIAL.keys())
def test_spatial(fn):
    check(second_order(fn), randn(2, 4, 6, 6), randn(3, 4, 3, 3, seed=1), **SECOND)


def test_linear_layers():
    check(second_order(lambda lib, x, w, b: F(lib).linear(x, w, b)), randn(3, 4), randn(5, 4, seed=1),
          randn(5, seed=2), **SECOND)
    check(second_order(lambda lib, x, w, b: F(lib).linear(x, w, b).tanh()), randn(3, 4), randn(5, 4, seed=1),
          randn(5, seed=2), **SECOND)
    check(second_order(lambda lib, x, w, b: F(lib).conv2d(x, w, b).relu()), randn(1, 4, 5, 5),
          randn(3, 4, 3, 3, seed=1), randn(3, seed=2), **SECOND)
    check(second_order(lambda lib, x, w, b: F(lib).layer_norm(x, (4,), w, b)), randn(3, 4), randn(4, seed=1),
          randn(4, seed=2), **SECOND)
    check(second_order(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True)), randn(3, 4),
          randn(4, seed=1), randn(4, seed=2), **SECOND)
    check(second_order(lambda lib, x, w: F(lib).prelu(x, w)), randn(3, 4), np.array([0.25]), **SECOND)


def test_losses_of_the_input_alone():
    """Losses whose gradient is constant in the input still record PyTorch's double-backward node."""
    x, t = randn(3, 4), np.array([0, 3, 1])
    labels = [[3, 0, -1, 1], [1, 2, -1, 0], [0, -1, 0, 0]]
    for fn in (lambda lib, x: F(lib).nll_loss(x, lib.tensor(t)),
               lambda lib, x: F(lib).multi_margin_loss(x, lib.tensor(t)),
               lambda lib, x: F(lib).l1_loss(x, x.detach() * 0.5), lambda lib, x: F(lib).kl_div(x, x.detach().exp()),
               lambda lib, x: F(lib).multilabel_margin_loss(x, lib.tensor(labels)),
               lambda lib, x: F(lib).poisson_nll_loss(x, x.detach().abs())):
        check(second_order(fn), x, **SECOND)


def test_prod_with_zeros():
    """Regression: with a zero factor the gradient of prod came from arrays, so it had no graph of its own."""
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 3.0]])
    check(second_order(lambda lib, x: x.prod(1)), x, **SECOND)
    check(second_order(lambda lib, x: x.prod()), x, **SECOND)
    check(second_order(lambda lib, x: x.prod(0, keepdim=True)), x, **SECOND)


def test_elu_family_at_zero():
    """PyTorch's second derivative of elu, celu and selu at exactly 0 is 0 (the first derivative is alpha)."""
    x = np.array([-1.0, 0.0, 0.5])
    for fn in (lambda lib, x: F(lib).elu(x, 0.5), lambda lib, x: F(lib).celu(x, 2.0), lambda lib, x: F(lib).selu(x)):
        check(second_order(fn), x, **SECOND)


def test_cumprod_with_zeros():
    """Regression (found by the program fuzzer): the elements after a zero had a constant 0 gradient, so
    their derivative with respect to the zero was lost."""
    x = np.array([[2.0, 0.0, 3.0, -1.0], [1.0, 2.0, 0.0, 0.0], [0.5, 1.5, -2.0, 1.0]])
    check(second_order(lambda lib, x: x.cumprod(1)), x, **SECOND)
    check(second_order(lambda lib, x: x.cumprod(0)), x, **SECOND)


def test_ctc_loss_is_not_differentiable_twice():
    """As PyTorch's: the gradient of ctc_loss has no derivative (its backward's node raises), whether or not the
    loss's own output gradient requires grad."""
    log_probs = randn(6, 2, 5)

    def fn(lib, x, scale):
        loss = F(lib).ctc_loss(x.log_softmax(2), lib.tensor([[1, 2], [3, 3]]), lib.tensor([6, 5]),
                               lib.tensor([2, 2]))
        return loss * scale
    check(second_order(fn), log_probs, np.array(2.0), **SECOND)
