"""multi_head_attention_forward, PyTorch's functional multi-head attention (exported by nn.functional)."""
import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..backend import array_module
from ..ops.attention import scaled_dot_product_attention
from ..ops.base import wrap
from ..ops.dropout import dropout
from ..ops.elementwise import softmax
from ..ops.linalg import baddbmm, bmm
from ..ops.padding import pad
from ..ops.shape import cat
from .functional import linear


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched (3-D query) or not (2-D); AssertionError for other shapes, as in PyTorch."""
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                             f"query tensor")
    batched = query.dim() == 3
    word = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {word} `query`, expected `key` and `value` to be {query.dim()}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise AssertionError(f"For {word} `query`, expected `key_padding_mask` to be `None` or "
                             f"{query.dim() - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {word} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
    return batched


def canonical_mask(mask: Tensor | None, name: str, other: Tensor | None, other_name: str, dtype) -> Tensor | None:
    """A bool mask as an additive float mask of `dtype` (-inf where True); a float mask as it is.

    Warns, as PyTorch does, when `other` (the second mask given with it) has another dtype."""
    if mask is None:
        return None
    m = mask._data
    if m.dtype != np.bool_ and m.dtype.kind not in "fV":
        raise AssertionError(f"only bool and floating types of {name} are supported, but got {mask.dtype}")
    if other is not None and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", stacklevel=3)
    if m.dtype.kind in "fV":
        return mask
    return wrap(array_module(m).where(m, -np.inf, 0.0).astype(dtype.np))


def _project(query, key, value, w, b, separate):
    """The q, k, v projections: one product for self-attention with packed weights `w`, two for
    encoder-decoder attention (key is value), else one per input (`separate`: the three weights)."""
    if separate is None and query is key and key is value:
        return linear(query, w, b).chunk(3, -1)
    biases = (None,) * 3 if b is None else b.chunk(3)
    if separate is None and key is value:
        e = query.shape[-1]
        k, v = linear(key, w[e:], None if b is None else b[e:]).chunk(2, -1)
        return linear(query, w[:e], biases[0]), k, v
    weights = w.chunk(3) if separate is None else separate
    return tuple(linear(x, wp, bp) for x, wp, bp in zip((query, key, value), weights, biases))


def _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads):
    """attn_mask as a 3-D mask broadcastable to (bsz * num_heads, tgt_len, src_len); RuntimeError on a bad shape."""
    shape = tuple(attn_mask.shape)
    if attn_mask.dim() == 2:
        if shape != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                               f"{(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if shape != (bsz * num_heads, tgt_len, src_len):
        raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                           f"{(bsz * num_heads, tgt_len, src_len)}.")
    return attn_mask


def _heads(x, static, name, bsz, num_heads, head_dim):
    """(seq, bsz, embed) -> (bsz * num_heads, seq, head_dim), or the given static tensor after its checks."""
    if static is None:
        return x.reshape(x.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.shape[0] != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got {static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    return static


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None, bias_v: Tensor | None,
        add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
        training: bool = True, key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
        k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of (L, N, E) query over (S, N, E) key/value (unbatched: (L, E), (S, E)).

    Returns the attention output and, with need_weights, the attention weights (averaged over the heads
    with average_attn_weights). Masks are bool (True: masked out) or additive floats."""
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
        is_causal = is_causal and key_padding_mask is None
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
        for name, w in (("q_proj_weight", q_proj_weight), ("k_proj_weight", k_proj_weight),
                        ("v_proj_weight", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name} is None")
        q, k, v = _project(query, key, value, None, in_proj_bias, (q_proj_weight, k_proj_weight, v_proj_weight))
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, None)
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, tgt_len, key.shape[0], bsz, num_heads)

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    elif bias_k is not None or bias_v is not None:
        raise AssertionError(f"{'bias_k' if bias_k is not None else 'bias_v'} is set but "
                             f"{'bias_v' if bias_k is not None else 'bias_k'} is None")

    q = _heads(q, None, "", bsz, num_heads, head_dim)
    k = _heads(k, static_k, "static_k", bsz, num_heads, head_dim)
    v = _heads(v, static_v, "static_v", bsz, num_heads, head_dim)
    if add_zero_attn:
        k, v = cat([k, k.new_zeros((bsz * num_heads, 1, head_dim))], 1), cat([v, v.new_zeros((bsz * num_heads, 1,
                                                                                             head_dim))], 1)
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]

    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            dim, want = (0, bsz) if key_padding_mask.shape[0] != bsz else (1, src_len)
            raise AssertionError(f"Expected key_padded_mask.shape[{dim}] to be {want}, but got "
                                 f"{key_padding_mask.shape[dim]}")
        heads_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        heads_mask = heads_mask.reshape(bsz * num_heads, 1, src_len)
        attn_mask = heads_mask if attn_mask is None else attn_mask + heads_mask
    if not training:
        dropout_p = 0.0

    if need_weights:
        scores = q * math.sqrt(1.0 / head_dim)
        kt = k.transpose(-2, -1)
        weights = softmax(bmm(scores, kt) if attn_mask is None else baddbmm(attn_mask, scores, kt), -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                     else attn_mask.view(bsz, num_heads, -1, src_len))
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    return (out if batched else out.squeeze(1)), None
