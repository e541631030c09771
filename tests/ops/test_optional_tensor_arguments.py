"""Arguments of other types where PyTorch takes an optional tensor, a number or a generator: PyTorch's exception
type (a TypeError naming the argument and its position), not an AttributeError from inside ember."""
import pytest
from parity import check, randn


def F(lib):
    return lib.nn.functional


@pytest.mark.parametrize("call", [
    lambda lib, x: F(lib).batch_norm(x, lib.zeros(3), lib.ones(3), weight=2.0),
    lambda lib, x: F(lib).batch_norm(x, lib.zeros(3), lib.ones(3), bias=[1.0]),
    lambda lib, x: F(lib).batch_norm(x, 0.0, lib.ones(3)),
    lambda lib, x: F(lib).batch_norm(x, lib.zeros(3), 1.0),
    lambda lib, x: F(lib).instance_norm(x, weight=2.0),
    lambda lib, x: F(lib).instance_norm(x, running_mean=0.0),
    lambda lib, x: F(lib).group_norm(x, 1, weight=2.0),
    lambda lib, x: F(lib).group_norm(x, 1, bias=2.0),
    lambda lib, x: F(lib).layer_norm(x, (4,), weight=2.0),
    lambda lib, x: F(lib).layer_norm(x, (4,), bias=2.0),
    lambda lib, x: F(lib).rms_norm(x, (4,), weight=2.0),
    lambda lib, x: F(lib).cross_entropy(x[0], lib.tensor([0, 1, 2]), weight=2.0),
    lambda lib, x: F(lib).nll_loss(x[0], lib.tensor([0, 1, 2]), weight=2.0),
    lambda lib, x: F(lib).binary_cross_entropy_with_logits(x, x.sigmoid(), weight=2.0),
    lambda lib, x: F(lib).binary_cross_entropy_with_logits(x, x.sigmoid(), pos_weight=2.0),
    lambda lib, x: lib.histogram(x, weight=2.0),
    lambda lib, x: lib.histogramdd(x, weight=2.0),
    lambda lib, x: F(lib).layer_norm(x, (4,), weight=lib.ones(4, dtype=x.dtype), bias=lib.zeros(4, dtype=x.dtype)),
    lambda lib, x: F(lib).batch_norm(x, lib.zeros(3, dtype=x.dtype), lib.ones(3, dtype=x.dtype), weight=None),
], ids=["batch_norm-weight", "batch_norm-bias", "batch_norm-running_mean", "batch_norm-running_var",
        "instance_norm-weight", "instance_norm-running_mean", "group_norm-weight", "group_norm-bias",
        "layer_norm-weight", "layer_norm-bias", "rms_norm-weight", "cross_entropy-weight", "nll_loss-weight",
        "bce_with_logits-weight", "bce_with_logits-pos_weight", "histogram-weight", "histogramdd-weight",
        "layer_norm-tensors", "batch_norm-none"])
def test_optional_tensor_arguments(call):
    check(call, randn(2, 3, 4), grad=False)


@pytest.mark.parametrize("q", ["a", None, True, 0.25, [0.5]], ids=repr)
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_levels(name, q):
    check(lambda lib, x: getattr(lib, name)(x, q), randn(2, 3), grad=False)


@pytest.mark.parametrize("dim", [5, -3, -1, 1])
def test_logcumsumexp_dim(dim):
    check(lambda lib, x: lib.logcumsumexp(x, dim), randn(2, 3))
    check(lambda lib, x: lib.logcumsumexp(x.sum(), dim), randn(2, 3))


@pytest.mark.parametrize("generator", [1, "a", 0.5], ids=repr)
@pytest.mark.parametrize("call", [
    lambda lib, g: lib.rand(2, generator=g), lambda lib, g: lib.randn(2, generator=g),
    lambda lib, g: lib.randint(3, (2,), generator=g), lambda lib, g: lib.multinomial(lib.ones(3), 1, generator=g),
    lambda lib, g: lib.randperm(3, generator=g)], ids=["rand", "randn", "randint", "multinomial", "randperm"])
def test_generator_of_another_type(call, generator):
    check(lambda lib: call(lib, generator))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.tensor([1.0], dtype="float32"), lambda lib, x: lib.zeros(2, dtype="float64"),
    lambda lib, x: lib.softmax(x, 0, dtype="float64"), lambda lib, x: F(lib).log_softmax(x, 0, dtype="float64"),
    lambda lib, x: F(lib).softmin(x, 0, dtype="float64"), lambda lib, x: lib.nanmean(x, dtype="float64"),
    lambda lib, x: lib.sum(x, dtype="float64"), lambda lib, x: lib.ones_like(x, dtype="int64"),
    lambda lib, x: F(lib).softmin(x, 0, dtype=lib.float64)],
    ids=["tensor", "zeros", "softmax", "log_softmax", "softmin", "nanmean", "sum", "ones_like", "softmin-dtype"])
def test_dtype_given_as_a_string(call):
    """NumPy takes dtype names; PyTorch's dtype arguments take only dtypes (a TypeError, not a device error)."""
    check(call, randn(2, 3))
