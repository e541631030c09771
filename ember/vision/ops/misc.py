"""torchvision's building blocks: convolution + norm + activation, squeeze-and-excitation, MLP, Permute and
FrozenBatchNorm2d."""
from collections.abc import Callable, Sequence
from typing import Any

from ... import ones, zeros
from ..._tensor import Tensor
from ...nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    BatchNorm3d,
    Conv2d,
    Conv3d,
    Dropout,
    Linear,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
)

__all__ = ["Conv2dNormActivation", "Conv3dNormActivation", "ConvNormActivation", "FrozenBatchNorm2d", "MLP",
           "Permute", "SqueezeExcitation"]


def _same_padding(kernel_size: int | Sequence[int], dilation: int | Sequence[int], dims: int) -> int | tuple:
    """The padding that keeps the size at stride 1: (k - 1) // 2 * d per dimension."""
    if isinstance(kernel_size, int) and isinstance(dilation, int):
        return (kernel_size - 1) // 2 * dilation
    ks = [kernel_size] * dims if isinstance(kernel_size, int) else list(kernel_size)
    ds = [dilation] * dims if isinstance(dilation, int) else list(dilation)
    return tuple((k - 1) // 2 * d for k, d in zip(ks, ds))


def _layer_kwargs(inplace: bool | None) -> dict[str, Any]:
    """The `inplace` keyword for activation and dropout layers; none when `inplace` is None."""
    return {} if inplace is None else {"inplace": inplace}


class ConvNormActivation(Sequential):
    """`conv_layer`, then `norm_layer` and `activation_layer` where not None; the convolution has a bias only
    without a norm layer unless `bias` says otherwise, and keeps the size at stride 1 unless `padding` is given."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int] = 3,
                 stride: int | Sequence[int] = 1, padding: int | Sequence[int] | str | None = None, groups: int = 1,
                 norm_layer: Callable[..., Module] | None = BatchNorm2d,
                 activation_layer: Callable[..., Module] | None = ReLU, dilation: int | Sequence[int] = 1,
                 inplace: bool | None = True, bias: bool | None = None,
                 conv_layer: Callable[..., Module] = Conv2d) -> None:
        dims = 3 if conv_layer is Conv3d else 2
        if padding is None:
            padding = _same_padding(kernel_size, dilation, dims)
        if bias is None:
            bias = norm_layer is None
        layers = [conv_layer(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                             groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**_layer_kwargs(inplace)))
        super().__init__(*layers)
        self.out_channels = out_channels


class Conv2dNormActivation(ConvNormActivation):
    """Conv2d + norm (BatchNorm2d by default) + activation (ReLU by default)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int] = 3,
                 stride: int | Sequence[int] = 1, padding: int | Sequence[int] | str | None = None, groups: int = 1,
                 norm_layer: Callable[..., Module] | None = BatchNorm2d,
                 activation_layer: Callable[..., Module] | None = ReLU, dilation: int | Sequence[int] = 1,
                 inplace: bool | None = True, bias: bool | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups, norm_layer,
                         activation_layer, dilation, inplace, bias, Conv2d)


class Conv3dNormActivation(ConvNormActivation):
    """Conv3d + norm (BatchNorm3d by default) + activation (ReLU by default)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int] = 3,
                 stride: int | Sequence[int] = 1, padding: int | Sequence[int] | str | None = None, groups: int = 1,
                 norm_layer: Callable[..., Module] | None = BatchNorm3d,
                 activation_layer: Callable[..., Module] | None = ReLU, dilation: int | Sequence[int] = 1,
                 inplace: bool | None = True, bias: bool | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups, norm_layer,
                         activation_layer, dilation, inplace, bias, Conv3d)


class SqueezeExcitation(Module):
    """Squeeze-and-excitation: scales each channel of `x` by scale_activation(fc2(activation(fc1(mean of x))))."""

    def __init__(self, input_channels: int, squeeze_channels: int, activation: Callable[..., Module] = ReLU,
                 scale_activation: Callable[..., Module] = Sigmoid) -> None:
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x: Tensor) -> Tensor:
        return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))

    def forward(self, x: Tensor) -> Tensor:
        """`x` with each channel scaled by its excitation in [0, 1]."""
        return self._scale(x) * x


class MLP(Sequential):
    """Linear layers of `hidden_channels` widths, each but the last followed by norm (if any), activation and
    Dropout; the last by Dropout only."""

    def __init__(self, in_channels: int, hidden_channels: list[int], norm_layer: Callable[..., Module] | None = None,
                 activation_layer: Callable[..., Module] | None = ReLU, inplace: bool | None = None,
                 bias: bool = True, dropout: float = 0.0) -> None:
        params = _layer_kwargs(inplace)
        layers: list[Module] = []
        in_dim = in_channels
        for hidden_dim in hidden_channels[:-1]:
            layers.append(Linear(in_dim, hidden_dim, bias=bias))
            if norm_layer is not None:
                layers.append(norm_layer(hidden_dim))
            layers += [activation_layer(**params), Dropout(dropout, **params)]
            in_dim = hidden_dim
        layers += [Linear(in_dim, hidden_channels[-1], bias=bias), Dropout(dropout, **params)]
        super().__init__(*layers)


class Permute(Module):
    """Permutes the dimensions of its input to `dims`."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: Tensor) -> Tensor:
        """x.permute(dims)."""
        return x.permute(*self.dims)


class FrozenBatchNorm2d(Module):
    """BatchNorm2d with fixed statistics and affine parameters, all buffers (nothing trains, eval or not); a
    checkpoint's `num_batches_tracked` is ignored on loading."""

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", ones(num_features))
        self.register_buffer("bias", zeros(num_features))
        self.register_buffer("running_mean", zeros(num_features))
        self.register_buffer("running_var", ones(num_features))

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args: Any, **kwargs: Any) -> None:
        state_dict.pop(prefix + "num_batches_tracked", None)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        """(x - running_mean) / sqrt(running_var + eps) * weight + bias, per channel."""
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        shift = self.bias - self.running_mean * scale
        return x * scale.reshape(1, -1, 1, 1) + shift.reshape(1, -1, 1, 1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.weight.shape[0]}, eps={self.eps})"
