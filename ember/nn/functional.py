"""ember.nn.functional: the stateless form of every layer."""
from ..ops.conv import *  # noqa: F401,F403
from ..ops.pooling import *  # noqa: F401,F403
from ..ops.padding import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.vision import *  # noqa: F401,F403
from ..ops.activation import *  # noqa: F401,F403
from ..ops.normalization import *  # noqa: F401,F403
from ..ops.dropout import *  # noqa: F401,F403
from ..ops.embedding import *  # noqa: F401,F403
from ..ops.distance import *  # noqa: F401,F403
from ..ops.fractional_pooling import *  # noqa: F401,F403
from ..ops.attention import scaled_dot_product_attention  # noqa: F401
from ..ops.aten import conv_tbc  # noqa: F401
from ..ops.activation import log_softmax, relu, relu6_, softmax  # noqa: F401  (F's forms, not torch's)
from ..ops.elementwise import sigmoid, tanh  # noqa: F401
from ..ops.inplace import relu_  # noqa: F401
from .._tensor import Tensor
from ..ops.base import check_tensor
from ..ops.linalg import linear, matmul  # noqa: F401  (F.linear)
from ..ops.autocast import AUTOCAST_OPS, autocast_call
from .. import _unsupported


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1 . W_k x2 + b_k for each output feature k."""
    if "bilinear" in AUTOCAST_OPS[0]:
        return autocast_call("bilinear", bilinear, input1, input2, weight, bias)
    check_tensor("bilinear", "input1", input1, 1)
    check_tensor("bilinear", "input2", input2, 2)
    check_tensor("bilinear", "weight", weight, 3)
    check_tensor("bilinear", "bias", bias, 4, optional=True)
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    if weight.dim() != 3 or weight.shape[1] != input1.shape[-1] or weight.shape[2] != input2.shape[-1]:
        raise RuntimeError(f"bilinear(): weight of shape {list(weight.shape)} does not match the inputs' last "
                           f"dims {input1.shape[-1]} and {input2.shape[-1]}")
    out = _bilinear(input1, input2, weight)
    return out if bias is None else out + bias


def _bilinear(x1, x2, weight):
    """(..., i) x (k, i, j) -> (..., k, j) as one matmul, then contract j with x2."""
    lead = tuple(x1.shape[:-1])
    a = matmul(x1.reshape(-1, x1.shape[-1]), weight.permute(1, 0, 2).reshape(weight.shape[1], -1))
    a = a.view(-1, weight.shape[0], weight.shape[2])
    out = (a * x2.reshape(-1, 1, x2.shape[-1])).sum(-1)
    return out.view(lead + (weight.shape[0],))


from ._attention import multi_head_attention_forward  # noqa: E402,F401  (needs linear, defined above)
from ._linear_cross_entropy import linear_cross_entropy  # noqa: E402,F401
from . import grad  # noqa: E402,F401  (torch.nn.functional.grad)


def __getattr__(name: str):
    """PyTorch's names that ember lacks on purpose raise an AttributeError that says why."""
    raise _unsupported.missing("ember.nn.functional", name, _unsupported.FUNCTIONAL,
                               f"module 'ember.nn.functional' has no attribute {name!r}")
