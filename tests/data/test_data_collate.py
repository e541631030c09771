"""default_collate, default_convert and collate against torch.utils.data."""
import collections

import numpy as np
import pytest
import torch.utils.data as TD
from data_mp_helpers import no_leaks, same  # noqa: F401  (no_leaks is autouse)
from parity import torch

import ember
import ember.utils.data as D
from ember.utils.data.collate import collate, default_collate_fn_map

Point = collections.namedtuple("Point", "x y")


def samples(lib):
    """Batches of each kind default_collate handles, built with `lib` (ember or torch)."""
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    return {
        "tensors": [lib.from_numpy(r.copy()) for r in a],
        "int tensors": [lib.tensor(i) for i in range(3)],
        "arrays": [r.copy() for r in a],
        "int32 arrays": [np.array([i, i], np.int32) for i in range(2)],
        "numpy float32 scalars": [np.float32(1.5), np.float32(2)],
        "numpy int64 scalars": [np.int64(1), np.int64(2)],
        "numpy bools": [np.bool_(True), np.bool_(False)],
        "floats": [1.0, 2.5],
        "ints": [1, 2, 3],
        "bools": [True, False],
        "strings": ["a", "bc"],
        "bytes": [b"a", b"b"],
        "dicts": [{"x": lib.tensor([i]), "name": f"s{i}", "n": i} for i in range(2)],
        "namedtuples": [Point(i, float(i)) for i in range(2)],
        "tuples": [(lib.tensor([1.0]), 1, "a"), (lib.tensor([2.0]), 2, "b")],
        "lists": [[1, 2], [3, 4]],
        "nested": [{"p": Point([1, 2], np.zeros(2)), "t": (1.0, [b"x"])} for _ in range(2)],
    }


@pytest.mark.parametrize("kind", list(samples(ember)))
def test_default_collate_matches_torch(kind):
    same(D.default_collate(samples(ember)[kind]), TD.default_collate(samples(torch)[kind]))


@pytest.mark.parametrize("kind", list(samples(ember)))
def test_default_convert_matches_torch(kind):
    for e, t in zip(samples(ember)[kind], samples(torch)[kind]):
        same(D.default_convert(e), TD.default_convert(t))


def test_default_convert_leaves_string_arrays():
    a = np.array(["a", "b"])
    assert D.default_convert(a) is a


@pytest.mark.parametrize("batch", [
    [object(), object()],
    [np.array(["a"]), np.array(["b"])],
    [[1, 2], [3]],
    [np.zeros(2, np.float32), np.zeros(3, np.float32)],
])
def test_default_collate_errors_match_torch(batch):
    def convert(lib):
        return [lib.from_numpy(b) if isinstance(b, np.ndarray) and b.dtype.kind == "f" else b for b in batch]
    with pytest.raises(Exception) as t:
        TD.default_collate(convert(torch))
    with pytest.raises(type(t.value)) as e:
        D.default_collate(convert(ember))
    assert str(e.value) == str(t.value)


def test_mixed_dtypes_promote_as_torch():
    for dtypes in [("float32", "float64"), ("int64", "float32"), ("uint8", "int16")]:
        e = D.default_collate([ember.zeros(2, dtype=getattr(ember, d)) for d in dtypes])
        t = TD.default_collate([torch.zeros(2, dtype=getattr(torch, d)) for d in dtypes])
        same(e, t)


def test_collate_keeps_the_graph():
    xs = [ember.randn(2, requires_grad=True) for _ in range(3)]
    out = D.default_collate(xs)
    assert out.grad_fn.name() == "StackBackward0"
    out.sum().backward()
    assert all(float(x.grad.sum()) == 2 for x in xs)


def test_collate_with_a_custom_map():
    def strings_upper(batch, *, collate_fn_map=None):
        return [s.upper() for s in batch]
    fn_map = {**default_collate_fn_map, str: strings_upper}
    out = collate([("a", 1), ("b", 2)], collate_fn_map=fn_map)
    assert out[0] == ["A", "B"] and out[1].tolist() == [1, 2]


def test_mapping_that_cannot_be_rebuilt_becomes_dict():
    class Frozen(collections.abc.Mapping):
        def __init__(self, d):
            if not isinstance(d, tuple):
                raise TypeError("needs a tuple")
            self.d = dict(d)

        def __getitem__(self, k):
            return self.d[k]

        def __iter__(self):
            return iter(self.d)

        def __len__(self):
            return len(self.d)
    out = D.default_collate([Frozen((("a", 1),)), Frozen((("a", 2),))])
    assert type(out) is dict and out["a"].tolist() == [1, 2]
