"""The ONNX export helpers: export an ember model, run it with ONNX Runtime, compare with ember and PyTorch.

`check_export(model, *inputs)` exports `model` run on `inputs`, checks the file with the ONNX checker (full
check, with shape inference) and compares ONNX Runtime's outputs with ember's; with `dynamic_axes` and
`resized` it also runs at other sizes. `check_against_torch(build, *inputs)` builds the same model with ember
and with PyTorch (`build(lib)`, one lambda for two libraries), copies ember's weights into PyTorch's, exports
both (PyTorch with its TorchScript exporter) and compares ONNX Runtime's outputs of the two files.
Tests that use them skip where onnx or onnxruntime (or, for the second, torch) is not installed.
"""
import io
import warnings

import numpy as np
import pytest

import ember

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def module_of(lib, fn):
    """A `lib.nn.Module` whose forward is `fn(lib, *inputs)` (one lambda for ember and PyTorch)."""
    class Call(lib.nn.Module):
        def forward(self, *inputs):
            return fn(lib, *inputs)
    return Call()


def call(fn):
    """An ember module whose forward is `fn(*inputs)`, for exporting functional forms."""
    return module_of(ember, lambda lib, *inputs: fn(*inputs))


def export_bytes(model, inputs, **kwargs) -> bytes:
    """The ONNX file ember writes for `model` run on `inputs`."""
    buffer = io.BytesIO()
    ember.onnx.export(model, tuple(inputs), buffer, **kwargs)
    return buffer.getvalue()


def run(data: bytes, arrays) -> list:
    """ONNX Runtime's outputs of the model in `data` on `arrays` (one per graph input, in order)."""
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: a for i, a in zip(session.get_inputs(), arrays)})


def outputs_of(result) -> list:
    """The tensors a model returned, flattened, as NumPy arrays."""
    if isinstance(result, ember.Tensor):
        return [result.detach().numpy()]
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in outputs_of(r)]
    if isinstance(result, dict):
        return [a for r in result.values() for a in outputs_of(r)]
    return []


def check_model_file(data: bytes) -> "onnx.ModelProto":
    """The model in `data`, after the ONNX checker's full check and strict shape inference pass."""
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    return model


def check_export(model, *inputs, atol=1e-5, rtol=1e-5, resized=(), **kwargs) -> "onnx.ModelProto":
    """Export `model` on `inputs`, check the file, and compare ONNX Runtime with ember on `inputs` and on each
    tuple of inputs in `resized` (for models exported with dynamic_axes)."""
    if hasattr(model, "eval"):
        model.eval()
    data = export_bytes(model, inputs, **kwargs)
    proto = check_model_file(data)
    for case in (inputs,) + tuple(resized):
        with ember.no_grad():
            expected = outputs_of(model(*case))
        got = run(data, [t.numpy() for t in case if isinstance(t, ember.Tensor)])
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape, (g.shape, e.shape)
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
    return proto


def check_against_torch(build, *arrays, atol=1e-5, rtol=1e-5, **kwargs) -> None:
    """Build the model with ember and with PyTorch, give PyTorch ember's weights, export both and compare
    ONNX Runtime's outputs of the two files on `arrays` (NumPy arrays)."""
    torch = pytest.importorskip("torch")
    ours = build(ember).eval()
    theirs = build(torch).eval()
    state = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)
    data = export_bytes(ours, [ember.from_numpy(a) for a in arrays], **kwargs)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(theirs, tuple(torch.from_numpy(a) for a in arrays), buffer, dynamo=False, **kwargs)
    ours_out, theirs_out = run(data, arrays), run(buffer.getvalue(), arrays)
    assert len(ours_out) == len(theirs_out)
    for a, b in zip(ours_out, theirs_out):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
