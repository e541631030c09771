"""Memory formats: channels_last and channels_last_3d lay a tensor's channels innermost in memory, as PyTorch's."""
import numpy as np
import pytest
from parity import raises_like_torch, torch

import ember

FORMATS = [("channels_last", (2, 3, 4, 5)), ("channels_last_3d", (2, 3, 2, 4, 5))]


@pytest.mark.parametrize("fmt,shape", FORMATS)
def test_strides_and_contiguity_match_torch(fmt, shape):
    values = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    for lib in (ember, torch):
        x = lib.tensor(values)
        y = x.to(memory_format=getattr(lib, fmt))
        assert y.to(memory_format=getattr(lib, fmt)) is y and y.contiguous(memory_format=getattr(lib, fmt)) is y
        observed = (y.stride(), y.is_contiguous(), y.is_contiguous(memory_format=getattr(lib, fmt)),
                    y.contiguous().stride(), y.clone().stride(), (y + 1).stride(),
                    x.clone(memory_format=getattr(lib, fmt)).stride(), x.is_contiguous(memory_format=lib.channels_last))
        if lib is ember:
            expected = observed
            np.testing.assert_array_equal(y.numpy(), values)
        else:
            assert observed == expected


def test_wrong_rank_raises_and_is_not_contiguous():
    raises_like_torch(lambda lib: lib.ones(2, 3).contiguous(memory_format=lib.channels_last))
    raises_like_torch(lambda lib: lib.ones(2, 3, 4, 5).to(memory_format=lib.channels_last_3d))
    assert not ember.ones(2, 3).is_contiguous(memory_format=ember.channels_last)
    assert ember.ones(1, 3, 1, 1).is_contiguous(memory_format=ember.channels_last)


def test_module_to_channels_last_converts_4d_parameters():
    for lib in (ember, torch):
        m = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4)).to(memory_format=lib.channels_last)
        strides = [p.stride() for p in m.parameters()]
        if lib is ember:
            expected = strides
        else:
            assert strides == expected


def test_gradient_through_channels_last_copy():
    x = ember.arange(24.0).reshape(1, 2, 3, 4).requires_grad_()
    (x.to(memory_format=ember.channels_last) * ember.arange(24.0).reshape(1, 2, 3, 4)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(24.0).reshape(1, 2, 3, 4))
    assert x.grad.is_contiguous()
