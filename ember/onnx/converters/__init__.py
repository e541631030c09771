"""The ONNX converters, one file per op family; importing this package registers them all."""
from . import arithmetic, activation, layers, resample, shape, reduction, creation, recurrent, attention  # noqa: F401
