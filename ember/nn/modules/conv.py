"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d."""
import math

from ... import _creation
from ..._tensor import Tensor
from ...ops import conv as C
from ...ops.arguments import ntuple
from ...ops.padding import pad
from .. import init
from ..parameter import Parameter
from .module import Module, input_error

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """The state every convolution shares: weight (out, in/groups, *kernel), bias, geometry."""
    dims = 0
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", output_padding=0, device=None, dtype=None):
        super().__init__()
        n = self.dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = ntuple(kernel_size, n), ntuple(stride, n)
        self.dilation, self.groups, self.padding_mode = ntuple(dilation, n), groups, padding_mode
        self.output_padding = ntuple(output_padding, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
            total = [d * (k - 1) if padding == "same" else 0 for d, k in zip(self.dilation, self.kernel_size)]
            self._reversed_padding_repeated_twice = tuple(
                x for t in reversed(total) for x in (t // 2, t - t // 2))
        else:
            self.padding = ntuple(padding, n)
            self._reversed_padding_repeated_twice = tuple(p for p in reversed(self.padding) for _ in range(2))
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(_creation.empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """kaiming_uniform_(a=sqrt(5)) weights and U(+-1/sqrt(fan_in)) bias, as PyTorch."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self.dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        fn = type(self).fn
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        try:
            return self._conv_forward(input, self.weight, self.bias)
        except RuntimeError as e:
            if input.dim() in (self.dims + 1, self.dims + 2) and input.shape[-self.dims - 1] != self.in_channels:
                raise _channels_error(self, input, e) from e
            raise


def _channels_error(layer, input, cause):
    """Which convolution got how many channels, and the two ways to fix it."""
    got = input.shape[-layer.dims - 1]

    def explain(path, module):
        name = module._get_name()
        rest = module.extra_repr().split(", ", 2)[2]
        return (f"{path} ({name}({module.extra_repr()})) got input with {got} channels: use "
                f"nn.{name}({got}, {module.out_channels}, {rest}) or feed input with {module.in_channels} channels "
                f"(PyTorch's message: {cause})")
    return input_error(layer, RuntimeError(), explain)


class Conv1d(_Conv):
    """1-D convolution over (N, C, L) input."""
    dims = 1
    fn = staticmethod(C.conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C, H, W) input."""
    dims = 2
    fn = staticmethod(C.conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C, D, H, W) input."""
    dims = 3
    fn = staticmethod(C.conv3d)


class _ConvTranspose(_ConvNd):
    transposed = True
    fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        n = self.dims
        output_size = list(output_size)[-n:]
        spatial = input.shape[-n:]
        extra = []
        for d in range(n):
            smallest = ((spatial[d] - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            if not smallest <= output_size[d] < smallest + self.stride[d]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from "
                                 f"{smallest} to {smallest + self.stride[d] - 1} (for an input of {list(spatial)})")
            extra.append(output_size[d] - smallest)
        return tuple(extra)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        output_padding = self._output_padding(input, output_size)
        return type(self).fn(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                             self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution (the gradient of Conv1d with respect to its input)."""
    dims = 1
    fn = staticmethod(C.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution."""
    dims = 2
    fn = staticmethod(C.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-D convolution."""
    dims = 3
    fn = staticmethod(C.conv_transpose3d)
