"""Loss functions against torch: values, dtype, grad_fn, gradients of input (and target where torch
has one), every reduction, bad input."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, torch

import ember

R = ["mean", "sum", "none"]
N, C = 4, 5


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).random(shape)


def _classes(*shape, seed=0):
    return np.random.default_rng(seed).integers(0, C, shape)


def F(lib):
    return lib.nn.functional


@pytest.mark.parametrize("reduction", R)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"])
def test_pointwise_losses(name, reduction):
    target = np.sign(randn(N, C, seed=3)) if name == "soft_margin_loss" else randn(N, C, seed=3)
    check(lambda lib, x, t: getattr(F(lib), name)(x, t, reduction=reduction), randn(N, C), target)


@pytest.mark.parametrize("reduction", R)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_pointwise_losses(name, reduction):
    """PyTorch's weighted forms: mse and l1's mean divides by the weights' sum, huber's by the element count."""
    w = _rand(N, C, seed=4) + 0.5
    check(lambda lib, x, t, w: getattr(F(lib), name)(x, t, reduction=reduction, weight=w), randn(N, C),
          randn(N, C, seed=3), w)
    check(lambda lib, x, t, w: getattr(F(lib), name)(x, t, reduction=reduction, weight=w), randn(N, C),
          randn(C, seed=3), w)  # the target broadcast to the input's shape
    check(lambda lib, x, t, w: getattr(F(lib), name)(x, t, reduction=reduction, weight=w), randn(N, C),
          randn(N, C, seed=3), w[0])  # a weight of another size: ValueError
    raises_like_torch(lambda lib: getattr(F(lib), name)(lib.ones(2), lib.zeros(2), weight=2.0))
    raises_like_torch(lambda lib: getattr(F(lib), name)(lib.ones(2), lib.zeros(2), weight=lib.ones(2),
                                                        reduction="average"))


@pytest.mark.parametrize("reduction", R)
def test_cross_entropy_and_nll(reduction):
    t = _classes(N)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction), randn(N, C), t)
    check(lambda lib, x, t: F(lib).nll_loss(F(lib).log_softmax(x, 1), t, reduction=reduction), randn(N, C), t)
    w = _rand(C) + 0.5
    check(lambda lib, x, t, w: F(lib).cross_entropy(x, t, weight=w, reduction=reduction), randn(N, C), t, w,
          grad=False)
    t_ignored = t.copy()
    t_ignored[1] = -100
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction), randn(N, C), t_ignored)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction, label_smoothing=0.2), randn(N, C), t)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction, label_smoothing=0.1, ignore_index=2),
          randn(N, C), t)


@pytest.mark.parametrize("reduction", R)
def test_nll_loss_ignored_and_byte_targets(reduction):
    """An ignore_index among the classes, one outside them that a target uses, byte targets, an empty batch."""
    t = _classes(N)
    t[2] = 3
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction, ignore_index=3), randn(N, C), t)
    t[0] = 7
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction, ignore_index=7), randn(N, C), t)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction, ignore_index=7), randn(2, C, 3),
          np.array([[7, 1, 7], [0, 4, 2]]))
    check(lambda lib, x, t: F(lib).nll_loss(x, t, reduction=reduction), randn(2, C, 2, 1, 3), _classes(2, 2, 1, 3))
    check(lambda lib, x, t: F(lib).nll_loss(x, t, reduction=reduction), randn(N, C), _classes(N).astype(np.uint8))
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction), randn(0, C), _classes(0))


@pytest.mark.parametrize("target", [5, -1, -100])
def test_nll_loss_targets_out_of_bounds(target):
    t = _classes(N)
    t[1] = target
    ignore = -100 if target != -100 else 0
    raises_like_torch(lambda lib: F(lib).cross_entropy(lib.tensor(randn(N, C)), lib.tensor(t), ignore_index=ignore))


@pytest.mark.parametrize("reduction", R)
def test_cross_entropy_nd_and_probabilities(reduction):
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction), randn(2, C, 3, 4), _classes(2, 3, 4))
    probs = _rand(N, C)
    probs /= probs.sum(1, keepdims=True)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction), randn(N, C), probs)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction, label_smoothing=0.3), randn(N, C),
          probs)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction), randn(C), np.array(2))


def test_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    check(lambda lib, x, t: F(lib).cross_entropy(x, t), x, np.array([1, 1]))
    check(lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t), x, (x > 0).astype(np.float64))


@pytest.mark.parametrize("reduction", R)
def test_binary_cross_entropy(reduction):
    p = _rand(N, C) * 0.98 + 0.01
    y = _rand(N, C, seed=2)
    check(lambda lib, x, t: F(lib).binary_cross_entropy(x, t, reduction=reduction), p, y)
    check(lambda lib, x, t, w: F(lib).binary_cross_entropy(x, t, weight=w, reduction=reduction), p, y,
          _rand(N, C, seed=5))
    check(lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, reduction=reduction), randn(N, C), y)
    check(lambda lib, x, t, pw: F(lib).binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction=reduction),
          randn(N, C), y, _rand(C) + 0.5)


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.bool_, np.float32])
def test_binary_and_kl_losses_of_other_dtypes(dtype):
    """Integer or bool targets (or inputs) raise, as in PyTorch, which computes these losses in the target's
    dtype; a float32 target with float64 logits gives a float32 loss."""
    targets = np.array([[0, 1, 1], [1, 0, 1]]).astype(dtype)
    logits = randn(2, 3)
    tol = dict(grad_atol=1e-6, grad_rtol=1e-6)  # with a float32 target, the gradients are float32's
    check(lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t), logits, targets, **tol)
    check(lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, reduction="none"), logits, targets, **tol)
    check(lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(t, x), logits, targets, **tol)
    check(lambda lib, x, t: F(lib).kl_div(x, t, reduction="batchmean"), logits, targets, **tol)
    check(lambda lib, x, t: F(lib).kl_div(t, x, reduction="batchmean"), logits, targets, **tol)


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.int32, np.int16, np.int8, np.bool_, np.float64])
def test_class_index_targets_must_be_long_or_byte(dtype):
    target = np.array([0, 1, 1]).astype(dtype)
    check(lambda lib, x, t: F(lib).nll_loss(x, t), randn(3, 4), target)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t), randn(3, 4), target)


@pytest.mark.parametrize("loss", ["BCELoss", "BCEWithLogitsLoss"])
def test_binary_classifier_trains_like_torch(loss):
    """Regression: the BCE losses' backward crashed whenever the target did not require grad."""
    x, y = randn(8, 3), (randn(8, 1, seed=1) > 0).astype(np.float64)
    w0, b0 = randn(1, 3, seed=2), randn(1, seed=3)

    def train(lib):
        model = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Sigmoid() if loss == "BCELoss" else lib.nn.Identity())
        model.double()
        with lib.no_grad():
            model[0].weight.copy_(lib.tensor(w0))
            model[0].bias.copy_(lib.tensor(b0))
        opt = lib.optim.SGD(model.parameters(), lr=0.5)
        losses = []
        for _ in range(5):
            opt.zero_grad()
            out = getattr(lib.nn, loss)()(model(lib.tensor(x)), lib.tensor(y))
            out.backward()
            opt.step()
            losses.append(out.item())
        return losses, model[0].weight.detach().numpy()

    (e_losses, e_w), (t_losses, t_w) = train(ember), train(torch)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-10)
    np.testing.assert_allclose(e_w, t_w, rtol=1e-10)


@pytest.mark.parametrize("reduction", R + ["batchmean"])
def test_kl_div(reduction):
    logp = np.log(_rand(N, C) + 0.1)
    check(lambda lib, x, t: F(lib).kl_div(x, t, reduction=reduction), logp, _rand(N, C, seed=4), grad=True)
    check(lambda lib, x, t: F(lib).kl_div(x, t, reduction=reduction, log_target=True), logp,
          np.log(_rand(N, C, seed=4)))


@pytest.mark.parametrize("reduction", R)
def test_margin_losses(reduction):
    y = np.sign(randn(N, seed=7))
    check(lambda lib, a, b, y: F(lib).margin_ranking_loss(a, b, y, margin=0.1, reduction=reduction),
          randn(N), randn(N, seed=1), y)
    check(lambda lib, x, y: F(lib).hinge_embedding_loss(x, y, reduction=reduction), randn(N, C),
          np.sign(randn(N, C, seed=8)))
    check(lambda lib, a, b, y: F(lib).cosine_embedding_loss(a, b, y, margin=0.2, reduction=reduction),
          randn(N, C), randn(N, C, seed=1), y)
    check(lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, reduction=reduction), randn(N, C),
          randn(N, C, seed=1), randn(N, C, seed=2))
    check(lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, swap=True, p=1, reduction=reduction),
          randn(N, C), randn(N, C, seed=1), randn(N, C, seed=2))
    check(lambda lib, x, t: F(lib).multi_margin_loss(x, t, reduction=reduction), randn(N, C), _classes(N))
    check(lambda lib, x, t: F(lib).multi_margin_loss(x, t, p=2, margin=0.5, reduction=reduction), randn(N, C),
          _classes(N))
    check(lambda lib, x, t: F(lib).multilabel_soft_margin_loss(x, t, reduction=reduction), randn(N, C),
          (randn(N, C, seed=3) > 0).astype(np.float64))
    target = np.array([[3, 0, -1, 1, 0], [1, 2, 4, -1, 0], [0, -1, 0, 0, 0], [4, 3, 2, 1, 0]])
    check(lambda lib, x, t: F(lib).multilabel_margin_loss(x, t, reduction=reduction), randn(N, C), target)
    repeated = np.array([[0, 0, 0, 0, 0], [2, 2, 1, -1, 0], [3, 3, -1, 3, 3], [1, 4, 1, 4, -1]])  # counted each time
    check(lambda lib, x, t: F(lib).multilabel_margin_loss(x, t, reduction=reduction), randn(N, C), repeated)


@pytest.mark.parametrize("reduction", R)
def test_likelihood_losses(reduction):
    check(lambda lib, x, t: F(lib).poisson_nll_loss(x, t, reduction=reduction), randn(N, C), _rand(N, C) * 3)
    check(lambda lib, x, t: F(lib).poisson_nll_loss(x, t, log_input=False, full=True, reduction=reduction),
          _rand(N, C) + 0.5, _rand(N, C, seed=1) * 3)
    check(lambda lib, x, t, v: F(lib).gaussian_nll_loss(x, t, v, reduction=reduction), randn(N, C),
          randn(N, C, seed=1), _rand(N, C) + 0.1)
    check(lambda lib, x, t, v: F(lib).gaussian_nll_loss(x, t, v, full=True, reduction=reduction), randn(N, C),
          randn(N, C, seed=1), _rand(N) + 0.1)


def test_bad_input_raises_like_torch():
    check(lambda lib, x, t: F(lib).cross_entropy(x, t), randn(N, C), np.array([0, 1, 5, 2]))
    check(lambda lib, x, t: F(lib).cross_entropy(x, t), randn(N, C), np.array([0, 1]))
    check(lambda lib, x, t: F(lib).mse_loss(x, t, reduction="avg"), randn(N), randn(N))
    check(lambda lib, x, t: F(lib).binary_cross_entropy(x, t), _rand(N) * 2, _rand(N))
    check(lambda lib, x, t: F(lib).binary_cross_entropy(x, t), _rand(N), _rand(N, 1))
    check(lambda lib, x, t: F(lib).nll_loss(x, t), randn(N, C), randn(N))


@pytest.mark.parametrize("name", ["soft_margin_loss", "kl_div", "cross_entropy", "nll_loss", "poisson_nll_loss",
                                  "hinge_embedding_loss", "multi_margin_loss", "multilabel_margin_loss"])
def test_a_number_target_raises_like_torch(name):
    check(lambda lib, x: getattr(F(lib), name)(x, 2.5), randn(N, C))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits"])
def test_a_number_target_raises_type_error(name):
    """PyTorch's own Python code meets the number with an AttributeError; ember's TypeError names the argument."""
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'target' \(position 2\) must be Tensor, not float"):
        getattr(F(ember), name)(ember.rand(N, C), 2.5)


def test_broadcasting_target_warns_with_shapes_and_fix():
    x = ember.randn(4, 1)
    with pytest.warns(UserWarning, match=r"target size \(ember.Size\(\[4\]\)\).*input size.*target.view_as"):
        loss = F(ember).mse_loss(x, ember.randn(4))
    assert loss.shape == ()


def test_legacy_size_average_and_reduce():
    check(lambda lib, x, t: F(lib).mse_loss(x, t, size_average=False), randn(N), randn(N, seed=1))
    check(lambda lib, x, t: F(lib).l1_loss(x, t, reduce=False), randn(N), randn(N, seed=1))


def _ctc_case(seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((12, 3, 5))
    return logits, rng.integers(1, 5, (3, 4)), np.array([12, 10, 9]), np.array([4, 2, 3])


@pytest.mark.parametrize("reduction", R)
def test_ctc_loss(reduction):
    x, targets, il, tl = _ctc_case()
    check(lambda lib, x, t, i, n: F(lib).ctc_loss(x.log_softmax(2), t, i, n, reduction=reduction), x, targets, il, tl)
    flat = np.concatenate([targets[n, :tl[n]] for n in range(3)])
    check(lambda lib, x, t, i, n: F(lib).ctc_loss(x.log_softmax(2), t, i, n, reduction=reduction, blank=0), x,
          flat, il, tl)
    check(lambda lib, x, t: F(lib).ctc_loss(x.log_softmax(1), t, (12,), (4,), reduction=reduction), x[:, 0],
          targets[0])


def test_ctc_impossible_alignment_and_zero_infinity():
    x, targets, _, tl = _ctc_case(1)
    targets[1, :2] = 2  # two equal labels need a blank between them: 3 steps, and sample 1 gets only 2
    for zero_infinity in (False, True):
        check(lambda lib, x, t, i, n: F(lib).ctc_loss(x.log_softmax(2), t, i, n, reduction="sum",
                                                      zero_infinity=zero_infinity), x, targets, np.array([12, 2, 9]),
              tl)
    e = ember.nn.CTCLoss(blank=0, zero_infinity=True)
    assert repr(e) == repr(torch.nn.CTCLoss(blank=0, zero_infinity=True))


@pytest.mark.parametrize("name", ["mse_loss", "smooth_l1_loss", "huber_loss", "l1_loss"])
def test_pointwise_losses_of_shapes_that_do_not_broadcast(name):
    check(lambda lib, x, t: getattr(F(lib), name)(x, t), randn(2), randn(2, 3))


@pytest.mark.parametrize("target_dtype", [np.int64, np.float64, np.float16])
@pytest.mark.parametrize("name", ["mse_loss", "smooth_l1_loss", "l1_loss"])
def test_pointwise_losses_promote_input_and_target_dtypes(name, target_dtype):
    target = (np.arange(1, 11) if target_dtype == np.int64 else randn(10, seed=1)).astype(target_dtype)
    check(lambda lib, x, t: getattr(F(lib), name)(x, t), randn(10, dtype=np.float32), target)


@pytest.mark.parametrize("call", [
    lambda lib, w: F(lib).nll_loss(lib.zeros(3, C, requires_grad=True), lib.zeros(3, dtype=lib.int64), weight=w),
    lambda lib, w: F(lib).nll_loss(lib.zeros(2, C, 3, 3), lib.zeros(2, 3, 3, dtype=lib.int64), weight=w),
    lambda lib, w: F(lib).cross_entropy(lib.zeros(3, C), lib.zeros(3, dtype=lib.int64), weight=w, label_smoothing=0.1),
])
def test_class_weights_that_require_grad_raise_like_torch(call):
    """nll_loss is not differentiable in its class weights: PyTorch refuses them requiring grad (in grad mode)."""
    for lib in (torch, ember):
        weight = lib.ones(C, requires_grad=True)
        with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
            call(lib, weight)
        with lib.no_grad():
            call(lib, weight)
    check(lambda lib, x, t, w: F(lib).cross_entropy(x, t, weight=w), randn(N, C), _rand(N, C), _rand(C))  # soft: fine


@pytest.mark.parametrize("target", ["float indices", "float of another batch", "int32 indices", "probabilities"])
def test_cross_entropy_takes_a_float_target_of_input_shape_as_probabilities(target):
    """Only a target of the input's shape is probabilities; other float targets are class indices, with
    PyTorch's errors (the batch size first, then the dtype)."""
    targets = {"float indices": np.array([0.0, 1.0]), "float of another batch": np.array([0.0, 1.0, 1.0]),
               "int32 indices": np.array([0, 1], np.int32), "probabilities": np.full((2, 3), 1 / 3)}
    check(lambda lib, x, t: F(lib).cross_entropy(x, t), randn(2, 3), targets[target])
