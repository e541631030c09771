"""Variable-length sequences for the recurrent layers: PackedSequence, packing, padding and their inverses.

Every function here moves rows with one index_select over index arrays computed in NumPy from the lengths
(on the CPU, as PyTorch keeps them), so gradients flow through packing and padding and no Python loop
runs over elements or time steps.
"""
from collections import namedtuple

import numpy as np

from ... import _creation
from ... import _dtype as dtypes
from ..._tensor import Tensor
from ...ops.shape import cat
from ...ops.sorting import argsort

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]

_PackedSequenceFields = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceFields):
    """Sequences of different lengths packed step by step: `data` holds the rows of time step 0 of every
    sequence, then those of step 1, ...; `batch_sizes[t]` counts the sequences still running at step t.

    Made by pack_padded_sequence or pack_sequence, not by hand."""
    __slots__ = ()

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # data is a (data, batch_sizes) pair
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError(f"batch_sizes should always be on CPU, but got a tensor on {batch_sizes.device}. "
                             "Instances of PackedSequence should never be created manually; use "
                             "pack_padded_sequence or pack_sequence.")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """Move or cast `data` as Tensor.to does; the indices follow data's device, batch_sizes stays on the
        CPU. Returns self when data is unchanged."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices, unsorted_indices = (None if i is None else i.to(data.device)
                                            for i in (self.sorted_indices, self.unsorted_indices))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        """The sequence with its data on a GPU."""
        data = self.data.cuda(*args, **kwargs)
        return self if data is self.data else self.to(data.device)

    def cpu(self) -> "PackedSequence":
        """The sequence with its data on the CPU."""
        return self.to("cpu")

    def pin_memory(self) -> "PackedSequence":
        """The sequence with its data in pinned memory."""
        return type(self)(self.data.pin_memory(), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def double(self) -> "PackedSequence":
        """The sequence with float64 data."""
        return self.to(dtype=dtypes.float64)

    def float(self) -> "PackedSequence":
        """The sequence with float32 data."""
        return self.to(dtype=dtypes.float32)

    def half(self) -> "PackedSequence":
        """The sequence with float16 data."""
        return self.to(dtype=dtypes.float16)

    def long(self) -> "PackedSequence":
        """The sequence with int64 data."""
        return self.to(dtype=dtypes.int64)

    def int(self) -> "PackedSequence":
        """The sequence with int32 data."""
        return self.to(dtype=dtypes.int32)

    def short(self) -> "PackedSequence":
        """The sequence with int16 data."""
        return self.to(dtype=dtypes.int16)

    def char(self) -> "PackedSequence":
        """The sequence with int8 data."""
        return self.to(dtype=dtypes.int8)

    def byte(self) -> "PackedSequence":
        """The sequence with uint8 data."""
        return self.to(dtype=dtypes.uint8)

    @property
    def is_cuda(self) -> bool:
        """Whether the data is on a GPU."""
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        """Whether the data is in pinned memory."""
        return self.data.is_pinned()


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of 0..n-1 (None for None)."""
    if permutation is None:
        return None
    return argsort(permutation)


# Packing works on the lengths, which PyTorch keeps on the CPU (as it keeps batch_sizes): the row indices are
# computed there from them and moved to the data's device by _index.
def _lengths(lengths) -> np.ndarray:  # host: lengths live on the CPU
    """The lengths (a list or a 1-D tensor) as a NumPy int64 array."""
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got a {lengths.dim()}D "
                               f"tensor")
        return lengths.cpu().numpy().astype(np.int64)
    lengths = np.asarray(lengths)
    if lengths.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D list or tensor, but got {lengths.ndim} dimensions")
    return lengths.astype(np.int64)


def _index(values, device) -> Tensor:  # host: host indices, moved to `device`
    return _creation.tensor(np.ascontiguousarray(values, np.int64).ravel(), device=device)


def _batch_sizes(sorted_lengths) -> np.ndarray:  # host: from the CPU lengths
    """How many of the sequences, longest first, run at each time step."""
    steps = np.arange(sorted_lengths[0] if len(sorted_lengths) else 0)
    return (sorted_lengths[None, :] > steps[:, None]).sum(1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:  # host: indices from the CPU lengths
    """Pack a padded batch (T, B, *) ((B, T, *) with batch_first) of sequences of the given lengths.

    With enforce_sorted the lengths must be non-increasing; otherwise the batch is sorted first and the
    permutation kept in the result."""
    lengths = _lengths(lengths)
    batch_dim = 0 if batch_first else 1
    shape = tuple(input.shape)
    batch, steps = shape[batch_dim], shape[1 - batch_dim]
    if len(lengths) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={batch})")
    if batch and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           f"that is <= 0: {lengths.tolist()}")
    if batch and lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length ({lengths.max()}) exceeds the input's "
                           f"{steps} time steps")
    if enforce_sorted:
        if (lengths[:-1] < lengths[1:]).any():
            raise RuntimeError(f"`lengths` array must be sorted in decreasing order when `enforce_sorted` is True, "
                               f"but got {lengths.tolist()}. Pass enforce_sorted=False to pack unsorted "
                               "sequences.")
        order, sorted_indices = np.arange(batch), None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _index(order, input.device)
    sorted_lengths = lengths[order]
    batch_sizes = _batch_sizes(sorted_lengths)
    t, s = np.nonzero(np.arange(len(batch_sizes))[:, None] < sorted_lengths[None, :])
    b = order[s]
    rows = b * steps + t if batch_first else t * batch + b
    data = input.flatten(0, 1).index_select(0, _index(rows, input.device))
    return PackedSequence(data, _creation.tensor(batch_sizes, dtype=dtypes.int64), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:  # host: from CPU batch_sizes
    """Unpack a PackedSequence into a padded batch (T, B, *) ((B, T, *) with batch_first) in the original
    order, and the lengths; total_length pads to that many steps."""
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = batch_sizes.numpy().astype(np.int64)
    max_length = len(sizes)
    steps = max_length
    if total_length is not None:
        if total_length < max_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_length}")
        steps = total_length
    batch = int(sizes[0])
    sorted_lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    position = np.arange(batch) if unsorted_indices is None else unsorted_indices.cpu().numpy()
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    t = np.arange(steps)[:, None]
    rows = np.where(t < sorted_lengths[position][None, :], starts[np.minimum(t, max_length - 1)] + position,
                    data.shape[0])
    if batch_first:
        rows = rows.T
    trailing = tuple(data.shape[1:])
    padding = _creation.full((1,) + trailing, padding_value, dtype=data.dtype, device=data.device)
    padded = cat([data, padding]).index_select(0, _index(rows, data.device)).reshape(rows.shape + trailing)
    return padded, _creation.tensor(sorted_lengths[position], dtype=dtypes.int64)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:  # host: indices from the sequences' Python lengths
    """Stack sequences of shape (L_i, *) into a padded batch (T, B, *) ((B, T, *) with batch_first), padding
    on the right or the left."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    lengths = np.array([s.shape[0] for s in sequences], np.int64)
    first = sequences[0]
    trailing = tuple(first.shape[1:])
    padding = _creation.full((1,) + trailing, padding_value, dtype=first.dtype, device=first.device)
    steps = int(lengths.max())
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    t = np.arange(steps)[:, None]
    position = t if padding_side == "right" else t - (steps - lengths)[None, :]
    rows = np.where((position >= 0) & (position < lengths[None, :]), starts + position, lengths.sum())
    if batch_first:
        rows = rows.T
    sequences = [s.to(first.dtype) for s in sequences]  # the batch has the first sequence's dtype, as PyTorch's
    return cat(sequences + [padding]).index_select(0, _index(rows, first.device)).reshape(rows.shape + trailing)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """The inverse of pad_sequence: the list of sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = _lengths(lengths).tolist()
    if len(lengths) != padded_sequences.shape[0]:
        raise ValueError(f"unpad_sequence: expected one length per sequence ({padded_sequences.shape[0]}), but got "
                         f"{len(lengths)} lengths")
    return [padded_sequences[b, :n] for b, n in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of shape (L_i, *): pad_sequence then pack_padded_sequence."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of pack_sequence: the list of sequences."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
