"""The torch-level forms of nn.functional ops (`torch.batch_norm`, `torch.embedding`, `torch.kl_div`, ...).

PyTorch exposes its native ops in the `torch` namespace with their own argument orders, and losses there take
the reduction as an integer (0 none, 1 mean, 2 sum). Each function here maps that form onto ember's op.
"""
import warnings

from .. import return_types as RT
from .._creation import eye
from . import activation, conv, decomposition, distance, inplace, loss, normalization, padding, reduction, vision
from . import dropout as _dropout
from . import embedding as _embedding
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, check_tensor, needs_grad, record, written
from .keywords import numpy_keywords
from .rearrange import tril, triu


def _reduction(reduction: int) -> str:
    """The reduction an integer stands for: 1 mean, 2 sum, any other none (as PyTorch)."""
    return {1: "mean", 2: "sum"}.get(reduction, "none")


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout (torch.dropout's argument order)."""
    return _dropout.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place dropout."""
    return _dropout.dropout(input, p, train, inplace=True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Alpha dropout (torch.alpha_dropout's argument order)."""
    return _dropout.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place alpha dropout."""
    return _dropout.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Feature alpha dropout (torch.feature_alpha_dropout's argument order)."""
    return _dropout.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place feature alpha dropout."""
    return _dropout.feature_alpha_dropout(input, p, train, inplace=True)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Rows of `weight` at `indices` (torch.embedding: weight first; padding_idx -1 means none)."""
    return _embedding.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                                scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool = True) -> Tensor:
    """Batch normalization (torch.batch_norm's argument order; cudnn_enabled is ignored)."""
    return normalization.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float,
                  eps: float, cudnn_enabled: bool = True) -> Tensor:
    """Instance normalization (torch.instance_norm's argument order; cudnn_enabled is ignored)."""
    return normalization.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum,
                                       eps)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """Layer normalization (cudnn_enable is ignored)."""
    return normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """Group normalization (cudnn_enabled is ignored)."""
    return normalization.group_norm(input, num_groups, weight, bias, eps)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None, pos_weight=None,
                                     reduction: int = 1) -> Tensor:
    """Binary cross entropy of logits, the reduction as an integer."""
    return loss.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                                 pos_weight=pos_weight)


def kl_div(input: Tensor, target: Tensor, reduction: int = 1, *, log_target: bool = False) -> Tensor:
    """KL divergence, the reduction as an integer."""
    return loss.kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 1) -> Tensor:
    """Cosine embedding loss, the reduction as an integer."""
    return loss.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 1) -> Tensor:
    """Hinge embedding loss, the reduction as an integer."""
    return loss.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 1) -> Tensor:
    """Margin ranking loss, the reduction as an integer."""
    return loss.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """Poisson negative log likelihood, the reduction as an integer."""
    return loss.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, reduction: int = 1) -> Tensor:
    """Triplet margin loss, the reduction as an integer."""
    return loss.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction))


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: int = 1, zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss, the reduction as an integer."""
    return loss.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
                         zero_infinity)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """CELU."""
    return activation.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place CELU."""
    return activation.celu(input, alpha, inplace=True)


def selu(input: Tensor) -> Tensor:
    """SELU."""
    return activation.selu(input)


def selu_(input: Tensor) -> Tensor:
    """In-place SELU."""
    return activation.selu(input, inplace=True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator=None) -> Tensor:
    """Randomized leaky ReLU (the generator argument must be None: ember draws from its global generator)."""
    _no_generator(generator)
    return activation.rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator=None) -> Tensor:
    """In-place randomized leaky ReLU."""
    _no_generator(generator)
    return activation.rrelu(input, lower, upper, training, inplace=True)


def _no_generator(generator) -> None:
    if generator is not None:
        raise NotImplementedError("ember's rrelu draws from the global generator; pass generator=None")


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """`value` where input <= threshold, else input."""
    return activation.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place threshold."""
    return activation.threshold(input, threshold, value, inplace=True)


def constant_pad_nd(input: Tensor, pad, value: float = 0) -> Tensor:
    """Pad with a constant (F.pad's constant mode)."""
    return padding.pad(input, tuple(pad), "constant", value)


prelu, hardshrink, rms_norm = activation.prelu, activation.hardshrink, normalization.rms_norm
pdist, pairwise_distance, cosine_similarity = distance.pdist, distance.pairwise_distance, distance.cosine_similarity


def frobenius_norm(input: Tensor, dim=(-2, -1), keepdim: bool = False, **aliases) -> Tensor:
    """The 2-norm over `dim` (deprecated in PyTorch, with its warning: use linalg.vector_norm)."""
    if aliases:
        dim, keepdim = numpy_keywords("frobenius_norm", aliases, dim, keepdim)
    check_tensor("frobenius_norm", "input", input, 1)
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in "
                  "a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    return reduction.norm(input, 2, list(dim), keepdim)


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False, **aliases) -> Tensor:
    """The sum of the singular values of the matrices over `dim` (the last two by default; deprecated in PyTorch,
    with its warning: use linalg.matrix_norm(A, 'nuc'))."""
    if aliases:
        dim, keepdim = numpy_keywords("nuclear_norm", aliases, dim, keepdim)
    check_tensor("nuclear_norm", "input", input, 1)
    warnings.warn("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                  "future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    rows, cols = (-2, -1) if dim is None else dim
    r = decomposition.svdvals(input.movedim((rows, cols), (-2, -1))).sum(-1)
    if keepdim:
        for d in sorted(x % input.dim() for x in (rows, cols)):
            r = r.unsqueeze(d)
    return r


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0, **aliases) -> Tensor:
    """The pow-norm over every dim but `dim`, keeping the dims (the norm of everything for dim=-1)."""
    if aliases:
        dim = numpy_keywords("norm_except_dim", aliases, dim)[0]
    check_tensor("norm_except_dim", "v", v, 1)
    if dim == -1:
        return reduction.norm(v, pow)
    others = [d for d in range(v.dim()) if d != dim % v.dim()]
    return reduction.norm(v, pow, others, keepdim=True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout of whole channels (dim 1), scaling the kept ones by 1 / (1 - p)."""
    check_tensor("feature_dropout", "input", input, 1)
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train or p == 0:
        return input
    if input.dim() < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got {input.dim()}")
    keep = input.new_empty(tuple(input.shape[:2]) + (1,) * (input.dim() - 2)).bernoulli_(1 - p)
    return input * keep / (1 - p) if p < 1 else input * keep


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place feature_dropout."""
    check_tensor("feature_dropout_", "input", input, 1)
    return input.copy_(feature_dropout(input, p, train))


def fill(input: Tensor, value) -> Tensor:
    """A new tensor shaped like `input` holding `value` everywhere (its gradient is zero)."""
    check_tensor("fill", "input", input, 1)
    r = input.detach().clone().fill_(value)
    if needs_grad(input):
        record(r, inplace.NODES["FillBackward0"](), (input,))
    return r


# ---- linear algebra's legacy forms ------------------------------------------------------------------------------


def _from_factor(L: Tensor, upper: bool) -> Tensor:
    """The matrix L L^T (U^T U with upper) of a Cholesky factor."""
    return L.transpose(-2, -1).matmul(L) if upper else L.matmul(L.transpose(-2, -1))


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with A X = B, for A given by its Cholesky factor L (lower, or upper with `upper`)."""
    if "cholesky_solve" in AUTOCAST_OPS[0]:
        return autocast_call("cholesky_solve", cholesky_solve, B, L, upper, out=out)
    check_tensor("cholesky_solve", "input", B, 1)
    check_tensor("cholesky_solve", "input2", L, 2)
    return written(decomposition.solve(_from_factor(L, upper), B), out, "cholesky_solve")


def cholesky_inverse(L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of A, given by its Cholesky factor L (lower, or upper with `upper`)."""
    if "cholesky_inverse" in AUTOCAST_OPS[0]:
        return autocast_call("cholesky_inverse", cholesky_inverse, L, upper, out=out)
    check_tensor("cholesky_inverse", "input", L, 1)
    decomposition.check_precision(L._data, "cholesky_inverse_out_cpu")
    return written(decomposition.inv(_from_factor(L, upper)), out, "cholesky_inverse")


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """(X with A X = b for triangular A, a copy of A); deprecated in PyTorch, with its warning (use
    linalg.solve_triangular). The copy of A requires grad only when A does (PyTorch's does when b does too)."""
    if "triangular_solve" in AUTOCAST_OPS[0]:
        return autocast_call("triangular_solve", triangular_solve, b, A, upper, transpose, unitriangular, out=out)
    check_tensor("triangular_solve", "input", b, 1)
    check_tensor("triangular_solve", "A", A, 2)
    warnings.warn("torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=2)
    part = triu(A) if upper else tril(A)
    if unitriangular:
        part = (triu(A, 1) if upper else tril(A, -1)) + eye(A.shape[-1], dtype=A.dtype)
    matrix = part.transpose(-2, -1) if transpose else part
    return written(RT.triangular_solve((decomposition.solve(matrix, b), A.clone())), out, "triangular_solve")


# ---- normalization and convolution's native forms ----------------------------------------------------------------
def native_layer_norm(input: Tensor, normalized_shape, weight, bias, eps: float):
    """(layer_norm's output, the mean, the reciprocal standard deviation), the statistics kept per normalized
    group with size-1 normalized dims and outside the graph, as PyTorch's."""
    dims = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    mean = input.detach().mean(dims, keepdim=True)
    rstd = (input.detach().var(dims, keepdim=True, correction=0) + eps).rsqrt()
    return normalization.layer_norm(input, normalized_shape, weight, bias, eps), mean, rstd


def native_batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float,
                      eps: float):
    """(batch_norm's output, the batch mean and reciprocal standard deviation used; empty in evaluation)."""
    dims = tuple(d for d in range(input.dim()) if d != 1)
    if training:
        mean = input.mean(dims).detach()
        rstd = (input.var(dims, correction=0) + eps).rsqrt().detach()
    else:
        mean = rstd = input.new_empty((0,))
    out = normalization.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    return out, mean, rstd


def native_group_norm(input: Tensor, weight, bias, N: int, C: int, HxW: int, group: int, eps: float):
    """(group_norm's output, the mean and reciprocal standard deviation per sample and group)."""
    grouped = input.reshape(N, group, -1)
    mean = grouped.mean(-1)
    rstd = (grouped.var(-1, correction=0) + eps).rsqrt()
    return normalization.group_norm(input, group, weight, bias, eps), mean, rstd


def native_dropout(input: Tensor, p: float, train: bool | None):
    """(dropout's output, the bool mask of kept elements)."""
    check_tensor("native_dropout", "input", input, 1)
    if not train or p == 0:
        return input.clone(), input.new_ones(tuple(input.shape)).bool()
    keep = input.new_empty(tuple(input.shape)).bernoulli_(1 - p).bool()
    return input * keep / (1 - p), keep


def convolution(input: Tensor, weight: Tensor, bias, stride, padding, dilation, transposed: bool, output_padding,
                groups: int) -> Tensor:
    """The convolution (or transposed convolution) of the dimension weight gives, with every option explicit."""
    if "convolution" in AUTOCAST_OPS[0]:
        return autocast_call("convolution", convolution, input, weight, bias, stride, padding, dilation, transposed,
                             output_padding, groups)
    dims = weight.dim() - 2
    if transposed:
        op = (conv.conv_transpose1d, conv.conv_transpose2d, conv.conv_transpose3d)[dims - 1]
        return op(input, weight, bias, stride, padding, output_padding, groups, dilation)
    op = (conv.conv1d, conv.conv2d, conv.conv3d)[dims - 1]
    return op(input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """1-D convolution of (time, batch, channels) input with a (kernel, in, out) weight."""
    if "conv_tbc" in AUTOCAST_OPS[0]:
        return autocast_call("conv_tbc", conv_tbc, input, weight, bias, pad)
    check_tensor("conv_tbc", "input", input, 1)
    check_tensor("conv_tbc", "weight", weight, 2)
    check_tensor("conv_tbc", "bias", bias, 3)
    out = conv.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, 1, pad)
    return out.permute(2, 0, 1)


def embedding_renorm_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Scale, in place, the rows of `weight` at `indices` whose norm exceeds max_norm down to it."""
    _embedding._renorm(weight, indices._data, max_norm, norm_type)
    return weight


_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """grid_sample with its modes as integers (interpolation 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros,
    1 border, 2 reflection)."""
    return vision.grid_sample(input, grid, _INTERPOLATIONS[interpolation_mode], _PADDINGS[padding_mode],
                              align_corners)


grid_sampler_2d = grid_sampler_3d = grid_sampler


def affine_grid_generator(theta: Tensor, size, align_corners: bool) -> Tensor:
    """affine_grid, as the native op names it."""
    return vision.affine_grid(theta, list(size), align_corners)


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int = 2, M: Tensor | None = None):
    """(U, S, V) of the rank-q truncation of A - M: ember computes the exact truncated SVD, where PyTorch runs a
    randomized approximation of it (the same within its error, up to the vectors' signs)."""
    check_tensor("svd_lowrank", "A", A, 1)
    m, n = A.shape[-2:]  # fewer than two dims: PyTorch's ValueError
    x = A if M is None else A - M
    q = min(6 if q is None else q, m, n)
    U, S, Vh = decomposition.svd(x, full_matrices=False)
    return U[..., :q], S[..., :q], Vh[..., :q, :].mT


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2):
    """(U, S, V) of the principal components of the rows of A (centred by column means with `center`), as
    svd_lowrank computes them."""
    check_tensor("pca_lowrank", "A", A, 1)
    m, n = A.shape[-2:]  # fewer than two dims: PyTorch's ValueError
    q = min(6, m, n) if q is None else q
    return svd_lowrank(A - A.mean(-2, keepdim=True) if center else A, q, niter)


METHODS = {"cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
           "triangular_solve": triangular_solve}
