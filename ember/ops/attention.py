"""Scaled dot-product attention, composed of batched matmul, masking, softmax and dropout, so its gradient
comes from theirs."""
import math

import numpy as np

from .._dtype import scalar_type_name
from ..backend import array_module
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, not_tensor_error, tensor_type_error, wrap
from .dropout import dropout
from .elementwise import masked_fill, softmax
from .linalg import matmul
from .rearrange import repeat_interleave

__all__ = ["scaled_dot_product_attention"]


def _check_inputs(query, key, value, attn_mask, dropout_p, is_causal):
    """PyTorch's argument checks, with its exception types (RuntimeError, TypeError for an argument that is not a
    Tensor)."""
    try:
        q, k, v = query._data, key._data, value._data
    except AttributeError:
        raise not_tensor_error("scaled_dot_product_attention", ("query", query), ("key", key),
                               ("value", value)) from None
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be at least 2 dimensional, but got query.dim: "
                           f"{q.ndim} key.dim: {k.ndim} and value.dim: {v.ndim} instead.")
    if not q.dtype == k.dtype == v.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{scalar_type_name(q.dtype)} key.dtype: {scalar_type_name(k.dtype)} and value.dtype: "
                           f"{scalar_type_name(v.dtype)} instead.")
    if q.dtype.kind not in "fV":
        raise RuntimeError(f"expected a floating point query, key and value, but got {scalar_type_name(q.dtype)}")
    if attn_mask is not None:
        try:
            m = attn_mask._data
        except AttributeError:
            raise tensor_type_error("scaled_dot_product_attention", "attn_mask", attn_mask, 4) from None
        if m.dtype != np.bool_ and m.dtype != q.dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {scalar_type_name(m.dtype)} and query.dtype: "
                               f"{scalar_type_name(q.dtype)} instead.")
        if is_causal and (attn_mask.requires_grad or not _fused_kernel_applies(q, k, v, m, dropout_p)):
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _fused_kernel_applies(q, k, v, m, dropout_p) -> bool:
    """Whether PyTorch's fused CPU attention kernel takes these arrays (its math path takes the rest, and only the
    fused one takes a mask together with is_causal): 4-D inputs of one head size, unit last strides and nonzero
    lengths, a 2-D or 4-D mask (not requiring grad), no dropout."""
    return (q.ndim == k.ndim == v.ndim == 4 and dropout_p == 0 and q.shape[-1] == k.shape[-1] == v.shape[-1]
            and m.ndim in (2, 4) and all(a.shape[-2] and a.strides[-1] == a.itemsize for a in (q, k, v)))


def _repeat_heads(query, key, value):
    """enable_gqa: repeat each key/value head so that key and value have as many heads as query."""
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hk != hv or hq % hk:
        raise RuntimeError(f"Number of heads in key and value must divide the number of heads in query, and key and "
                           f"value must have as many heads: got {hq} query, {hk} key and {hv} value heads")
    if hq == hk:
        return key, value
    return repeat_interleave(key, hq // hk, dim=-3), repeat_interleave(value, hq // hk, dim=-3)


def _fully_masked_rows(scores):
    """Rows of `scores` that are -inf throughout (every key masked), as a bool array, or None if there are none."""
    a = scores._data
    rows = array_module(a).isneginf(a).all(axis=-1, keepdims=True)
    return rows if rows.any() else None


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, with batch dims broadcast.

    `attn_mask` is bool (True: may attend) or of query's dtype (added to the scores); `is_causal` masks
    key j > query i (top-left aligned), also together with `attn_mask` for 4-D inputs without dropout, as PyTorch
    2.13's fused CPU kernel does (its other path raises). Rows
    whose keys are all masked give zeros and no gradient, as PyTorch's CPU kernels do. Half precision computes in
    float32 and rounds the output once (PyTorch's kernel also rounds the unnormalized weights before the product
    with value: results may differ in the last bit).
    """
    if "scaled_dot_product_attention" in AUTOCAST_OPS[0]:
        return autocast_call("scaled_dot_product_attention", scaled_dot_product_attention, query, key, value, attn_mask,
                             dropout_p, is_causal, scale, enable_gqa)
    _check_inputs(query, key, value, attn_mask, dropout_p, is_causal)
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        key, value = _repeat_heads(query, key, value)
    dt = query.dtype
    if query._data.dtype.itemsize == 2:
        query, key, value = query.float(), key.float(), value.float()
        if attn_mask is not None and attn_mask.is_floating_point():
            attn_mask = attn_mask.float()
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(query * scale, key.transpose(-2, -1))
    if is_causal:
        n_q, n_k = scores.shape[-2], scores.shape[-1]
        scores = masked_fill(scores, wrap(~array_module(scores._data).tri(n_q, n_k, dtype=bool)), float("-inf"))
    if attn_mask is not None:
        m = attn_mask._data
        scores = masked_fill(scores, wrap(~m), float("-inf")) if m.dtype == np.bool_ else scores + attn_mask
    empty = _fully_masked_rows(scores) if is_causal or attn_mask is not None else None
    if empty is not None:
        scores = masked_fill(scores, wrap(empty), 0.0)
    attn = softmax(scores, -1)
    if empty is not None:
        attn = masked_fill(attn, wrap(empty), 0.0)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    out = matmul(attn, value)
    return out if out.dtype == dt else out.to(dt)
