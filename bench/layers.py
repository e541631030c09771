"""Layer benchmarks of the nn issue: forward+backward of conv, pooling and batch norm layers, and
single layers of seed 001's LeNet, each written once for `lib` (ember or torch)."""
import numpy as np


def layer_workload(make_layer, shape, backward=True):
    """A factory `make(lib) -> step` running the layer on a fixed float32 input of `shape`."""
    x_np = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)

    def make(lib):
        lib.manual_seed(0)
        layer = make_layer(lib.nn)
        x = lib.tensor(x_np, requires_grad=backward)
        if not backward:
            return lambda: layer(x)

        def step():
            layer(x).sum().backward()
        return step
    return make


def first_output(make_layer):
    """For a layer that returns (output, state), as the recurrent ones do: a maker of a layer returning the output."""
    def make(nn):
        layer = make_layer(nn)
        return lambda x: layer(x)[0]
    return make


LAYERS = [
    ("Conv2d(64, 64, 3, padding=1) 32x64x32x32 fwd+bwd", lambda nn: nn.Conv2d(64, 64, 3, padding=1),
     (32, 64, 32, 32), 3),
    ("Conv2d(1, 6, 5) 64x1x32x32 fwd+bwd", lambda nn: nn.Conv2d(1, 6, 5), (64, 1, 32, 32), 30),
    ("MaxPool2d(2) 64x16x28x28 fwd+bwd", lambda nn: nn.MaxPool2d(2), (64, 16, 28, 28), 30),
    ("BatchNorm2d(64) 32x64x32x32 fwd+bwd", lambda nn: nn.BatchNorm2d(64), (32, 64, 32, 32), 10),
    ("LSTM(128, 256, num_layers=2) 32x16x128 fwd+bwd", first_output(lambda nn: nn.LSTM(128, 256, num_layers=2)),
     (32, 16, 128), 5),
    ("GRU(128, 256) 32x16x128 fwd+bwd", first_output(lambda nn: nn.GRU(128, 256)), (32, 16, 128), 10),
    ("TransformerEncoderLayer(256, 8) 16x32x256 (seq, batch, feature) fwd+bwd",
     lambda nn: nn.TransformerEncoderLayer(256, 8), (16, 32, 256), 5),
]


def workloads():
    """(name, make, calls per timing) for every layer benchmark."""
    return [(name, layer_workload(make_layer, shape), number) for name, make_layer, shape, number in LAYERS]
