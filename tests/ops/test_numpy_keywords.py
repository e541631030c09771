"""NumPy's keyword names, which PyTorch's functions take for their own (torch.sum(x, axis=0, keepdims=True)): the
same results as torch's, and Python's TypeError for an unknown keyword or a missing dim."""
import pytest
from parity import check, randn

CALLS = {
    "sum": lambda lib, x: lib.sum(x, axis=0), "sum-keepdims": lambda lib, x: x.sum(axis=1, keepdims=True),
    "mean": lambda lib, x: x.mean(axis=(0, 1)), "prod": lambda lib, x: lib.prod(x, axis=1),
    "std": lambda lib, x: lib.std(x, axis=0, keepdims=True), "var": lambda lib, x: x.var(axis=1),
    "nansum": lambda lib, x: lib.nansum(x, axis=0), "nanmean": lambda lib, x: lib.nanmean(x, axis=0),
    "max": lambda lib, x: lib.max(x, axis=0).values, "min": lambda lib, x: x.min(axis=1, keepdims=True).indices,
    "amax": lambda lib, x: lib.amax(x, axis=1), "amin": lambda lib, x: x.amin(axis=0, keepdims=True),
    "argmax": lambda lib, x: lib.argmax(x, axis=1), "argmin": lambda lib, x: x.argmin(axis=0, keepdims=True),
    "any": lambda lib, x: lib.any(x > 0, axis=0), "all": lambda lib, x: (x > 0).all(axis=1),
    "logsumexp": lambda lib, x: lib.logsumexp(x, axis=1, keepdims=True),
    "median": lambda lib, x: x.median(axis=0).values,
    "norm": lambda lib, x: x.norm(dim=1), "count_nonzero": lambda lib, x: lib.count_nonzero(x, axis=0),
    "cat": lambda lib, x: lib.cat([x, x], axis=1), "stack": lambda lib, x: lib.stack([x, x], axis=0),
    "squeeze": lambda lib, x: x[None].squeeze(axis=0), "unsqueeze": lambda lib, x: x.unsqueeze(axis=1),
    "softmax": lambda lib, x: lib.softmax(x, axis=1), "log_softmax": lambda lib, x: lib.log_softmax(x, axis=0),
    "cumsum": lambda lib, x: x.cumsum(axis=1), "cumprod": lambda lib, x: lib.cumprod(x, axis=0),
    "sort": lambda lib, x: lib.sort(x, axis=0).values, "argsort": lambda lib, x: x.argsort(axis=1),
    "topk": lambda lib, x: lib.topk(x, 2, axis=1).values, "chunk": lambda lib, x: x.chunk(2, axis=1)[0],
    "unbind": lambda lib, x: lib.unbind(x, axis=1)[1], "diff": lambda lib, x: lib.diff(x, axis=0),
    "quantile": lambda lib, x: lib.quantile(x, 0.5, axis=1, keepdims=True),
}


@pytest.mark.parametrize("name", CALLS)
def test_numpy_keywords(name):
    check(CALLS[name], randn(3, 4))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.sum(x, axes=0), lambda lib, x: x.mean(keep=True), lambda lib, x: lib.cumsum(x),
    lambda lib, x: lib.softmax(x), lambda lib, x: x.unsqueeze(), lambda lib, x: lib.logsumexp(x),
    lambda lib, x: lib.cumsum(x, axiss=0)],
    ids=["unknown", "unknown-method", "cumsum-no-dim", "softmax-no-dim", "unsqueeze-no-dim", "logsumexp-no-dim",
         "unknown-required"])
def test_unknown_keyword_or_missing_dim(call):
    check(call, randn(3, 4), grad=False)
