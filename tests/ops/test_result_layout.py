"""The memory layout of results, as PyTorch's: reductions along a dim, normalizations, joins, padding and index
selections give contiguous results whatever the input's layout (user code calls .view on them); clone and pointwise
ops keep a dense input's layout."""
import numpy as np
import pytest
from parity import torch

import ember

OPS = {
    "softmax": lambda lib, x: lib.softmax(x, -1), "softmax dim 0": lambda lib, x: lib.softmax(x, 0),
    "log_softmax": lambda lib, x: lib.log_softmax(x, -1),
    "layer_norm": lambda lib, x: lib.nn.functional.layer_norm(x, (6,)),
    "rms_norm": lambda lib, x: lib.nn.functional.rms_norm(x, (6,)),
    "batch_norm": lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True),
    "cumsum": lambda lib, x: x.cumsum(-1), "cumsum dim 0": lambda lib, x: x.cumsum(0),
    "cumprod": lambda lib, x: x.cumprod(-1),
    "logcumsumexp": lambda lib, x: x.logcumsumexp(-1), "cummax": lambda lib, x: x.cummax(-1).indices,
    "topk values": lambda lib, x: x.topk(3, -1).values, "topk indices": lambda lib, x: x.topk(3, -1).indices,
    "topk indices of most": lambda lib, x: x.contiguous().topk(4, -1).indices,
    "masked_fill": lambda lib, x: x.masked_fill(x > 0, 0.0), "roll": lambda lib, x: x.roll(1, -1),
    "pad": lambda lib, x: lib.nn.functional.pad(x, (1, 1)), "cat": lambda lib, x: lib.cat([x, x], -1),
    "stack": lambda lib, x: lib.stack([x, x]), "clone": lambda lib, x: x.clone(),
    "clone contiguous": lambda lib, x: x.clone(memory_format=lib.contiguous_format), "exp": lambda lib, x: x.exp(),
    "clone of a permuted 3-d": lambda lib, x: x.reshape(5, 3, 2).permute(2, 0, 1).clone(),
    "clone of an expanded": lambda lib, x: x[:, :1].expand(5, 4).clone(),
    "clone of a strided slice": lambda lib, x: x[:, ::2].clone(),
    "reshape that copies": lambda lib, x: x.reshape(-1), "ravel": lambda lib, x: x.ravel(),
    "index by a list": lambda lib, x: x[:, [0, 0, 2]],
    "index by a mask": lambda lib, x: x[:, lib.tensor([True, False] * 3)],
    "index by two arrays": lambda lib, x: x.reshape(2, 3, 5)[:, lib.tensor([[0], [2]]), lib.tensor([1, 3])],
    "index the last dim": lambda lib, x: x.reshape(2, 3, 5)[..., [1, 2]],
}


@pytest.mark.parametrize("name", OPS)
def test_result_layout_of_a_transposed_input_as_torch(name):
    a = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    results = [OPS[name](lib, lib.tensor(a).t()) for lib in (ember, torch)]
    assert [(r.is_contiguous(), tuple(r.stride())) for r in results][0] == \
        [(r.is_contiguous(), tuple(r.stride())) for r in results][1]
    np.testing.assert_allclose(results[0].numpy(), results[1].numpy(), rtol=1e-5, atol=1e-6)
    if results[1].is_contiguous():
        results[0].view(-1)
