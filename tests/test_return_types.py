"""`ember.return_types`: the named results of ops, their fields, printing, construction and pickling, as PyTorch's."""
import pickle

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

CALLS = {
    "max": lambda lib, x, A: lib.max(x, 0), "min": lambda lib, x, A: x.min(1), "sort": lambda lib, x, A: x.sort(),
    "topk": lambda lib, x, A: lib.topk(x, 2), "kthvalue": lambda lib, x, A: x.kthvalue(2, 1),
    "median": lambda lib, x, A: x.median(0), "nanmedian": lambda lib, x, A: x.nanmedian(1),
    "mode": lambda lib, x, A: lib.mode(x, 0), "cummax": lambda lib, x, A: x.cummax(0),
    "cummin": lambda lib, x, A: lib.cummin(x, 1), "aminmax": lambda lib, x, A: lib.aminmax(x),
    "frexp": lambda lib, x, A: lib.frexp(x), "histogram": lambda lib, x, A: lib.histogram(x, 4),
    "slogdet": lambda lib, x, A: lib.slogdet(A), "linalg_slogdet": lambda lib, x, A: lib.linalg.slogdet(A),
    "qr": lambda lib, x, A: lib.qr(A), "linalg_qr": lambda lib, x, A: lib.linalg.qr(A),
    "linalg_svd": lambda lib, x, A: lib.linalg.svd(A), "linalg_eigh": lambda lib, x, A: lib.linalg.eigh(A @ A.T),
    "linalg_inv_ex": lambda lib, x, A: lib.linalg.inv_ex(A), "linalg_lu": lambda lib, x, A: lib.linalg.lu(A),
    "linalg_lu_factor": lambda lib, x, A: lib.linalg.lu_factor(A),
    "linalg_solve_ex": lambda lib, x, A: lib.linalg.solve_ex(A, A), "geqrf": lambda lib, x, A: lib.geqrf(A),
}


def inputs(lib):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    A = rng.standard_normal((3, 3)).astype(np.float32) + 3 * np.eye(3, dtype=np.float32)
    return lib.from_numpy(x), lib.from_numpy(A)


@pytest.mark.parametrize("name", list(CALLS))
def test_result_types_match_pytorchs(name):
    ours, theirs = CALLS[name](ember, *inputs(ember)), CALLS[name](torch, *inputs(torch))
    assert type(ours) is getattr(ember.return_types, name)
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert len(ours) == len(theirs)
    fields = [f for f in dir(theirs) if not f.startswith("_") and f not in ("count", "index", "n_fields",
                                                                            "n_sequence_fields", "n_unnamed_fields")]
    for field in fields:  # each field names the same position in both
        position = next(i for i, v in enumerate(theirs) if v is getattr(theirs, field))
        assert getattr(ours, field) is ours[position]
    again = pickle.loads(pickle.dumps(ours))
    assert type(again) is type(ours)
    for a, b in zip(again, ours):
        if isinstance(b, ember.Tensor):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_made_from_one_sequence_and_printed_as_pytorch():
    values, indices = ember.tensor([3.0]), ember.tensor([1])
    r = ember.return_types.max((values, indices))
    assert r.values is values and r.indices is indices
    expected = repr(torch.return_types.max((torch.tensor([3.0]), torch.tensor([1]))))
    assert repr(r) == expected.replace("torch.", "ember.")
    with pytest.raises(TypeError):
        torch.return_types.max((values,))
    with pytest.raises(TypeError, match="2-sequence"):
        ember.return_types.max((values,))
