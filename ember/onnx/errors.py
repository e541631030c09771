"""The errors an ONNX export raises (`torch.onnx.errors`)."""

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """An export could not be completed."""


class UnsupportedOperatorError(OnnxExporterError):
    """A call in the model has no ONNX converter, or none for the asked opset or arguments."""
