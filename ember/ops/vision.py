"""Vision functional ops: interpolate, grid_sample, affine_grid, pixel and channel shuffles, one_hot, normalize.

Interpolation is separable: along each spatial axis it is a sparse matrix (a few taps of source index and
weight per output position) applied as a BLAS product or by gathers, and its backward is the transposed
matrix. Like the pooling
ops it is recorded as a `Linear` map, so gradients of every order compose.
"""
import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np

from .._creation import spaced
from .._dtype import scalar_type_name
from ..autograd.graph import node_classes
from ..backend import array_module, asarray_like
from ..backend import pooling as kernels
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, check_tensor, needs_grad, not_implemented, record, wrap
from .keywords import numpy_keywords
from .pooling import Linear, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "one_hot", "normalize"]

_INTERPOLATION_NODES = ["UpsampleNearest1D", "UpsampleNearest2D", "UpsampleNearest3D", "UpsampleNearestExact1D",
                        "UpsampleNearestExact2D", "UpsampleNearestExact3D", "UpsampleLinear1D", "UpsampleBilinear2D",
                        "UpsampleBicubic2D", "UpsampleTrilinear3D", "UpsampleBilinear2DAa", "UpsampleBicubic2DAa"]
_LINEAR_NODES = ([f"{name}Backward0" for name in _INTERPOLATION_NODES]
                 + [f"{name}BackwardBackward0" for name in _INTERPOLATION_NODES]
                 + ["PixelShuffleBackward0", "PixelUnshuffleBackward0", "ChannelShuffleBackward0"])
GRADIENTS = dict.fromkeys(_LINEAR_NODES, lambda g, adjoint: (adjoint(g),))
GRADIENTS.update({
    "GridSampler2DBackward0": lambda g, x, grid, how: _grid_sample_backward(g, x, grid, how),
    "GridSampler3DBackward0": lambda g, x, grid, how: _grid_sample_backward(g, x, grid, how),
    "AffineGridGeneratorBackward0": lambda g, base: (g.reshape(g.shape[0], -1, g.shape[-1]).transpose(1, 2)
                                                     .matmul(wrap(base)),),
})
NODES = node_classes(GRADIENTS)

_ALIGN_CORNERS_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                          "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                          "documentation of grid_sample for details.")


# ---- interpolate -----------------------------------------------------------------------------------
_MODE_DIMS = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2, "bicubic": 2,
              "trilinear": 3}
_NODE_NAME = {"nearest": "UpsampleNearest{n}D", "nearest-exact": "UpsampleNearestExact{n}D",
              "linear": "UpsampleLinear1D", "bilinear": "UpsampleBilinear2D", "bicubic": "UpsampleBicubic2D",
              "trilinear": "UpsampleTrilinear3D"}


def _sizes(input, n, size, scale_factor, recompute_scale_factor, mode):
    """The output size and the scale factors the kernel maps coordinates with (None: from the sizes)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    spatial = input._data.shape[2:]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = list(size) if isinstance(size, (tuple, list)) else [size] * n
        if len(sizes) != n:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(spatial)} and output size of {size}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             f"format.")
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"interpolate(): size must be an int or a sequence of ints, but got {size!r}")
        return [int(s) for s in sizes], [None] * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else [scale_factor] * n
    if len(scales) != n:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {list(spatial)} and scale_factor of shape {scale_factor}. "
                         f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                         f"(s1, s2, ...,sK) format.")
    sizes = [math.floor(float(L) * float(s)) for L, s in zip(spatial, scales)]
    if recompute_scale_factor or mode == "area":
        return sizes, [None] * n
    return sizes, [float(s) for s in scales]


def _scale(L, out, align_corners, scale):
    """Source units per output unit along one axis (PyTorch's area_pixel_compute_scale)."""
    if align_corners:
        return (L - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else L / out


# The sampling maps of interpolate are small NumPy arrays made from Python sizes, one per axis (ELL matrices):
# backend.pooling.apply_axis moves them to the input's device.
def _nearest_map(L, out, scale, exact):  # host: a sampling map from Python sizes
    """Nearest-neighbour source indices, computed in float32 as PyTorch does (so ties fall the same way)."""
    if out == L and not exact:
        return None
    dst = np.arange(out)
    if out == 2 * L and not exact:
        return (dst >> 1)[:, None], np.ones((out, 1))
    s = np.float32(1.0 / scale if scale is not None and scale > 0 else np.float32(L) / np.float32(out))
    src = (dst + 0.5).astype(np.float32) * s if exact else dst.astype(np.float32) * s
    return np.minimum(np.floor(src).astype(np.int64), L - 1)[:, None], np.ones((out, 1))


def _linear_map(L, out, align_corners, scale):  # host: a sampling map from Python sizes
    s = _scale(L, out, align_corners, scale)
    dst = np.arange(out, dtype=np.float64)
    src = s * dst if align_corners else np.maximum(s * (dst + 0.5) - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), L - 1)
    lam = np.clip(src - i0, 0.0, 1.0)
    return np.stack([i0, np.minimum(i0 + 1, L - 1)], 1), np.stack([1 - lam, lam], 1)


def _cubic_near(s, a):
    """Keys' cubic convolution kernel with parameter `a` at distance 0 <= s <= 1."""
    return ((a + 2) * s - (a + 3)) * s * s + 1


def _cubic_far(s, a):
    """Keys' cubic convolution kernel at distance 1 <= s <= 2."""
    return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a


def _cubic_weights(t, a=-0.75):
    """The weights of the four taps around fractional offset `t` (PyTorch's bicubic uses a = -0.75)."""
    return [_cubic_far(t + 1, a), _cubic_near(t, a), _cubic_near(1 - t, a), _cubic_far(2 - t, a)]


def _cubic_slopes(t, a=-0.75):
    """The derivatives of the four tap weights by `t`."""
    def near(s):
        return (3 * (a + 2) * s - 2 * (a + 3)) * s

    def far(s):
        return (3 * a * s - 10 * a) * s + 8 * a
    return [far(t + 1), near(t), -near(1 - t), -far(2 - t)]


def _cubic_map(L, out, align_corners, scale):  # host: a sampling map from Python sizes
    s = _scale(L, out, align_corners, scale)
    dst = np.arange(out, dtype=np.float64)
    src = s * dst if align_corners else s * (dst + 0.5) - 0.5
    i = np.floor(src)
    idx = np.clip(i.astype(np.int64)[:, None] + np.arange(-1, 3), 0, L - 1)
    return idx, np.stack(_cubic_weights(src - i), 1)


def _antialias_map(L, out, align_corners, scale, cubic):  # host: a sampling map from Python sizes
    """Antialiased resampling (PIL's): the filter widened by the downscale factor, weights normalised per output."""
    s = _scale(L, out, align_corners, scale)
    support = (2.0 if cubic else 1.0) * (s if s >= 1.0 else 1.0)
    invscale = 1.0 / s if s >= 1.0 else 1.0
    center = s * (np.arange(out) + 0.5)
    lo = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    count = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), L) - lo
    j = np.arange(max(int(count.max(initial=1)), 1))
    x = np.abs((j + lo[:, None] - center[:, None] + 0.5) * invscale)
    if cubic:
        w = np.where(x < 1, _cubic_near(x, -0.5), np.where(x < 2, _cubic_far(x, -0.5), 0.0))
    else:
        w = np.maximum(1.0 - x, 0.0)
    w = np.where(j < count[:, None], w, 0.0)
    total = w.sum(1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), 0.0)
    return np.minimum(lo[:, None] + j, L - 1), w


def _axis_map(mode, L, out, align_corners, scale, antialias):
    if mode in ("nearest", "nearest-exact"):
        return _nearest_map(L, out, scale, mode == "nearest-exact")
    if antialias:
        return _antialias_map(L, out, align_corners, scale, mode == "bicubic")
    if mode == "bicubic":
        return _cubic_map(L, out, align_corners, scale)
    return _linear_map(L, out, align_corners, scale)


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of a (N, C, ...) input by `size` or `scale_factor` with PyTorch's sampling
    grid for each mode. uint8 images are rounded after each axis; PyTorch's fixed-point uint8 kernels may
    give values one off from ember's."""
    if "interpolate" in AUTOCAST_OPS[0]:
        return autocast_call("interpolate", interpolate, input, size, scale_factor, mode, align_corners,
                             recompute_scale_factor, antialias)
    check_tensor("interpolate", "input", input)
    n = input._data.ndim - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias and not (mode in ("bilinear", "bicubic") and n == 2):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    if mode not in _MODE_DIMS or not 1 <= n <= 3:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {n + 2}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode!r})")
    sizes, scales = _sizes(input, n, size, scale_factor, recompute_scale_factor, mode)
    if _MODE_DIMS[mode] is not None and _MODE_DIMS[mode] != n:
        raise NotImplementedError(f"Got {n + 2}D input, but {mode} mode needs {_MODE_DIMS[mode] + 2}D input")
    a = input._data
    spatial = a.shape[2:]
    if min(sizes) <= 0 or min(spatial) <= 0:
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input {list(spatial)} "
                           f"output {sizes}")
    if a.shape[1] == 0:
        raise RuntimeError(f"interpolate: Non-empty {n + 2}D data tensor expected but got a tensor with sizes "
                           f"{list(a.shape)}")
    if mode == "area":
        return [adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d][n - 1](input, sizes)
    if a.dtype.kind not in "fV" and a.dtype != np.uint8:
        raise NotImplementedError(f"\"upsample_{mode}\" not implemented for '{scalar_type_name(a.dtype)}'")
    maps = [_axis_map(mode, L, o, align_corners, s, antialias) for L, o, s in zip(spatial, sizes, scales)]
    transposed = [None if m is None else kernels.transpose_ell(m[0], m[1], L) for m, L in zip(maps, spatial)]
    if a.dtype == np.uint8:
        return wrap(_resample_uint8(a, maps))
    name = _NODE_NAME[mode].format(n=n) + ("Aa" if antialias else "")
    return Linear(lambda x: kernels.apply_separable(x, maps), lambda g: kernels.apply_separable(g, transposed),
                  NODES[name + "Backward0"], NODES[name + "BackwardBackward0"])(input)


def _resample_uint8(a, maps):
    """Resample uint8 images as PyTorch does: one axis at a time, the last first, rounding to uint8 after each
    (PyTorch's fixed-point weights may still give a value one off)."""
    xp = array_module(a)
    if all(m is None or (m[1] == 1).all() for m in maps):  # nearest neighbours: exact gathers
        return kernels.apply_separable(a, maps)
    n = len(maps)
    for d in range(n - 1, -1, -1):
        if maps[d] is not None:
            r = kernels.apply_axis(a.astype(np.float32), maps[d][0], maps[d][1], a.ndim - n + d)
            a = xp.clip(xp.rint(r), 0, 255).astype(np.uint8)
    return a


def upsample(input: Tensor, size: int | Sequence[int] | None = None,
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of interpolate (warns, as PyTorch does)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: int | Sequence[int] | None = None,
                     scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """Deprecated: interpolate(mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: int | Sequence[int] | None = None,
                      scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """Deprecated: interpolate(mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- grid_sample -----------------------------------------------------------------------------------
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample a (N, C, H, W) or (N, C, D, H, W) input at the normalised (x, y[, z]) locations of `grid`
    (N, H_out, W_out, 2) or (N, D_out, H_out, W_out, 3)."""
    if "grid_sample" in AUTOCAST_OPS[0]:
        return autocast_call("grid_sample", grid_sample, input, grid, mode, padding_mode, align_corners)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    _check_grid_sample(input, grid, mode)
    how = (mode, padding_mode, bool(align_corners))
    r = wrap(_grid_sample_forward(input._data, grid._data, how))
    if needs_grad(input, grid):
        node = NODES.GridSampler2DBackward0() if input._data.ndim == 4 else NODES.GridSampler3DBackward0()
        record(r, node, (input, grid), (input, grid, how))
    return r


def _check_grid_sample(input, grid, mode):
    for name, t in (("input", input), ("grid", grid)):
        check_tensor("grid_sample", name, t)
    a, g = input._data, grid._data
    if a.ndim not in (4, 5) or g.ndim != a.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(a.shape)} and grid with sizes {list(g.shape)}")
    if a.shape[0] != g.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(a.shape)} and grid with sizes {list(g.shape)}")
    if g.shape[-1] != a.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {a.ndim - 2} in last dimension, but got "
                           f"grid with sizes {list(g.shape)}")
    if 0 in a.shape[2:]:
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                           f"sizes {list(a.shape)}")
    if mode == "bicubic" and a.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if a.dtype.kind not in "fV":
        raise NotImplementedError(f"\"grid_sampler\" not implemented for '{scalar_type_name(a.dtype)}'")
    if g.dtype != a.dtype:
        raise RuntimeError(f"grid_sampler(): expected grid to have the input's dtype "
                           f"{scalar_type_name(a.dtype)}, but got {scalar_type_name(g.dtype)}")


def _unnormalise(u, L, align_corners):
    """Input coordinates from normalised grid values in [-1, 1], and their derivative by the grid value."""
    xp = array_module(u)
    if align_corners:
        return ((u + 1) / 2) * (L - 1), xp.full(u.shape, (L - 1) / 2, u.dtype)
    return ((u + 1) * L - 1) / 2, xp.full(u.shape, L / 2, u.dtype)


def _clip(x, dx, L):
    """Coordinates clipped to [0, L-1]; the derivative is zero where clipped."""
    xp = array_module(x)
    return xp.clip(x, 0, L - 1), dx * ((x > 0) & (x < L - 1))


def _reflect(x, dx, twice_low, twice_high):
    """Coordinates reflected off the bounds [twice_low / 2, twice_high / 2] until inside them."""
    xp = array_module(x)
    if twice_low == twice_high:
        return xp.zeros_like(x), xp.zeros_like(dx)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    d = x - low
    sign = xp.where(d < 0, -1, 1).astype(x.dtype)
    d = xp.abs(d)
    extra = xp.fmod(d, span)
    even = xp.floor(d / span) % 2 == 0
    flip = xp.where(even, 1, -1).astype(x.dtype)
    return xp.where(even, extra + low, span - extra + low), dx * sign * flip


def _pad_coordinates(x, dx, L, padding_mode, align_corners):
    """Coordinates outside the input moved in by the padding mode ('zeros' leaves them: they read zeros)."""
    if padding_mode == "zeros":
        return x, dx
    if padding_mode == "reflection":
        x, dx = _reflect(x, dx, 0, 2 * (L - 1)) if align_corners else _reflect(x, dx, -1, 2 * L - 1)
    return _clip(x, dx, L)


def _dim_taps(u, L, how):
    """The taps of one spatial dim, [(position, weight, d weight / d coordinate)], and d coordinate / d grid."""
    mode, padding_mode, align_corners = how
    xp = array_module(u)
    x, dx = _unnormalise(u, L, align_corners)
    if mode != "bicubic":
        x, dx = _pad_coordinates(x, dx, L, padding_mode, align_corners)
    if mode == "nearest":
        return [(xp.rint(x), xp.ones_like(x), xp.zeros_like(x))], dx
    i = xp.floor(x)
    t = x - i
    if mode == "bilinear":
        return [(i, 1 - t, -xp.ones_like(t)), (i + 1, t, xp.ones_like(t))], dx
    taps = []  # bicubic: each tap's position goes through the padding mode on its own, as in PyTorch
    for k, (w, slope) in enumerate(zip(_cubic_weights(t), _cubic_slopes(t))):
        pos, _ = _pad_coordinates(i + (k - 1), dx, L, padding_mode, align_corners)
        taps.append((xp.trunc(pos), w, slope))
    return taps, dx


def _corners(shape, grid, how):
    """Every combination of one tap per spatial dim: (flat index into an input plane, weight (zero outside the
    input), per dim the derivative of the weight by that dim's grid value)."""
    xp = array_module(grid)
    n = grid.shape[-1]
    spatial = shape[2:]
    per_dim = [_dim_taps(grid[..., n - 1 - d], spatial[d], how) for d in range(n)]
    for combo in itertools.product(*[taps for taps, _ in per_dim]):
        flat, valid = 0, True
        for (pos, _, _), L in zip(combo, spatial):
            valid = valid & (pos >= 0) & (pos <= L - 1)
            flat = flat * L + xp.clip(pos, 0, L - 1).astype(np.int64)
        weights = [w for _, w, _ in combo]
        weight = math.prod(weights) * valid
        slopes = [math.prod(weights[:d] + [combo[d][2]] + weights[d + 1:]) * valid * per_dim[d][1]
                  for d in range(n)]
        yield flat, weight, slopes


def _grid_sample_forward(a, grid, how):
    xp = array_module(a)
    n, c = a.shape[:2]
    out_spatial = grid.shape[1:-1]
    q = math.prod(out_spatial)
    planes = a.reshape(n, c, math.prod(a.shape[2:]))
    out = xp.zeros((n, c, q), a.dtype)
    for flat, weight, _ in _corners(a.shape, grid, how):
        values = xp.take_along_axis(planes, flat.reshape(n, 1, q), axis=2)
        out += values * weight.reshape(n, 1, q)
    return out.reshape((n, c) + out_spatial)


def _grid_sample_backward(g, x, grid, how):
    """Gradients of grid_sample for its input (the weights scattered back) and its grid (the weights' slopes)."""
    a, gd = x._data, grid._data
    xp = array_module(a)
    n, c = a.shape[:2]
    q = math.prod(gd.shape[1:-1])
    go = g._data.reshape(n, c, q)
    planes = a.reshape(n, c, math.prod(a.shape[2:]))
    grad_grid = xp.zeros(gd.shape, gd.dtype) if grid._rg else None
    values, positions = [], []
    for flat, weight, slopes in _corners(a.shape, gd, how):
        idx = flat.reshape(n, 1, q)
        if x._rg:
            values.append(go * weight.reshape(n, 1, q))
            positions.append(xp.broadcast_to(idx, go.shape))
        if grid._rg:
            along = (go * xp.take_along_axis(planes, idx, axis=2)).sum(1).reshape(gd.shape[:-1])
            for d, slope in enumerate(slopes):
                grad_grid[..., gd.shape[-1] - 1 - d] += along * slope
    grads = [None, None]
    if x._rg:
        summed = kernels.scatter_planes(xp.concatenate(values, 2), xp.concatenate(positions, 2), planes.shape[2:],
                                        accumulate=True)
        grads[0] = wrap(summed.reshape(a.shape))
    if grid._rg:
        grads[1] = wrap(grad_grid)
    if needs_grad(g, x, grid):  # second derivatives of grid_sample are not implemented
        op = f"grid_sampler_{a.ndim - 2}d_backward"
        grads = [None if r is None else not_implemented(r, op, (g, x, grid)) for r in grads]
    return tuple(grads)


# ---- affine_grid -----------------------------------------------------------------------------------
def _base_coordinates(steps, align_corners, dtype):  # host: coordinates from a Python size
    """Normalised coordinates of `steps` pixel centres (or corners, with align_corners) in [-1, 1], computed in
    `dtype` as PyTorch's (linspace, then times (steps - 1) / steps), so that pixel centres fall where its do."""
    if steps <= 1:
        return np.zeros(max(steps, 0), dtype)
    r = spaced(-1, 1, steps, dtype)
    return r if align_corners else r * dtype.type(steps - 1) / dtype.type(steps)


def _base_grid(spatial: tuple, align_corners: bool, dtype):  # host: a grid from Python sizes
    """The (prod(spatial), n + 1) rows (x, y(, z), 1) of the normalised coordinates of every output point."""
    axes = [_base_coordinates(s, align_corners, dtype) for s in reversed(spatial)]  # x (width) first
    mesh = list(np.meshgrid(*axes[::-1], indexing="ij"))[::-1]  # each (D,) H, W, in x, y(, z) order
    return np.stack(mesh + [np.ones(spatial, dtype)], -1).reshape(-1, len(spatial) + 1)


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of affine maps `theta` (N, 2, 3) or (N, 3, 4) over
    an output of `size` (N, C, H, W) or (N, C, D, H, W), for grid_sample."""
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    check_tensor("affine_grid", "theta", theta)
    t = theta._data
    if t.dtype.kind not in "fV":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    n = len(size) - 2
    if t.ndim != 3 or t.shape[1:] != (n, n + 1):
        raise ValueError(f"Expected a batch of {n}D affine matrices of shape Nx{n}x{n + 1} for size {size}. "
                         f"Got {list(t.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if align_corners and 1 in size[2:]:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    if t.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta holds {t.shape[0]} affine matrices but size asks for a batch of "
                           f"{size[0]}")
    spatial = size[2:]
    xp = array_module(t)
    base = asarray_like(_base_grid(spatial, align_corners, t.dtype), t)
    r = wrap(xp.matmul(base, t.transpose(0, 2, 1)).reshape((size[0],) + spatial + (n,)))
    if needs_grad(theta):  # the base grid is a constant array, not a saved tensor: backward may run again
        record(r, NODES.AffineGridGeneratorBackward0(), (theta,), (base,))
    return r


# ---- pixel and channel shuffles ----------------------------------------------------------------------
def _fresh(result, source):
    """`result`, copied if it is a view of `source` (an op's result never shares memory with its input)."""
    return result.copy() if array_module(result).may_share_memory(result, source) else result


def _shuffle_pixels(a, r):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    lead, (c, h, w) = a.shape[:-3], a.shape[-3:]
    k = len(lead)
    b = a.reshape(lead + (c // (r * r), r, r, h, w)).transpose(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return _fresh(b.reshape(lead + (c // (r * r), h * r, w * r)), a)


def _unshuffle_pixels(a, r):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    lead, (c, h, w) = a.shape[:-3], a.shape[-3:]
    k = len(lead)
    b = a.reshape(lead + (c, h // r, r, w // r, r)).transpose(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return _fresh(b.reshape(lead + (c * r * r, h // r, w // r)), a)


def _check_factor(input, factor, fname, what):
    check_tensor(fname, "input", input)
    if not isinstance(factor, (int, np.integer)) or isinstance(factor, bool):
        raise TypeError(f"{fname}(): argument '{what}' must be int, not {type(factor).__name__}")
    if input._data.ndim < 3:
        raise RuntimeError(f"{fname} expects input to have at least 3 dimensions, but got input with "
                           f"{input._data.ndim} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{fname} expects a positive {what}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C*r*r, H, W) into (*, C, H*r, W*r) (sub-pixel convolution's upscaling)."""
    _check_factor(input, upscale_factor, "pixel_shuffle", "upscale_factor")
    r = int(upscale_factor)
    c = input._data.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return Linear(lambda a: _shuffle_pixels(a, r), lambda g: _unshuffle_pixels(g, r),
                  NODES.PixelShuffleBackward0, NODES.PixelUnshuffleBackward0)(input)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H*r, W*r) into (*, C*r*r, H, W), the inverse of pixel_shuffle."""
    _check_factor(input, downscale_factor, "pixel_unshuffle", "downscale_factor")
    r = int(downscale_factor)
    h, w = input._data.shape[-2:]
    for name, L, d in (("height", h, -2), ("width", w, -1)):
        if L % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({d})={L} is not divisible by {r}")
    return Linear(lambda a: _unshuffle_pixels(a, r), lambda g: _shuffle_pixels(g, r),
                  NODES.PixelUnshuffleBackward0, NODES.PixelShuffleBackward0)(input)


def _shuffle_channels(a, groups):
    """(N, g*k, *) -> (N, k*g, *): channel i*k + j moves to j*g + i."""
    n, c = a.shape[:2]
    b = a.reshape((n, groups, c // groups) + a.shape[2:]).swapaxes(1, 2)
    return _fresh(b.reshape(a.shape), a)


def _check_groups(input, groups, fname):
    check_tensor(fname, "input", input)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{fname}(): argument 'groups' must be int, not {type(groups).__name__}")
    a = input._data
    if a.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(a.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if a.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {a.shape[1]} channels and "
                           f"{groups} groups.")


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of (N, C, *) from `groups` groups (ShuffleNet's channel shuffle)."""
    _check_groups(input, groups, "channel_shuffle")
    g = int(groups)
    back = input._data.shape[1] // g
    return Linear(lambda a: _shuffle_channels(a, g), lambda grad: _shuffle_channels(grad, back),
                  NODES.ChannelShuffleBackward0, NODES.ChannelShuffleBackward0)(input)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """channel_shuffle without a derivative (its backward raises, as in PyTorch)."""
    _check_groups(input, groups, "native_channel_shuffle")
    r = wrap(_shuffle_channels(input._data, int(groups)))
    return not_implemented(r, "native_channel_shuffle", (input,)) if needs_grad(input) else r


# ---- one_hot, normalize ------------------------------------------------------------------------------
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dim of `num_classes` (inferred as max + 1 when -1)."""
    check_tensor("one_hot", "input", tensor)
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = a.max().item() + 1  # item(): a meta tensor has no values to count (RuntimeError)
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if a.size and int(a.max()) >= num_classes or num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    xp = array_module(a)
    return wrap((a[..., None] == xp.arange(num_classes)).astype(np.int64))


def normalize(input: Tensor, p: float = 2.0, dim: int | Sequence[int] = 1, eps: float = 1e-12,
              out: Tensor | None = None, **aliases) -> Tensor:
    """input / max(||input||_p over `dim`, eps): unit p-norm slices along `dim`."""
    if aliases:
        dim = numpy_keywords("normalize", aliases, dim)[0]
    check_tensor("normalize", "input", input, 1)
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    return input.div(denom, out=out)
