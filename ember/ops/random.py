"""Random sampling ops drawing from ember.Generator: normal, bernoulli, multinomial, poisson and the in-place samplers.

Every sample comes from the NumPy generator behind `ember.Generator` (`rng(generator)`), so `ember.manual_seed`
reproduces a run; samples for CUDA tensors are drawn on the host and copied to the device. The values differ from
PyTorch's (the streams do), while the distributions, dtypes, shapes, errors and autograd nodes are PyTorch's.
The in-place samplers write into the tensor's own memory, so views and NumPy arrays sharing it see the samples.
"""
import warnings

import numpy as np

from .. import _dtype
from .._creation import _finish, _float_dtype, _int, _on_meta, _size, _work_dtype, zeros_like
from .._random import rng
from ..autograd.graph import node_classes
from ..backend import array_module, asarray_like, meta, to_numpy
from .base import (
    Tensor,
    broadcast_error,
    check_inplace,
    check_no_overlap,
    check_tensor,
    needs_grad,
    not_implemented,
    record,
    tensor_type_error,
    wrap,
    write_out,
)
from .shape import expand
from .views import check_view_inplace, share_inplace

__all__ = ["normal", "bernoulli", "multinomial", "poisson", "binomial"]


def _no_gradient(n):
    """The formula of a sampler: a zero gradient for each of its `n` inputs, as in PyTorch."""
    return lambda g: tuple(zeros_like(g) for _ in range(n))


GRADIENTS = {
    "NormalBackward0": _no_gradient(1),  # normal_
    "NormalBackward1": _no_gradient(1),  # normal(Tensor mean, float std)
    "NormalBackward2": _no_gradient(1),  # normal(float mean, Tensor std)
    "NormalBackward3": _no_gradient(2),  # normal(Tensor mean, Tensor std)
    "BernoulliBackward0": _no_gradient(1),  # bernoulli(input)
    "BernoulliBackward1": _no_gradient(2),  # bernoulli_(Tensor p)
    "BernoulliBackward2": _no_gradient(1),  # bernoulli_(float p)
    "PoissonBackward0": _no_gradient(1),
    "UniformBackward0": _no_gradient(1),
    "ExponentialBackward0": _no_gradient(1),
    "GeometricBackward0": _no_gradient(1),
    "LogNormalBackward0": _no_gradient(1),
    "CauchyBackward0": _no_gradient(1),
    "RandomBackward0": _no_gradient(1),  # random_(from, to)
    "RandomBackward1": _no_gradient(1),  # random_(to)
    "RandomBackward2": _no_gradient(1),  # random_()
}
NODES = node_classes(GRADIENTS)


# ---- helpers ----------------------------------------------------------------------------------------
def _draw(generator, like, method: str, *args, **kwargs):
    """Samples from `generator`'s NumPy generator (`method` names a numpy.random.Generator method), on the device
    of array `like`; for a meta array, a meta array of their shape and dtype, drawn from nothing (as PyTorch's,
    the generator's state stays: NOTE [ Meta tensors ] in backend/meta.py)."""
    if like.__class__ is meta.MetaArray:
        return _meta_sample(method, args, kwargs)
    return asarray_like(getattr(rng(generator), method)(*args, **kwargs), like)


_SIZE_ARGUMENT = {"random": 0, "standard_normal": 0, "standard_exponential": 0, "standard_cauchy": 0, "integers": 2,
                  "geometric": 1, "binomial": 2, "poisson": 1}  # where each sampler _draw uses takes its size


def _meta_sample(method: str, args, kwargs):
    """The meta array that `method`(*args, **kwargs) would draw: its size from the arguments, its dtype from one
    sample of a throwaway generator."""
    position = _SIZE_ARGUMENT[method]
    args = list(args)
    if "size" in kwargs:
        size, kwargs["size"] = kwargs["size"], 1
    else:
        size, args[position] = args[position], 1
    one = getattr(np.random.default_rng(0), method)(*args, **kwargs)  # host: one sample, for its dtype
    return meta.empty(size, one.dtype)


def _float_arg(x, fn: str, arg: str) -> float:
    """A float argument: a number or a 0-dim tensor (TypeError otherwise, as PyTorch's argument parser)."""
    if isinstance(x, Tensor) and x._data.ndim == 0:
        x = x.item()
    if not isinstance(x, (int, float, np.number)):
        raise TypeError(f"{fn}(): argument '{arg}' must be float, not {type(x).__name__}")
    return float(x)


def _keyword_from(kwargs: dict, value, fn: str):
    """PyTorch names the lower bound `from`, a Python keyword: take it from **kwargs when given there."""
    unknown = kwargs.keys() - {"from"}
    if unknown:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{unknown.pop()}'")
    return kwargs.get("from", value)


def _check_std(std: float) -> None:
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def _check_continuous(t: Tensor, distribution: str) -> None:
    if t._data.dtype.kind not in "fV":
        raise RuntimeError(f"{distribution} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_dtype.scalar_type_name(t._data.dtype)}")


def _limits(np_dtype):
    """The lowest and highest values of a dtype."""
    if np_dtype.kind == "b":
        return 0, 1
    info = np.finfo(np_dtype) if np_dtype.kind in "fV" else np.iinfo(np_dtype)
    return info.min, info.max


def _check_in_range(np_dtype, value, what: str) -> None:
    lo, hi = _limits(np_dtype)
    if not lo <= value <= hi:
        raise RuntimeError(f"{what} is out of bounds for {_dtype.scalar_type_name(np_dtype)}")


def _fill(self: Tensor, sample, node_cls, inputs=None) -> Tensor:
    """Write `sample` (an array on self's device that broadcasts to self) into self's memory, bump its version,
    and record `node_cls` when autograd tracks self or another of `inputs`."""
    a = self._data
    check_no_overlap(a)
    inputs = inputs or (self,)
    recording = needs_grad(*inputs)
    through_view = recording and check_view_inplace(self)
    a[...] = sample
    self._vc[0] += 1
    if recording:
        record(self, node_cls(), inputs)
        share_inplace(self, through_view)
    return self


# ---- sampling functions -----------------------------------------------------------------------------
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False) -> Tensor:
    """Normal samples: one per element of `mean` and/or `std` when they are tensors (broadcast together), or a
    tensor of `size` when both are numbers."""
    if size is not None or not (isinstance(mean, Tensor) or isinstance(std, Tensor)):
        return _normal_sized(mean, std, size, generator, out, dtype, device, requires_grad)
    like = mean if isinstance(mean, Tensor) else std  # the result takes mean's dtype, or std's for a float mean
    np_dtype = _float_dtype(like.dtype, "normal_kernel_cpu")
    if out is not None:
        _float_dtype(out.dtype, "normal_kernel_cpu")
    if isinstance(std, Tensor):
        if not bool((std._data >= 0).all()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        s = std._data
    else:
        s = _float_arg(std, "normal", "std")
        _check_std(s)
    m = mean._data if isinstance(mean, Tensor) else _float_arg(mean, "normal", "mean")
    # PyTorch broadcasts a tensor mean with a float std against out=, and resizes out= in the other cases
    other = np.shape(s) if isinstance(std, Tensor) else (out._data.shape if out is not None else ())
    try:
        shape = np.broadcast_shapes(np.shape(m), other)
    except ValueError:
        raise broadcast_error(np.shape(m), other) from None
    z = _draw(generator, like._data, "standard_normal", shape, dtype=_work_dtype(np_dtype))
    r = wrap((z * s + m).astype(np_dtype, copy=False))
    tensors = tuple(t for t in (mean, std) if isinstance(t, Tensor))
    if needs_grad(*tensors):
        node = (NODES.NormalBackward3 if len(tensors) == 2 else NODES.NormalBackward1 if tensors[0] is mean
                else NODES.NormalBackward2)
        record(r, node(), tensors)
    return r if out is None else write_out(out, r, "normal")


def _normal_sized(mean, std, size, generator, out, dtype, device, requires_grad) -> Tensor:
    """normal(float mean, float std, size): a new tensor of samples."""
    if not isinstance(size, (tuple, list)):
        raise TypeError("normal() received an invalid combination of arguments: with a float mean and std, give "
                        f"`size` as a tuple of ints (got {type(size).__name__})")
    mean, std = _float_arg(mean, "normal", "mean"), _float_arg(std, "normal", "std")
    _check_std(std)
    np_dtype = _float_dtype(dtype or (out.dtype if out is not None else None), "normal_kernel_cpu")
    if _on_meta(device) and out is None:
        return _finish(meta.empty(_size((size,)), np_dtype), None, device, requires_grad)
    z = rng(generator).standard_normal(_size((size,)), dtype=_work_dtype(np_dtype))
    return _finish(z * std + mean, np_dtype, device, requires_grad, out)


def _probabilities(p: Tensor, kernel: str):
    """The array of a probability tensor: floating point, every value in [0, 1]."""
    _float_dtype(p.dtype, kernel)
    a = p._data
    if not bool(((a >= 0) & (a <= 1)).all()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return a


def _probability(p, fn: str) -> float:
    p = _float_arg(p, fn, "p")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return p


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples of input's dtype: 1 with probability given by input's values, or by the number `p`
    (`out=` only without `p`, as in PyTorch)."""
    check_tensor("bernoulli", "input", input, 1)
    a = input._data
    if p is not None:
        if out is not None:
            raise TypeError("bernoulli(): out= is only accepted without p (bernoulli(input, *, out))")
        p = _probability(p, "bernoulli")
        r = wrap((_draw(generator, a, "random", a.shape) < p).astype(a.dtype))
        return not_implemented(r, "bernoulli", (input,)) if needs_grad(input) else r
    probs = _probabilities(input, "bernoulli_tensor_cpu_p_")
    sample = _draw(generator, a, "random", a.shape) < probs
    r = wrap(sample.astype(a.dtype))
    if needs_grad(input):
        record(r, NODES.BernoulliBackward0(), (input,))
    if out is None:
        return r
    return write_out(out, r if r._rg else wrap(sample), "bernoulli")  # a 0/1 sample fits any out= dtype


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Binomial samples (whole numbers, in prob's floating dtype) of `count` trials with success probability
    `prob`."""
    check_tensor("binomial", "count", count, 1)
    check_tensor("binomial", "prob", prob, 2)
    _float_dtype(prob.dtype, "binomial_cpu")
    n, p = np.broadcast_arrays(to_numpy(count._data), to_numpy(prob._data))  # host: samples are drawn on the host
    if not ((p >= 0) & (p <= 1)).all():
        raise RuntimeError("binomial: expected prob to be in [0, 1]")
    sample = rng(generator).binomial(n.astype(np.int64), p, size=p.shape).astype(prob._data.dtype)
    return wrap(asarray_like(sample, prob._data))


def poisson(input: Tensor, generator=None) -> Tensor:
    """Poisson samples (whole numbers, in input's floating dtype) with input's values as rates.

    Differs from PyTorch: rates above about 9.2e18 (NumPy's limit, inf included) raise RuntimeError; PyTorch gives
    meaningless numbers for them."""
    check_tensor("poisson", "input", input, 1)
    _float_dtype(input.dtype, "poisson_cpu")
    if input._data.__class__ is meta.MetaArray:  # nothing to draw (NOTE [ Meta tensors ])
        return wrap(meta.empty(input._data.shape, input._data.dtype))
    rates = to_numpy(input._data)
    if not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    try:
        sample = rng(generator).poisson(rates, size=rates.shape)  # an array for 0-dim rates too
    except ValueError:
        raise RuntimeError("invalid Poisson rate: ember samples rates up to about 9.2e18 (NumPy's limit), "
                           f"but got {rates.max():g}") from None
    r = wrap(asarray_like(sample.astype(rates.dtype), input._data))
    if needs_grad(input):
        record(r, NODES.PoissonBackward0(), (input,))
    return r


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """Indices (int64) drawn from the categories of each row of input, weighted by its non-negative values; without
    replacement the indices of a row are distinct."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("multinomial", "input", input) from None
    if a.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if a.dtype.kind not in "fV":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtype.scalar_type_name(a.dtype)}")
    n = _int(num_samples, "multinomial", "num_samples", None, any_shape=True)
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"multinomial(): argument 'replacement' must be bool, not {type(replacement).__name__}")
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = a.shape[-1]
    if not replacement and n > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if categories > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if a.__class__ is meta.MetaArray:  # nothing to draw (NOTE [ Meta tensors ])
        r = wrap(meta.empty(a.shape[:-1] + (n,), np.int64))
        return r if out is None else write_out(out, r, "multinomial")
    p = to_numpy(a).astype(np.float64).reshape(a.shape[0] if a.ndim == 2 else 1, categories)
    if not (np.isfinite(p) & (p >= 0)).all():  # host: a NumPy copy (samples are drawn on the host)
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = p.sum(-1, keepdims=True)
    if (total <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    gen = rng(generator)
    index = _with_replacement(gen, p / total, n) if replacement else _without_replacement(gen, p, n)
    r = wrap(asarray_like(index.reshape(a.shape[:-1] + (n,)), a))
    if out is None:
        return r
    if out.dtype is not _dtype.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {_dtype.scalar_type_name(out.dtype)}")
    return write_out(out, r, "multinomial")


def _without_replacement(gen, p, n):  # host: draws from the host generator
    """The Gumbel-top-k trick in exponential form: the n largest p / E, with E ~ Exp(1), in decreasing order, are
    the categories of n draws without replacement, in the order drawn."""
    keys = -p / gen.standard_exponential(p.shape)
    if n < p.shape[-1]:
        top = np.argpartition(keys, n - 1, axis=-1)[:, :n]
        return np.take_along_axis(top, np.argsort(np.take_along_axis(keys, top, -1), axis=-1), -1)
    return np.argsort(keys, axis=-1)


def _with_replacement(gen, p, n):  # host: draws from the host generator
    """n independent draws per row: how often each category comes up (a multinomial count), in random order."""
    rows, categories = p.shape
    counts = gen.multinomial(n, p) if rows else np.zeros((0, categories), np.int64)
    index = np.repeat(np.tile(np.arange(categories), rows), counts.ravel()).reshape(rows, n)
    return gen.permuted(index, axis=-1)


# ---- in-place samplers (Tensor methods) --------------------------------------------------------------
def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None, **kwargs) -> Tensor:
    """Fill with samples from the uniform distribution on [from, to) (PyTorch's keyword `from` works too)."""
    check_inplace(self)
    lo = _float_arg(_keyword_from(kwargs, from_, "uniform_"), "uniform_", "from")
    hi = _float_arg(to, "uniform_", "to")
    np_dtype = _float_dtype(self.dtype, "check_uniform_bounds")
    _check_in_range(np_dtype, lo, "from")
    _check_in_range(np_dtype, hi, "to")
    if lo > hi:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={lo:g} > to={hi:g}")
    if hi - lo > _limits(np_dtype)[1]:
        raise RuntimeError(f"uniform_ expects to-from <= the largest {_dtype.scalar_type_name(np_dtype)}, but found "
                           f"to={hi:g} and from={lo:g} which result in to-from to exceed the limit")
    u = _draw(generator, self._data, "random", self._data.shape, dtype=_work_dtype(np_dtype))
    u *= hi - lo
    u += lo
    return _fill(self, u, NODES.UniformBackward0)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from the normal distribution N(mean, std**2)."""
    check_inplace(self)
    mean, std = _float_arg(mean, "normal_", "mean"), _float_arg(std, "normal_", "std")
    _check_std(std)
    np_dtype = _float_dtype(self.dtype, "normal_kernel_cpu")
    z = _draw(generator, self._data, "standard_normal", self._data.shape, dtype=_work_dtype(np_dtype))
    z *= std
    z += mean
    return _fill(self, z, NODES.NormalBackward0)


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples, 1 with probability `p`: a number, or a floating tensor broadcast to self's shape."""
    check_inplace(self)
    if isinstance(p, Tensor):
        probs = expand(p.detach(), self._data.shape)._data
        _probabilities(p, "bernoulli_tensor_cpu_p_")
        return _fill(self, _draw(generator, self._data, "random", self._data.shape) < probs, NODES.BernoulliBackward1,
                     (self, p))
    p = _probability(p, "bernoulli_")
    return _fill(self, _draw(generator, self._data, "random", self._data.shape) < p, NODES.BernoulliBackward2)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from the exponential distribution with rate `lambd`."""
    check_inplace(self)
    lambd = _float_arg(lambd, "exponential_", "lambd")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    _check_continuous(self, "Exponential")
    e = _draw(generator, self._data, "standard_exponential", self._data.shape, dtype=_work_dtype(self._data.dtype))
    return _fill(self, e / lambd, NODES.ExponentialBackward0)


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to and including the first success (1, 2, ...)."""
    check_inplace(self)
    p = _float_arg(p, "geometric_", "p")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    if self._data.dtype.kind == "b":
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    return _fill(self, _draw(generator, self._data, "geometric", p, self._data.shape), NODES.GeometricBackward0)


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with exp(x) for x drawn from N(mean, std**2)."""
    check_inplace(self)
    mean, std = _float_arg(mean, "log_normal_", "mean"), _float_arg(std, "log_normal_", "std")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    np_dtype = _float_dtype(self.dtype, "log_normal_cpu")
    z = _draw(generator, self._data, "standard_normal", self._data.shape, dtype=_work_dtype(np_dtype))
    return _fill(self, array_module(z).exp(z * std + mean), NODES.LogNormalBackward0)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from the Cauchy distribution centred on `median` with scale `sigma`."""
    check_inplace(self)
    median, sigma = _float_arg(median, "cauchy_", "median"), _float_arg(sigma, "cauchy_", "sigma")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    _check_continuous(self, "Cauchy")
    c = _draw(generator, self._data, "standard_cauchy", self._data.shape)
    return _fill(self, c * sigma + median, NODES.CauchyBackward0)


def random_(self: Tensor, *bounds, generator=None, **kwargs) -> Tensor:
    """Fill with integers drawn uniformly: random_(from, to) from [from, to), random_(to) from [0, to), and
    random_() (or to=None) up to 2**mantissa-digits for floating dtypes and the dtype's maximum for integers."""
    check_inplace(self)
    lo, hi, node = _random_bounds(bounds, kwargs)
    np_dtype = self._data.dtype
    if hi is not None and lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    _check_in_range(np_dtype, lo, "from")
    top = 2 ** (np.finfo(np_dtype).nmant + 1) if np_dtype.kind in "fV" else _limits(np_dtype)[1]
    if hi is None:
        if lo > top:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted "
                               f"to dtype, but got from={lo} > to_inc={top}")
        hi = top + 1
    else:
        _check_in_range(np_dtype, hi - 1, "to - 1")
    if np_dtype.kind in "fV" and not -top <= lo <= hi - 1 <= top:
        warnings.warn(f"random_ bounds [{lo}, {hi - 1}] exceed [-(2^{top.bit_length() - 1}), "
                      f"2^{top.bit_length() - 1}]: {_dtype.scalar_type_name(np_dtype)} can't represent every "
                      "integer there, so some values are rounded", UserWarning, stacklevel=2)
    sample = _draw(generator, self._data, "integers", lo, hi - 1, self._data.shape, endpoint=True)
    return _fill(self, sample, node)


def _random_bounds(bounds, kwargs):
    """random_'s overloads: (from, to or None), (to) and (); returns from, to (None: the dtype's top) and the node."""
    if len(bounds) > 2:
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(bounds)} given)")
    given = dict(zip(("from", "to"), bounds))
    for name, value in kwargs.items():
        if name not in ("from", "to") or name in given:
            raise TypeError(f"random_() got an unexpected or repeated keyword argument '{name}'")
        given[name] = value
    if not given:
        return 0, None, NODES.RandomBackward2
    if len(given) == 1 and (len(bounds) == 1 or "to" in kwargs):
        return 0, _int(given.popitem()[1], "random_", "to", None), NODES.RandomBackward1
    if "to" not in given:
        raise TypeError("random_() received an invalid combination of arguments: 'from' needs 'to' (an int or None)")
    lo, to = _int(given["from"], "random_", "from", None), given["to"]
    return lo, None if to is None else _int(to, "random_", "to", None), NODES.RandomBackward0


METHODS = {"bernoulli": bernoulli, "multinomial": multinomial, "uniform_": uniform_, "normal_": normal_,
           "bernoulli_": bernoulli_, "exponential_": exponential_, "geometric_": geometric_,
           "log_normal_": log_normal_, "cauchy_": cauchy_, "random_": random_}
