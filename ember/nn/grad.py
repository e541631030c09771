"""ember.nn.grad: the gradients of a convolution with respect to its input and its weight, as functions (what
torch.nn.grad provides), computed by differentiating the convolution itself."""
from .. import _creation
from ..autograd import grad as _grad
from ..autograd.grad_mode import enable_grad
from ..ops import conv as _conv


def _input_gradient(conv, input_size, weight, grad_output, stride, padding, dilation, groups):
    """d conv / d input at any input (the convolution is linear in it), differentiable in weight and grad_output."""
    with enable_grad():
        input = _creation.zeros(tuple(input_size), dtype=grad_output.dtype, device=grad_output.device,
                                requires_grad=True)
        out = conv(input, weight, None, stride, padding, dilation, groups)
        return _grad(out, input, grad_output, create_graph=weight.requires_grad or grad_output.requires_grad)[0]


def _weight_gradient(conv, input, weight_size, grad_output, stride, padding, dilation, groups):
    """d conv / d weight at any weight, differentiable in input and grad_output."""
    with enable_grad():
        weight = _creation.zeros(tuple(weight_size), dtype=grad_output.dtype, device=grad_output.device,
                                 requires_grad=True)
        out = conv(input, weight, None, stride, padding, dilation, groups)
        return _grad(out, weight, grad_output, create_graph=input.requires_grad or grad_output.requires_grad)[0]


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to an input of `input_size`."""
    return _input_gradient(_conv.conv1d, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to an input of `input_size`."""
    return _input_gradient(_conv.conv2d, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d with respect to an input of `input_size`."""
    return _input_gradient(_conv.conv3d, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to a weight of `weight_size`."""
    return _weight_gradient(_conv.conv1d, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to a weight of `weight_size`."""
    return _weight_gradient(_conv.conv2d, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d with respect to a weight of `weight_size`."""
    return _weight_gradient(_conv.conv3d, input, weight_size, grad_output, stride, padding, dilation, groups)
