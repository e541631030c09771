"""The ONNX converters, one file per op family; importing this package registers them all."""
from . import arithmetic, activation, layers, shape, reduction, creation  # noqa: F401
