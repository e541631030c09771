"""F.linear_cross_entropy, nn.LinearCrossEntropyLoss and nn.LinearCrossEntropyOptions against PyTorch: the
reference composition (K-dimensional weights, probabilities, smoothing, unbatched input) and the chunked path
(NOTE [ Chunked linear cross entropy ]): losses, gradients over input subsets, its one-backward rule, the fallback
warning, the chunk sizes and the errors."""
import warnings

import numpy as np
import pytest
from module_parity import copy_state
from parity import check, raises_like_torch, randn, torch

import ember

N, IN, C = 7, 4, 10
TARGET = np.array([3, 0, 9, -100, 5, 5, 1])


def lce(**kwargs):
    """F.linear_cross_entropy(x, w, target, linear_bias=b, **kwargs); `options` as keyword arguments of the options."""
    options = kwargs.pop("options", None)

    def call(lib, x, w, b, target, weight=None):
        opts = None if options is None else lib.nn.LinearCrossEntropyOptions(**options)
        return lib.nn.functional.linear_cross_entropy(x, w, target, linear_bias=b, weight=weight, options=opts,
                                                      **kwargs)
    return call


@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"ignore_index": 5},
                                    {"label_smoothing": 0.2}])
@pytest.mark.parametrize("weighted", [False, True])
def test_reference(kwargs, weighted):
    weight = (randn(C, seed=3) ** 2,) if weighted else ()
    check(lce(**kwargs), randn(N, IN), randn(C, IN, seed=1), randn(C, seed=2), TARGET, *weight)


def test_reference_forms():
    probabilities = np.abs(randn(N, C, seed=4))
    check(lce(), randn(N, IN), randn(C, IN, seed=1), None, probabilities / probabilities.sum(1, keepdims=True))
    check(lce(), randn(IN), randn(C, IN, seed=1), randn(C, seed=2), np.array(3))  # unbatched
    check(lce(reduction="none"), randn(N, IN), randn(C, 3, IN, seed=1), randn(C, 3, seed=2),
          np.random.default_rng(0).integers(0, C, (N, 3)), check_grad_fn=False)  # K-dimensional (PyTorch: View)


@pytest.mark.parametrize("options", [{"batch_chunk_size": 3, "chunking_method": None}, {},
                                     {"chunking_method": "aspect_ratio"}, {"allow_retain_graph": True}])
@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"ignore_index": 5}])
def test_chunked(options, kwargs):
    check(lce(options=options, **kwargs), randn(N, IN), randn(C, IN, seed=1), randn(C, seed=2), TARGET,
          check_grad_fn=False)


def test_chunked_forms():
    options = {"batch_chunk_size": 2, "chunking_method": None}
    check(lce(options=options), randn(N, IN), randn(C, IN, seed=1), None, TARGET, randn(C, seed=3) ** 2,
          check_grad_fn=False)
    check(lce(options=options), randn(IN), randn(C, IN, seed=1), randn(C, seed=2), np.array(3), check_grad_fn=False)
    check(lce(options={}), randn(40, 3, dtype=np.float32), randn(C, 3, dtype=np.float32, seed=1), None,
          np.arange(40) % C, check_grad_fn=False)
    check(lce(options=options), randn(N, IN), randn(C, IN, seed=1), None, np.full(N, -100), check_grad_fn=False)


def test_chunked_loss_allows_one_backward_unless_told():
    for lib in (torch, ember):
        x = lib.tensor(randn(N, IN), requires_grad=True)
        w, target = lib.tensor(randn(C, IN, seed=1)), lib.tensor(TARGET)
        F, Options = lib.nn.functional, lib.nn.LinearCrossEntropyOptions
        loss = F.linear_cross_entropy(x, w, target, options=Options())
        loss.backward(retain_graph=True)
        with pytest.raises(RuntimeError, match="called twice"):
            loss.backward()
        loss = F.linear_cross_entropy(x, w, target, options=Options(allow_retain_graph=True))
        loss.backward(retain_graph=True)
        loss.backward()
        loss = F.linear_cross_entropy(x, w, target, reduction="none", options=Options())
        loss.sum().backward(retain_graph=True)
        loss.sum().backward()
        (g,) = lib.autograd.grad(F.linear_cross_entropy(x, w, target, options=Options()), x, create_graph=True)
        assert not g.requires_grad  # no double backward


def test_chunked_path_falls_back_with_a_warning():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="options`` ignored"):
            lib.nn.functional.linear_cross_entropy(lib.tensor(randn(N, IN)), lib.tensor(randn(C, IN)),
                                                   lib.tensor(TARGET), label_smoothing=0.1,
                                                   options=lib.nn.LinearCrossEntropyOptions())
    with pytest.warns(UserWarning, match="options`` ignored"):
        check(lce(options={}, label_smoothing=0.1), randn(N, IN), randn(C, IN, seed=1), None, TARGET)


@pytest.mark.parametrize("rows, features, classes", [(8, 4, 10), (1000, 64, 5000), (1000, 64, 30), (3, 50, 2)])
@pytest.mark.parametrize("options", [{}, {"chunking_method": "aspect_ratio"}, {"chunking_method": "aspect_ratio:4"},
                                     {"batch_chunk_size": 7}, {"batch_chunk_size": 5000, "chunking_method": None}])
def test_chunk_sizes_are_pytorchs(rows, features, classes, options):
    torch_size = torch.nn.LinearCrossEntropyOptions(**options)._adjust(
        num_batches=rows, in_features=features, num_classes=classes, dtype=torch.float32,
        device=torch.device("cpu")).batch_chunk_size
    assert ember.nn.LinearCrossEntropyOptions(**options).chunk_rows(rows, features, classes, False) == torch_size


@pytest.mark.parametrize("options", [{"acc_policy": "fast"}, {"chunking_method": "rows"},
                                     {"chunking_method": "aspect_ratio:0"}, {"batch_chunk_size": 0},
                                     {"batch_chunk_size": 1.5}])
def test_invalid_options(options):
    raises_like_torch(lambda lib: lib.nn.LinearCrossEntropyOptions(**options))
    raises_like_torch(lambda lib: lib.nn.LinearCrossEntropyOptions(acc_dtype=lib.int64))


@pytest.mark.parametrize("call", [
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 2, 4), lib.ones(C, 4), lib.zeros(2, dtype=lib.int64)),
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 4), lib.ones(4), lib.zeros(2, dtype=lib.int64)),
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 4), lib.ones(C, 3), lib.zeros(2, dtype=lib.int64)),
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 4), lib.ones(C, 4), lib.zeros(2, dtype=lib.int64),
                                          linear_bias=lib.ones(3)),
    lambda lib, F: F.linear_cross_entropy(lib.ones(4), lib.ones(C, 2, 4), lib.zeros(2, dtype=lib.int64)),
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 4), lib.ones(C, 4), lib.ones(2, C) / C, ignore_index=1),
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 4), lib.ones(C, 4), lib.zeros(2, dtype=lib.int64),
                                          options=lib.nn.LinearCrossEntropyOptions(batch_chunk_size=3,
                                                                                   chunking_method="aspect_ratio")),
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 4), lib.ones(C, 4), lib.zeros(2, dtype=lib.int64),
                                          options=lib.nn.LinearCrossEntropyOptions(acc_dtype=lib.float64)),
    lambda lib, F: F.linear_cross_entropy(lib.ones(2, 4), lib.ones(C, 4), lib.tensor([1, C]),
                                          options=lib.nn.LinearCrossEntropyOptions()),
    lambda lib, F: lib.nn.LinearCrossEntropyLoss(4, C, weight=lib.ones(3)),
    lambda lib, F: lib.nn.LinearCrossEntropyLoss(4, C, label_smoothing=1.5),
])
def test_errors(call):
    raises_like_torch(lambda lib: call(lib, lib.nn.functional))


@pytest.mark.parametrize("kwargs", [{}, {"bias": True, "out_features": (3,)}, {"bias": True, "options": True},
                                    {"reduction": "sum", "ignore_index": 5, "options": True}])
def test_module(kwargs):
    kwargs = dict(kwargs)
    chunked = kwargs.pop("options", False)
    losses, grads = [], []
    modules = [lib.nn.LinearCrossEntropyLoss(IN, C, **kwargs, options=lib.nn.LinearCrossEntropyOptions()
                                             if chunked else None).double() for lib in (torch, ember)]
    copy_state(*modules)
    target = np.random.default_rng(0).integers(0, C, (N,) + kwargs.get("out_features", ()))
    for lib, module in zip((torch, ember), modules):
        x = lib.tensor(randn(N, IN), requires_grad=True)
        loss = module(x, lib.tensor(target))
        loss.backward()
        losses.append(loss.item())
        grads.append([x.grad.numpy()] + [p.grad.numpy() for p in module.parameters()])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-12)
    for e, t in zip(grads[1], grads[0]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)
    assert repr(modules[1]) == repr(modules[0]).replace("torch", "ember")


def test_float16_input_computes_in_float32():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = []
        for lib in (torch, ember):
            x = lib.tensor(randn(N, IN, dtype=np.float32)).half().requires_grad_()
            w = lib.tensor(randn(C, IN, dtype=np.float32, seed=1)).half().requires_grad_()
            loss = lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(TARGET),
                                                          options=lib.nn.LinearCrossEntropyOptions())
            loss.backward()
            results.append((loss.dtype, loss.item(), x.grad.dtype, w.grad.float().numpy()))
    assert str(results[1][0]) == str(results[0][0]).replace("torch", "ember")
    assert str(results[1][2]) == str(results[0][2]).replace("torch", "ember")
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-3)
    np.testing.assert_allclose(results[1][3], results[0][3], rtol=1e-2, atol=1e-3)
