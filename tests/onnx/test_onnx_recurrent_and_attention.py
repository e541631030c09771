"""Export of the recurrent layers (ONNX LSTM, GRU and RNN nodes) and of attention and the Transformer layers
(recorded through the ops they are built from): ONNX Runtime against ember, and against PyTorch's export."""
import numpy as np
import pytest
from onnx_check import call, check_against_torch, check_export, check_model_file, export_bytes, outputs_of, run

import ember
from ember import nn

onnx = pytest.importorskip("onnx")

B, T, F, H, E = 2, 3, 4, 5, 8  # batch, sequence, input features, hidden size, attention embedding


@pytest.fixture(autouse=True)
def seed():
    ember.manual_seed(0)


def randn(*shape):
    return ember.randn(*shape)


class States(nn.Module):
    """A recurrent layer called with its initial states as model inputs."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, h, c=None):
        return self.rnn(x, h if c is None else (h, c))


def node_types(proto) -> set:
    return {node.op_type for node in proto.graph.node}


# ---- recurrent layers -------------------------------------------------------------------------------
RECURRENT = {"lstm": (nn.LSTM, {}), "gru": (nn.GRU, {}), "rnn_tanh": (nn.RNN, {}),
             "rnn_relu": (nn.RNN, {"nonlinearity": "relu"})}
OPTIONS = {"default": {}, "batch_first": {"batch_first": True}, "no_bias": {"bias": False},
           "stacked_bidirectional": {"num_layers": 2, "bidirectional": True, "dropout": 0.5}}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("kind", RECURRENT.values(), ids=RECURRENT.keys())
def test_recurrent_layer(kind, options):
    cls, fixed = kind
    proto = check_export(cls(F, H, **fixed, **options), randn(B, T, F) if options.get("batch_first") else
                         randn(T, B, F))
    assert node_types(proto) & {"LSTM", "GRU", "RNN"}


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_recurrent_unbatched(cls):
    check_export(cls(F, H, num_layers=2), randn(T, F))


@pytest.mark.parametrize("lstm", [True, False], ids=["lstm", "gru"])
def test_recurrent_given_states(lstm):
    cls, states = (nn.LSTM, 2) if lstm else (nn.GRU, 1)
    model = States(cls(F, H, num_layers=2, bidirectional=True))
    check_export(model, randn(T, B, F), *[randn(4, B, H) for _ in range(states)])


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_recurrent_weights_as_inputs(cls):
    """export_params=False: the weights are graph inputs, reordered into ONNX's gate order by nodes."""
    model = cls(F, H, bidirectional=True).eval()
    x = randn(T, B, F)
    data = export_bytes(model, [x], export_params=False)
    check_model_file(data)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    feed = [x.numpy()] + list(state.values())
    with ember.no_grad():
        expected = outputs_of(model(x))
    for got, want in zip(run(data, feed), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_recurrent_without_constant_folding():
    check_export(nn.GRU(F, H, num_layers=2), randn(T, B, F), do_constant_folding=False)


@pytest.mark.parametrize("opset", [13, 17])
def test_recurrent_older_opsets(opset):
    check_export(nn.LSTM(F, H, bidirectional=True), randn(T, B, F), opset_version=opset)


def test_lstm_dynamic_batch_and_sequence():
    check_export(nn.LSTM(F, H, num_layers=2, bidirectional=True), randn(T, B, F), input_names=["x"],
                 dynamic_axes={"x": {0: "sequence", 1: "batch"}}, resized=[(randn(6, 1, F),), (randn(1, 4, F),)])


def test_lstm_dynamic_axes_with_given_states():
    axes = {"x": {0: "sequence", 1: "batch"}, "h": {1: "batch"}, "c": {1: "batch"}}
    check_export(States(nn.LSTM(F, H)), randn(T, B, F), randn(1, B, H), randn(1, B, H), input_names=["x", "h", "c"],
                 dynamic_axes=axes, resized=[(randn(5, 3, F), randn(1, 3, H), randn(1, 3, H))])


class Packed(nn.Module):
    """An LSTM run on a padded batch packed with the given lengths."""

    def __init__(self, lengths):
        super().__init__()
        self.rnn, self.lengths = nn.LSTM(F, H), lengths

    def forward(self, x):
        out, (h, c) = self.rnn(nn.utils.rnn.pack_padded_sequence(x, self.lengths))
        return out.data, h, c


def test_packed_sequences_of_one_length():
    check_export(Packed([T] * B), randn(T, B, F))


def test_packed_sequences_of_unequal_lengths_are_unsupported():
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="packed sequence with unequal lengths"):
        export_bytes(Packed([T, T - 1]).eval(), [randn(T, B, F)])


def test_lstm_projection_is_unsupported():
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="proj_size"):
        export_bytes(nn.LSTM(F, H, proj_size=2).eval(), [randn(T, B, F)])


def test_lstm_against_torch():
    x = np.random.default_rng(0).standard_normal((T, B, F)).astype(np.float32)
    check_against_torch(lambda lib: lib.nn.LSTM(F, H, num_layers=2, bidirectional=True), x)


def test_gru_against_torch():
    x = np.random.default_rng(0).standard_normal((B, T, F)).astype(np.float32)
    check_against_torch(lambda lib: lib.nn.GRU(F, H, batch_first=True), x)


# ---- attention ----------------------------------------------------------------------------------------
def padding_masks(count=2, length=T):
    """Key padding masks (True: padding) with different positions, to run one export on several masks."""
    rng = np.random.default_rng(1)
    masks = rng.random((count, B, length)) < 0.4
    masks[:, :, 0] = False  # every query keeps a key
    return [ember.from_numpy(m) for m in masks]


def attention_masks(dtype, count=2, length=T):
    rng = np.random.default_rng(2)
    masks = [rng.random((length, length)) < 0.4 for _ in range(count)]
    for m in masks:
        m[:, 0] = False
    if dtype == "bool":
        return [ember.from_numpy(m) for m in masks]
    return [ember.from_numpy(np.where(m, -1e4, 0.0).astype(np.float32)) for m in masks]


class SelfAttention(nn.Module):
    """nn.MultiheadAttention on x as query, key and value, with masks as model inputs."""

    def __init__(self, need_weights=True, average=True, **kwargs):
        super().__init__()
        self.attn = nn.MultiheadAttention(E, 2, dropout=0.1, **kwargs)
        self.need_weights, self.average = need_weights, average

    def forward(self, x, key_padding_mask=None, attn_mask=None):
        out, weights = self.attn(x, x, x, key_padding_mask=key_padding_mask, attn_mask=attn_mask,
                                 need_weights=self.need_weights, average_attn_weights=self.average)
        return out if weights is None else (out, weights)


WEIGHTS = {"weights": {}, "per_head_weights": {"average": False}, "no_weights": {"need_weights": False}}


@pytest.mark.parametrize("mask_dtype", ["bool", "float"])
@pytest.mark.parametrize("options", WEIGHTS.values(), ids=WEIGHTS.keys())
def test_multihead_attention_masks(options, mask_dtype):
    """Both masks are graph inputs: the export at one pair of masks is right for another."""
    x = randn(T, B, E)
    (kpm, other_kpm), (mask, other_mask) = padding_masks(), attention_masks(mask_dtype)
    if mask_dtype == "float":
        kpm, other_kpm = (m.float() * -1e4 for m in (kpm, other_kpm))
    check_export(SelfAttention(**options), x, kpm, mask, resized=[(randn(T, B, E), other_kpm, other_mask)])


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_key_padding_mask_only(need_weights):
    kpm, other = padding_masks()
    check_export(SelfAttention(need_weights), randn(T, B, E), kpm, resized=[(randn(T, B, E), other)])


@pytest.mark.parametrize("options", [{"batch_first": True}, {"bias": False}, {"add_bias_kv": True},
                                     {"add_zero_attn": True}], ids=["batch_first", "no_bias", "bias_kv", "zero_attn"])
def test_multihead_attention_options(options):
    check_export(SelfAttention(**options), randn(B, T, E) if options.get("batch_first") else randn(T, B, E))


class CrossAttention(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.attn = nn.MultiheadAttention(E, 2, **kwargs)

    def forward(self, query, key, value):
        return self.attn(query, key, value)


@pytest.mark.parametrize("options", [{}, {"kdim": 6, "vdim": 3}], ids=["packed", "separate_weights"])
def test_multihead_cross_attention(options):
    s = T + 1
    check_export(CrossAttention(**options), randn(T, B, E), randn(s, B, options.get("kdim", E)),
                 randn(s, B, options.get("vdim", E)))


def test_multihead_attention_unbatched():
    check_export(SelfAttention(), randn(T, E), padding_masks()[0][0])


class Attend(nn.Module):
    """F.scaled_dot_product_attention with fixed keyword options."""

    def __init__(self, **options):
        super().__init__()
        self.options = options

    def forward(self, q, k, v, mask=None):
        return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, **self.options)


def test_sdpa():
    check_export(Attend(), randn(B, 2, T, 4), randn(B, 2, T + 1, 4), randn(B, 2, T + 1, 3))


@pytest.mark.parametrize("mask_dtype", ["bool", "float"])
def test_sdpa_masks(mask_dtype):
    masks = attention_masks(mask_dtype)
    if mask_dtype == "bool":  # True: may attend; the second mask has a fully masked row, which gives zeros
        masks = [~m for m in masks]
        masks[1][1] = False
    q = randn(B, 2, T, 4)
    check_export(Attend(), q, q, q, masks[0], resized=[(q, q, q, masks[1])])


@pytest.mark.parametrize("options", [{"is_causal": True}, {"scale": 0.3}, {"is_causal": True, "scale": 2.0}],
                         ids=["causal", "scale", "causal_scale"])
def test_sdpa_options(options):
    check_export(Attend(**options), randn(B, T, 4), randn(B, T + 2, 4), randn(B, T + 2, 4))


def test_sdpa_causal_dynamic_sequence():
    q = randn(B, T, 4)
    axes = {name: {1: "sequence"} for name in ("q", "k", "v")}
    check_export(Attend(is_causal=True), q, q, q, input_names=["q", "k", "v"], dynamic_axes=axes,
                 resized=[(randn(B, 5, 4),) * 3])


def test_sdpa_grouped_query_attention():
    check_export(Attend(enable_gqa=True), randn(B, 4, T, 4), randn(B, 2, T, 4), randn(B, 2, T, 4))


@pytest.mark.parametrize("opset", [13, 17])
def test_attention_older_opsets(opset):
    q = randn(B, 2, T, 4)
    check_export(Attend(), q, q, q, ~attention_masks("bool")[0], opset_version=opset)
    check_export(SelfAttention(), randn(T, B, E), padding_masks()[0], opset_version=opset)


def test_sdpa_dropout_is_unsupported():
    q = randn(B, T, 4)
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="dropout_p"):
        export_bytes(Attend(dropout_p=0.5), [q, q, q])


@pytest.mark.parametrize("alpha, beta", [(1, 1), (0.5, 2.0), (1, 0)])
def test_baddbmm(alpha, beta):
    check_export(call(lambda c, a, b: ember.baddbmm(c, a, b, alpha=alpha, beta=beta)), randn(1, 3, 4),
                 randn(2, 3, 5), randn(2, 5, 4))


@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_triu_tril(diagonal):
    check_export(call(lambda x: (x.triu(diagonal), ember.tril(x, diagonal))), randn(2, 4, 5))


# ---- Transformer ----------------------------------------------------------------------------------------
def encoder_layer(lib, **options):
    return lib.nn.TransformerEncoderLayer(E, 2, 16, **options)


LAYER_OPTIONS = {"relu": {}, "gelu": {"activation": "gelu"}, "norm_first": {"norm_first": True},
                 "batch_first": {"batch_first": True}}


@pytest.mark.parametrize("options", LAYER_OPTIONS.values(), ids=LAYER_OPTIONS.keys())
def test_encoder_layer(options):
    x = randn(B, T, E) if options.get("batch_first") else randn(T, B, E)
    check_export(encoder_layer(ember, **options), x)


def test_encoder_layer_masks():
    (kpm, other_kpm), (mask, other_mask) = padding_masks(), attention_masks("bool")
    check_export(encoder_layer(ember), randn(T, B, E), mask, kpm, resized=[(randn(T, B, E), other_mask, other_kpm)])


def test_encoder_layer_dynamic_axes():
    check_export(encoder_layer(ember, batch_first=True), randn(B, T, E), input_names=["src"],
                 dynamic_axes={"src": {0: "batch", 1: "sequence"}, "output": {0: "batch", 1: "sequence"}},
                 resized=[(randn(3, 5, E),), (randn(1, 2, E),)])


def masked_encoder_layer(lib, **options):
    """An encoder layer called with a mask and is_causal=False (PyTorch's TorchScript export of the layer fails
    when is_causal is left to its default)."""
    class Layer(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = encoder_layer(lib, **options)

        def forward(self, src, mask):
            return self.layer(src, src_mask=mask, is_causal=False)
    return Layer()


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_against_torch(activation):
    x = np.random.default_rng(0).standard_normal((T, B, E)).astype(np.float32)
    mask = np.triu(np.full((T, T), -1e4, dtype=np.float32), 1)
    check_against_torch(lambda lib: masked_encoder_layer(lib, activation=activation, norm_first=True), x, mask)


def test_encoder_stack():
    model = nn.TransformerEncoder(encoder_layer(ember, batch_first=True), 2, norm=nn.LayerNorm(E),
                                  enable_nested_tensor=False)
    kpm, other = padding_masks()
    check_export(model, randn(B, T, E), None, kpm, resized=[(randn(B, T, E), None, other)])


class Decode(nn.Module):
    """A decoder (layer) with a target mask and a memory padding mask as inputs."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, tgt, memory, tgt_mask, memory_key_padding_mask):
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=False)


@pytest.mark.parametrize("stack", [False, True], ids=["layer", "stack"])
def test_decoder(stack):
    layer = nn.TransformerDecoderLayer(E, 2, 16, norm_first=stack)
    model = Decode(nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(E)) if stack else layer)
    s = T + 1
    (kpm, other_kpm), (mask, other_mask) = padding_masks(length=s), attention_masks("float")
    check_export(model, randn(T, B, E), randn(s, B, E), mask, kpm,
                 resized=[(randn(T, B, E), randn(s, B, E), other_mask, other_kpm)])


def test_transformer():
    model = nn.Transformer(E, 2, 1, 1, 16, batch_first=True)
    check_export(model, randn(B, T + 1, E), randn(B, T, E))


class CausalTransformer(nn.Module):
    """nn.Transformer with the causal target mask built from the target's length in forward."""

    def __init__(self):
        super().__init__()
        self.transformer = nn.Transformer(E, 2, 1, 1, 16, batch_first=True)

    def forward(self, src, tgt):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        return self.transformer(src, tgt, tgt_mask=mask, tgt_is_causal=False)


def test_transformer_causal_mask_dynamic_sequence():
    axes = {"src": {0: "batch", 1: "source"}, "tgt": {0: "batch", 1: "target"}}
    proto = check_export(CausalTransformer(), randn(B, T + 1, E), randn(B, T, E), input_names=["src", "tgt"],
                         dynamic_axes=axes, resized=[(randn(1, 2, E), randn(1, 5, E))])
    assert "Trilu" in node_types(proto)
