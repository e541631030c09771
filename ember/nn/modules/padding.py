"""Padding layers: constant (zero), reflection, replication and circular, in 1, 2 and 3 dims."""
from ..._tensor import Tensor
from ...ops.arguments import ntuple
from ...ops.padding import pad
from .module import Module


class _PadNd(Module):
    dims = 0
    mode = "constant"

    def __init__(self, padding, value: float = 0.0):
        super().__init__()
        self.padding = ntuple(padding, 2 * self.dims)
        if len(self.padding) != 2 * self.dims:
            raise ValueError(f"expected {2 * self.dims} padding values, but got {self.padding}")
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        if self.mode == "constant":
            return pad(input, self.padding, "constant", self.value)
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_PadNd):
    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last dim with a constant."""
    dims = 1


class ConstantPad2d(_ConstantPad):
    """Pad the last 2 dims with a constant."""
    dims = 2


class ConstantPad3d(_ConstantPad):
    """Pad the last 3 dims with a constant."""
    dims = 3


class _ZeroPad(_PadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ZeroPad1d(_ZeroPad):
    """Pad the last dim with zeros."""
    dims = 1


class ZeroPad2d(_ZeroPad):
    """Pad the last 2 dims with zeros."""
    dims = 2


class ZeroPad3d(_ZeroPad):
    """Pad the last 3 dims with zeros."""
    dims = 3


class _Reflection(_PadNd):
    mode = "reflect"

    def __init__(self, padding):
        super().__init__(padding)


class ReflectionPad1d(_Reflection):
    """Pad the last dim with its reflection."""
    dims = 1


class ReflectionPad2d(_Reflection):
    """Pad the last 2 dims with their reflection."""
    dims = 2


class ReflectionPad3d(_Reflection):
    """Pad the last 3 dims with their reflection."""
    dims = 3


class _Replication(_Reflection):
    mode = "replicate"


class ReplicationPad1d(_Replication):
    """Pad the last dim by repeating its edge values."""
    dims = 1


class ReplicationPad2d(_Replication):
    """Pad the last 2 dims by repeating their edge values."""
    dims = 2


class ReplicationPad3d(_Replication):
    """Pad the last 3 dims by repeating their edge values."""
    dims = 3


class _Circular(_Reflection):
    mode = "circular"


class CircularPad1d(_Circular):
    """Pad the last dim by wrapping around."""
    dims = 1


class CircularPad2d(_Circular):
    """Pad the last 2 dims by wrapping around."""
    dims = 2


class CircularPad3d(_Circular):
    """Pad the last 3 dims by wrapping around."""
    dims = 3
