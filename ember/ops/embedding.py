"""Embedding lookups: rows of a weight matrix selected by integer indices, and their bags."""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.graph import node_classes
from ..backend import array_module
from ..backend.scatter import flat_positions, scatter_reduce_flat
from .base import GRAD_ENABLED, Tensor, check_tensor, record, tensor_type_error, wrap
from .scatter import index_add
from .shape import cat

GRADIENTS = {
    "EmbeddingBackward0": lambda g, idx, n, padding_idx, by_freq: (_row_sums(g, idx, n, padding_idx, by_freq),),
}
NODES = node_classes(GRADIENTS)


def _row_sums(g, idx, n, padding_idx, by_freq):
    """The weight gradient: the output gradients summed into the rows they were read from."""
    xp = array_module(idx)
    flat = idx.reshape(-1)
    rows = g.reshape(flat.shape[0], -1)
    scale = None
    if by_freq:
        scale = 1 / xp.bincount(flat, minlength=n)[flat]
    if padding_idx is not None:
        scale = (flat != padding_idx) if scale is None else scale * (flat != padding_idx)
    if scale is not None:
        rows = rows * wrap(scale[:, None].astype(rows._data.dtype))
    return rows.new_zeros((n, rows.shape[1])).index_add(0, wrap(flat), rows)


def _check_indices(input, n):
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("embedding", "indices", input, 2) from None
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding)")
    if a.size and (a.min() < 0 or a.max() >= n):
        raise IndexError("index out of range in self")
    return a


def _padding(padding_idx, n):
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx % n


def _renorm(weight, idx, max_norm, norm_type):
    """Scale the rows read by `idx` in place so their norm is at most max_norm."""
    with no_grad():
        w = weight._data
        xp = array_module(w)
        rows = xp.unique(idx)
        norms = xp.linalg.norm(w[rows], ord=norm_type, axis=1)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
        w[rows] *= scale[:, None]
        weight._vc[0] += 1


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of `weight` at the integer indices `input`; output shape input.shape + (dim,)."""
    try:
        n = weight._data.shape[0]
    except AttributeError:
        raise tensor_type_error("embedding", "weight", weight) from None
    idx = _check_indices(input, n)
    padding_idx = _padding(padding_idx, n)
    if max_norm is not None:
        _renorm(weight, idx, max_norm, norm_type)
    out = wrap(weight._data[idx])
    if GRAD_ENABLED[0] and weight._rg:
        record(out, NODES.EmbeddingBackward0(), (weight,), (idx, n, padding_idx, scale_grad_by_freq))
    return out


_MODES = ("sum", "mean", "max")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxes of bags of embeddings; bags are the rows of 2-D input or runs given by offsets.

    Differs from PyTorch: the grad_fn is the composition of the ops below, not EmbeddingBagBackward0."""
    check_tensor("embedding_bag", "weight", weight, 2)
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    check_tensor("embedding_bag", "input", input, 1)
    if mode not in _MODES:
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}').")
    xp = array_module(input._data)
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        n_bags, length = input.shape
        flat = input.reshape(-1)
        bag_of = xp.repeat(xp.arange(n_bags), length)
        psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None or offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = offsets._data.astype(np.int64)
        _check_offsets(starts, input.shape[0])
        if include_last_offset:
            starts = starts[:-1]
        n_bags = starts.shape[0]
        flat = input
        bag_of = xp.searchsorted(starts, xp.arange(input.shape[0]), side="right") - 1
        psw = per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    rows = embedding(flat, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    keep = xp.ones(flat.shape[0], bool) if padding_idx is None else flat._data != padding_idx % weight.shape[0]
    if psw is not None:
        rows = rows * psw.unsqueeze(1)
    return _reduce_bags(rows, bag_of, keep, n_bags, mode)


def _bag_maxima(kept, bag, n_bags):
    """Each bag's maximum per column, a gather of the first row that holds it, so that the gradient goes to that
    row alone (as PyTorch's max_indices send it); zeros for empty bags."""
    xp = array_module(kept._data)
    a, bags = kept._data, bag._data
    n, dim = a.shape
    positions = flat_positions((n_bags, dim), 0, xp.broadcast_to(bags[:, None], a.shape))
    maxima = xp.full(n_bags * dim, -xp.inf, a.dtype)
    scatter_reduce_flat(maxima, positions, a.reshape(-1), "amax")
    holds = a == maxima.reshape(n_bags, dim)[bags]
    first = xp.full(n_bags * dim, n, np.int64)
    scatter_reduce_flat(first, positions, xp.where(holds, xp.arange(n)[:, None], n).reshape(-1), "amin")
    padded = cat([kept, kept.new_zeros((1, dim))])  # row n: the zeros of an empty bag
    return padded.gather(0, wrap(first.reshape(n_bags, dim)))


def _check_offsets(starts, length: int) -> None:
    """PyTorch's checks of embedding_bag's offsets: the first is 0, none goes back, the last is within the input."""
    if starts.shape[0] == 0:
        return
    if int(starts[0]) != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(starts[0])}")
    if int(starts[-1]) > length:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {length} but got offsets[-1] of "
                           f"{int(starts[-1])}")
    if (starts[1:] < starts[:-1]).any():
        raise RuntimeError(f"embedding_bag: expected offsets to be non-decreasing, but got {starts.tolist()}")


def _reduce_bags(rows, bag_of, keep, n_bags, mode):
    """Reduce `rows` into `n_bags` bags; rows with keep False do not count; empty bags give zeros."""
    dim = rows.shape[1]
    xp = array_module(keep)
    bag = wrap(bag_of[keep].astype(np.int64))
    kept = rows[wrap(xp.flatnonzero(keep))]
    if mode == "max":
        return _bag_maxima(kept, bag, n_bags)
    total = index_add(rows.new_zeros((n_bags, dim)), 0, bag, kept)
    if mode == "sum":
        return total
    counts = xp.bincount(bag_of[keep], minlength=n_bags).astype(rows._data.dtype)
    return total / wrap(xp.maximum(counts, 1)[:, None])


__all__ = ["embedding", "embedding_bag"]
