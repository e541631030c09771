"""ONNX export of the layers and activations: convolution, pooling, normalization, activations, linear and
embedding layers, padding and resampling, each run by ONNX Runtime and compared with ember (and, for a few, with
the file PyTorch's TorchScript exporter writes)."""
import numpy as np
import pytest
from onnx_check import call, check_against_torch, check_export

import ember
from ember import nn
from ember.nn import functional as F


def randn(*shape):
    return ember.randn(*shape)


def randomized(module):
    """`module` with every parameter and floating buffer drawn from U(0.5, 1.5) (running variances stay
    positive; batch norm's running statistics differ from the identity)."""
    with ember.no_grad():
        for t in list(module.parameters()) + [b for b in module.buffers() if b.dtype.is_floating_point]:
            t.uniform_(0.5, 1.5)
    return module


# ---- convolution ----------------------------------------------------------------------------------
CONVS = {
    "1d": (lambda: nn.Conv1d(4, 6, 3), (2, 4, 9)),
    "1d_stride_pad_dilation": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2), (2, 4, 11)),
    "2d_tuple_options": (lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2,
                                           bias=False), (2, 4, 9, 8)),
    "2d_same_odd_total": (lambda: nn.Conv2d(4, 6, (4, 3), padding="same", dilation=(1, 2)), (2, 4, 7, 8)),
    "2d_valid": (lambda: nn.Conv2d(4, 6, 3, padding="valid"), (2, 4, 7, 8)),
    "2d_depthwise": (lambda: nn.Conv2d(4, 8, 3, padding=1, groups=4), (2, 4, 5, 6)),
    "2d_unbatched": (lambda: nn.Conv2d(4, 6, 3, padding=1), (4, 7, 8)),
    "3d": (lambda: nn.Conv3d(2, 4, (3, 2, 3), stride=(1, 2, 1), padding=(1, 0, 1), bias=False), (1, 2, 5, 6, 4)),
    "3d_unbatched_same": (lambda: nn.Conv3d(2, 4, 2, padding="same"), (2, 4, 5, 3)),
}
PADDING_MODES = [(mode, n) for mode in ("reflect", "replicate", "circular") for n in (1, 2, 3)]


@pytest.mark.parametrize("name", CONVS)
def test_conv(name):
    build, shape = CONVS[name]
    check_export(build(), randn(*shape), atol=1e-4)


@pytest.mark.parametrize("mode,n", PADDING_MODES + [("zeros", 2)])
def test_conv_padding_mode(mode, n):
    conv = [nn.Conv1d, nn.Conv2d, nn.Conv3d][n - 1](3, 4, 3, padding=(2, 1, 1)[:n], padding_mode=mode)
    check_export(conv, randn(2, 3, *(5, 6, 4)[:n]), atol=1e-4)


@pytest.mark.parametrize("opset", [13, 18])
def test_conv_circular_padding_before_opset_19(opset):
    check_export(nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="circular"), randn(2, 3, 5, 6), atol=1e-4,
                 opset_version=opset)


CONV_TRANSPOSES = {
    "1d": (lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1), (2, 4, 7)),
    "1d_groups_dilation": (lambda: nn.ConvTranspose1d(4, 6, 3, stride=3, padding=2, output_padding=1, groups=2,
                                                      dilation=2), (2, 4, 5)),
    "2d": (lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                                      bias=False), (2, 4, 5, 4)),
    "2d_unbatched": (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2), (4, 3, 5)),
    "3d": (lambda: nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=(0, 1, 1), dilation=(1, 1, 2)),
           (1, 2, 3, 4, 3)),
}


@pytest.mark.parametrize("name", CONV_TRANSPOSES)
def test_conv_transpose(name):
    build, shape = CONV_TRANSPOSES[name]
    check_export(build(), randn(*shape), atol=1e-4)


def test_conv_transpose_output_size():
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    check_export(call(lambda x: layer(x, output_size=[10, 12])), randn(1, 3, 5, 6), atol=1e-4)


@pytest.mark.parametrize("build,shape", [
    (lambda lib: lib.nn.Conv2d(3, 4, 3, stride=2, padding=1, padding_mode="reflect"), (2, 3, 7, 6)),
    (lambda lib: lib.nn.Conv2d(3, 4, (3, 2), padding=(2, 1), padding_mode="circular", bias=False), (2, 3, 7, 6)),
    (lambda lib: lib.nn.Conv1d(4, 4, 4, padding="same", groups=2, padding_mode="replicate"), (2, 4, 7)),
    (lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, dilation=2), (2, 3, 7, 6)),
], ids=["reflect", "circular", "same_replicate", "transpose"])
def test_conv_against_torch(build, shape):
    check_against_torch(build, np.random.default_rng(0).standard_normal(shape).astype(np.float32), atol=1e-4)


# ---- pooling --------------------------------------------------------------------------------------
POOLS = {
    "max1d": (lambda: nn.MaxPool1d(3, 2, 1), (2, 3, 10)),
    "max1d_dilation_ceil": (lambda: nn.MaxPool1d(2, 3, 1, dilation=2, ceil_mode=True), (2, 3, 10)),
    "max2d": (lambda: nn.MaxPool2d((3, 2), (2, 1), (1, 1)), (2, 3, 7, 6)),
    "max2d_ceil_last_window_dropped": (lambda: nn.MaxPool2d(2, 2, 1, ceil_mode=True), (2, 3, 5, 7)),
    "max2d_unbatched": (lambda: nn.MaxPool2d(2), (3, 6, 5)),
    "max3d": (lambda: nn.MaxPool3d(2, (1, 2, 2), dilation=(2, 1, 1), ceil_mode=True), (1, 2, 5, 5, 6)),
    "avg1d": (lambda: nn.AvgPool1d(3, 2, 1), (2, 3, 10)),
    "avg1d_ceil_excluding_pad": (lambda: nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 8)),
    "avg2d_ceil": (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True), (2, 3, 8, 6)),
    "avg2d_ceil_last_window_dropped": (lambda: nn.AvgPool2d(2, 2, 1, ceil_mode=True), (2, 3, 5, 7)),
    "avg2d_ceil_overhang": (lambda: nn.AvgPool2d(3, 2, 0, ceil_mode=True), (1, 2, 6, 8)),
    "avg2d_divisor_override": (lambda: nn.AvgPool2d(2, 1, 1, divisor_override=3), (2, 3, 4, 5)),
    "avg2d_unbatched": (lambda: nn.AvgPool2d(2, count_include_pad=False), (3, 6, 4)),
    "avg3d": (lambda: nn.AvgPool3d((2, 3, 2), 2, (1, 1, 0), count_include_pad=False), (1, 2, 5, 6, 4)),
    "adaptive_avg1d": (lambda: nn.AdaptiveAvgPool1d(3), (2, 3, 9)),
    "adaptive_avg2d_global": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 7, 5)),
    "adaptive_avg2d_none": (lambda: nn.AdaptiveAvgPool2d((2, None)), (2, 3, 8, 5)),
    "adaptive_avg3d": (lambda: nn.AdaptiveAvgPool3d((1, 2, 3)), (1, 2, 3, 4, 6)),
    "adaptive_avg2d_uneven": (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "adaptive_avg2d_upsampling": (lambda: nn.AdaptiveAvgPool2d((6, 7)), (2, 3, 2, 3)),
    "adaptive_avg3d_uneven": (lambda: nn.AdaptiveAvgPool3d((2, 3, 4)), (1, 2, 3, 5, 7)),
    "adaptive_avg1d_unbatched": (lambda: nn.AdaptiveAvgPool1d(4), (3, 9)),
    "area_uneven": (lambda: call(lambda x: F.interpolate(x, size=(3, 2), mode="area")), (1, 2, 7, 5)),
    "adaptive_max1d": (lambda: nn.AdaptiveMaxPool1d(1), (2, 3, 7)),
    "adaptive_max2d": (lambda: nn.AdaptiveMaxPool2d((3, 2)), (2, 3, 6, 6)),
    "adaptive_max2d_unbatched": (lambda: nn.AdaptiveMaxPool2d(2), (3, 6, 4)),
    "adaptive_max3d": (lambda: nn.AdaptiveMaxPool3d((1, 1, 1)), (1, 2, 3, 4, 5)),
}


@pytest.mark.parametrize("name", POOLS)
def test_pool(name):
    build, shape = POOLS[name]
    check_export(build(), randn(*shape))


@pytest.mark.parametrize("build,shape", [
    (lambda: nn.MaxPool2d(3, 2, 1, return_indices=True), (2, 3, 7, 6)),
    (lambda: nn.MaxPool2d(2, 2, 1, ceil_mode=True, return_indices=True), (2, 3, 5, 7)),
    (lambda: nn.MaxPool1d(3, 2, return_indices=True), (3, 9)),
    (lambda: nn.MaxPool3d(2, return_indices=True), (1, 2, 4, 4, 5)),
    (lambda: nn.MaxPool2d(2, 1, 1, dilation=2, return_indices=True), (1, 2, 5, 6)),
    (lambda: nn.AdaptiveMaxPool2d((2, 3), return_indices=True), (2, 3, 4, 6)),
    (lambda: nn.AdaptiveMaxPool1d(1, return_indices=True), (2, 3, 5)),
    (lambda: call(lambda x: F.max_pool2d_with_indices(x, 2)), (1, 2, 4, 6)),
], ids=["max2d", "max2d_ceil", "max1d_unbatched", "max3d", "max2d_dilation", "adaptive2d", "adaptive1d_global",
        "with_indices"])
def test_max_pool_indices_count_within_each_plane(build, shape):
    check_export(build(), randn(*shape))


@pytest.mark.parametrize("layer,message", [
    (nn.AdaptiveMaxPool1d(4), "windows of different sizes"),
    (nn.AvgPool2d(2, 2, ceil_mode=True, divisor_override=2), "divisor_override and ceil_mode"),
    (call(lambda x: F.avg_pool2d(x.long(), 2)), "floating point input only"),
])
def test_pool_unsupported(layer, message):
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match=message):
        ember.onnx.export(layer, (randn(1, 2, 7) if "1d" in type(layer).__name__ else randn(1, 2, 7, 5),))


@pytest.mark.parametrize("build,shape", [
    (lambda lib: lib.nn.MaxPool2d(2, 2, 1, ceil_mode=True), (2, 3, 5, 7)),
    (lambda lib: lib.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=True), (2, 3, 8, 6)),
    (lambda lib: lib.nn.AvgPool1d(2, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 5)),
    (lambda lib: lib.nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 4, 6)),
], ids=["max_ceil", "avg_ceil", "avg1d_ceil", "adaptive_avg"])
def test_pool_against_torch(build, shape):
    check_against_torch(build, np.random.default_rng(0).standard_normal(shape).astype(np.float32))


# ---- normalization --------------------------------------------------------------------------------
NORMS = {
    "batch1d_2d_input": (lambda: nn.BatchNorm1d(3), (4, 3)),
    "batch1d_3d_input": (lambda: nn.BatchNorm1d(3), (4, 3, 5)),
    "batch2d": (lambda: nn.BatchNorm2d(3, eps=1e-3), (2, 3, 4, 5)),
    "batch3d": (lambda: nn.BatchNorm3d(2), (2, 2, 3, 4, 2)),
    "batch2d_not_affine": (lambda: nn.BatchNorm2d(3, affine=False), (2, 3, 4, 5)),
    "batch1d_batch_statistics": (lambda: nn.BatchNorm1d(3, track_running_stats=False), (5, 3)),
    "batch2d_batch_statistics": (lambda: nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 5)),
    "batch3d_batch_statistics_not_affine": (lambda: nn.BatchNorm3d(2, affine=False, track_running_stats=False),
                                            (2, 2, 3, 2, 2)),
    "layer": (lambda: nn.LayerNorm(5), (2, 3, 5)),
    "layer_multi_dim": (lambda: nn.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
    "layer_no_bias": (lambda: nn.LayerNorm((4, 5), bias=False), (2, 3, 4, 5)),
    "layer_not_affine": (lambda: nn.LayerNorm(5, elementwise_affine=False), (3, 5)),
    "group": (lambda: nn.GroupNorm(2, 4), (2, 4, 3, 5)),
    "group_1d_not_affine": (lambda: nn.GroupNorm(3, 6, affine=False), (2, 6, 5)),
    "instance1d": (lambda: nn.InstanceNorm1d(3), (2, 3, 7)),
    "instance2d_affine": (lambda: nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    "instance2d_running_statistics": (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
                                      (2, 3, 4, 5)),
    "instance3d": (lambda: nn.InstanceNorm3d(2, track_running_stats=True), (1, 2, 3, 4, 2)),
    "local_response_odd": (lambda: nn.LocalResponseNorm(3, alpha=0.1, k=2.0), (2, 5, 4, 3)),
    "local_response_even_3d_input": (lambda: nn.LocalResponseNorm(4, alpha=0.2, beta=0.5), (2, 6, 5)),
    "local_response_even_5d_input": (lambda: nn.LocalResponseNorm(2), (1, 4, 2, 3, 2)),
}


@pytest.mark.parametrize("name", NORMS)
def test_norm(name):
    build, shape = NORMS[name]
    check_export(randomized(build()), randn(*shape) * 2 + 1, atol=1e-4)


def test_layer_norm_needs_opset_17():
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="layer_norm.*opset 16.*opsets 17 to 20"):
        ember.onnx.export(nn.LayerNorm(4), (randn(2, 4),), opset_version=16)


@pytest.mark.parametrize("build,shape", [
    (lambda lib: lib.nn.BatchNorm2d(3), (2, 3, 4, 5)),
    (lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False), (6, 3)),
    (lambda lib: lib.nn.LayerNorm((4, 5)), (2, 3, 4, 5)),
    (lambda lib: lib.nn.GroupNorm(2, 6), (2, 6, 5)),
    (lambda lib: lib.nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    (lambda lib: lib.nn.LocalResponseNorm(5), (2, 7, 3, 3)),
    (lambda lib: lib.nn.LocalResponseNorm(4), (2, 7, 3)),
], ids=["batch", "batch_statistics", "layer", "group", "instance", "local_response", "local_response_even"])
def test_norm_against_torch(build, shape):
    def randomized_build(lib):
        module = build(lib)
        return randomized(module) if lib is ember else module
    check_against_torch(randomized_build, np.random.default_rng(0).standard_normal(shape).astype(np.float32) + 1,
                        atol=1e-4)


# ---- activations ----------------------------------------------------------------------------------
ACTIVATIONS = {
    "relu": lambda: nn.ReLU(),
    "relu_inplace": lambda: nn.ReLU(inplace=True),
    "relu6": lambda: nn.ReLU6(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "prelu_one": lambda: randomized(nn.PReLU()),
    "prelu_channels": lambda: randomized(nn.PReLU(4)),
    "rrelu": lambda: nn.RReLU(0.1, 0.3),
    "elu": lambda: nn.ELU(0.7),
    "selu": lambda: nn.SELU(),
    "celu": lambda: nn.CELU(1.5),
    "gelu": lambda: nn.GELU(),
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
    "silu": lambda: nn.SiLU(),
    "mish": lambda: nn.Mish(),
    "softplus": lambda: nn.Softplus(),
    "softplus_beta_threshold": lambda: nn.Softplus(beta=2.0, threshold=1.0),
    "softsign": lambda: nn.Softsign(),
    "hardtanh": lambda: nn.Hardtanh(-0.5, 1.5),
    "hardsigmoid": lambda: nn.Hardsigmoid(),
    "hardswish": lambda: nn.Hardswish(),
    "logsigmoid": lambda: nn.LogSigmoid(),
    "tanhshrink": lambda: nn.Tanhshrink(),
    "softshrink": lambda: nn.Softshrink(0.3),
    "hardshrink": lambda: nn.Hardshrink(0.7),
    "threshold": lambda: nn.Threshold(0.1, -2.0),
    "glu": lambda: nn.GLU(),
    "glu_dim1": lambda: nn.GLU(1),
    "sigmoid": lambda: nn.Sigmoid(),
    "tanh": lambda: nn.Tanh(),
    "softmax_dim1": lambda: nn.Softmax(1),
    "softmax_last": lambda: nn.Softmax(-1),
    "log_softmax_dim0": lambda: nn.LogSoftmax(0),
    "softmin_last": lambda: nn.Softmin(-1),
    "softmax2d": lambda: nn.Softmax2d(),
    "dropout": lambda: nn.Dropout(0.3),
    "dropout1d": lambda: nn.Dropout1d(),
    "dropout2d": lambda: nn.Dropout2d(),
    "dropout3d": lambda: nn.Dropout3d(),
    "alpha_dropout": lambda: nn.AlphaDropout(0.2),
    "feature_alpha_dropout": lambda: nn.FeatureAlphaDropout(0.2),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation(name):
    check_export(ACTIVATIONS[name](), randn(3, 4, 6) * 3 if name != "dropout3d" else randn(2, 3, 4, 6))


FUNCTIONALS = {
    "relu": lambda x: F.relu(x),
    "relu_inplace": lambda x: F.relu(x * 1, inplace=True),
    "relu_": lambda x: F.relu_(x * 1),
    "tensor_relu_": lambda x: (x * 1).relu_(),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.3),
    "elu_inplace": lambda x: F.elu(x * 1, 0.5, inplace=True),
    "gelu": lambda x: F.gelu(x, approximate="tanh"),
    "softplus": lambda x: F.softplus(x, 0.5, 2.0),
    "hardtanh": lambda x: F.hardtanh(x, -2.0, 2.0),
    "threshold": lambda x: F.threshold(x, 0.5, 0.0),
    "glu": lambda x: F.glu(x, 0),
    "softmax_implicit_dim_2d": lambda x: F.softmax(x[0]),
    "softmax_implicit_dim_3d": lambda x: F.softmax(x),
    "log_softmax_implicit_dim_4d": lambda x: F.log_softmax(x[None]),
    "softmin_implicit_dim_3d": lambda x: F.softmin(x),
    "softmax_dtype": lambda x: F.softmax(x, -1, dtype=ember.float64),
    "log_softmax": lambda x: F.log_softmax(x, 2),
    "softmin": lambda x: F.softmin(x, 1),
    "tensor_softmax": lambda x: x.softmax(0),
    "dropout_eval": lambda x: F.dropout(x, 0.5, training=False),
    "prelu": lambda x: F.prelu(x, ember.tensor([0.1, 0.2, 0.3])),
    "rrelu": lambda x: F.rrelu(x),
    "silu": lambda x: F.silu(x),
    "mish": lambda x: F.mish(x),
    "logsigmoid": lambda x: F.logsigmoid(x),
}


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
@pytest.mark.parametrize("name", FUNCTIONALS)
def test_activation_functional(name):
    check_export(call(FUNCTIONALS[name]), randn(2, 3, 4) * 3)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("opset", [13, 18, 20])
def test_gelu_opsets(approximate, opset):
    proto = check_export(nn.GELU(approximate), randn(3, 5) * 3, opset_version=opset)
    assert ("Gelu" in {n.op_type for n in proto.graph.node}) == (opset >= 20)


@pytest.mark.parametrize("opset", [13, 17])
def test_activations_at_older_opsets(opset):
    layers = [factory() for name, factory in ACTIVATIONS.items() if not name.startswith(("glu", "dropout3d"))]
    check_export(nn.Sequential(*layers), randn(2, 4, 6) * 3, atol=1e-5, opset_version=opset)


def test_dropout_in_training_mode_is_unsupported():
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="dropout.*training mode"):
        ember.onnx.export(call(lambda x: F.dropout(x, 0.5)), (randn(2, 3),))


def test_activations_against_torch():
    def build(lib):
        n = lib.nn
        return n.Sequential(n.Linear(6, 8), n.ReLU6(), n.LeakyReLU(0.1), n.PReLU(8), n.ELU(), n.SELU(), n.CELU(0.5),
                            n.GELU("tanh"), n.SiLU(), n.Mish(), n.Softplus(2.0, 1.0), n.Softsign(), n.Hardtanh(),
                            n.Hardsigmoid(), n.Hardswish(), n.LogSigmoid(), n.Tanhshrink(), n.Softshrink(),
                            n.Hardshrink(0.1), n.GLU(), n.Sigmoid(), n.Tanh(), n.Softmin(1),
                            n.LogSoftmax(-1), n.Dropout(), n.AlphaDropout())
    check_against_torch(build, np.random.default_rng(0).standard_normal((3, 6)).astype(np.float32) * 3)


# ---- linear, embedding, flatten -------------------------------------------------------------------
class TwoInputs(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, a, b):
        return self.layer(a, b)


@pytest.mark.parametrize("model,inputs", [
    (nn.Linear(4, 5), [(3, 4)]),
    (nn.Linear(4, 5, bias=False), [(3, 4)]),
    (nn.Linear(4, 5), [(2, 3, 4)]),
    (nn.Linear(4, 5, bias=False), [(2, 3, 4)]),
    (nn.Linear(4, 2), [(4,)]),
    (nn.Flatten(), [(2, 3, 4, 2)]),
    (nn.Flatten(0, 1), [(2, 3, 4)]),
    (nn.Unflatten(1, (2, 3)), [(2, 6, 4)]),
    (nn.Unflatten(-1, (2, -1)), [(2, 3, 4)]),
    (nn.Identity(), [(2, 3)]),
    (TwoInputs(nn.Bilinear(3, 4, 5)), [(2, 3), (2, 4)]),
    (TwoInputs(nn.Bilinear(3, 2, 4, bias=False)), [(2, 5, 3), (2, 5, 2)]),
], ids=["linear", "linear_no_bias", "linear_3d", "linear_3d_no_bias", "linear_1d", "flatten", "flatten_0_1",
        "unflatten", "unflatten_inferred", "identity", "bilinear", "bilinear_3d_no_bias"])
def test_linear_and_shape_layers(model, inputs):
    check_export(model, *[randn(*shape) for shape in inputs], atol=1e-4)


def test_embedding():
    check_export(nn.Embedding(10, 4, padding_idx=0), ember.tensor([[1, 0, 3], [4, 9, 0]]))
    weight = randn(6, 3)
    check_export(call(lambda i: F.embedding(i, weight)), ember.tensor([5, 1, 1], dtype=ember.int32))


def test_embedding_max_norm_is_unsupported():
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="max_norm"):
        ember.onnx.export(nn.Embedding(10, 4, max_norm=1.0), (ember.tensor([1, 2]),))


def test_linear_and_embedding_against_torch():
    check_against_torch(lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.Unflatten(1, (2, 3)),
                                                      lib.nn.Flatten()),
                        np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32))
    check_against_torch(lambda lib: lib.nn.Embedding(7, 3, padding_idx=2), np.array([[0, 2, 6]]))


# ---- padding --------------------------------------------------------------------------------------
PADS = {
    "zero1d": (lambda: nn.ZeroPad1d((1, 2)), (2, 3, 4)),
    "zero2d": (lambda: nn.ZeroPad2d((1, 0, 2, 3)), (2, 3, 4, 5)),
    "zero3d": (lambda: nn.ZeroPad3d(1), (1, 2, 3, 2, 2)),
    "constant1d": (lambda: nn.ConstantPad1d(2, 3.5), (3, 4)),
    "constant2d": (lambda: nn.ConstantPad2d((0, 1, 2, 0), -1.0), (2, 3, 4, 5)),
    "constant3d": (lambda: nn.ConstantPad3d((1, 0, 0, 1, 2, 0), 0.5), (1, 2, 3, 2, 2)),
    "reflection1d": (lambda: nn.ReflectionPad1d((3, 1)), (2, 3, 4)),
    "reflection2d": (lambda: nn.ReflectionPad2d((1, 2, 2, 0)), (3, 4, 5)),
    "reflection3d": (lambda: nn.ReflectionPad3d(1), (1, 2, 3, 2, 3)),
    "replication1d": (lambda: nn.ReplicationPad1d((0, 3)), (2, 3, 4)),
    "replication2d": (lambda: nn.ReplicationPad2d((2, 1, 0, 3)), (2, 3, 4, 5)),
    "replication3d": (lambda: nn.ReplicationPad3d((1, 2, 0, 1, 2, 0)), (2, 3, 2, 3)),
    "circular1d": (lambda: nn.CircularPad1d((2, 1)), (2, 3, 4)),
    "circular2d": (lambda: nn.CircularPad2d((1, 3, 2, 0)), (2, 3, 4, 5)),
    "circular3d": (lambda: nn.CircularPad3d((1, 0, 2, 1, 0, 2)), (1, 2, 3, 4, 2)),
    "circular_whole_axis": (lambda: nn.CircularPad1d((4, 4)), (1, 2, 4)),
}


@pytest.mark.parametrize("name", PADS)
def test_pad_layer(name):
    build, shape = PADS[name]
    check_export(build(), randn(*shape))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(-1, 2), (2, -1, -1, 0), (1, -2, 0, 0)], ids=["crop_left", "mixed", "crop_right"])
def test_pad_negative(mode, pad):
    check_export(call(lambda x: F.pad(x, pad, mode)), randn(2, 3, 4, 5)[0] if len(pad) == 2 else randn(2, 3, 4, 5))


@pytest.mark.parametrize("opset", [13, 20])
def test_pad_opsets(opset):
    def padded(x):
        return F.pad(F.pad(F.pad(x, (1, 1, 2, 0), "circular"), (0, 2), "reflect"), (1, -1, 2, 1), value=2.0)
    check_export(call(padded), randn(2, 3, 4), opset_version=opset)


def test_pad_integers():
    check_export(call(lambda i: F.pad(i, (1, 2), value=7)), ember.tensor([[1, 2, 3]]))


def test_circular_pad_wrapping_twice_is_unsupported():
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="more than once"):
        ember.onnx.export(call(lambda x: F.pad(x, (3, -2), "circular")), (randn(1, 2, 4),))


def test_pad_against_torch():
    def build(lib):
        n = lib.nn
        return n.Sequential(n.ReflectionPad2d((1, 2, 0, 1)), n.ReplicationPad2d(1), n.CircularPad2d((2, 0, 1, 1)),
                            n.ZeroPad2d((0, 1, 1, 0)), n.ConstantPad2d(1, 0.5))
    check_against_torch(build, np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32))


# ---- resampling -----------------------------------------------------------------------------------
INTERPOLATIONS = [
    ("nearest", None, (2, 3, 5), dict(scale_factor=2)),
    ("nearest", None, (2, 3, 5, 4), dict(size=(7, 3))),
    ("nearest", None, (1, 2, 3, 4, 5), dict(scale_factor=(1.5, 2.0, 0.6))),
    ("nearest-exact", None, (2, 3, 5, 4), dict(size=(8, 3))),
    ("nearest-exact", None, (2, 3, 6), dict(scale_factor=1.5)),
    ("linear", False, (2, 3, 5), dict(size=9)),
    ("linear", True, (2, 3, 5), dict(scale_factor=0.5)),
    ("bilinear", False, (2, 3, 5, 4), dict(size=(8, 3))),
    ("bilinear", True, (2, 3, 5, 4), dict(size=(8, 1))),
    ("bilinear", False, (2, 3, 4, 6), dict(scale_factor=(2.5, 0.5))),
    ("bicubic", False, (2, 3, 5, 4), dict(size=(9, 7))),
    ("bicubic", True, (2, 3, 5, 4), dict(scale_factor=2)),
    ("bicubic", False, (2, 3, 8, 6), dict(scale_factor=0.5)),
    ("trilinear", False, (1, 2, 3, 4, 5), dict(size=(5, 3, 8))),
    ("trilinear", True, (1, 2, 3, 4, 5), dict(scale_factor=2)),
    ("bilinear", False, (2, 3, 5, 4), dict(scale_factor=1.7, recompute_scale_factor=True)),
    ("area", None, (2, 3, 8, 6), dict(size=(4, 2))),
]


@pytest.mark.parametrize("mode,align_corners,shape,sizes", INTERPOLATIONS,
                         ids=[f"{m}-{a}-{len(s)}d-{list(k)[0]}" for m, a, s, k in INTERPOLATIONS])
def test_interpolate(mode, align_corners, shape, sizes):
    check_export(call(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **sizes)), randn(*shape),
                 atol=1e-4)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias(mode):
    check_export(call(lambda x: F.interpolate(x, size=(3, 5), mode=mode, antialias=True)), randn(1, 2, 8, 12),
                 atol=1e-4)


@pytest.mark.parametrize("align_corners,opset", [(True, 20), (False, 17)])
def test_interpolate_antialias_unsupported(align_corners, opset):
    model = call(lambda x: F.interpolate(x, size=(3, 5), mode="bilinear", align_corners=align_corners, antialias=True))
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="antialias"):
        ember.onnx.export(model, (randn(1, 2, 8, 12),), opset_version=opset)


def test_interpolate_integers():
    check_export(call(lambda i: F.interpolate(i, scale_factor=(2, 1.5))), ember.randint(0, 255, (1, 2, 3, 4),
                                                                                    dtype=ember.uint8))
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="rounds"):
        ember.onnx.export(call(lambda i: F.interpolate(i, scale_factor=2, mode="bilinear")),
                          (ember.zeros(1, 1, 2, 2, dtype=ember.uint8),))


def test_interpolate_opset_13():
    def resized(x):
        return F.interpolate(F.interpolate(x, scale_factor=2, mode="bilinear"), size=(3, 4), mode="nearest")
    check_export(call(resized), randn(2, 3, 5, 4), opset_version=13, atol=1e-4)


@pytest.mark.parametrize("layer", [nn.Upsample(scale_factor=2), nn.Upsample(size=(6, 9), mode="bicubic"),
                                   nn.UpsamplingNearest2d(scale_factor=3), nn.UpsamplingBilinear2d(size=(7, 3))],
                         ids=["nearest", "bicubic", "nearest2d", "bilinear2d"])
def test_upsample_layers(layer):
    check_export(layer, randn(2, 3, 4, 5), atol=1e-4)


@pytest.mark.parametrize("build", [
    lambda lib: lib.nn.Upsample(scale_factor=2, mode="bilinear"),
    lambda lib: lib.nn.Upsample(size=(7, 3), mode="bilinear", align_corners=True),
    lambda lib: lib.nn.Upsample(scale_factor=(2, 3), mode="nearest"),
    lambda lib: lib.nn.Upsample(size=(6, 9), mode="bicubic"),
], ids=["bilinear", "bilinear_align_corners", "nearest", "bicubic"])
def test_upsample_against_torch(build):
    check_against_torch(build, np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32),
                        atol=1e-4)


@pytest.mark.parametrize("layer,shape", [
    (nn.PixelShuffle(2), (2, 8, 3, 4)),
    (nn.PixelShuffle(3), (9, 2, 2)),
    (nn.PixelShuffle(2), (2, 1, 4, 3, 2)),
    (nn.PixelUnshuffle(2), (2, 3, 4, 6)),
    (nn.PixelUnshuffle(3), (2, 6, 3)),
    (nn.PixelUnshuffle(2), (2, 2, 1, 4, 2)),
], ids=["shuffle", "shuffle_unbatched", "shuffle_5d", "unshuffle", "unshuffle_unbatched", "unshuffle_5d"])
def test_pixel_shuffle(layer, shape):
    check_export(layer, randn(*shape))


def test_pixel_shuffle_against_torch():
    check_against_torch(lambda lib: lib.nn.Sequential(lib.nn.PixelShuffle(2), lib.nn.PixelUnshuffle(4)),
                        np.random.default_rng(0).standard_normal((1, 8, 4, 6)).astype(np.float32))


# ---- dynamic batch --------------------------------------------------------------------------------
def test_dynamic_batch():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, padding_mode="reflect"), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.MaxPool2d(2, ceil_mode=True), nn.PixelShuffle(2), nn.Upsample(size=(6, 8)),
                          nn.ZeroPad2d(1), nn.GroupNorm(1, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))
    check_export(model, randn(2, 3, 5, 7), atol=1e-4, input_names=["x"], dynamic_axes={"x": {0: "batch"}},
                 resized=[(randn(5, 3, 5, 7),)])


def test_dynamic_spatial_axes():
    model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=(1, 2), padding_mode="circular"),
                          nn.BatchNorm2d(4, track_running_stats=False), nn.Upsample(scale_factor=2, mode="bilinear"),
                          nn.ReflectionPad2d((1, 1, 2, 2)), nn.PixelUnshuffle(2), nn.InstanceNorm2d(16),
                          nn.LocalResponseNorm(2), nn.AdaptiveMaxPool2d(1))
    check_export(model, randn(2, 2, 5, 6), atol=1e-4, input_names=["x"],
                 dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}}, resized=[(randn(1, 2, 7, 4),)])
