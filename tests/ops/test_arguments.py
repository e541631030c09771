"""The one parser of int-or-tuple arguments (ember/ops/arguments.py): PyTorch's exception types for every op family
that uses it, messages naming the function and the argument, and the layers' unchecked form."""
import numpy as np
import pytest
from parity import check, randn, torch

import ember
from ember.ops.arguments import int_sequence, int_tuple, ntuple


def F(lib):
    return lib.nn.functional


def fractional(lib, x, kernel, size):
    """fractional_max_pool2d with fixed samples."""
    return F(lib).fractional_max_pool2d(x, kernel, output_size=size, _random_samples=lib.full((1, 2, 2), 0.5,
                                                                                               dtype=x.dtype))


BAD = [True, 2.0, "a", None, (2.0, 2), (True, 2), (), (2, 2, 2)]


@pytest.mark.parametrize("value", BAD + [(2,), np.int64(2), (np.int64(2), 2)], ids=repr)
@pytest.mark.parametrize("call", [
    lambda lib, x, v: F(lib).max_pool2d(x, v),
    lambda lib, x, v: F(lib).avg_pool2d(x, 2, stride=v),
    lambda lib, x, v: F(lib).max_pool1d(x[0], 2, padding=v),
    lambda lib, x, v: F(lib).conv2d(x, lib.ones(3, 2, 3, 3, dtype=x.dtype), dilation=v),
    lambda lib, x, v: F(lib).conv_transpose2d(x, lib.ones(2, 3, 3, 3, dtype=x.dtype), output_padding=v, stride=3),
    lambda lib, x, v: F(lib).unfold(x, v),
    lambda lib, x, v: F(lib).fold(F(lib).unfold(x, 2), (6, 6), v),
    lambda lib, x, v: fractional(lib, x, v, 3),
    lambda lib, x, v: fractional(lib, x, 2, v),
], ids=["max_pool2d", "avg_pool2d", "max_pool1d", "conv2d", "conv_transpose2d", "unfold", "fold", "fractional-kernel",
        "fractional-output_size"])
def test_results_and_exception_types_as_torch(call, value):
    check(lambda lib, x: call(lib, x, value), randn(1, 2, 6, 6), grad=False)


@pytest.mark.parametrize("value", BAD, ids=repr)
def test_messages_name_the_function_and_the_argument(value):
    x = ember.ones(1, 2, 6, 6)
    for fn, fname in [(lambda: F(ember).max_pool2d(x, 2, dilation=value), "max_pool2d"),
                      (lambda: F(ember).conv2d(x, ember.ones(3, 2, 3, 3), dilation=value), "conv2d"),
                      (lambda: F(ember).unfold(x, 2, dilation=value), "unfold")]:
        with pytest.raises((TypeError, RuntimeError), match=f"^{fname}(\\(\\))?: .*dilation"):
            fn()


def test_the_parser():
    assert int_tuple(3, 2, "kernel_size", "f") == (3, 3) and int_tuple([np.int64(1)], 3, "stride", "f") == (1, 1, 1)
    assert int_tuple((1, 2), 2, "padding", "f", single=False) == (1, 2)
    with pytest.raises(RuntimeError, match=r"^f: stride must either be a single int, or a tuple of 2 ints, but got"):
        int_tuple((1,), 2, "stride", "f", single=False)
    with pytest.raises(TypeError, match="^pad\\(\\): argument 'pad' must be tuple of ints, not int$"):
        int_sequence(2, "pad", "pad")
    assert ntuple(2, 3) == (2, 2, 2) and ntuple([2, "a"], 3) == (2, "a")  # unchecked: the layers store what they get


@pytest.mark.parametrize("make", [
    lambda nn: nn.Conv2d(2, 3, 3, stride=(2,)), lambda nn: nn.Conv1d(2, 3, (2, 2)), lambda nn: nn.AvgPool1d((2,)),
    lambda nn: nn.MaxUnpool2d(2, padding=(1, 0)), lambda nn: nn.ConvTranspose2d(2, 3, (3, 2), output_padding=1),
    lambda nn: nn.ZeroPad2d(1), lambda nn: nn.ConstantPad1d((1, 2), 0.5)])
def test_layers_store_their_arguments_as_torch(make):
    assert repr(make(ember.nn)) == repr(make(torch.nn))
