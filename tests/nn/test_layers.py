"""Linear, embedding, distance, flatten and dropout layers, and the containers, against torch."""
import warnings

import numpy as np
import pytest
from module_parity import check_module
from parity import check, randn, torch

import ember


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 5, 3)])
def test_linear(shape):
    check_module("Linear", (3, 2), inputs=[randn(*shape)])
    check_module("Linear", (3, 2), {"bias": False}, inputs=[randn(*shape)])


def test_linear_shape_error_names_the_layer():
    with pytest.raises(RuntimeError, match=r"Linear \(Linear\(in_features=3, out_features=2\)\) got input with 4 "
                                           r"features.*nn.Linear\(4, 2\)"):
        ember.nn.Linear(3, 2)(ember.randn(2, 4))


def test_bilinear_identity_flatten_unflatten():
    check_module("Bilinear", (3, 4, 2), inputs=[randn(5, 3), randn(5, 4, seed=1)])
    check_module("Identity", (), inputs=[randn(2, 3)])
    check_module("Flatten", (), inputs=[randn(2, 3, 4)])
    check_module("Flatten", (0, 1), inputs=[randn(2, 3, 4)])
    check_module("Unflatten", (1, (2, 2)), inputs=[randn(3, 4)])


def test_a_number_where_a_tensor_belongs_raises_like_torch():
    check(lambda lib, x: lib.nn.functional.linear(x, 2.5), randn(2, 3))
    check(lambda lib, x, w: lib.nn.functional.linear(x, w, 2.5), randn(2, 3), randn(4, 3))
    check(lambda lib, x, w: lib.nn.functional.bilinear(x, x, w, 2.5), randn(2, 3), randn(4, 3, 3))
    check(lambda lib, i: lib.nn.functional.embedding(i, 2.5), np.array([0, 1]))
    check(lambda lib, w: lib.nn.functional.embedding(2.5, w), randn(6, 3))
    check(lambda lib, i, w: lib.nn.functional.embedding_bag(i, w), np.array([[0, 1]]), randn(6))
    check(lambda lib, x: lib.nn.functional.pairwise_distance(x, 2.5), randn(2, 3))
    check(lambda lib, x: lib.nn.functional.cosine_similarity(x, 2.5), randn(2, 3))


def test_lazy_linear_becomes_linear():
    m = ember.nn.LazyLinear(3)
    out = m(ember.randn(2, 5))
    assert type(m) is ember.nn.Linear and m.in_features == 5 and out.shape == (2, 3)
    assert repr(m) == repr(torch.nn.Linear(5, 3))


def test_embedding():
    idx = np.array([[1, 2, 4], [4, 3, 1]])
    check_module("Embedding", (6, 3), inputs=[idx], double=True)
    check_module("Embedding", (6, 3), {"padding_idx": 4}, inputs=[idx])
    check_module("Embedding", (6, 3), {"scale_grad_by_freq": True}, inputs=[idx])
    check_module("Embedding", (6, 3), {"max_norm": 0.5}, inputs=[idx])
    check(lambda lib, w, i: lib.nn.functional.embedding(i, w), randn(6, 3), np.array([0, 5, 5, 2]))
    check(lambda lib, w, i: lib.nn.functional.embedding(i, w), randn(6, 3), np.array([0, 6]))
    check(lambda lib, w, i: lib.nn.functional.embedding(i, w), randn(6, 3), np.array([0.0, 1.0]))


def test_embedding_from_pretrained():
    w = randn(4, 2)
    e = ember.nn.Embedding.from_pretrained(ember.tensor(w))
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w))
    assert repr(e) == repr(t) and e.weight.requires_grad == t.weight.requires_grad
    np.testing.assert_array_equal(e(ember.tensor([3, 0])).numpy(), t(torch.tensor([3, 0])).numpy())


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    check_module("EmbeddingBag", (6, 3), {"mode": mode}, inputs=[np.array([[1, 2, 4], [4, 3, 1]])],
                 check_grad_fn=False)
    w, idx, offsets = randn(6, 3), np.array([1, 2, 4, 4, 3, 1, 0]), np.array([0, 2, 2, 5])
    check(lambda lib, w, i, o: lib.nn.functional.embedding_bag(i, w, o, mode=mode), w, idx, offsets,
          check_grad_fn=False)


def test_embedding_bag_max_sends_a_tied_maximums_gradient_to_its_first_row():
    w = np.array([[1.0, 2.0], [1.0, 0.0], [3.0, 3.0], [3.0, -1.0]])
    check(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([0, 1, 2, 3]), w, lib.tensor([0, 2, 4]),
                                                         mode="max"), w, check_grad_fn=False)
    check(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([[0, 1], [3, 2]]), w, mode="max"), w,
          check_grad_fn=False)


@pytest.mark.parametrize("offsets", [[1, 2], [0, 5]], ids=["not from 0", "past the end"])
def test_embedding_bag_refuses_bad_offsets(offsets):
    check(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([1, 2, 3, 4]), w, lib.tensor(offsets)),
          randn(10, 3))


def test_embedding_bag_refuses_decreasing_offsets():
    """(PyTorch's float32 kernel fails an internal assert on them, its float64 kernel reads past the bag.)"""
    with pytest.raises(RuntimeError, match="non-decreasing"):
        ember.nn.functional.embedding_bag(ember.tensor([1, 2, 3, 4]), ember.ones(10, 3), ember.tensor([0, 3, 1]))


def test_distances():
    check_module("PairwiseDistance", (), inputs=[randn(4, 3), randn(4, 3, seed=1)])
    check_module("PairwiseDistance", (1.0, 1e-6, True), inputs=[randn(4, 3), randn(4, 3, seed=1)])
    check_module("CosineSimilarity", (), inputs=[randn(4, 3), randn(4, 3, seed=1)])
    check_module("CosineSimilarity", (0,), inputs=[randn(4, 3), randn(4, 3, seed=1)])
    check(lambda lib, x: lib.nn.functional.pdist(x), randn(5, 3), check_grad_fn=False)
    check(lambda lib, a, b: lib.cdist(a, b), randn(2, 4, 3), randn(2, 5, 3), check_grad_fn=False)


@pytest.mark.parametrize("name,shape", [("Dropout", (20, 30)), ("Dropout1d", (4, 10, 8)),
                                        ("Dropout2d", (4, 10, 3, 3)), ("Dropout3d", (2, 10, 2, 2, 2)),
                                        ("AlphaDropout", (50, 40)), ("FeatureAlphaDropout", (4, 20, 3, 3))])
def test_dropout_layers(name, shape):
    m = getattr(ember.nn, name)(0.4)
    assert repr(m) == repr(getattr(torch.nn, name)(0.4))
    x = ember.ones(*shape, dtype=ember.float64, requires_grad=True)
    y = m(x)
    m.eval()
    assert m(x) is x
    values = np.unique(np.round(y.detach().numpy(), 6))
    assert len(values) == 2  # a kept value and a dropped value
    if name.startswith("Dropout"):
        np.testing.assert_allclose(values, [0.0, 1 / 0.6], rtol=1e-5)
        kept = (y.detach().numpy() != 0)
        if name != "Dropout":
            assert (kept == kept.reshape(shape[:2] + (-1,))[..., :1].reshape(shape[:2] + (1,) * (len(shape) - 2))
                    ).all()
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), kept / 0.6)
    assert 0.2 < (y.detach().numpy() != y.detach().numpy().max()).mean() < 0.6


def _drawn_dims(y) -> tuple:
    """The dims along which a channel dropout's output (of an all-ones input) varies: those it draws per element
    (each drawn dim has 32 draws, or 8 in each of 32 fibres, so that none comes out constant by chance)."""
    a = y.numpy()
    return tuple(d for d in range(a.ndim) if (a != a.take([0], axis=d)).any())


FEATURE_DROPOUT_RANKS = [(name, shape) for name, shapes in (
    ("dropout1d", [(2,), (32, 8), (32, 8, 8), (2, 2, 2, 2)]),
    ("dropout2d", [(32, 8), (32, 8, 8), (32, 8, 4, 4), (32, 8, 2, 2, 2)]),
    ("dropout3d", [(32, 8), (32, 8, 8), (32, 8, 2, 2), (32, 8, 2, 2, 2), (32, 2, 2, 2, 2, 2)])) for shape in shapes]


@pytest.mark.parametrize("name,shape", FEATURE_DROPOUT_RANKS, ids=[f"{n}-{len(s)}d" for n, s in FEATURE_DROPOUT_RANKS])
def test_channel_dropout_of_every_rank_as_torch(name, shape):
    """Inputs of other ranks than a channel dropout expects: dropout1d raises; dropout2d and dropout3d warn, as
    PyTorch 2.13 does, and draw over the same dims (dropout2d takes 3-D input as (N, C, L))."""
    outcomes = []
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                y = getattr(lib.nn.functional, name)(lib.ones(shape), 0.5, training=True)
            except RuntimeError as error:
                outcomes.append(("RuntimeError", str(error)))
                continue
        outcomes.append((tuple(y.shape), _drawn_dims(y), [str(w.message) for w in caught]))
    assert outcomes[0] == outcomes[1]


def test_dropout_statistics_and_errors():
    x = ember.ones(200000)
    y = ember.nn.functional.dropout(x, 0.3)
    assert abs(float(y.mean()) - 1.0) < 0.01
    with pytest.raises(ValueError):
        ember.nn.Dropout(1.5)
    z = ember.nn.functional.alpha_dropout(ember.randn(200000, dtype=ember.float64), 0.2, training=True)
    assert abs(float(z.mean())) < 0.02 and abs(float(z.std()) - 1) < 0.02


def test_sequential_and_lists_behave_like_torch():
    for lib in (ember, torch):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        assert len(s) == 3 and isinstance(s[-1], nn.Linear) and len(s[1:]) == 2
        s.append(nn.Sigmoid())
        del s[1]
        assert [type(m).__name__ for m in s] == ["Linear", "Linear", "Sigmoid"]
        assert list(s._modules) == ["0", "1", "2"]
        with pytest.raises(IndexError):
            s[5]
        ml = nn.ModuleList([nn.ReLU()])
        ml += [nn.Tanh()]
        ml.insert(0, nn.Identity())
        assert [type(m).__name__ for m in ml] == ["Identity", "ReLU", "Tanh"]
        with pytest.raises(TypeError):
            nn.ModuleList([1])
        md = nn.ModuleDict({"a": nn.ReLU()})
        md["b"] = nn.Tanh()
        assert list(md.keys()) == ["a", "b"] and "a" in md
        pl = nn.ParameterList([lib.ones(2)])
        assert isinstance(pl[0], nn.Parameter)
        pd = nn.ParameterDict({"w": nn.Parameter(lib.ones(2, 3))})
        assert list(dict(pd.named_parameters())) == ["w"]
    from collections import OrderedDict
    e = ember.nn.Sequential(OrderedDict([("fc", ember.nn.Linear(2, 3)), ("act", ember.nn.ReLU())]))
    t = torch.nn.Sequential(OrderedDict([("fc", torch.nn.Linear(2, 3)), ("act", torch.nn.ReLU())]))
    assert repr(e) == repr(t)
    assert repr(ember.nn.ParameterList([ember.ones(2)])) == \
        repr(torch.nn.ParameterList([torch.ones(2)])).replace("torch", "ember")
    assert repr(ember.nn.ParameterDict({"a": ember.ones(2, 3)})) == \
        repr(torch.nn.ParameterDict({"a": torch.ones(2, 3)})).replace("torch", "ember")


def test_float16_linear_rounds_once_like_torch():
    """Regression: the product was rounded to float16 before the bias was added, so about a quarter of the
    outputs differed from PyTorch's by one float16 step; now only float32 summation order can differ."""
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float16) for s in ((64, 256), (128, 256), (128,)))
    e = ember.nn.functional.linear(ember.tensor(x), ember.tensor(w), ember.tensor(b)).numpy()
    t = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)).numpy()
    assert e.dtype == np.float16
    assert (e != t).mean() < 0.01
    np.testing.assert_array_less(np.abs(e.astype(np.float32) - t), np.spacing(np.abs(t)).astype(np.float32) * 1.01)


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                                  "donot_use_mm_for_euclid_dist"])
def test_cdist_compute_modes_match_torch(mode):
    """Past 25 rows (or always, with use_mm_for_euclid_dist) p=2 goes through one matrix product, as PyTorch's;
    the distances of a set to itself (zeros on the diagonal) have finite gradients."""
    check(lambda lib, a, b: lib.cdist(a, b, compute_mode=mode), randn(30, 4), randn(2, 27, 4, seed=1),
          check_grad_fn=False, atol=1e-7, grad_atol=1e-6)
    check(lambda lib, a: lib.cdist(a, a, compute_mode=mode), randn(30, 4), check_grad_fn=False, atol=1e-7,
          grad_atol=1e-6)
    check(lambda lib, a, b: lib.cdist(a, b, p=1.0, compute_mode=mode), randn(30, 4), randn(27, 4, seed=1),
          check_grad_fn=False)


def test_cdist_refuses_an_unknown_compute_mode_as_torch():
    check(lambda lib, a: lib.cdist(a, a, compute_mode="fast"), randn(3, 2), grad=False)
