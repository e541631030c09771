"""Pooling layers: max, average, adaptive, LP pooling and max unpooling in 1, 2 and 3 dims."""
from ..._tensor import Tensor
from ...ops import fractional_pooling
from ...ops import pooling as P
from ...ops.arguments import ntuple
from .module import Module


class _MaxPoolNd(Module):
    fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor):
        return type(self).fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """The maximum over sliding windows of (N, C, L) input."""
    fn = staticmethod(P.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """The maximum over sliding windows of (N, C, H, W) input."""
    fn = staticmethod(P.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """The maximum over sliding windows of (N, C, D, H, W) input."""
    fn = staticmethod(P.max_pool3d)


class _AvgPoolNd(Module):
    dims = 0
    fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None):
        super().__init__()
        if self.dims == 1:
            kernel_size, padding = ntuple(kernel_size, 1), ntuple(padding, 1)
            stride = ntuple(stride if stride is not None else kernel_size, 1)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        extra = () if self.dims == 1 else (self.divisor_override,)
        return type(self).fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, *extra)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """The mean over sliding windows of (N, C, L) input."""
    dims = 1
    fn = staticmethod(P.avg_pool1d)


class AvgPool2d(_AvgPoolNd):
    """The mean over sliding windows of (N, C, H, W) input."""
    dims = 2
    fn = staticmethod(P.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """The mean over sliding windows of (N, C, D, H, W) input."""
    dims = 3
    fn = staticmethod(P.avg_pool3d)


class _AdaptivePool(Module):
    fn = None
    has_indices = False

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = output_size
        if self.has_indices:
            self.return_indices = return_indices

    def forward(self, input: Tensor):
        if self.has_indices:
            return type(self).fn(input, self.output_size, self.return_indices)
        return type(self).fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Average pooling to a fixed output length."""
    fn = staticmethod(P.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptivePool):
    """Average pooling to a fixed output size."""
    fn = staticmethod(P.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Average pooling to a fixed output size."""
    fn = staticmethod(P.adaptive_avg_pool3d)


class AdaptiveMaxPool1d(_AdaptivePool):
    """Max pooling to a fixed output length."""
    fn = staticmethod(P.adaptive_max_pool1d)
    has_indices = True


class AdaptiveMaxPool2d(_AdaptivePool):
    """Max pooling to a fixed output size."""
    fn = staticmethod(P.adaptive_max_pool2d)
    has_indices = True


class AdaptiveMaxPool3d(_AdaptivePool):
    """Max pooling to a fixed output size over (N, C, D, H, W) input."""
    fn = staticmethod(P.adaptive_max_pool3d)
    has_indices = True


class _MaxUnpoolNd(Module):
    dims = 0
    fn = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = self.dims
        self.kernel_size = ntuple(kernel_size, n)
        self.stride = ntuple(stride if stride is not None else kernel_size, n)
        self.padding = ntuple(padding, n)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return type(self).fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: values back at their max positions, zeros elsewhere."""
    dims = 1
    fn = staticmethod(P.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d."""
    dims = 2
    fn = staticmethod(P.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d."""
    dims = 3
    fn = staticmethod(P.max_unpool3d)


class _LPPoolNd(Module):
    fn = None

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return type(self).fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """The p-norm over sliding windows of (N, C, L) input."""
    fn = staticmethod(P.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """The p-norm over sliding windows of (N, C, H, W) input."""
    fn = staticmethod(P.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """The p-norm over sliding windows of (N, C, D, H, W) input."""
    fn = staticmethod(P.lp_pool3d)


class _FractionalMaxPoolNd(Module):
    """Fractional max pooling to output_size, or to output_ratio (in (0, 1)) of the input's size."""
    dims = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                 _random_samples=None):
        super().__init__()
        if output_size is None and output_ratio is None:
            raise ValueError(f"{type(self).__name__} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if output_ratio is not None and not all(0 < r < 1 for r in ntuple(output_ratio, self.dims)):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")
        self.kernel_size, self.output_size, self.output_ratio = kernel_size, output_size, output_ratio
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)

    def forward(self, input: Tensor):
        pool = fractional_pooling.fractional_max_pool2d if self.dims == 2 else fractional_pooling.fractional_max_pool3d
        return pool(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                    _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling over (N, C, H, W) input."""
    dims = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling over (N, C, D, H, W) input."""
    dims = 3
