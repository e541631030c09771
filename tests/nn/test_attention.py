"""scaled_dot_product_attention, multi_head_attention_forward and MultiheadAttention against torch."""
import math

import numpy as np
import pytest
from attention_parity import check_layer
from parity import check, randn, torch

import ember


def sdpa(**kw):
    return lambda lib, q, k, v, *mask: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, *(lib.tensor(m) if isinstance(m, np.ndarray) and m.dtype == bool else m for m in mask), **kw)


@pytest.mark.parametrize("q_shape,kv_shape,v_dim", [((2, 3, 4, 8), (2, 3, 5, 8), 8), ((2, 3, 4, 8), (2, 3, 5, 8), 6),
                                                    ((3, 4, 8), (3, 5, 8), 8), ((4, 8), (5, 8), 3),
                                                    ((2, 3, 4, 8), (1, 3, 5, 8), 8)])
def test_sdpa_shapes(q_shape, kv_shape, v_dim):
    check(sdpa(), randn(*q_shape), randn(*kv_shape, seed=1), randn(*kv_shape[:-1], v_dim, seed=2),
          check_grad_fn=False)


@pytest.mark.parametrize("kw", [{"is_causal": True}, {"scale": 0.3}, {"is_causal": True, "scale": 2.0}])
@pytest.mark.parametrize("lq,lk", [(5, 5), (4, 6), (6, 4)])
def test_sdpa_causal_and_scale(kw, lq, lk):
    check(sdpa(**kw), randn(2, 2, lq, 4), randn(2, 2, lk, 4, seed=1), randn(2, 2, lk, 3, seed=2),
          check_grad_fn=False)


@pytest.mark.parametrize("mask_shape", [(4, 5), (2, 1, 4, 5), (2, 3, 1, 5), (1, 5)])
def test_sdpa_bool_and_float_masks(mask_shape):
    q, k, v = randn(2, 3, 4, 8), randn(2, 3, 5, 8, seed=1), randn(2, 3, 5, 6, seed=2)
    keep = np.random.default_rng(4).random(mask_shape) > 0.3
    check(sdpa(), q, k, v, keep, check_grad_fn=False)
    check(sdpa(), q, k, v, randn(*mask_shape, seed=5), check_grad_fn=False)  # a float mask gets a gradient too


def test_sdpa_rows_with_every_key_masked_give_zeros():
    q, k, v = randn(2, 3, 4, 8), randn(2, 3, 5, 8, seed=1), randn(2, 3, 5, 6, seed=2)
    keep = np.ones((4, 5), bool)
    keep[1] = False
    out = check(sdpa(), q, k, v, keep, check_grad_fn=False)
    assert (out.detach().numpy()[:, :, 1] == 0).all()
    check(sdpa(), q, k, v, np.where(keep, 0.0, -np.inf), check_grad_fn=False)
    check(sdpa(is_causal=True), randn(1, 2, 3, 4), randn(1, 2, 0, 4), randn(1, 2, 0, 4), check_grad_fn=False)


@pytest.mark.parametrize("mask", ["bool", "float"])
@pytest.mark.parametrize("lq,lk", [(5, 5), (4, 6)])
def test_sdpa_causal_together_with_a_mask(mask, lq, lk):
    """PyTorch 2.13's fused CPU kernel (4-D inputs, no dropout) applies both; its math path raises."""
    q, k, v = randn(2, 3, lq, 8), randn(2, 3, lk, 8, seed=1), randn(2, 3, lk, 8, seed=2)
    m = np.random.default_rng(4).random((lq, lk)) > 0.3 if mask == "bool" else randn(lq, lk, seed=5)
    if mask == "bool":
        check(sdpa(is_causal=True), q, k, v, m, check_grad_fn=False)
    else:  # a mask requiring grad takes the math path
        check(lambda lib, q, k, v, m: sdpa(is_causal=True)(lib, q, k, v, m.detach()), q, k, v, m, check_grad_fn=False)
    check(sdpa(is_causal=True), q, k, v, m, grad=False)
    check(sdpa(is_causal=True), q, k, v[..., :6], m, grad=False)  # another head size for value: the math path


def test_sdpa_grouped_query_attention():
    check(sdpa(enable_gqa=True), randn(2, 6, 4, 8), randn(2, 2, 5, 8, seed=1), randn(2, 2, 5, 8, seed=2),
          check_grad_fn=False)
    check(sdpa(enable_gqa=True), randn(2, 6, 4, 8), randn(2, 4, 5, 8, seed=1), randn(2, 4, 5, 8, seed=2),
          check_grad_fn=False)


@pytest.mark.parametrize("case", ["dtype", "causal_and_mask", "causal_mask_and_dropout", "int_mask", "one_dim",
                                  "dropout_p", "head_dim"])
def test_sdpa_errors(case):
    q, k, v = randn(2, 4, 8), randn(2, 5, 8, seed=1), randn(2, 5, 8, seed=2)
    calls = {
        "dtype": lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k.float(), v),
        "causal_and_mask": lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
            q, k, v, lib.ones(4, 5, dtype=lib.bool), is_causal=True),
        "causal_mask_and_dropout": lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
            q[None], k[None], v[None], lib.ones(4, 5, dtype=lib.bool), is_causal=True, dropout_p=0.5),
        "int_mask": lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
            q, k, v, lib.ones(4, 5, dtype=lib.int64)),
        "one_dim": lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q[0, 0], k[0], v[0]),
        "dropout_p": lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=1.5),
        "head_dim": lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k[..., :7], v),
    }
    check(calls[case], q, k, v, grad=False)


def test_sdpa_dropout():
    """p=0 matches torch exactly; p=0.5 zeroes about half the weights and doubles the rest (value = identity
    makes the output the weights)."""
    q, k = randn(4, 8, 16, 8), randn(4, 8, 16, 8, seed=1)
    check(sdpa(dropout_p=0.0), q, k, randn(4, 8, 16, 8, seed=2), check_grad_fn=False)
    eq, ek, eye = ember.tensor(q), ember.tensor(k), ember.eye(16, dtype=ember.float64)
    weights = ember.nn.functional.scaled_dot_product_attention(eq, ek, eye).numpy()
    ember.manual_seed(0)
    dropped = ember.nn.functional.scaled_dot_product_attention(eq, ek, eye, dropout_p=0.5).numpy()
    zero = dropped == 0
    assert 0.45 < zero.mean() < 0.55
    np.testing.assert_allclose(dropped[~zero], 2 * weights[~zero], rtol=1e-12)


# ---- MultiheadAttention ------------------------------------------------------------------------------------------
def mha(*args, **kw):
    return lambda lib: lib.nn.MultiheadAttention(*args, **kw)


X, Y, Z = randn(5, 3, 8), randn(6, 3, 8, seed=1), randn(6, 3, 8, seed=2)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(train, need_weights, average):
    check_layer(mha(8, 2), [X, X, X], {"need_weights": need_weights, "average_attn_weights": average},
                train=train, same=(0, 1, 2))


@pytest.mark.parametrize("kw", [{}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
                                {"add_bias_kv": True, "add_zero_attn": True, "bias": False}])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_options(kw, need_weights):
    check_layer(mha(8, 2, **kw), [X, Y, Y], {"need_weights": need_weights}, same=(1, 2))  # encoder-decoder
    check_layer(mha(8, 4, **kw), [X, Y, Z], {"need_weights": need_weights})


def test_mha_kdim_vdim():
    check_layer(mha(8, 2, kdim=3, vdim=5), [X, randn(6, 3, 3), randn(6, 3, 5)])
    check_layer(mha(8, 2, kdim=3, vdim=5, add_bias_kv=True), [X, randn(6, 3, 3), randn(6, 3, 5)],
                {"need_weights": False})


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_batch_first_and_unbatched(need_weights):
    xb = randn(3, 5, 8)
    check_layer(mha(8, 2, batch_first=True), [xb, xb, xb], {"need_weights": need_weights}, same=(0, 1, 2))
    check_layer(mha(8, 2, batch_first=True), [xb, randn(3, 6, 8), randn(3, 6, 8, seed=1)],
                {"need_weights": need_weights})
    check_layer(mha(8, 2), [X[:, 0], Y[:, 0], Z[:, 0]], {"need_weights": need_weights})
    check_layer(mha(8, 2, batch_first=True), [X[:, 0], Y[:, 0], Y[:, 0]], {"need_weights": need_weights}, same=(1, 2))


def _masks(kind, shape):
    keep = np.random.default_rng(7).random(shape) > 0.3
    return keep if kind == "bool" else np.where(keep, 0.0, -np.inf) + randn(*shape, seed=8)


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks(kind, need_weights):
    kw = {"need_weights": need_weights}
    check_layer(mha(8, 2), [X, Y, Z], {**kw, "key_padding_mask": _masks(kind, (3, 6))})
    check_layer(mha(8, 2), [X, Y, Z], {**kw, "attn_mask": _masks(kind, (5, 6))})
    check_layer(mha(8, 2), [X, Y, Z], {**kw, "attn_mask": _masks(kind, (6, 5, 6))})
    check_layer(mha(8, 2, add_bias_kv=True, add_zero_attn=True), [X, Y, Z],
                {**kw, "attn_mask": _masks(kind, (5, 6)), "key_padding_mask": _masks(kind, (3, 6))})
    check_layer(mha(8, 2), [X[:, 0], Y[:, 0], Z[:, 0]],
                {**kw, "attn_mask": _masks(kind, (2, 5, 6)), "key_padding_mask": _masks(kind, (6,))})
    xb = randn(3, 5, 8)
    check_layer(mha(8, 2, batch_first=True), [xb, xb, xb],
                {**kw, "attn_mask": _masks(kind, (5, 5)), "key_padding_mask": _masks(kind, (3, 5))}, same=(0, 1, 2))


def test_mha_causal():
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    for need_weights in (True, False):
        check_layer(mha(8, 2), [X, X, X], {"attn_mask": causal, "is_causal": True, "need_weights": need_weights},
                    same=(0, 1, 2))
        check_layer(mha(8, 2), [X, X, X], {"attn_mask": causal, "is_causal": True, "need_weights": need_weights,
                                           "key_padding_mask": _masks("bool", (3, 5))}, same=(0, 1, 2))


def test_mha_dropout():
    """Eval mode ignores dropout; in training ember's weights are zero or scaled by 1/(1-p), as torch's are."""
    check_layer(mha(8, 2, dropout=0.5), [X, Y, Z], train=False)
    m = ember.nn.MultiheadAttention(8, 2, dropout=0.5).double()
    ember.manual_seed(0)
    _, w = m(ember.tensor(X), ember.tensor(Y), ember.tensor(Z), average_attn_weights=False)
    w = w.detach().numpy()
    assert 0.4 < (w == 0).mean() < 0.6
    m.eval()
    _, w_eval = m(ember.tensor(X), ember.tensor(Y), ember.tensor(Z), average_attn_weights=False)
    np.testing.assert_allclose(w[w != 0], 2 * w_eval.detach().numpy()[w != 0], rtol=1e-5)


def test_mha_parameters_init_and_repr():
    for kw in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        e, t = ember.nn.MultiheadAttention(16, 4, **kw), torch.nn.MultiheadAttention(16, 4, **kw)
        assert repr(e) == repr(t)
        assert [(k, tuple(p.shape)) for k, p in e.named_parameters()] == \
            [(k, tuple(p.shape)) for k, p in t.named_parameters()]
    e = ember.nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ of the (3E, E) in_proj_weight
    w = e.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert (e.in_proj_bias.detach().numpy() == 0).all() and (e.out_proj.bias.detach().numpy() == 0).all()
    assert type(e.out_proj).__name__ == "NonDynamicallyQuantizableLinear" and isinstance(e.out_proj, ember.nn.Linear)
    assert e.bias_k is None and e.head_dim == 16 and e._qkv_same_embed_dim


@pytest.mark.parametrize("case", ["divisible", "negative", "mask_2d", "mask_3d", "padding", "query_4d", "causal",
                                  "key_dim", "embed"])
def test_mha_errors(case):
    def call(lib, x, y):
        if case == "divisible":
            return lib.nn.MultiheadAttention(8, 3)
        if case == "negative":
            return lib.nn.MultiheadAttention(0, 2)
        m = lib.nn.MultiheadAttention(8, 2).double()
        kw = {"mask_2d": {"attn_mask": lib.zeros(5, 5, dtype=lib.bool)},
              "mask_3d": {"attn_mask": lib.zeros(4, 5, 6, dtype=lib.bool)},
              "padding": {"key_padding_mask": lib.zeros(3, 5, dtype=lib.bool)},
              "causal": {"is_causal": True}}.get(case, {})
        if case == "query_4d":
            return m(x.unsqueeze(0), y, y)
        if case == "key_dim":
            return m(x, y[..., :4], y[..., :4])
        if case == "embed":
            return m(x[..., :4], y[..., :4], y[..., :4])
        return m(x, y, y, **kw)
    check(call, X, Y, grad=False)


def test_functional_multi_head_attention_forward_with_static_kv():
    rng = np.random.default_rng(0)
    w_in, b_in, w_out, b_out = randn(24, 8), randn(24), randn(8, 8, seed=1), randn(8, seed=1)
    static_k, static_v = randn(6, 6, 4, seed=2), randn(6, 6, 4, seed=3)
    keep = rng.random((3, 6)) > 0.2

    def call(lib, x, y, w_in, b_in, w_out, b_out, sk, sv):
        return lib.nn.functional.multi_head_attention_forward(
            x, y, y, 8, 2, w_in, b_in, None, None, False, 0.0, w_out, b_out, key_padding_mask=lib.tensor(keep),
            static_k=sk, static_v=sv)
    check(call, X, Y, w_in, b_in, w_out, b_out, static_k, static_v)
