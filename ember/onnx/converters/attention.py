"""Attention as ONNX nodes: scaled dot-product attention as MatMul and Softmax, and the pieces multi-head attention
(and so the Transformer layers) is built from: the masks made additive.

nn.MultiheadAttention and the Transformer modules have no converter of their own: the export descends into them
and records the ember calls they make.
"""
from __future__ import annotations

import math

import numpy as np

from ...nn import _attention
from .._registry import converts
from ._helpers import dtype_of, reduce, unsqueeze


@converts(_attention.canonical_mask)
def canonical_mask(g, out, mask, name, other, other_name, dtype):
    """A bool mask (True: masked out) as an additive float mask, -inf where True; a float mask as it is."""
    if mask is None:
        return ()
    if dtype_of(mask) != np.bool_:
        return g.value(mask)
    dt = dtype_of(out)
    return g.op("Where", g.value(mask), g.value(-math.inf, dt), g.value(0.0, dt))


def _repeat_heads(g, x: str, tensor, heads: int) -> str:
    """enable_gqa: each head of `tensor` (..., H, S, D) repeated to `heads` heads, as repeat_interleave does."""
    *lead, h, s, d = tensor.shape
    tiled = g.op("Expand", unsqueeze(g, x, [tensor.ndim - 2]), g.ints(lead + [h, heads // h, s, d]))
    return g.op("Reshape", tiled, g.ints(lead + [heads, s, d]))


def _causal_mask(g, n_q, n_k) -> str:
    """The bool mask of key j <= query i, (n_q, n_k); built with Range where a length is a traced size."""
    if not hasattr(n_q, "onnx_name") and not hasattr(n_k, "onnx_name"):
        return g.constant(np.tri(n_q, n_k, dtype=np.bool_))
    rows = g.op("Range", g.value(0), g.value(n_q), g.value(1))
    columns = g.op("Range", g.value(0), g.value(n_k), g.value(1))
    return g.op("LessOrEqual", unsqueeze(g, columns, [0]), unsqueeze(g, rows, [1]))


def _masked(g, scores: str, attn_mask, is_causal: bool, query, key, dt) -> str:
    """The scores with the mask applied: a bool mask (True: may attend) or a float mask added."""
    if is_causal:
        return g.op("Where", _causal_mask(g, query.shape[-2], key.shape[-2]), scores, g.value(-math.inf, dt))
    if dtype_of(attn_mask) == np.bool_:
        return g.op("Where", g.value(attn_mask), scores, g.value(-math.inf, dt))
    return g.op("Add", scores, g.value(attn_mask, dt))


@converts("scaled_dot_product_attention")
def scaled_dot_product_attention(g, out, query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value; rows whose keys are all masked give zeros, as in ember."""
    if dropout_p > 0.0:
        raise g.unsupported("scaled_dot_product_attention with dropout_p > 0 samples a dropout mask; pass "
                            "dropout_p=0.0 for inference")
    dt = dtype_of(out)
    q, k, v = g.value(query, dt), g.value(key, dt), g.value(value, dt)
    if enable_gqa and min(query.ndim, key.ndim) >= 3 and query.shape[-3] != key.shape[-3]:
        k = _repeat_heads(g, k, key, query.shape[-3])
        v = _repeat_heads(g, v, value, query.shape[-3])
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    kt = g.op("Transpose", k, perm=list(range(key.ndim - 2)) + [key.ndim - 1, key.ndim - 2])
    scores = g.op("MatMul", g.op("Mul", q, g.value(float(scale), dt)), kt)
    if attn_mask is None and not is_causal:
        return g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
    scores = _masked(g, scores, attn_mask, is_causal, query, key, dt)
    if is_causal:  # the causal mask leaves every query at least key 0
        return g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
    empty = g.op("IsInf", reduce(g, "ReduceMax", scores, [-1], True), detect_positive=0)
    zero = g.value(0.0, dt)
    weights = g.op("Softmax", g.op("Where", empty, zero, scores), axis=-1)
    return g.op("MatMul", g.op("Where", empty, zero, weights), v)
