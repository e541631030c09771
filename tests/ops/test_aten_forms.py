"""The torch-level forms of nn.functional ops (PyTorch's native argument orders, integer reductions) against
PyTorch: values, grad_fn names, gradients over input subsets, and errors."""
import numpy as np
import pytest
from parity import check, randn


def probs(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape)


def signs(n, seed=0):
    return np.where(np.random.default_rng(seed).random(n) > 0.5, 1.0, -1.0)


def test_dropouts_in_eval_and_at_zero():
    x = randn(3, 4)
    for name in ["dropout", "alpha_dropout", "feature_alpha_dropout"]:
        check(lambda lib, a: getattr(lib, name)(a, 0.5, False), x)
        check(lambda lib, a: getattr(lib, name + "_")(a.clone(), 0.5, False), x)
        check(lambda lib, a: getattr(lib, name)(a, 0.0, True), x, check_grad_fn=False)


def test_dropout_in_training_zeroes_and_scales():
    import ember
    x = ember.ones(1000)
    y = ember.dropout(x, 0.25, True)
    kept = y.numpy() != 0
    assert 0.6 < kept.mean() < 0.9 and np.allclose(y.numpy()[kept], 1 / 0.75)


def test_embedding_weight_first():
    w = randn(6, 3)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    check(lambda lib, weight, i: lib.embedding(weight, i), w, idx)
    check(lambda lib, weight, i: lib.embedding(weight, i, 2), w, idx)


def test_norms_in_native_order():
    x, w, b = randn(4, 3, 5), randn(3), randn(3)
    mean, var = randn(3), probs(3) + 0.5
    check(lambda lib, a, g, h: lib.batch_norm(a, g, h, lib.tensor(mean), lib.tensor(var), False, 0.1, 1e-5, True),
          x, w, b)
    check(lambda lib, a, g, h: lib.batch_norm(a, g, h, None, None, True, 0.1, 1e-5, False), x, w, b)
    check(lambda lib, a, g, h: lib.instance_norm(a, g, h, None, None, True, 0.1, 1e-5, False), x, w, b)
    check(lambda lib, a, g, h: lib.layer_norm(a, [5], g, h, 1e-5, True), x, randn(5), randn(5))
    check(lambda lib, a, g, h: lib.group_norm(a, 3, g, h, 1e-5, True), x, w, b)
    check(lambda lib, a, g: lib.rms_norm(a, [5], g), x, randn(5))


@pytest.mark.parametrize("reduction", [0, 1, 2])
def test_losses_with_integer_reductions(reduction):
    x, y = randn(4, 3), probs(4, 3)
    check(lambda lib, a, t: lib.binary_cross_entropy_with_logits(a, t, None, None, reduction), x, y)
    check(lambda lib, a, t: lib.kl_div(a, t, reduction), np.log(probs(4, 3)), probs(4, 3, seed=1))
    check(lambda lib, a, t: lib.kl_div(a, t, reduction, log_target=True), x, randn(4, 3, seed=1))
    t = signs(4)
    check(lambda lib, a, b, c: lib.cosine_embedding_loss(a, b, c, 0.1, reduction), x, randn(4, 3, seed=2), t)
    check(lambda lib, a, c: lib.hinge_embedding_loss(a, c, 1.0, reduction), randn(4), t)
    check(lambda lib, a, b, c: lib.margin_ranking_loss(a, b, c, 0.2, reduction), randn(4), randn(4, seed=3), t)
    check(lambda lib, a, c: lib.poisson_nll_loss(a, c, True, False, 1e-8, reduction), x, y * 3)
    check(lambda lib, a, b, c: lib.triplet_margin_loss(a, b, c, 1.0, 2, 1e-6, False, reduction), x,
          randn(4, 3, seed=4), randn(4, 3, seed=5))


def test_ctc_loss_with_integer_reduction():
    log_probs = np.log(np.random.default_rng(0).dirichlet(np.ones(5), (6, 2)))
    targets = np.array([[1, 2, 3], [2, 4, 0]])
    check(lambda lib, lp, t: lib.ctc_loss(lp, t, [6, 6], [3, 2], 0, 1, False), log_probs, targets)


def test_other_integer_reductions_reduce_nothing():
    check(lambda lib, a, c: lib.hinge_embedding_loss(a, c, 1.0, 5), randn(4), signs(4))


def test_activations():
    x = randn(3, 4)
    check(lambda lib, a: lib.celu(a, 0.5), x)
    check(lambda lib, a: lib.celu_(a.clone(), 0.5), x)
    check(lambda lib, a: lib.selu(a), x)
    check(lambda lib, a: lib.selu_(a.clone()), x)
    check(lambda lib, a: lib.rrelu(a, 0.1, 0.3, False), x)
    check(lambda lib, a: lib.rrelu_(a.clone(), 0.1, 0.3, False), x)
    check(lambda lib, a: lib.threshold(a, 0.1, -2.0), x)
    check(lambda lib, a: lib.threshold_(a.clone(), 0.1, -2.0), x)
    check(lambda lib, a, w: lib.prelu(a, w), x, np.array([0.25]))
    check(lambda lib, a: lib.hardshrink(a, 0.3), x)
    check(lambda lib, a: lib.nn.functional.elu_(a.clone()), x)  # in-place nodes carry PyTorch's ...Backward1
    check(lambda lib, a: lib.nn.functional.leaky_relu_(a.clone(), 0.2), x)
    check(lambda lib, a: lib.nn.functional.rrelu(a.clone(), 0.1, 0.3, False, True), x)


def test_padding_distances_and_bilinear():
    x = randn(2, 3, 4)
    check(lambda lib, a: lib.constant_pad_nd(a, [1, 2], 0.5), x)
    check(lambda lib, a: lib.constant_pad_nd(a, (1, 0, 0, 2)), x)
    check(lambda lib, a: lib.pdist(a, 2), randn(5, 3), check_grad_fn=False)  # README: pdist is a composition
    check(lambda lib, a, b: lib.pairwise_distance(a, b, 1.0, 1e-6, True), randn(5, 3), randn(5, 3, seed=1))
    check(lambda lib, a, b: lib.cosine_similarity(a, b, 1, 1e-8), randn(5, 3), randn(5, 3, seed=1))
    check(lambda lib, a, b, w, c: lib.bilinear(a, b, w, c), randn(4, 2), randn(4, 3), randn(5, 2, 3), randn(5))
