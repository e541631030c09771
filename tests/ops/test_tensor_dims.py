"""A tensor where PyTorch takes an int: an integer tensor of one element names a dim or a size (sum(x, tensor(0)),
x.view(tensor(6))), a float one is a TypeError, as in PyTorch; every call checked against torch."""
import pytest
from parity import check, randn

CALLS = {
    "sum": lambda lib, x, d: lib.sum(x, d),
    "sum-keyword": lambda lib, x, d: x.sum(dim=d, keepdim=True),
    "mean": lambda lib, x, d: x.mean(d),
    "amax": lambda lib, x, d: lib.amax(x, d),
    "logsumexp": lambda lib, x, d: lib.logsumexp(x, d),
    "std": lambda lib, x, d: lib.std(x, d),
    "argmax": lambda lib, x, d: lib.argmax(x, d),
    "cumsum": lambda lib, x, d: lib.cumsum(x, d),
    "softmax": lambda lib, x, d: lib.softmax(x, d),
    "log_softmax": lambda lib, x, d: lib.nn.functional.log_softmax(x, d),
    "squeeze": lambda lib, x, d: lib.squeeze(x[None], d),
    "unsqueeze": lambda lib, x, d: x.unsqueeze(d),
    "transpose": lambda lib, x, d: x.transpose(d, 1),
    "narrow": lambda lib, x, d: lib.narrow(x, d, 0, 1),
    "select": lambda lib, x, d: x.select(d, 1),
    "cat": lambda lib, x, d: lib.cat([x, x], d),
    "stack": lambda lib, x, d: lib.stack([x, x], d),
    "chunk": lambda lib, x, d: x.chunk(2, d)[0],
    "roll": lambda lib, x, d: lib.roll(x, 1, d),
    "flip-method": lambda lib, x, d: x.flip(d),
    "movedim": lambda lib, x, d: lib.movedim(x, d, 1),
    "gather": lambda lib, x, d: lib.gather(x, d, lib.zeros(2, 3, dtype=lib.int64)),
    "sort": lambda lib, x, d: lib.sort(x, d).values,
    "topk": lambda lib, x, d: lib.topk(x, 1, d).values,
    "size": lambda lib, x, d: lib.tensor(x.size(d)),
}


@pytest.mark.parametrize("make", [lambda lib: lib.tensor(0), lambda lib: lib.tensor([0]), lambda lib: lib.tensor(-1),
                                  lambda lib: lib.tensor(0.0), lambda lib: lib.tensor([0, 1])],
                         ids=["int", "one-element", "negative", "float", "two-elements"])
@pytest.mark.parametrize("name", CALLS)
def test_tensor_as_dim(name, make):
    check(lambda lib, x: CALLS[name](lib, x, make(lib)), randn(2, 3))


@pytest.mark.parametrize("call", [
    lambda lib, x: x.view(lib.tensor(6)),
    lambda lib, x: x.reshape(lib.tensor(3), lib.tensor(2)),
    lambda lib, x: x.view(lib.tensor(3), -1),
    lambda lib, x: x.reshape(lib.tensor(6.0)),
    lambda lib, x: x.expand(lib.tensor(4), 2, 3),
    lambda lib, x: x.repeat(lib.tensor(2), 1),
    lambda lib, x: lib.zeros(lib.tensor(2), 3),
], ids=["view", "reshape", "view-inferred", "reshape-float", "expand", "repeat", "zeros"])
def test_tensor_as_size(call):
    check(call, randn(2, 3))
