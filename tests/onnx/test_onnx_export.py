"""ember.onnx.export: models exported, checked, run by ONNX Runtime, and compared with ember and PyTorch."""
import io
import os

import numpy as np
import pytest
from e2e.lenet import lenet, seed_net  # seed 001's LeNet, as the MNIST tests train it; the notes' Net
from onnx_check import check_against_torch, check_export, check_model_file, export_bytes, run

import ember

onnx = pytest.importorskip("onnx")


def mlp(lib):
    """A multilayer perceptron on flattened MNIST images."""
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10),
                         nn.LogSoftmax(dim=1))


def bn_cnn(lib):
    """A CNN with batch normalization, in-place ReLUs and global pooling."""
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                          nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, stride=2), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 5))
    with lib.no_grad():  # running statistics that are not the initial ones
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return model


def images(n, c=1, size=28, seed=0):
    return ember.from_numpy(np.random.default_rng(seed).standard_normal((n, c, size, size)).astype(np.float32))


BATCH = {"input": {0: "batch"}, "output": {0: "batch"}}


@pytest.mark.parametrize("build, channels, size", [(lenet, 1, 28), (mlp, 1, 28), (bn_cnn, 3, 16)],
                         ids=["lenet", "mlp", "bn_cnn"])
def test_models_run_in_onnx_runtime_at_other_batch_sizes(build, channels, size):
    model = build(ember)
    check_export(model, images(4, channels, size), input_names=["input"], dynamic_axes=BATCH,
                 resized=[(images(1, channels, size, 1),), (images(7, channels, size, 2),)])


@pytest.mark.parametrize("build, channels, size", [(lenet, 1, 28), (mlp, 1, 28), (bn_cnn, 3, 16)],
                         ids=["lenet", "mlp", "bn_cnn"])
def test_models_match_pytorchs_export(build, channels, size):
    check_against_torch(build, images(3, channels, size).numpy())


def test_names_dims_and_initializers_follow_the_arguments():
    model = lenet(ember)
    proto = check_model_file(export_bytes(model, [images(2)], input_names=["image"], output_names=["logits"],
                                          dynamic_axes={"image": [0], "logits": {0: "n"}}))
    graph = proto.graph
    assert [i.name for i in graph.input] == ["image"]
    assert [o.name for o in graph.output] == ["logits"]
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "image_dynamic_axes_1"
    assert graph.output[0].type.tensor_type.shape.dim[0].dim_param == "n"
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim[1:]] == [1, 28, 28]
    names = {t.name for t in graph.initializer}
    assert {"conv1.weight", "conv1.bias", "fc3.weight", "fc3.bias"} <= names
    assert proto.opset_import[0].version == ember.onnx.DEFAULT_OPSET == 20
    assert proto.producer_name == "ember"


def test_static_export_has_no_shape_computation():
    nodes = {n.op_type for n in check_model_file(export_bytes(lenet(ember), [images(2)])).graph.node}
    assert "Shape" not in nodes and "Gemm" in nodes


@pytest.mark.parametrize("opset", [13, 17, 18, 20])
def test_every_supported_opset(opset):
    proto = check_export(bn_cnn(ember), images(2, 3, 16), opset_version=opset)
    assert proto.opset_import[0].version == opset


def test_unsupported_opset_is_a_value_error():
    with pytest.raises(ValueError, match="opsets 7 to 20"):
        export_bytes(mlp(ember), [images(1, 1, 28)], opset_version=21)


@pytest.mark.parametrize("opset", [7, 10, 11, 12])
def test_older_opsets_are_written_at_opset_13_with_a_warning(opset):
    with pytest.warns(UserWarning, match=f"at opset 13 instead of the opset {opset}"):
        proto = check_export(lenet(ember), images(2), opset_version=opset)
    assert proto.opset_import[0].version == 13


def test_export_params_false_makes_parameters_graph_inputs():
    model = mlp(ember).eval()
    x = images(2, 1, 28)
    data = export_bytes(model, [x], input_names=["input"], export_params=False)
    graph = check_model_file(data).graph
    assert len(graph.initializer) < 4
    names = [i.name for i in graph.input]
    assert names[0] == "input" and "1.weight" in names and "4.bias" in names
    params = dict(model.named_parameters())
    arrays = [x.numpy()] + [params[n].detach().numpy() for n in names[1:]]
    np.testing.assert_allclose(run(data, arrays)[0], model(x).detach().numpy(), atol=1e-5)


def test_keep_initializers_as_inputs():
    graph = check_model_file(export_bytes(mlp(ember), [images(2, 1, 28)], keep_initializers_as_inputs=True)).graph
    inputs = {i.name for i in graph.input}
    assert {"1.weight", "4.weight"} <= inputs and {"1.weight", "4.weight"} <= {t.name for t in graph.initializer}


def test_without_constant_folding_the_graph_computes_from_parameters():
    class Scaled(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = ember.nn.Parameter(ember.randn(3, 4))

        def forward(self, x):
            return x @ (self.weight * 2).t()
    model = Scaled()
    folded = check_export(model, ember.randn(2, 4))
    unfolded = check_export(model, ember.randn(2, 4), do_constant_folding=False)
    assert [n.op_type for n in folded.graph.node] == ["MatMul", "Identity"]
    assert {"Mul", "Transpose"} <= {n.op_type for n in unfolded.graph.node}


def test_path_file_object_and_program(tmp_path):
    model, x = mlp(ember).eval(), images(2, 1, 28)
    path = tmp_path / "mlp.onnx"
    assert ember.onnx.export(model, (x,), str(path)) is None
    buffer = io.BytesIO()
    ember.onnx.export(model, x, buffer)
    assert path.read_bytes() == buffer.getvalue()
    program = ember.onnx.export(model, (x,))
    assert isinstance(program, ember.onnx.ONNXProgram)
    np.testing.assert_allclose(program(x)[0], model(x).detach().numpy(), atol=1e-5)
    program.save(tmp_path / "again.onnx")
    assert (tmp_path / "again.onnx").read_bytes() == path.read_bytes()
    with pytest.raises(TypeError, match="binary"):
        with open(tmp_path / "text.onnx", "w") as text:
            ember.onnx.export(model, (x,), text)


class Unsupported(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = ember.nn.Sequential(ember.nn.Linear(3, 3))

    def forward(self, x):
        return self.body(x).cummax(0).values


def test_an_op_without_converter_names_op_module_and_opset_and_leaves_no_file(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous")
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match=r"cummax.* opset 18: ember has no ONNX converter"):
        ember.onnx.export(Unsupported(), (ember.randn(2, 3),), path, opset_version=18)
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["model.onnx"]
    assert issubclass(ember.onnx.UnsupportedOperatorError, ember.onnx.OnnxExporterError)
    assert issubclass(ember.onnx.OnnxExporterError, RuntimeError)


def test_the_error_names_the_module_path():
    class Inner(ember.nn.Module):
        def forward(self, x):
            return x.cummax(0).values

    model = ember.nn.Sequential(ember.nn.Linear(3, 3), ember.nn.Sequential(ember.nn.ReLU(), Inner()))
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match=r"in module '1\.1'"):
        export_bytes(model, [ember.randn(2, 3)])


def test_the_model_is_exported_in_eval_mode_and_its_mode_restored():
    model = mlp(ember).train()
    seen = []

    class Probe(ember.nn.Module):
        def forward(self, x):
            seen.append((self.training, ember.onnx.is_in_onnx_export()))
            return x
    model.append(Probe())
    check_model_file(export_bytes(model, [images(2, 1, 28)]))
    assert seen == [(False, True)] and model.training and model[3].training
    assert not ember.onnx.is_in_onnx_export()


def test_ember_works_as_before_after_an_export_and_after_a_failed_one():
    before = ember.Tensor.__add__, ember.nn.functional.relu, ember.Tensor.shape
    export_bytes(lenet(ember), [images(1)])
    with pytest.raises(ember.onnx.UnsupportedOperatorError):
        export_bytes(Unsupported(), [ember.randn(2, 3)])
    assert (ember.Tensor.__add__, ember.nn.functional.relu, ember.Tensor.shape) == before
    assert type(ember.randn(2, 3).size(0)) is int


class Several(ember.nn.Module):
    """Two inputs, a constant made in forward, sizes read from a traced tensor, and a tuple of outputs."""

    def forward(self, x, y):
        b, t = x.shape[0], x.shape[1]
        flat = x.reshape(b * t, -1) + ember.ones(x.shape[-1])
        state = ember.zeros(2, b, 3) + 1
        return flat * 2 - y.sum(), (state, x.mean(dim=1, keepdim=True))


def test_several_inputs_and_outputs_and_traced_sizes():
    x, y = ember.randn(2, 5, 3), ember.randn(4)
    proto = check_export(Several(), x, y, input_names=["x", "y"], dynamic_axes={"x": {0: "b", 1: "t"}},
                         resized=[(ember.randn(3, 2, 3), ember.randn(4)), (ember.randn(1, 7, 3), ember.randn(4))])
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]


def test_default_input_names_come_from_forward():
    proto = check_model_file(export_bytes(Several(), [ember.randn(2, 5, 3), ember.randn(4)]))
    assert [i.name for i in proto.graph.input] == ["x", "y"]


def test_verbose_prints_the_graph(capsys):
    export_bytes(mlp(ember), [images(1, 1, 28)], verbose=True)
    assert "Gemm" in capsys.readouterr().out


def test_dynamic_shapes_and_other_export_types_are_refused():
    with pytest.raises(ember.onnx.OnnxExporterError, match="dynamic_axes"):
        export_bytes(mlp(ember), [images(1, 1, 28)], dynamic_shapes={"x": {0: "b"}})
    with pytest.raises(ember.onnx.OnnxExporterError, match="standard ONNX"):
        export_bytes(mlp(ember), [images(1, 1, 28)],
                     operator_export_type=ember.onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK)


def test_a_python_number_read_from_a_traced_tensor_warns():
    class Scalar(ember.nn.Module):
        def forward(self, x):
            return x * x.max().item()
    with pytest.warns(UserWarning, match="constants"):
        export_bytes(Scalar(), [ember.randn(3)])


def test_verify_runs_the_graph_with_onnx_runtime():
    assert isinstance(ember.onnx.export(lenet(ember), (images(2),), verify=True), ember.onnx.ONNXProgram)


def seed002_net(lib):
    """Seed 002's Net, which counts its flat features from x.size()[1:] (its typo fx2 fixed)."""
    lib.manual_seed(1)
    return seed_net(lib, 3, 6)


def seed003_convolutions(lib):
    """Seed 003's convolution examples in one model: strides, rectangular kernels, padding, dilation, and
    F.conv2d with a filter bank."""
    nn, F = lib.nn, lib.nn.functional

    class Convolutions(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(16, 33, 3, stride=2)
            self.b = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
            self.c = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
            self.register_buffer("filters", lib.randn(8, 16, 3, 3))

        def forward(self, x):
            return self.a(x), self.b(x), self.c(x), F.conv2d(x, self.filters, padding=1)
    lib.manual_seed(2)
    return Convolutions()


def test_seed002_net_at_other_batch_sizes_and_against_pytorch():
    check_export(seed002_net(ember), images(3, size=32), input_names=["input"], dynamic_axes=BATCH,
                 resized=[(images(1, size=32, seed=3),), (images(6, size=32, seed=4),)])
    check_against_torch(seed002_net, images(2, size=32).numpy())


def test_seed003_convolutions():
    x = ember.randn(2, 16, 20, 30)
    check_export(seed003_convolutions(ember), x, atol=1e-4)
    check_against_torch(seed003_convolutions, x.numpy(), atol=1e-4)


def test_importing_ember_does_not_import_onnx():
    import subprocess
    import sys
    code = "import sys, ember; ember.onnx.TrainingMode; assert 'onnx' not in sys.modules, 'onnx imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_pytorch_export_script_runs_unchanged_under_ember_run(tmp_path):
    import subprocess
    import sys
    import textwrap
    script = tmp_path / "export.py"
    script.write_text(textwrap.dedent("""
        import warnings
        import numpy as np
        import onnx
        import onnxruntime
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
        model.eval()
        dummy = torch.randn(1, 3, 8, 8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, dummy, "model.onnx", export_params=True, opset_version=11,
                              do_constant_folding=True, input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}})
        onnx.checker.check_model(onnx.load("model.onnx"))
        session = onnxruntime.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
        x = torch.randn(5, 3, 8, 8)
        (got,) = session.run(None, {"input": x.numpy()})
        with torch.no_grad():
            print("difference", float(np.abs(got - model(x).numpy()).max()))
    """))
    result = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split()[-1]) < 1e-5


@pytest.mark.parametrize("name, size", [("resnet18", 64), ("mobilenet_v2", 64), ("squeezenet1_0", 64),
                                        ("alexnet", 64)])
def test_vision_models_at_other_batch_sizes(name, size):
    from ember.vision import models
    model = getattr(models, name)(num_classes=10)
    check_export(model, images(2, 3, size), input_names=["input"], dynamic_axes=BATCH, atol=1e-4,
                 resized=[(images(3, 3, size, seed=5),)])


def every_family(lib):
    """One model that uses every layer family the exporter supports, built with `lib`."""
    nn, F = lib.nn, lib.nn.functional

    class Everything(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(20, 8)
            self.lstm = nn.LSTM(8, 8, batch_first=True, bidirectional=True)
            self.gru = nn.GRU(16, 8)
            self.attention = nn.MultiheadAttention(8, 2, batch_first=True)
            self.encoder = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)
            self.conv = nn.Conv2d(3, 6, 3, padding=1, padding_mode="reflect")
            self.norms = nn.Sequential(nn.BatchNorm2d(6), nn.GroupNorm(2, 6), nn.InstanceNorm2d(6, affine=True))
            self.up = nn.ConvTranspose2d(6, 4, 2, stride=2)
            self.pools = nn.Sequential(nn.MaxPool2d(2), nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d(1))
            self.head = nn.Sequential(nn.Linear(4 + 8, 12), nn.LayerNorm(12), nn.GELU(), nn.Dropout(0.5),
                                      nn.Linear(12, 5), nn.Hardswish(), nn.PReLU())

        def forward(self, image, tokens):
            x = F.silu(self.norms(self.conv(image)))
            x = F.interpolate(F.pad(self.up(x), (1, 1, 1, 1)), scale_factor=0.5, mode="bilinear")
            x = self.pools(F.leaky_relu(x, 0.1)).flatten(1)
            seq, _ = self.lstm(self.embed(tokens))
            seq, _ = self.gru(seq.transpose(0, 1))
            seq = seq.transpose(0, 1)
            seq = self.encoder(seq + self.attention(seq, seq, seq, need_weights=False)[0])
            pooled = lib.cat([seq.mean(1), seq.amax(1)], dim=1)[:, ::2]
            out = self.head(lib.cat([x, pooled], dim=-1))
            return F.log_softmax(out, dim=-1), lib.sigmoid(out).sum(-1)
    lib.manual_seed(3)
    return Everything()


def test_a_model_of_every_family_against_ember_and_pytorch():
    rng = np.random.default_rng(0)
    image = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    tokens = rng.integers(0, 20, (2, 5))
    check_export(every_family(ember), ember.from_numpy(image), ember.from_numpy(tokens), atol=1e-4,
                 input_names=["image", "tokens"], dynamic_axes={"image": [0], "tokens": [0, 1]},
                 resized=[(ember.from_numpy(image[:1]), ember.from_numpy(rng.integers(0, 20, (1, 9))))])
    check_against_torch(every_family, image, tokens, atol=1e-4)
