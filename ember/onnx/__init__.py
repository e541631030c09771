"""`torch.onnx`: export a model to ONNX, the Open Neural Network Exchange format, to serve it elsewhere.

`export` records one forward run of the model (NOTE [ Tracing by patching ] in ember/onnx/_trace.py) and writes
each ember op as ONNX nodes through the converters of ember/onnx/converters/. It needs the `onnx` package
(`pip install ember[onnx]`, which brings ONNX Runtime too); importing ember does not.
"""
from __future__ import annotations

import contextlib
import enum
import inspect
import io
import os
import tempfile

import numpy as np

from .. import __version__
from .._tensor import Tensor
from .._tree import tensors_in
from ..autograd.grad_mode import no_grad
from . import errors
from .errors import OnnxExporterError, UnsupportedOperatorError

__all__ = ["export", "is_in_onnx_export", "TrainingMode", "OperatorExportTypes", "ONNXProgram",
           "OnnxExporterError", "UnsupportedOperatorError", "errors", "select_model_mode_for_export",
           "producer_name", "producer_version"]

producer_name = "ember"
DEFAULT_OPSET = 20  # PyTorch 2.13's default
_EXPORTING = [False]


class TrainingMode(enum.IntEnum):
    """The mode a model is exported in: EVAL (the default), PRESERVE (as it is) or TRAINING."""
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    """How ops are exported; ember writes standard ONNX ops only (ONNX)."""
    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


producer_version = __version__


def is_in_onnx_export() -> bool:
    """Whether an export is recording a forward run now."""
    return _EXPORTING[0]


@contextlib.contextmanager
def select_model_mode_for_export(model, mode: TrainingMode):
    """Put `model` in the training mode `mode` asks for during the block, and back afterwards."""
    modes = [(m, m.training) for m in model.modules()]
    if mode == TrainingMode.EVAL:
        model.train(False)
    elif mode == TrainingMode.TRAINING:
        model.train(True)
    try:
        yield
    finally:
        for m, training in modes:
            m.training = training


class ONNXProgram:
    """An exported model: `model_proto`, `save(path)`, and calling it runs it with ONNX Runtime."""

    def __init__(self, model_proto):
        self.model_proto = model_proto

    def save(self, destination) -> None:
        """Write the model to a path or binary file object."""
        _write(self.model_proto.SerializeToString(), destination)

    def __call__(self, *args):
        """Run the model on CPU with ONNX Runtime; a list of NumPy arrays, one per output."""
        import onnxruntime  # optional: onnxruntime
        session = onnxruntime.InferenceSession(self.model_proto.SerializeToString(),
                                               providers=["CPUExecutionProvider"])
        arrays = [np.asarray(a.numpy() if isinstance(a, Tensor) else a) for a in args]
        return session.run(None, {i.name: a for i, a in zip(session.get_inputs(), arrays)})

    def __repr__(self):
        proto = self.model_proto
        return f"ONNXProgram(opset={proto.opset_import[0].version}, nodes={len(proto.graph.node)})"


def export(model, args=(), f=None, *, kwargs: dict | None = None, verbose: bool | None = None,
           input_names=None, output_names=None, opset_version: int | None = None, dynamo: bool = True,
           external_data: bool = True, dynamic_shapes=None, export_params: bool = True,
           keep_initializers_as_inputs: bool = False, dynamic_axes=None, training: TrainingMode = TrainingMode.EVAL,
           operator_export_type: OperatorExportTypes = OperatorExportTypes.ONNX, do_constant_folding: bool = True,
           custom_translation_table=None, report: bool = False, optimize: bool = True, verify: bool = False,
           profile: bool = False, dump_exported_program: bool = False, artifacts_dir=".", custom_opsets=None,
           export_modules_as_functions: bool = False, autograd_inlining: bool = True) -> ONNXProgram | None:
    """Export `model` (an nn.Module) run on `args` to ONNX at `f` (a path or binary file object).

    Differences from PyTorch: ember has one exporter, which records a forward run (as PyTorch's TorchScript
    exporter, `dynamo=False`) whatever `dynamo` says; `dynamic_shapes` is refused (use `dynamic_axes`); the
    default opset is 20; opsets 13 to 20 are written as asked, and 7 to 12 are written at opset 13 with a
    warning (as PyTorch's dynamo exporter writes its lowest opset when it cannot reach the one asked for);
    `verify=True` runs the graph with ONNX Runtime on `args` and compares with the model's output; the
    reporting, profiling, optimization and custom-op arguments are accepted and not used. With `f=None` the
    ONNXProgram is returned; a file is written whole or not at all."""
    from ._export import export_model  # optional: onnx (ember.onnx._export imports it)
    if not isinstance(args, tuple):
        args = (args,)
    kwargs = dict(kwargs or {})
    if args and isinstance(args[-1], dict) and not kwargs:
        args, kwargs = args[:-1], dict(args[-1])
    if dynamic_shapes is not None:
        raise OnnxExporterError("ember.onnx.export reads dynamic_axes, not dynamic_shapes; name the dynamic axes "
                                "of each input and output with dynamic_axes={'input': {0: 'batch'}, ...}")
    if operator_export_type != OperatorExportTypes.ONNX:
        raise OnnxExporterError("ember exports standard ONNX ops only: operator_export_type must be "
                                "OperatorExportTypes.ONNX")
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    _EXPORTING[0] = True
    try:
        with select_model_mode_for_export(model, training):
            proto = export_model(model, args, kwargs, opset, _names(model, args, input_names), output_names,
                                 dynamic_axes or {}, export_params, keep_initializers_as_inputs,
                                 do_constant_folding)
    finally:
        _EXPORTING[0] = False
    if verbose:
        import onnx  # optional: onnx
        print(onnx.printer.to_text(proto.graph))
    program = ONNXProgram(proto)
    if verify:
        _verify(program, model, args, kwargs)
    if f is None:
        return program
    program.save(f)
    return None


def _verify(program: ONNXProgram, model, args: tuple, kwargs: dict) -> None:
    """Compare ONNX Runtime's outputs of `program` with the model's on the export's arguments."""
    with no_grad():
        expected = [t.numpy() for t in tensors_in(model(*args, **kwargs))]
    got = program(*[t for t in tensors_in(args) + tensors_in(kwargs) if isinstance(t, Tensor)])
    for i, (a, b) in enumerate(zip(got, expected)):
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True):
            raise OnnxExporterError(f"verify: ONNX Runtime's output {i} differs from the model's (largest "
                                    f"difference {np.max(np.abs(a - b)) if a.shape == b.shape else 'in shape'})")


def _names(model, args, given) -> list[str]:
    """The graph input names: `given`, then forward's parameter names for the tensors not named."""
    names = list(given or [])
    try:
        parameters = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        parameters = []
    defaults = []
    for i, arg in enumerate(args):
        base = parameters[i] if i < len(parameters) else f"input_{i}"
        found = tensors_in(arg)
        defaults += [base] if len(found) == 1 and isinstance(arg, Tensor) else [f"{base}_{k}" for k in
                                                                                range(len(found))]
    return names + defaults[len(names):]


def _write(data: bytes, f) -> None:
    """Write `data` to a path (through a temporary file, so a failure leaves nothing half-written) or a file."""
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".onnx.partial")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    elif isinstance(f, io.TextIOBase):
        raise TypeError("ember.onnx.export writes binary data: open the file with mode 'wb'")
    else:
        f.write(data)
