"""Differences, integrals, covariance, counts and small constructions from other ops: diff, trapezoid,
cumulative_trapezoid, gradient, cov, corrcoef, dist, renorm, vander, combinations, diagflat, and the histograms
histc, bincount, histogram, histogramdd. Each differentiable one is composed of differentiable ops, so its
gradient comes by composition (as in PyTorch, where these are composite too); the counts have none."""
import itertools
import warnings

import numpy as np

from .. import _creation, _dtype
from .. import return_types as RT
from .._tensor import is_one_dim
from ..backend import array_module
from . import comparison as cmp
from . import cumulative, rearrange, reduction, shape
from . import elementwise as ew
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, check_tensor, needs_grad, not_implemented, wrap, written
from .inplace import generic_inplace
from .keywords import numpy_keywords


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None, **aliases) -> Tensor:
    """The n-th forward difference along `dim`, after joining `prepend` and `append` (`!=` for bool tensors)."""
    if aliases:
        dim = numpy_keywords("diff", aliases, dim)[0]
    check_tensor("diff", "input", input, 1)
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    parts = [t for t in (prepend, input, append) if t is not None]
    for t in parts:
        check_tensor("diff", "prepend/append", t)
        if t.dim() != input.dim():
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    x = shape.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        later, earlier = x.narrow(dim, 1, length - 1), x.narrow(dim, 0, length - 1)
        x = cmp.ne(later, earlier) if x.dtype is _dtype.bool else ew.sub(later, earlier)
    return x


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1, **aliases) -> Tensor:
    """The integral of `y` along `dim` by the trapezoidal rule, at points `x` or spaced `dx` (default 1)."""
    if aliases:
        dim = numpy_keywords("trapezoid", aliases, dim)[0]
    check_tensor("trapezoid", "y", y, 1)
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: received both x and dx; pass at most one of them")
    length = y.shape[dim] if y.dim() else 0
    if length == 0:
        return reduction.sum(y, dim) * 0
    pairs = ew.add(y.narrow(dim, 1, length - 1), y.narrow(dim, 0, length - 1))
    if isinstance(x, Tensor):
        return reduction.sum(ew.mul(_spacing(x, dim, length, y.dim()), pairs), dim) / 2
    return reduction.sum(pairs, dim) * ((1.0 if dx is None else dx) / 2)


def trapz(y: Tensor, x=None, *, dx=None, dim: int = -1, **aliases) -> Tensor:
    """Alias of trapezoid."""
    if aliases:
        dim = numpy_keywords("trapz", aliases, dim)[0]
    check_tensor("trapz", "y", y, 1)
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1, **aliases) -> Tensor:
    """The running integral of `y` along `dim` by the trapezoidal rule (one element fewer than `y`)."""
    if aliases:
        dim = numpy_keywords("cumulative_trapezoid", aliases, dim)[0]
    check_tensor("cumulative_trapezoid", "y", y, 1)
    if x is not None and dx is not None:
        raise RuntimeError("cumulative_trapezoid: received both x and dx; pass at most one of them")
    length = y.shape[dim]
    if length == 0:
        return y
    pairs = ew.add(y.narrow(dim, 1, length - 1), y.narrow(dim, 0, length - 1))
    if isinstance(x, Tensor):
        return cumulative.cumsum(ew.mul(_spacing(x, dim, length, y.dim()), pairs) / 2, dim)
    return cumulative.cumsum(pairs * ((1.0 if dx is None else dx) / 2), dim)


def _spacing(x: Tensor, dim: int, length: int, ndim: int) -> Tensor:
    """The gaps between the sample points `x` along `dim`: `x` is 1-D, or shaped like the samples."""
    if x.dim() != 1:
        return diff(x, dim=dim)
    if x.shape[0] != length:
        raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point, got {x.shape[0]} values "
                           f"for {length} points")
    at = dim % ndim
    return diff(x).view([-1 if i == at else 1 for i in range(ndim)])


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of `input` (observations in columns)."""
    check_tensor("cov", "input", input, 1)
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    x = input.view(1, -1) if input.dim() < 2 else input
    if not x.is_floating_point():
        x = x.to(_dtype.get_default_dtype())
    observations = x.shape[1]
    weights = None
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is None:
            continue
        if w.dim() > 1 or w.shape[0] != observations:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions and the same number of "
                               f"elements as the observations ({observations}), got shape {list(w.shape)}")
        weights = w if weights is None else weights * w
    if weights is None:
        average = x.mean(1)
        total = observations
        factor = total - correction
    else:
        total = weights.sum()
        average = (x * weights).sum(1) / total
        if correction == 0:
            factor = total
        elif aweights is None:
            factor = total - correction
        else:
            factor = total - correction * (weights * aweights).sum() / total
    if not isinstance(factor, Tensor) and factor <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        factor = 0
    centred = x - average.unsqueeze(1)
    scaled = centred if weights is None else centred * weights
    return (scaled.matmul(centred.t()) / factor).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation coefficients of the variables in the rows of `input`."""
    check_tensor("corrcoef", "input", input, 1)
    c = cov(input)
    if c.dim() == 0:
        return c / c
    std = rearrange.diag(c).sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    return c.clamp(-1, 1)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of the 1-D `x`: columns x ** (N - 1), ..., x ** 0 (reversed with `increasing`)."""
    check_tensor("vander", "x", x, 1)
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    ones = _creation.ones_like(x).unsqueeze(1)
    if n == 0:
        return ones[:, :0]
    if x.dtype is _dtype.bool:
        x = x.long()
        ones = ones.long()
    powers = cumulative.cumprod(shape.cat([ones, x.unsqueeze(1).expand(x.shape[0], n - 1)], 1), 1)
    return powers if increasing else rearrange.flip(powers, (1,))


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-`r` combinations of the elements of the 1-D `input`, one per row."""
    check_tensor("combinations", "input", input, 1)
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(choose(range(input.shape[0]), r))
    index = np.array(rows, dtype=np.int64).reshape(-1, r)  # host: Python ints, moved to input's device below
    return shape.stack([input[_creation.tensor(index[:, j], device=input.device)] for j in range(r)], 1)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A 2-D matrix with the flattened `input` on diagonal `offset`."""
    check_tensor("diagflat", "input", input, 1)
    return rearrange.diag_embed(input.reshape(-1), offset)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of input - other."""
    if "dist" in AUTOCAST_OPS[0]:
        return autocast_call("dist", dist, input, other, p)
    check_tensor("dist", "input", input, 1)
    check_tensor("dist", "other", other, 2)
    return reduction.norm(ew.sub(input, other), p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float, *, out=None) -> Tensor:
    """`input` with each slice along `dim` whose p-norm exceeds `maxnorm` scaled down to that norm."""
    if "renorm" in AUTOCAST_OPS[0]:
        return autocast_call("renorm", renorm, input, p, dim, maxnorm, out=out)
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    others = [d for d in range(input.dim()) if d != dim % input.dim()]
    norms = reduction.norm(input, p, others, keepdim=True)
    factor = ew.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return written(ew.mul(input, factor), out, "renorm")


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0, *, out=None) -> Tensor:
    """A histogram of `bins` equal bins between min and max (the data's own range when both are 0); elements
    outside the range are not counted."""
    check_tensor("histc", "input", input, 1)
    a = input._data
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_dtype.scalar_type_name(a.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"bins must be > 0, but got {bins}")
    low, high = float(min), float(max)
    if low == high and a.size:
        low, high = float(a.min()), float(a.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError(f"max must be larger than min, but got min {low} and max {high}")
    xp = array_module(a)
    counts = xp.histogram(a[(a >= low) & (a <= high)], bins, (low, high))[0]
    return written(_creation.tensor(counts.astype(a.dtype), device=input.device), out, "histc")


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0..max occurs in a 1-d tensor of non-negative integers (or the sum of its
    `weights`); at least `minlength` counts. Not differentiable with respect to `weights`, as in PyTorch."""
    check_tensor("bincount", "input", input, 1)
    a = input._data
    if a.dtype.kind in "fV" or a.dtype == np.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_dtype.scalar_type_name(a.dtype)}'")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    xp = array_module(a)
    if weights is None:
        return wrap(xp.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.shape != a.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = w.dtype if w.dtype.kind in "fV" else np.dtype(np.float64)
    r = wrap(xp.bincount(a, weights=w, minlength=minlength).astype(out_dtype))
    if needs_grad(weights):
        not_implemented(r, "_bincount", (weights,))
    return r


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1, **aliases) -> tuple:
    """The derivative of `input` along each of `dim` (all dims by default) by central differences inside and
    one-sided differences (of order `edge_order`) at the edges; `spacing` is one step for every dim, a step per
    dim, or a coordinate tensor per dim."""
    if aliases:
        dim = numpy_keywords("gradient", aliases, dim)[0]
    check_tensor("gradient", "input", input, 1)
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}")
    dims = list(range(input.dim())) if dim is None else [dim] if is_one_dim(dim) else list(dim)
    steps = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(steps) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length {len(steps)} "
                           f"and a dim argument of length {len(dims)}.")
    x = input if input.is_floating_point() else input.to(_dtype.get_default_dtype())
    return tuple(_derivative(x, d % max(x.dim(), 1), h, edge_order) for d, h in zip(dims, steps))


def _derivative(x: Tensor, d: int, h, edge_order: int) -> Tensor:
    n = x.shape[d]
    if n < edge_order + 1:
        raise RuntimeError(f"torch.gradient expected each dimension size to be at least edge_order+1, got {n}")

    def at(i, length=1):
        return x.narrow(d, i % n, length)

    if isinstance(h, Tensor):
        return _derivative_at_points(x, d, h, at)
    inner = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
    if edge_order == 1:
        first, last = (at(1) - at(0)) / h, (at(-1) - at(-2)) / h
    else:
        first = (at(0) * -3 + at(1) * 4 - at(2)) / (2 * h)
        last = (at(-1) * 3 - at(-2) * 4 + at(-3)) / (2 * h)
    return shape.cat([first, inner, last], d)


def _derivative_at_points(x: Tensor, d: int, points: Tensor, at) -> Tensor:
    """Differences at unevenly spaced coordinates (edge order 1): second-order accurate inside."""
    n = x.shape[d]
    if points.dim() != 1 or points.shape[0] != n:
        raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and to have {n} "
                           f"coordinates along dimension {d}, got shape {list(points.shape)}")
    shape_along = [-1 if i == d else 1 for i in range(x.dim())]
    gaps = diff(points.to(x.dtype)).view(shape_along)
    left, right = gaps.narrow(d, 0, n - 2), gaps.narrow(d, 1, n - 2)
    inner = (at(2, n - 2) * left * left - at(0, n - 2) * right * right + at(1, n - 2) * (right * right - left * left)) \
        / (left * right * (left + right))
    first = (at(1) - at(0)) / gaps.narrow(d, 0, 1)
    last = (at(-1) - at(-2)) / gaps.narrow(d, n - 2, 1)
    return shape.cat([first, inner, last], d)




def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False, out=None):
    """(hist, bin_edges): counts (or weights summed, or a density) of `input` in `bins` equal bins over `range`
    (the data's range by default), or in the bins between the given edges."""
    check_tensor("histogram", "input", input, 1)
    check_tensor("histogram", "weight", weight, None, optional=True)
    a = input._data
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_dtype.scalar_type_name(a.dtype)}'")
    edges = bins._data if isinstance(bins, Tensor) else bins
    w = None if weight is None else weight._data.reshape(-1)
    hist, bin_edges = array_module(a).histogram(a.reshape(-1), edges, range, density=density, weights=w)
    result = RT.histogram((wrap(hist.astype(a.dtype)), wrap(bin_edges.astype(a.dtype))))
    result = _no_derivative(result, "histogram", (input, weight, bins if isinstance(bins, Tensor) else None))
    return written(result, out, "histogram")


def histogramdd(input: Tensor, bins=10, *, range=None, weight: Tensor | None = None, density: bool = False):
    """(hist, bin_edges): the histogram of the points in the rows of `input` (its last dim the coordinates)."""
    check_tensor("histogramdd", "input", input, 1)
    check_tensor("histogramdd", "weight", weight, None, optional=True)
    a = input._data
    points = a.reshape(-1, a.shape[-1])
    edges = [b._data for b in bins] if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor) \
        else bins
    ranges = None if range is None else list(zip(range[0::2], range[1::2]))
    w = None if weight is None else weight._data.reshape(-1)
    hist, bin_edges = array_module(a).histogramdd(points, edges, ranges, density=density, weights=w)
    result = RT.histogramdd((wrap(hist.astype(a.dtype)), [wrap(e.astype(a.dtype)) for e in bin_edges]))
    return _no_derivative(result, "histogramdd", (input, weight))


def _no_derivative(result, op: str, inputs):
    """`result` with the histogram recorded as an op PyTorch gives no derivative, when an input requires grad."""
    given = tuple(t for t in inputs if isinstance(t, Tensor))
    if needs_grad(*given):
        hist, edges = result
        for t in (hist, *(edges if isinstance(edges, list) else [edges])):
            not_implemented(t, op, given)
    return result


METHODS = {"dist": dist, "renorm": renorm, "histc": histc, "bincount": bincount, "histogram": histogram, "diff": diff,
           "cov": cov, "corrcoef": corrcoef, "diagflat": diagflat,
           "renorm_": generic_inplace(renorm)}
