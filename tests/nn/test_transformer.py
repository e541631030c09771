"""Transformer layers, stacks and the full model against torch."""
import warnings

import numpy as np
import pytest
from attention_parity import check_layer
from module_parity import copy_state
from parity import assert_same, check, randn, torch

import ember

pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor")

SRC, TGT = randn(5, 3, 8), randn(4, 3, 8, seed=1)
CAUSAL_5, CAUSAL_4 = np.triu(np.full((5, 5), -np.inf), 1), np.triu(np.full((4, 4), -np.inf), 1)
PADDING = np.array([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])


def encoder_layer(lib, **kw):
    return lib.nn.TransformerEncoderLayer(8, 2, 16, **{"dropout": 0.0, **kw})


def decoder_layer(lib, **kw):
    return lib.nn.TransformerDecoderLayer(8, 2, 16, **{"dropout": 0.0, **kw})


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
def test_encoder_layer(norm_first, activation):
    def make(lib):
        act = (lambda x: lib.tanh(x) * 2) if activation == "callable" else activation
        return encoder_layer(lib, norm_first=norm_first, activation=act)
    check_layer(make, [SRC])
    check_layer(make, [SRC], {"src_mask": CAUSAL_5, "src_key_padding_mask": PADDING})
    check_layer(make, [SRC[:, 0]], {"src_mask": CAUSAL_5 != 0})


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_masks(batch_first):
    src = SRC.transpose(1, 0, 2).copy() if batch_first else SRC
    make = lambda lib: encoder_layer(lib, batch_first=batch_first)  # noqa: E731
    check_layer(make, [src], {"src_key_padding_mask": PADDING})
    check_layer(make, [src], {"src_mask": CAUSAL_5, "is_causal": True})
    check_layer(make, [src], {"src_mask": CAUSAL_5 != 0, "src_key_padding_mask": PADDING, "is_causal": True})
    check_layer(make, [src], {"src_mask": randn(6, 5, 5, seed=3)})
    check_layer(lambda lib: encoder_layer(lib, batch_first=batch_first, dropout=0.3, bias=False), [src],
                {"src_key_padding_mask": PADDING}, train=False)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer(norm_first, batch_first):
    tgt, mem = (TGT, SRC) if not batch_first else (TGT.transpose(1, 0, 2).copy(), SRC.transpose(1, 0, 2).copy())
    make = lambda lib: decoder_layer(lib, norm_first=norm_first, batch_first=batch_first, activation="gelu")  # noqa
    check_layer(make, [tgt, mem])
    check_layer(make, [tgt, mem], {"tgt_mask": CAUSAL_4, "tgt_is_causal": True, "memory_key_padding_mask": PADDING,
                                   "tgt_key_padding_mask": PADDING[:, :4], "memory_mask": randn(4, 5, seed=4)})
    check_layer(make, [tgt[:, 0] if not batch_first else tgt[0], mem[:, 0] if not batch_first else mem[0]],
                {"tgt_mask": CAUSAL_4})


@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_stack(with_norm):
    def make(lib):
        return lib.nn.TransformerEncoder(encoder_layer(lib), 2, norm=lib.nn.LayerNorm(8) if with_norm else None)
    m = check_layer(make, [SRC], {"mask": CAUSAL_5, "src_key_padding_mask": PADDING})
    check_layer(make, [SRC], {"mask": CAUSAL_5})  # detected as causal (is_causal=None)
    check_layer(make, [SRC], {"mask": CAUSAL_5, "is_causal": False})
    assert list(m.state_dict())[:3] == ["layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias",
                                        "layers.0.self_attn.out_proj.weight"]
    assert m.layers[0] is not m.layers[1]


def test_encoder_eval_without_grad_zeroes_padded_positions():
    """PyTorch's nested-tensor path in inference leaves zeros at padded positions; ember's output matches."""
    src = SRC.transpose(1, 0, 2).copy()
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2).double().eval()
    e = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2).double().eval()
    copy_state(t, e)
    assert e.use_nested_tensor and t.use_nested_tensor
    with torch.no_grad(), ember.no_grad():
        t_out = t(torch.tensor(src), src_key_padding_mask=torch.tensor(PADDING))
        e_out = e(ember.tensor(src), src_key_padding_mask=ember.tensor(PADDING))
    assert_same(e_out, t_out)
    assert (e_out.numpy()[PADDING] == 0).all()


def test_encoder_nested_tensor_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(8, 2, 16), 2)
    assert any("enable_nested_tensor is True, but self.use_nested_tensor is False because encoder_layer.self_attn."
               "batch_first was not True" in str(w.message) for w in caught)


@pytest.mark.parametrize("with_norm", [False, True])
def test_decoder_stack(with_norm):
    def make(lib):
        return lib.nn.TransformerDecoder(decoder_layer(lib), 2, norm=lib.nn.LayerNorm(8) if with_norm else None)
    check_layer(make, [TGT, SRC], {"tgt_mask": CAUSAL_4, "memory_key_padding_mask": PADDING})
    check_layer(make, [TGT, SRC], {"tgt_mask": CAUSAL_4 != 0, "tgt_is_causal": False})


@pytest.mark.parametrize("kw", [{}, {"norm_first": True, "activation": "gelu"}, {"batch_first": True}])
def test_transformer(kw):
    def make(lib):
        lib.manual_seed(0)
        return lib.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, **kw)
    batch_first = kw.get("batch_first", False)
    src, tgt = (SRC.transpose(1, 0, 2).copy(), TGT.transpose(1, 0, 2).copy()) if batch_first else (SRC, TGT)
    check_layer(make, [src, tgt], {"tgt_mask": CAUSAL_4, "src_key_padding_mask": PADDING,
                                   "memory_key_padding_mask": PADDING})
    check_layer(make, [SRC[:, 0], TGT[:, 0]])


def test_transformer_init_custom_parts_and_errors():
    m = ember.nn.Transformer(16, 4, 1, 1, 32)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()  # xavier_uniform_, not Linear's default
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    enc = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(16, 4, 32), 1)
    custom = ember.nn.Transformer(16, 4, custom_encoder=enc, num_decoder_layers=1, dim_feedforward=32)
    assert custom.encoder is enc and custom.decoder.norm is not None
    for lib in (ember, torch):
        model = lib.nn.Transformer(8, 2, 1, 1, 16)
        with pytest.raises(RuntimeError, match="batch number"):
            model(lib.zeros(5, 3, 8), lib.zeros(4, 2, 8))
        with pytest.raises(RuntimeError, match="d_model"):
            model(lib.zeros(5, 3, 8), lib.zeros(4, 3, 6))
        with pytest.raises(RuntimeError, match="relu/gelu"):
            lib.nn.TransformerEncoderLayer(8, 2, activation="tanh")


@pytest.mark.parametrize("kw", [{}, {"dtype": "float64"}, {"device": "cpu"}])
def test_generate_square_subsequent_mask(kw):
    def call(lib):
        args = {k: getattr(lib, v) if k == "dtype" else v for k, v in kw.items()}
        return lib.nn.Transformer.generate_square_subsequent_mask(4, **args)
    check(call, grad=False)


def test_torch_state_dict_loads_and_gives_the_same_outputs():
    """A trained-in-PyTorch checkpoint (float32 here) loads into ember by state_dict, eval mode, dropout off."""
    torch.manual_seed(0)
    t = torch.nn.Transformer(16, 4, 2, 2, 32, batch_first=True).eval()
    e = ember.nn.Transformer(16, 4, 2, 2, 32, batch_first=True).eval()
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    src, tgt = randn(2, 7, 16, dtype=np.float32), randn(2, 5, 16, dtype=np.float32, seed=1)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    t_out = t(torch.tensor(src), torch.tensor(tgt), tgt_mask=mask)
    e_out = e(ember.tensor(src), ember.tensor(tgt), tgt_mask=ember.nn.Transformer.generate_square_subsequent_mask(5))
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
