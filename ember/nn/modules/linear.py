"""Linear layers: Identity, Linear, Bilinear and LazyLinear."""
import math

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedParameter
from .module import Module, input_error


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


def _uniform_fan_in(weight, bias, fan_in):
    """PyTorch's default layer initialisation: kaiming_uniform_(a=sqrt(5)) weights, U(+-1/sqrt(fan_in)) bias."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def _add_bias(layer, bias, size, device, dtype):
    """Register a bias Parameter of `size` elements, or None when bias is False."""
    if bias:
        layer.bias = Parameter(_creation.empty(size, device=device, dtype=dtype))
    else:
        layer.register_parameter("bias", None)


class Linear(Module):
    """y = x W^T + b."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(_creation.empty((out_features, in_features), device=device, dtype=dtype))
        _add_bias(self, bias, out_features, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights as PyTorch does."""
        if self.in_features and self.out_features:
            _uniform_fan_in(self.weight, self.bias, self.in_features)

    def forward(self, input: Tensor) -> Tensor:
        try:
            return F.linear(input, self.weight, self.bias)
        except RuntimeError as e:
            if input.dim() == 0 or input.shape[-1] != self.in_features:
                raise _features_error(self, input, e) from e
            raise

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def _features_error(layer, input, cause):
    """Which layer got how many features, and the two ways to fix it."""
    got = input.shape[-1] if input.dim() else 0

    def explain(path, module):
        return (f"{path} (Linear(in_features={module.in_features}, out_features={module.out_features})) got input "
                f"with {got} features: the flattened size before {path} is {got}, so use "
                f"nn.Linear({got}, {module.out_features}) or change the input so that {module.in_features} "
                f"features reach {path} (PyTorch's message: {cause})")
    return input_error(layer, RuntimeError(), explain)


class NonDynamicallyQuantizableLinear(Linear):
    """The Linear of MultiheadAttention's output projection (PyTorch's name, kept for reprs and checkpoints)."""


class Bilinear(Module):
    """y = x1^T A x2 + b."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(_creation.empty((out_features, in1_features, in2_features), device=device,
                                                dtype=dtype))
        _add_bias(self, bias, out_features, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(+-1/sqrt(in1_features)) weights and bias."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose in_features is taken from the first input; it then becomes a Linear."""

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features, self.out_features = 0, out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        self.in_features = input.shape[-1]
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()
        self.__class__ = Linear
        return Linear.forward(self, input)
