"""nn.utils.rnn against torch: packing, padding, their inverses, gradients through them, and errors."""
import numpy as np
import pytest
from parity import assert_same, check, randn, torch

import ember


def _rnn(lib):
    return lib.nn.utils.rnn


X = randn(4, 3, 2)


@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 3, 2], True), ([4, 2, 3], False), ([2, 4, 2], False),
                                                    ([1, 1, 1], True)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_padded_sequence(lengths, enforce_sorted, batch_first):
    x = X.transpose(1, 0, 2).copy() if batch_first else X
    check(lambda lib, x: tuple(_rnn(lib).pack_padded_sequence(x, lengths, batch_first, enforce_sorted)), x,
          check_grad_fn=False)
    check(lambda lib, x: tuple(_rnn(lib).pack_padded_sequence(x, lib.tensor(lengths), batch_first,
                                                                     enforce_sorted)), x, check_grad_fn=False)


@pytest.mark.parametrize("lengths", [[4, 2, 3], [3, 3, 1]])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("total_length", [None, 6])
def test_pad_packed_sequence_round_trip(lengths, batch_first, total_length):
    def fn(lib, x):
        packed = _rnn(lib).pack_padded_sequence(x, lengths, enforce_sorted=False)
        return _rnn(lib).pad_packed_sequence(packed, batch_first, -1.5, total_length)
    check(fn, X, check_grad_fn=False)


def test_pad_packed_sequence_of_packed_data_requiring_grad():
    def fn(lib, data):
        packed = _rnn(lib).PackedSequence(data, lib.tensor([3, 2, 2, 1]), lib.tensor([1, 0, 2]))
        return _rnn(lib).pad_packed_sequence(packed, batch_first=True)
    check(fn, randn(8, 2), check_grad_fn=False)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    a, b, c = randn(3, 2), randn(5, 2, seed=1), randn(1, 2, seed=2)
    check(lambda lib, a, b, c: _rnn(lib).pad_sequence([a, b, c], batch_first, 0.5, padding_side), a, b, c,
          check_grad_fn=False)
    check(lambda lib, a, b: _rnn(lib).pad_sequence((a[:, 0], b[:, 0]), batch_first, padding_side=padding_side),
          a, b, check_grad_fn=False)


def test_pad_sequence_of_a_tensor_and_unpad():
    check(lambda lib, x: _rnn(lib).pad_sequence(x), X, check_grad_fn=False)
    # (x * 1: PyTorch's unpad_sequence transposes its input in place, which a leaf refuses)
    check(lambda lib, x: _rnn(lib).unpad_sequence(x * 1, lib.tensor([4, 1, 3])), X, check_grad_fn=False)
    check(lambda lib, x: _rnn(lib).unpad_sequence(x, lib.tensor([4, 1]), batch_first=True), X, check_grad_fn=False)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_unpack_sequence(enforce_sorted):
    a, b, c = randn(4, 2), randn(2, 2, seed=1), randn(3, 2, seed=2)
    check(lambda lib, a, b, c: tuple(_rnn(lib).pack_sequence([a, c, b], enforce_sorted)), a, b, c,
          check_grad_fn=False)
    check(lambda lib, a, b, c: _rnn(lib).unpack_sequence(_rnn(lib).pack_sequence([b, a, c], False)), a, b, c,
          check_grad_fn=False)


def test_packed_sequence_type_and_methods():
    e = ember.nn.utils.rnn.pack_sequence([ember.ones(2), ember.ones(3)], enforce_sorted=False)
    t = torch.nn.utils.rnn.pack_sequence([torch.ones(2), torch.ones(3)], enforce_sorted=False)
    assert repr(e) == repr(t)
    assert e._fields == t._fields and isinstance(e, tuple)
    assert_same(tuple(e.double()), tuple(t.double()), check_grad_fn=False)
    assert e.to("cpu") is e and e.cpu() is e and not e.is_cuda and not e.is_pinned()
    assert e.long().data.dtype == ember.int64 and e.half().data.dtype == ember.float16
    data, batch_sizes, sorted_indices, unsorted_indices = e
    assert batch_sizes.tolist() == [2, 2, 1] and sorted_indices.tolist() == [1, 0]
    rebuilt = ember.nn.utils.rnn.PackedSequence(data, batch_sizes, sorted_indices)
    assert rebuilt.unsorted_indices.tolist() == unsorted_indices.tolist() == [1, 0]
    assert ember.nn.utils.rnn.invert_permutation(None) is None
    assert ember.nn.utils.rnn.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert sorted(ember.nn.utils.rnn.__all__) == sorted(torch.nn.utils.rnn.__all__)


@pytest.mark.parametrize("fn", [
    lambda lib, x: _rnn(lib).pack_padded_sequence(x, [4, 2, 3]),
    lambda lib, x: _rnn(lib).pack_padded_sequence(x, [4, 3, 0]),
    lambda lib, x: _rnn(lib).pack_padded_sequence(x, [4, 3]),
    lambda lib, x: _rnn(lib).pack_padded_sequence(x, lib.tensor([[4, 3, 2]])),
    lambda lib, x: _rnn(lib).pack_padded_sequence(x[0, 0], [1]),
    lambda lib, x: _rnn(lib).pad_packed_sequence(_rnn(lib).pack_padded_sequence(x, [4, 3, 2]), total_length=2),
    lambda lib, x: _rnn(lib).pad_sequence([x[0], lib.ones(2, 3, dtype=x.dtype)]),
    lambda lib, x: _rnn(lib).pad_sequence([]),
    lambda lib, x: _rnn(lib).pad_sequence([x[0]], padding_side="middle"),
    lambda lib, x: _rnn(lib).pack_sequence([x[0, :2], x[0]]),
])
def test_errors(fn):
    check(fn, X, grad=False)


def test_packed_rnn_gradient_reaches_padded_input_only_at_valid_steps():
    x = ember.tensor(randn(4, 3, 2), requires_grad=True)
    packed = ember.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 1])
    out, _ = ember.nn.GRU(2, 3).double()(packed)
    padded, _ = ember.nn.utils.rnn.pad_packed_sequence(out)
    padded.sum().backward()
    valid = np.arange(4)[:, None] < np.array([4, 2, 1])[None, :]
    assert (x.grad.numpy()[~valid] == 0).all() and (x.grad.numpy()[valid] != 0).all()
