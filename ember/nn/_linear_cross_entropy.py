"""F.linear_cross_entropy: the cross entropy of a linear layer's logits, as the reference composition or, given
nn.LinearCrossEntropyOptions, in chunks of the batch.

NOTE [ Chunked linear cross entropy ]
The chunked path goes through the input's rows batch_chunk_size at a time: per chunk the logits (rows, C), their
log-sum-exp and the loss of each row, so that the (N, C) logits of a large vocabulary never exist at once. For a
'mean' or 'sum' loss it also computes, chunk by chunk in the forward, the gradients of the input rows, of the linear
weight and of its bias (softmax minus the one-hot target, weighted); the recorded node then only scales them by the
loss's gradient. As PyTorch's, that node allows one backward (a second raises, unless allow_retain_graph) and no
double backward (its gradients carry no graph). With reduction 'none' the node keeps the inputs instead and
recomputes each chunk in the backward with the rows' gradients. Every chunk is computed in acc_dtype (float32 for
float16/bfloat16 input); the loss and the gradients come out in the inputs' dtypes.
"""
import dataclasses
import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import Node
from ..backend import array_module
from ..ops.base import GRAD_ENABLED, check_tensor, record, wrap
from ..ops.loss import _nll_coefficients, cross_entropy

_POLICIES = ("auto", "accurate", "balanced", "compact")
_TWICE = ("linear_cross_entropy chunked backward called twice; retain_graph=True / double backward are not "
          "supported.")


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """How F.linear_cross_entropy chunks its batch (NOTE [ Chunked linear cross entropy ]), as
    torch.nn.LinearCrossEntropyOptions. ember computes each chunk in acc_dtype whatever acc_policy says (PyTorch's
    policies keep some low-precision intermediates in the input's dtype)."""
    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: _dtype.dtype | None = None

    def __post_init__(self):
        if self.acc_policy not in _POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = self.chunking_method.partition(":")
            if not (name == "aspect_ratio" and (not sep or (factor.isdigit() and int(factor) > 0))):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        if not (self.batch_chunk_size is None
                or (isinstance(self.batch_chunk_size, int) and self.batch_chunk_size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {self.batch_chunk_size!r}")
        if self.acc_dtype is not None and self.acc_dtype not in (_dtype.float16, _dtype.bfloat16, _dtype.float32,
                                                                 _dtype.float64):
            raise ValueError(f"acc_dtype must be one of {{None, ember.float16, ember.bfloat16, ember.float32, "
                             f"ember.float64}}, got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick "
                             "automatically.")

    def chunk_rows(self, rows: int, in_features: int, num_classes: int, half: bool) -> int:
        """The rows of each chunk for this call: batch_chunk_size, or what chunking_method gives ('auto': PyTorch's
        CPU pick, 'aspect_ratio' for half precision input, else 'aspect_ratio:2'); ValueError if both are set and
        disagree."""
        method = self.chunking_method
        if method == "auto":
            method = None if self.batch_chunk_size is not None else "aspect_ratio" if half else "aspect_ratio:2"
        size = rows if self.batch_chunk_size is None else min(self.batch_chunk_size, rows)
        if method is not None:
            _, _, factor = method.partition(":")
            target = -(-rows // -(-num_classes // in_features))  # rows / ceil(classes / features), rounded up
            size = min((1 << (target - 1).bit_length()) // int(factor or 1), rows)
            if self.batch_chunk_size is not None and self.batch_chunk_size != size:
                raise ValueError(f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method ('{method}') give "
                                 f"different chunk sizes ({self.batch_chunk_size} vs {size}); pass only one.")
        return max(1, size)

    def accumulation_dtype(self, dtype):
        """The dtype the chunks compute in for input of `dtype` (an ember dtype)."""
        if self.acc_dtype is not None:
            return self.acc_dtype
        half = dtype in (_dtype.float16, _dtype.bfloat16)
        return _dtype.float32 if half and self.acc_policy == "auto" else dtype


class LinearCrossEntropyChunkedBackward(Node):
    """The backward of the chunked linear cross entropy (NOTE [ Chunked linear cross entropy ])."""
    __slots__ = ()

    def apply(self, grads):
        self.saved_values()  # RuntimeError once a backward without retain_graph has freed the node
        g = grads[0]._data
        if self.precomputed is None:
            raise RuntimeError(_TWICE)
        results = tuple(None if a is None else wrap((a * g).astype(dtype, copy=False))
                        for a, dtype in zip(self.precomputed, self.dtypes))
        if not self.allow_retain_graph:
            self.precomputed = None
        return results + (None,)  # the class weights get no gradient, as in PyTorch


class LinearCrossEntropyChunkedNoReductionBackward(Node):
    """The backward of the chunked linear cross entropy with reduction 'none': each chunk computed again."""
    __slots__ = ()

    def apply(self, grads):
        x, w, target, b, weight = self.saved_values()
        picked, scale, _ = _row_weights(target, weight, self.ignore_index, self.acc)
        arrays = _chunked(x, w, b, picked, scale, self.rows, self.acc, self.wanted,
                          grads[0]._data.astype(self.acc.np, copy=False))[1:]
        return tuple(None if a is None else wrap(a.astype(t._data.dtype, copy=False))
                     for a, t in zip(arrays, (x, w, b))) + (None,)  # the class weights get no gradient


def _row_weights(target, weight, ignore_index, acc):
    """nll_loss's coefficients of the rows in acc_dtype `acc`: their classes (0 where ignored), their weights (0 where
    ignored) and the weights' total, the denominator of a mean."""
    w = None if weight is None else weight._data.astype(acc.np, copy=False)
    picked, scale, total = _nll_coefficients(target._data, w, ignore_index)
    return picked, scale.astype(acc.np, copy=False), total


def _chunked(x, w, b, picked, scale, rows, acc, wanted, row_grads=None):
    """(the rows' weighted losses, then the gradients of x, w and b where `wanted`, None elsewhere) in acc_dtype
    `acc`, chunk by chunk, for the rows' classes `picked` and weights `scale` (_row_weights): the gradients of
    sum(loss * row_grads), or of sum(loss) without `row_grads`."""
    xa, wa = x._data, w._data.astype(acc.np, copy=False)
    ba = None if b is None else b._data.astype(acc.np, copy=False)
    xp = array_module(xa)
    n = xa.shape[0]
    losses = xp.empty(n, acc.np)
    gx = xp.empty((n, wa.shape[1]), acc.np) if wanted[0] else None
    gw = xp.zeros(wa.shape, acc.np) if wanted[1] else None
    gb = xp.zeros(wa.shape[0], acc.np) if wanted[2] else None
    for start in range(0, n, rows):
        part = slice(start, min(start + rows, n))
        xc = xa[part].astype(acc.np, copy=False)
        logits = xc @ wa.T
        if ba is not None:
            logits += ba
        top = logits.max(1, keepdims=True)
        lse = xp.log(xp.exp(logits - top).sum(1, keepdims=True)) + top
        classes, weights = picked[part], scale[part]
        index = xp.arange(len(classes))
        losses[part] = (lse[:, 0] - logits[index, classes]) * weights
        if not any(wanted):
            continue
        if row_grads is not None:
            weights = weights * row_grads[part]
        d = xp.exp(logits - lse)  # softmax, minus the one-hot target, times each row's weight
        d[index, classes] -= 1
        d *= weights[:, None]
        if gx is not None:
            gx[part] = d @ wa
        if gw is not None:
            gw += d.T @ xc
        if gb is not None:
            gb += d.sum(0)
    return losses, gx, gw, gb


def chunked_linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, linear_bias: Tensor | None,
                                 weight: Tensor | None, reduction: str, ignore_index: int,
                                 options: LinearCrossEntropyOptions) -> Tensor:
    """The loss of F.linear_cross_entropy for 2-D input, class indices and reduction 'none', 'mean' or 'sum',
    computed in chunks of rows (NOTE [ Chunked linear cross entropy ])."""
    dtype = input.dtype
    half = dtype in (_dtype.float16, _dtype.bfloat16)
    acc = options.accumulation_dtype(dtype)
    if dtype != acc and not (half and acc == _dtype.float32):
        raise RuntimeError(f"linear_cross_entropy supports float32 acc_dtype with float16/bfloat16 inputs, but got "
                           f"{acc} acc_dtype and {dtype} inputs.")
    n, in_features = input.shape
    num_classes = linear_weight.shape[0]
    rows = options.chunk_rows(n, in_features, num_classes, half)
    classes = target._data
    bad = (classes != ignore_index) & ((classes < 0) | (classes >= num_classes))
    if bad.any():
        raise RuntimeError(f"index {int(classes[bad][0])} is out of bounds for dimension 1 with size {num_classes}")
    inputs = (input, linear_weight, linear_bias, weight)
    wanted = tuple(GRAD_ENABLED[0] and t is not None and t.requires_grad for t in inputs[:3])
    with np.errstate(invalid="ignore", divide="ignore"):  # a mean over no rows is nan, as in PyTorch
        picked, scale, denominator = _row_weights(target, weight, ignore_index, acc)
        losses, *gradients = _chunked(input, linear_weight, linear_bias, picked, scale, rows, acc,
                                      wanted if reduction != "none" else (False,) * 3)
        if reduction == "none":
            loss = wrap(losses.astype(dtype.np, copy=False))
        else:
            total = losses.sum()
            if reduction == "mean":
                total = total / denominator
                gradients = [None if g is None else g / denominator for g in gradients]
            loss = wrap(array_module(losses).asarray(total, dtype.np))
    if GRAD_ENABLED[0] and any(t is not None and t.requires_grad for t in inputs):
        if reduction == "none":
            node = LinearCrossEntropyChunkedNoReductionBackward()
            node.ignore_index, node.rows, node.acc, node.wanted = ignore_index, rows, acc, wanted
            record(loss, node, inputs, (input, linear_weight, target, linear_bias, weight))
        else:
            node = LinearCrossEntropyChunkedBackward()
            node.precomputed, node.allow_retain_graph = gradients, options.allow_retain_graph
            node.dtypes = [None if t is None else t._data.dtype for t in inputs[:3]]
            record(loss, node, inputs, saves_number=True)
    return loss


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *, linear_bias: Tensor | None = None,
                         weight: Tensor | None = None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options: LinearCrossEntropyOptions | None = None) -> Tensor:
    """cross_entropy(linear(input, linear_weight, linear_bias), target, ...); linear_weight may be (C, d_1, ..., d_K,
    in_features) for a K-dimensional loss. With `options`, the batch goes through in chunks that never hold all the
    logits (NOTE [ Chunked linear cross entropy ]), where the call allows it (2-D or 1-D input, class indices, no
    label smoothing, K = 0; else a warning and the reference composition)."""
    for position, (name, t) in enumerate((("input", input), ("linear_weight", linear_weight), ("target", target)), 1):
        check_tensor("linear_cross_entropy", name, t, position)
    if not 1 <= input.dim() <= 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), got "
                           f"{in_features} and {linear_weight.shape[-1]}, respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*batch, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:  # class probabilities
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if options is not None:
        if out_features or reduction not in ("mean", "sum", "none") or label_smoothing != 0.0 or \
                target.dtype != _dtype.int64:
            warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                          "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, out_features == (). "
                          f"Got reduction={reduction!r}, label_smoothing={label_smoothing}, "
                          f"target.dtype={target.dtype}, out_features={out_features}", stacklevel=2)
        else:
            batched = input if batch else input.unsqueeze(0)
            loss = chunked_linear_cross_entropy(batched, linear_weight, target if batch else target.unsqueeze(0),
                                                linear_bias, weight, reduction, ignore_index, options)
            return loss if batch else loss.squeeze(0)
    if out_features:
        outputs = math.prod(out_features) * num_classes
        linear_weight = linear_weight.reshape(outputs, in_features)
        linear_bias = None if linear_bias is None else linear_bias.reshape(outputs)
    from .functional import linear  # lazy: nn.functional imports this module
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)
