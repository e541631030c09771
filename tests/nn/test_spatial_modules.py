"""Convolution, pooling, padding, fold, shuffle and upsampling layers against torch: repr, state_dict
keys, outputs and gradients of the input and every parameter, with torch's weights copied in."""
import pytest
from module_parity import check_module
from parity import randn

CONV = [
    ("Conv1d", (2, 3, 3), {}, (2, 2, 9)),
    ("Conv1d", (2, 4, 3), {"padding": "same", "dilation": 2, "groups": 2, "bias": False}, (2, 2, 9)),
    ("Conv2d", (1, 6, 5), {}, (2, 1, 12, 12)),
    ("Conv2d", (2, 4, 3), {"stride": 2, "padding": 1, "padding_mode": "reflect"}, (2, 2, 7, 8)),
    ("Conv2d", (2, 4, (3, 2)), {"padding": "valid", "padding_mode": "circular"}, (1, 2, 6, 6)),
    ("Conv2d", (2, 2, 3), {"padding": 2, "padding_mode": "replicate", "groups": 2}, (1, 2, 5, 5)),
    ("Conv3d", (2, 3, 2), {"stride": (1, 2, 1)}, (1, 2, 4, 5, 4)),
    ("ConvTranspose1d", (2, 3, 3), {"stride": 2, "output_padding": 1}, (2, 2, 5)),
    ("ConvTranspose2d", (2, 4, 3), {"stride": 2, "padding": 1, "groups": 2}, (1, 2, 4, 4)),
    ("ConvTranspose3d", (2, 2, 2), {"dilation": 2}, (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", CONV, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV)])
def test_conv_layers(name, args, kwargs, shape):
    check_module(name, args, kwargs, inputs=[randn(*shape)])


def test_conv_transpose_output_size():
    from parity import torch

    import ember
    for lib in (ember, torch):
        m = lib.nn.ConvTranspose2d(2, 3, 3, stride=2)
        out = m(lib.randn(1, 2, 4, 4), output_size=[10, 10])
        assert tuple(out.shape) == (1, 3, 10, 10)


POOL = [
    ("MaxPool1d", (2,), {}, (2, 3, 8)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3, 2, 1, 2, False, True), {}, (1, 2, 9, 9)),
    ("MaxPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AvgPool1d", (3,), {"count_include_pad": False, "padding": 1}, (2, 3, 8)),
    ("AvgPool2d", (2,), {"divisor_override": 3}, (2, 3, 6, 6)),
    ("AvgPool3d", (2,), {"ceil_mode": True}, (1, 2, 5, 5, 5)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveAvgPool2d", ((5, 7),), {}, (1, 2, 9, 11)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 5, 5)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool2d", (3, True), {}, (1, 2, 7, 7)),
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool2d", (2, 3), {"stride": 2}, (1, 2, 7, 7)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", POOL, ids=[f"{c[0]}-{i}" for i, c in enumerate(POOL)])
def test_pool_layers(name, args, kwargs, shape):
    check_module(name, args, kwargs, inputs=[randn(*shape)])


def test_max_unpool_round_trip():
    from parity import assert_same, torch

    import ember
    x = randn(1, 2, 6, 6)
    outs = []
    for lib in (ember, torch):
        pool = lib.nn.MaxPool2d(2, return_indices=True)
        unpool = lib.nn.MaxUnpool2d(2)
        values, indices = pool(lib.tensor(x))
        outs.append((unpool(values, indices), repr(unpool)))
    assert_same(outs[0][0], outs[1][0], check_grad_fn=False)
    assert outs[0][1] == outs[1][1]


PAD = [
    ("ZeroPad1d", (2,)), ("ZeroPad2d", ((1, 2, 0, 1),)), ("ZeroPad3d", (1,)), ("ConstantPad1d", (2, 3.5)),
    ("ConstantPad2d", ((1, 0, 2, 1), -1.0)), ("ConstantPad3d", (1, 2.0)), ("ReflectionPad1d", (2,)),
    ("ReflectionPad2d", ((1, 2, 2, 1),)), ("ReflectionPad3d", (1,)), ("ReplicationPad1d", (3,)),
    ("ReplicationPad2d", (2,)), ("ReplicationPad3d", (1,)), ("CircularPad1d", (2,)), ("CircularPad2d", (1,)),
    ("CircularPad3d", (1,)),
]


@pytest.mark.parametrize("name,args", PAD, ids=[p[0] for p in PAD])
def test_padding_layers(name, args):
    shape = {"1d": (2, 3, 5), "2d": (1, 2, 4, 5), "3d": (1, 2, 3, 4, 3)}[name[-2:]]
    check_module(name, args, inputs=[randn(*shape)])


def test_fold_unfold_shuffle_upsample():
    check_module("Unfold", (2,), {"padding": 1, "stride": 2}, inputs=[randn(2, 3, 5, 5)])
    check_module("Fold", ((4, 5), (2, 2)), inputs=[randn(2, 12, 12)])
    check_module("PixelShuffle", (2,), inputs=[randn(1, 8, 3, 3)])
    check_module("PixelUnshuffle", (2,), inputs=[randn(1, 2, 4, 6)])
    check_module("ChannelShuffle", (2,), inputs=[randn(1, 4, 3, 3)], grad=False)
    check_module("Upsample", (), {"scale_factor": 2}, inputs=[randn(1, 2, 3, 3)])
    check_module("Upsample", (), {"size": (5, 4), "mode": "bilinear", "align_corners": True},
                 inputs=[randn(1, 2, 3, 3)])
    check_module("UpsamplingNearest2d", (), {"scale_factor": 2}, inputs=[randn(1, 2, 3, 3)])
    check_module("UpsamplingBilinear2d", (), {"size": 4}, inputs=[randn(1, 2, 3, 3)])
