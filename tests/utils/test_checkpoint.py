"""ember.utils.checkpoint against torch.utils.checkpoint: the gradients of a checkpointed MLP equal the plain run's
in both modes (with dropout, keyword arguments, checkpoint_sequential, autograd.grad, create_graph), the warnings
and errors are PyTorch's, and fewer activations stay alive after a checkpointed forward."""
import gc
import tracemalloc
import warnings

import numpy as np
import pytest
from parity import assert_same, torch

import ember
import ember.utils.checkpoint
from ember.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential

X = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)


def mlp(lib, dropout: float = 0.0):
    """A small MLP with the same weights in ember and torch."""
    rng = np.random.default_rng(1)
    net = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Dropout(dropout), lib.nn.Linear(16, 16),
                            lib.nn.Tanh(), lib.nn.Linear(16, 4))
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.5))
    return net


def gradients(lib, run, dropout: float = 0.0):
    """(output, the input's and every parameter's gradient of a loss over run(net, x)), with the seed fixed."""
    net, x = mlp(lib, dropout), lib.tensor(X, requires_grad=True)
    lib.manual_seed(7)
    out = run(net, x)
    (out * out).sum().backward()
    return out, [x.grad] + [p.grad for p in net.parameters()]


def same_numbers(a, b):
    for u, v in zip(a, b, strict=True):
        np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_gradients_equal_the_plain_run_and_pytorch(use_reentrant):
    """Parameters not passed as inputs get their gradients in both modes; the output's grad_fn is PyTorch's
    (CheckpointFunctionBackward for the reentrant mode, the last op's otherwise)."""
    results = {}
    for lib in (ember, torch):
        plain = gradients(lib, lambda net, x: net(x))
        ck = lib.utils.checkpoint
        ckpt = gradients(lib, lambda net, x, ck=ck: ck.checkpoint(net, x, use_reentrant=use_reentrant))
        same_numbers(plain[1], ckpt[1])
        results[lib] = ckpt
    assert_same(results[ember][0], results[torch][0])
    assert_same(results[ember][1], results[torch][1], check_grad_fn=False)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_dropout_draws_the_same_mask_in_the_recomputation(use_reentrant):
    _, plain = gradients(ember, lambda net, x: net(x), dropout=0.5)
    after_plain = ember.rand(3)
    _, ckpt = gradients(ember, lambda net, x: checkpoint(net, x, use_reentrant=use_reentrant), dropout=0.5)
    same_numbers(plain, ckpt)
    same_numbers([after_plain], [ember.rand(3)])  # the recomputation leaves the random state as it found it
    _, unpreserved = gradients(ember, lambda net, x: checkpoint(net, x, use_reentrant=use_reentrant,
                                                                preserve_rng_state=False), dropout=0.5)
    assert not np.allclose(unpreserved[1].numpy(), plain[1].numpy())


def test_keyword_arguments_and_several_inputs():
    def block(net, a, b, *, scale):
        return net(a) * scale + b

    results = {}
    for lib in (ember, torch):
        net, a, b = mlp(lib), lib.tensor(X, requires_grad=True), lib.ones(6, 4, requires_grad=True)
        out = lib.utils.checkpoint.checkpoint(block, net, a, b, scale=2.0, use_reentrant=False)
        out.sum().backward()
        results[lib] = [out, a.grad, b.grad, net[0].weight.grad]
        with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
            lib.utils.checkpoint.checkpoint(block, net, a, b, scale=2.0, use_reentrant=True)
    assert_same(results[ember], results[torch], check_grad_fn=False)


@pytest.mark.parametrize("use_reentrant", [True, False])
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential(segments, use_reentrant):
    results = {}
    for lib in (ember, torch):
        seq = lib.utils.checkpoint.checkpoint_sequential
        plain = gradients(lib, lambda net, x: net(x))
        ckpt = gradients(lib, lambda net, x, seq=seq: seq(net, segments, x, use_reentrant=use_reentrant))
        as_list = gradients(lib, lambda net, x, seq=seq: seq(list(net), segments, x,
                                                                      use_reentrant=use_reentrant))
        same_numbers(plain[1], ckpt[1])
        same_numbers(plain[1], as_list[1])
        results[lib] = ckpt
    assert_same(results[ember], results[torch], check_grad_fn=False)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: bad"):
        checkpoint_sequential(mlp(ember), 2, ember.ones(1, 8), use_reentrant=False, bad=1)


def test_warnings_as_pytorch():
    for lib in (ember, torch):
        ck = lib.utils.checkpoint
        net, x = mlp(lib), lib.tensor(X, requires_grad=True)
        with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
            out = ck.checkpoint(net, x)
        assert out.grad_fn.name() == "CheckpointFunctionBackward"  # the default is the reentrant mode
        with pytest.warns(UserWarning, match="checkpoint_sequential: the use_reentrant parameter should be passed"):
            ck.checkpoint_sequential(net, 2, x)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ck.checkpoint(net, x, use_reentrant=False)
            ck.checkpoint(net, x, use_reentrant=True)
        # reentrant, no input requiring grad: a warning, and no gradients even for the parameters
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True. Gradients will be None"):
            out = ck.checkpoint(net, x.detach(), use_reentrant=True)
        assert not out.requires_grad
        out = ck.checkpoint(net, x.detach(), use_reentrant=False)  # the parameters still get theirs
        out.sum().backward()
        assert net[0].weight.grad is not None


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_under_no_grad(use_reentrant):
    net, x = mlp(ember), ember.tensor(X, requires_grad=True)
    with ember.no_grad():
        out = checkpoint(net, x, use_reentrant=use_reentrant)
    assert not out.requires_grad
    with ember.no_grad():
        same_numbers([out], [net(x)])


def test_autograd_grad_and_create_graph():
    """autograd.grad and double backward work through the non-reentrant mode; the reentrant one refuses
    autograd.grad, as PyTorch's does."""
    for lib in (ember, torch):
        net, x = mlp(lib), lib.tensor(X, requires_grad=True)
        (plain,) = lib.autograd.grad(net(x).pow(2).sum(), x, create_graph=True)
        (ckpt,) = lib.autograd.grad(lib.utils.checkpoint.checkpoint(net, x, use_reentrant=False).pow(2).sum(), x,
                                    create_graph=True)
        same_numbers([plain], [ckpt])
        (plain_second,) = lib.autograd.grad(plain.sum(), x)
        (ckpt_second,) = lib.autograd.grad(ckpt.sum(), x)
        same_numbers([plain_second], [ckpt_second])
        out = lib.utils.checkpoint.checkpoint(net, x, use_reentrant=True)
        with pytest.raises(RuntimeError, match="incompatible with .grad()"):
            lib.autograd.grad(out.sum(), x)


def test_argument_errors():
    net, x = mlp(ember), ember.tensor(X, requires_grad=True)
    for lib in (ember, torch):
        ck = lib.utils.checkpoint
        with pytest.raises(ValueError, match="determinism_check should be one of"):
            ck.checkpoint(mlp(lib), lib.tensor(X), use_reentrant=False, determinism_check="strict")
        with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
            ck.checkpoint(mlp(lib), lib.tensor(X), use_reentrant=True, debug=True)
    out = checkpoint(net, x, use_reentrant=False, context_fn=ember.utils.checkpoint.noop_context_fn)
    out.sum().backward()


def test_a_recomputation_that_differs_raises_checkpoint_error():
    calls = []

    def unstable(x):
        calls.append(1)
        return x.exp() if len(calls) == 1 else x.sin()

    out = checkpoint(unstable, ember.ones(3, requires_grad=True), use_reentrant=False, debug=True)
    with pytest.raises(CheckpointError, match="the recomputation ran SinBackward0 where the forward ran ExpBackward0"):
        out.sum().backward()
    outside = ember.ones(3, requires_grad=True) * 2  # not an argument of the function, and not a leaf
    out = checkpoint(lambda x: x * outside, ember.ones(3, requires_grad=True), use_reentrant=False)
    with pytest.raises(CheckpointError, match="pass it as an argument"):
        out.sum().backward()


def live_bytes_after_forward(run) -> int:
    """The bytes allocated by a forward that are still alive after it (what backward will read)."""
    ember.manual_seed(0)
    net = ember.nn.Sequential(*[m for _ in range(12) for m in (ember.nn.Linear(256, 256), ember.nn.ReLU())])
    x = ember.randn(64, 256, requires_grad=True)
    gc.collect()
    tracemalloc.start()
    try:
        out = run(net, x)
        alive = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    out.sum().backward()
    assert net[0].weight.grad is not None
    return alive


def test_fewer_activations_alive_after_the_forward():
    plain = live_bytes_after_forward(lambda net, x: net(x))
    activation = 64 * 256 * 4
    assert plain > 12 * activation
    for use_reentrant in (True, False):
        ckpt = live_bytes_after_forward(lambda net, x, reentrant=use_reentrant:
                                        checkpoint_sequential(net, 4, x, use_reentrant=reentrant))
        # three checkpointed segments keep their inputs; the last 3 layers keep their activations
        assert ckpt < 7 * activation, (use_reentrant, ckpt / activation, plain / activation)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_an_input_modified_in_place_before_backward_raises(use_reentrant):
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True) * 2
        out = lib.utils.checkpoint.checkpoint(lambda t: t.exp(), x, use_reentrant=use_reentrant)
        with lib.no_grad():
            x.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def test_nested_checkpoints():
    def inner(t):
        return checkpoint(lambda u: (u * 3).tanh(), t, use_reentrant=False).exp()

    a = ember.tensor(X, requires_grad=True)
    inner(a).sin().sum().backward()
    plain = a.grad
    a.grad = None
    checkpoint(lambda t: inner(t).sin(), a, use_reentrant=False).sum().backward()
    same_numbers([plain], [a.grad])
