"""Scatter kernels NumPy lacks: combine values into an array at repeated flat positions.

Every scatter-style op (scatter_add, scatter_reduce, index_add, put_ with accumulate, index_put_ with
accumulate) turns its index into flat positions of a C-contiguous destination with `flat_positions`,
then calls `scatter_reduce_flat` once. NumPy >= 1.25 runs `ufunc.at` on a plain integer index as a
fast loop (faster than `np.bincount` with weights for float32, exact for integers); float64 sums with
more values than bins use `np.bincount`; CuPy has atomic `cupyx.scatter_add/max/min`.
"""
import numpy

from . import array_module, meta

_UFUNCS = {"sum": numpy.add, "prod": numpy.multiply, "amax": numpy.maximum, "amin": numpy.minimum}


def flat_positions(shape: tuple, dim: int, index):
    """Flat positions, in a C-contiguous array of `shape`, of the elements that `index` addresses along
    `dim`: element p of `index` addresses p with its coordinate `dim` replaced by index[p]. `index` may be
    a broadcast view; negative entries must have been rejected or wrapped."""
    xp = array_module(index)
    stride = 1
    strides = []
    for n in reversed(shape):
        strides.append(stride)
        stride *= n
    strides.reverse()
    pos = index.astype(numpy.int64, copy=False)
    if strides[dim] != 1:
        pos = pos * strides[dim]
    for d, n in enumerate(index.shape):
        if d != dim and n > 1:
            pos = pos + (xp.arange(n, dtype=numpy.int64) * strides[d]).reshape(
                [n if k == d else 1 for k in range(index.ndim)])
    return pos.reshape(-1)


def scatter_reduce_flat(flat, positions, values, reduce: str) -> None:
    """flat[positions[i]] = reduce(flat[positions[i]], values[i]) for every i, repeats included, in place.

    `flat` is a 1-D contiguous array, `values` an array of positions' size or a scalar of flat's dtype,
    `reduce` one of 'sum', 'prod', 'amax', 'amin'.
    """
    xp = array_module(flat)
    if xp is numpy:
        if reduce == "sum" and flat.dtype == numpy.float64 and positions.size >= flat.size and values.ndim:
            flat += numpy.bincount(positions, values, flat.size)  # ~15% faster than add.at when values outnumber bins
            return
        _UFUNCS[reduce].at(flat, positions, values)
        return
    if flat.__class__ is meta.MetaArray:
        return  # nothing to write (NOTE [ Meta tensors ] in meta.py)
    import cupyx  # optional: cupy
    kernel = {"sum": cupyx.scatter_add, "amax": cupyx.scatter_max, "amin": cupyx.scatter_min}.get(reduce)
    if kernel is not None:
        kernel(flat, positions, values)
        return
    # CuPy has no scatter-multiply: products run on the host (rare: scatter_reduce 'prod', scatter_ 'multiply')
    host = flat.get()
    numpy.multiply.at(host, positions.get(), values.get() if isinstance(values, xp.ndarray) else values)
    flat[...] = xp.asarray(host)


def hit_counts(size: int, positions):
    """How many times each of `size` flat positions occurs in `positions` (int64)."""
    return array_module(positions).bincount(positions, minlength=size).astype(numpy.int64, copy=False)
