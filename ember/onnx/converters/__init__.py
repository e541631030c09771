"""The ONNX converters, one file per op family; importing this package registers them all."""
from . import activation, arithmetic, attention, creation, layers, recurrent, reduction, resample, shape  # noqa: F401
