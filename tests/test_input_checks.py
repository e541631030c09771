"""Bad input that user programs hit, raised as PyTorch raises it; and inputs PyTorch accepts."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, torch

import ember

F32, F64 = np.float32, np.float64


@pytest.mark.parametrize("target", [[2.0, 0.5], [-0.1, 0.5], [float("nan"), 0.5]])
def test_binary_cross_entropy_target_outside_0_1(target):
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y), np.array([0.5, 0.5]), np.array(target))
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y), np.array([float("nan"), 0.5]),
          np.array([1.0, 0.0]))


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}])
def test_class_weight_of_another_dtype(kwargs):
    target = np.array([0, 1, 2])
    for logits, weight in ((randn(3, 4, dtype=F64), np.ones(4, F32)), (randn(3, 4, dtype=F32), np.ones(4, F64))):
        check(lambda lib, x, t, w: lib.nn.functional.cross_entropy(x, t, weight=w, **kwargs), logits, target, weight)
        check(lambda lib, x, t, w: lib.nn.functional.nll_loss(x, t, weight=w), logits, target, weight)
    check(lambda lib, x, t, w: lib.nn.functional.cross_entropy(x, t, weight=w), randn(3, 4, dtype=F32),
          np.full((3, 4), 0.25, F32), np.ones(4, F64), atol=1e-6, rtol=1e-6,
          grad_atol=1e-6, grad_rtol=1e-6)  # soft targets: any float weight


def test_pad_sequence_takes_the_first_sequence_dtype():
    for first, second in ((np.int64, np.float64), (np.float32, np.float64), (np.float64, np.int64)):
        check(lambda lib, a, b: lib.nn.utils.rnn.pad_sequence([a, b]), np.ones(2, first), np.arange(3, dtype=second),
              grad=False)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.int32])
def test_stft_refuses_non_float_input(dtype):
    check(lambda lib, x: lib.stft(x, 16, return_complex=True), np.arange(64).astype(dtype), grad=False)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.complex64])
def test_distances_refuse_what_torch_refuses(dtype):
    check(lambda lib, x: lib.nn.functional.pdist(x), np.ones((3, 2), dtype), grad=False)
    check(lambda lib, x, y: lib.cdist(x, y), np.ones((3, 2), dtype), np.ones((4, 2), dtype), grad=False)
    raises_like_torch(lambda lib: lib.cdist(lib.ones(3, 2), lib.ones(3, 2, dtype=lib.bfloat16)))


@pytest.mark.parametrize("seed", [-1, -2**63, 2**64 - 1, 12.0, True])
def test_manual_seed_range(seed):
    assert ember.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
    if isinstance(seed, int) and not isinstance(seed, bool):
        assert ember.Generator().manual_seed(seed).initial_seed() == torch.Generator().manual_seed(seed).initial_seed()
    else:  # Generator.manual_seed takes ints only
        raises_like_torch(lambda lib: lib.Generator().manual_seed(seed))
    ember.manual_seed(seed)
    a = ember.rand(3)
    ember.manual_seed(torch.initial_seed())
    np.testing.assert_array_equal(a.numpy(), ember.rand(3).numpy())  # -1 and 2**64 - 1 are one seed


@pytest.mark.parametrize("seed", [2**64, -2**63 - 1])
def test_manual_seed_out_of_range(seed):
    raises_like_torch(lambda lib: lib.manual_seed(seed))
    raises_like_torch(lambda lib: lib.Generator().manual_seed(seed))


def test_numpy_subclasses_become_plain_tensors():
    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    for make in (ember.tensor, ember.as_tensor, ember.from_numpy):
        t = make(m)
        assert type(t._data) is np.ndarray and t.sum(0).tolist() == torch.tensor(m).sum(0).tolist()
    shared = ember.from_numpy(m)
    m[0, 0] = 9.0
    assert shared[0, 0].item() == 9.0


def test_to_dense_of_a_dense_tensor():
    x = ember.ones(2)
    assert x.to_dense() is x and x.to_dense(masked_grad=True) is x
    assert str(x.to_dense(dtype=ember.float64).dtype) == "ember.float64"
