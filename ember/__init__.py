"""ember: a deep learning framework with PyTorch's API, on NumPy (CPU) and CuPy (GPU)."""
from math import pi, e, inf, nan  # noqa: F401  (PyTorch's torch.pi, torch.e, torch.inf, torch.nan)

from ._dtype import (dtype, float16, half, float32, float, float64, double, uint8, int8, int16, short,  # noqa: F401
                     int32, int, int64, long, bool, complex64, cfloat, complex128, cdouble, bfloat16, uint16,
                     uint32, uint64, get_default_dtype,
                     set_default_dtype, promote_types)
from ._size import Size  # noqa: F401
from ._device import device  # noqa: F401
from ._tensor import Tensor  # noqa: F401
from . import _unsupported, torch_version
from ._printing import set_printoptions, get_printoptions  # noqa: F401
from ._random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state  # noqa: F401
from ._random import default_generator  # noqa: F401
from ._creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, zeros_like,  # noqa: F401
                        ones_like, empty_like, full_like, arange, linspace, eye, rand, randn, randint, randperm,
                        rand_like, randn_like, randint_like)
from ._creation import *  # noqa: F401,F403
from . import autograd  # noqa: F401
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled  # noqa: F401
from . import ops  # noqa: F401  (binds the Tensor methods)
from .ops.elementwise import (add, sub, mul, div, floor_divide, remainder, fmod, pow, neg, abs, sign,  # noqa: F401
                              reciprocal, rsub, exp, log, sqrt, sin, cos, tanh, sigmoid, relu, clamp, maximum,
                              minimum, where, masked_fill, clamp_min, clamp_max, result_type)
from .ops.comparison import (eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor, logical_not,  # noqa: F401
                             bitwise_and, bitwise_or, bitwise_xor, bitwise_not, isnan, isinf, isfinite, equal,
                             allclose, isclose, isin)
from .ops.elementwise import (square, exp2, expm1, log1p, log2, log10, rsqrt, sgn, floor, ceil, round,  # noqa
                              trunc, frac, tan, asin, acos, atan, atan2, sinh, cosh, asinh, acosh, atanh, logit,
                              hypot, lerp, addcmul, addcdiv, fmax, fmin, nan_to_num, softmax, log_softmax)
from .ops.special_math import erf, erfc, erfinv, lgamma, digamma  # noqa: F401
from .ops.reduction import sum, mean, prod, max, min, amax, amin, argmax, argmin, var, std, norm, all, any  # noqa
from .ops.reduction import logsumexp, nansum, nanmean, count_nonzero, var_mean, std_mean, aminmax  # noqa: F401
from .ops.reduction import hash_tensor  # noqa: F401
from .ops.cumulative import cumsum, cumprod, cummax, cummin  # noqa: F401
from .ops.order_statistics import median, kthvalue, mode, quantile, nanmedian, nanquantile  # noqa: F401
from .ops.statistics import bincount  # noqa: F401
from .ops.linalg import mm, bmm, matmul, dot, mv, addmm  # noqa: F401
from .ops.shape import (view_as, reshape, flatten, t, transpose, permute, squeeze, unsqueeze, narrow,  # noqa: F401
                        select, cat, stack)
from .ops.memory import clone  # noqa: F401
from .ops.base import tensor_type_error as _tensor_type_error
from .ops.shape import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.legacy_linalg import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.scatter import *  # noqa: F401,F403
from .ops.rearrange import *  # noqa: F401,F403
from .ops.random import *  # noqa: F401,F403
from .ops.pointwise import (deg2rad, rad2deg, logaddexp, logaddexp2, copysign, heaviside, xlogy,  # noqa: F401
                            sinc, gcd, lcm, float_power, ldexp, nextafter, signbit, isposinf, isneginf, positive)
from .ops.inplace import (abs_, acos_, acosh_, asin_, asinh_, atan_, atanh_, ceil_, clamp_,  # noqa: F401
                          clamp_max_, clamp_min_, cos_, cosh_, erf_, erfc_, exp2_, exp_, expm1_, fill_, floor_,
                          frac_, log10_, log1p_, log2_, log_, logit_, nan_to_num_, neg_, reciprocal_, relu_,
                          round_, rsqrt_, sigmoid_, sin_, sinh_, sqrt_, square_, tan_, tanh_, trunc_, zero_,
                          deg2rad_, rad2deg_, gcd_, lcm_, ldexp_, sinc_, xlogy_)
from .ops.aten import (dropout, dropout_, alpha_dropout, alpha_dropout_, feature_alpha_dropout,  # noqa: F401
                       feature_alpha_dropout_, embedding, batch_norm, instance_norm, layer_norm, group_norm,
                       rms_norm, binary_cross_entropy_with_logits, kl_div, cosine_embedding_loss,
                       hinge_embedding_loss, margin_ranking_loss, poisson_nll_loss, triplet_margin_loss, ctc_loss,
                       celu, celu_, selu, selu_, rrelu, rrelu_, threshold, threshold_, constant_pad_nd, prelu,
                       hardshrink, pdist, pairwise_distance, cosine_similarity)
from .ops.complex_numbers import (angle, real, imag, conj, conj_physical, is_conj, adjoint,  # noqa: F401
                                  resolve_conj, view_as_real, view_as_complex, complex, polar, isreal,
                                  view_as_real_copy, view_as_complex_copy)
from .ops.stft import stft, istft  # noqa: F401
from ._windows import hann_window, hamming_window, blackman_window, bartlett_window, kaiser_window  # noqa: F401
from ._info import finfo, iinfo  # noqa: F401
from ._layout import (layout, memory_format, strided, contiguous_format, preserve_format,  # noqa: F401
                      channels_last, channels_last_3d, legacy_contiguous_format)
from ._device import get_default_device, set_default_device, get_device_module  # noqa: F401
from ._dtype import can_cast  # noqa: F401
from .ops.statistics import (diff, trapezoid, trapz, cumulative_trapezoid, cov, corrcoef, vander,  # noqa: F401
                             combinations, diagflat)
from ._creation import range  # noqa: F401,A004  (PyTorch's deprecated torch.range)
from .ops.strided import as_strided, split_with_sizes, unsafe_split, unsafe_chunk, unravel_index  # noqa: F401
from . import special  # noqa: F401
from .special import i0, polygamma  # noqa: F401
from .ops.copies import (alias_copy, detach_copy, as_strided_copy, diagonal_copy, expand_copy,  # noqa: F401
                         permute_copy, select_copy, slice_copy, split_copy, split_with_sizes_copy, squeeze_copy,
                         t_copy, transpose_copy, unbind_copy, unfold_copy, unsqueeze_copy, view_copy, select_scatter,
                         slice_scatter, diagonal_scatter, as_strided_scatter)
from .ops.pointwise import frexp, bitwise_left_shift, bitwise_right_shift  # noqa: F401
from .ops.statistics import dist, renorm, histc  # noqa: F401
from .ops.cumulative import logcumsumexp  # noqa: F401
from ._legacy_types import (FloatTensor, DoubleTensor, HalfTensor, ByteTensor, CharTensor, ShortTensor,  # noqa
                            IntTensor, LongTensor, BoolTensor, BFloat16Tensor, set_default_tensor_type)
from . import amp, cpu  # noqa: F401
from .amp.autocast_mode import (autocast, is_autocast_enabled, set_autocast_enabled, get_autocast_dtype,  # noqa
                                set_autocast_dtype, is_autocast_cpu_enabled, set_autocast_cpu_enabled,
                                get_autocast_cpu_dtype, get_autocast_gpu_dtype, set_autocast_cpu_dtype,
                                set_autocast_gpu_dtype, autocast_increment_nesting, autocast_decrement_nesting,
                                clear_autocast_cache, is_autocast_cache_enabled, set_autocast_cache_enabled)
from .ops.foreach import (_foreach_abs, _foreach_abs_, _foreach_acos, _foreach_acos_, _foreach_add, _foreach_add_,  # noqa
                          _foreach_addcdiv, _foreach_addcdiv_, _foreach_addcmul, _foreach_addcmul_, _foreach_asin,
                          _foreach_asin_, _foreach_atan, _foreach_atan_, _foreach_ceil, _foreach_ceil_,
                          _foreach_clamp_max, _foreach_clamp_max_, _foreach_clamp_min, _foreach_clamp_min_,
                          _foreach_clone, _foreach_copy_, _foreach_cos, _foreach_cos_, _foreach_cosh, _foreach_cosh_,
                          _foreach_div, _foreach_div_, _foreach_erf, _foreach_erf_, _foreach_erfc, _foreach_erfc_,
                          _foreach_exp, _foreach_exp_, _foreach_expm1, _foreach_expm1_, _foreach_floor,
                          _foreach_floor_, _foreach_frac, _foreach_frac_, _foreach_lerp, _foreach_lerp_,
                          _foreach_lgamma, _foreach_lgamma_, _foreach_log, _foreach_log10, _foreach_log10_,
                          _foreach_log1p, _foreach_log1p_, _foreach_log2, _foreach_log2_, _foreach_log_, _foreach_max,
                          _foreach_maximum, _foreach_maximum_, _foreach_minimum, _foreach_minimum_, _foreach_mm,
                          _foreach_mul, _foreach_mul_, _foreach_neg, _foreach_neg_, _foreach_norm, _foreach_pow,
                          _foreach_pow_, _foreach_powsum, _foreach_reciprocal, _foreach_reciprocal_, _foreach_round,
                          _foreach_round_, _foreach_rsqrt, _foreach_rsqrt_, _foreach_sigmoid, _foreach_sigmoid_,
                          _foreach_sign, _foreach_sign_, _foreach_sin, _foreach_sin_, _foreach_sinh, _foreach_sinh_,
                          _foreach_sqrt, _foreach_sqrt_, _foreach_sub, _foreach_sub_, _foreach_tan, _foreach_tan_,
                          _foreach_tanh, _foreach_tanh_, _foreach_trunc, _foreach_trunc_, _foreach_zero_)
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled  # noqa
from ._exceptions import OutOfMemoryError, AcceleratorError, FatalError  # noqa: F401
from ._storage import (UntypedStorage, TypedStorage, FloatStorage, DoubleStorage, HalfStorage,  # noqa: F401
                       ByteStorage, CharStorage, ShortStorage, IntStorage, LongStorage, BoolStorage,
                       ComplexFloatStorage, ComplexDoubleStorage, BFloat16Storage)
from ._storage import TypedStorage as Storage, StorageBase  # noqa: F401
from ._stream import Stream, Event  # noqa: F401
from ._creation import empty_permuted, from_file  # noqa: F401
from .ops.statistics import gradient, histogram, histogramdd  # noqa: F401
from .ops.aten import frobenius_norm, nuclear_norm, norm_except_dim  # noqa: F401
from .ops.lu import lu_unpack  # noqa: F401
from .ops.householder import geqrf, ormqr  # noqa: F401
from .ops.scatter import segment_reduce  # noqa: F401
from .ops.aten import (cholesky_solve, cholesky_inverse, triangular_solve, native_layer_norm,  # noqa: F401
                       native_batch_norm, native_group_norm, native_dropout, convolution, conv_tbc,
                       embedding_renorm_, grid_sampler, grid_sampler_2d, grid_sampler_3d, affine_grid_generator,
                       svd_lowrank, pca_lowrank)
from . import random, quasirandom, func, fft, signal, compiler, functional, storage, profiler, hub  # noqa: F401
from .signal import windows  # noqa: F401  (torch.windows: PyTorch's package binds the module there too)
from .func import vmap  # noqa: F401
from .ops.aten import feature_dropout, feature_dropout_, fill  # noqa: F401
from ._creation import frombuffer, from_dlpack, to_dlpack  # noqa: F401
from .autograd.grad_mode import is_inference_mode_enabled  # noqa: F401
from .amp import GradScaler  # noqa: F401
from . import cuda, accelerator, backends, testing, __config__, jit, types  # noqa: F401
from ._compile import compile  # noqa: F401
from ._settings import (set_deterministic_debug_mode, get_deterministic_debug_mode, set_warn_always,  # noqa: F401
                        is_warn_always_enabled, set_flush_denormal)
from ._settings import (use_deterministic_algorithms, are_deterministic_algorithms_enabled,  # noqa: F401
                        is_deterministic_algorithms_warn_only_enabled, set_float32_matmul_precision,
                        get_float32_matmul_precision, set_num_threads, get_num_threads,
                        set_num_interop_threads, get_num_interop_threads)
from . import linalg  # noqa: F401
from ._lobpcg import lobpcg  # noqa: F401
from .ops.distance import cdist  # noqa: F401
from .ops.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa
from .ops.pooling import (max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices, avg_pool1d,  # noqa: F401
                          adaptive_avg_pool1d)
from .ops.vision import pixel_shuffle, pixel_unshuffle, channel_shuffle, native_channel_shuffle  # noqa: F401
from . import nn  # noqa: F401
from .nn.functional import bilinear  # noqa: F401
from .nn.modules.rnn import (lstm, gru, rnn_tanh, rnn_relu, lstm_cell, gru_cell, rnn_tanh_cell,  # noqa: F401
                             rnn_relu_cell)
from . import utils, multiprocessing, optim  # noqa: F401
from . import _dynamo  # noqa: F401  (after nn: its OptimizedModule is a Module)
from . import distributions  # noqa: F401
from .distributions.gamma import _standard_gamma  # noqa: F401
from . import return_types, serialization  # noqa: F401
from .serialization import save, load, safetensors  # noqa: F401


def _tensor_function(name: str):
    """The one-argument Tensor.`name` as the function ember.`name`, which refuses anything but a Tensor with
    PyTorch's TypeError (the method, only ever called on a Tensor, stays free of the check)."""
    method = getattr(Tensor, name)

    def function(input):
        if not isinstance(input, Tensor):
            raise _tensor_type_error(name, "input", input)
        return method(input)
    function.__name__, function.__qualname__, function.__doc__ = name, name, method.__doc__
    return function


detach, detach_, get_device = _tensor_function("detach"), _tensor_function("detach_"), _tensor_function("get_device")
is_complex, is_floating_point, is_signed = (_tensor_function("is_complex"), _tensor_function("is_floating_point"),
                                            _tensor_function("is_signed"))
is_nonzero, is_inference, is_distributed = (_tensor_function("is_nonzero"), _tensor_function("is_inference"),
                                            _tensor_function("is_distributed"))
numel = _tensor_function("numel")
addmv_, is_same_size = Tensor.addmv_, Tensor.is_same_size
for _name, _method in special.METHODS.items():
    setattr(Tensor, _name, _method)
i0_ = Tensor.i0_
resize_as_ = Tensor.resize_as_
conj_physical_ = Tensor.conj_physical_
as_strided_ = Tensor.as_strided_


def is_storage(obj) -> bool:
    """Whether `obj` is a storage (untyped, typed, or one a checkpoint's map_location receives)."""
    return isinstance(obj, (UntypedStorage, TypedStorage, serialization.storage.Storage))

newaxis = None
has_lapack, has_spectral, has_mkl, has_openmp = True, True, False, False  # NumPy's LAPACK and FFT; no MKL, OpenMP
# ---- PyTorch's other names for the functions above: the one table of ember's aliases ----
absolute, negative, negative_ = abs, neg, neg_
subtract, multiply, divide, true_divide = sub, mul, div, div
clip, clip_, fix, fix_ = clamp, clamp_, trunc, trunc_
arcsin, arccos, arctan, arctan2, arcsinh, arccosh, arctanh = asin, acos, atan, atan2, asinh, acosh, atanh
arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_ = asin_, acos_, atan_, asinh_, acosh_, atanh_
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
swapaxes = swapdims = transpose
concat = concatenate = cat
resolve_neg, is_neg = _tensor_function("resolve_neg"), _tensor_function("is_neg")  # no negative bit: is_conj's
mvlgamma, igamma, igammac = special.multigammaln, special.gammainc, special.gammaincc
orgqr = linalg.householder_product
unsafe_split_with_sizes = split_with_sizes
adaptive_max_pool1d = ops.pooling.adaptive_max_pool1d_with_indices  # torch.adaptive_max_pool1d gives the indices too
# PyTorch's API version, with ember's own as the local label: scripts under `ember run` test torch.__version__
__version__ = torch_version.TorchVersion(f"{torch_version.API_VERSION}+ember.0.1.0")
from . import version, onnx, distributed  # noqa: E402, F401  (after __version__, which they read)


def is_tensor(obj) -> bool:
    """True if obj is an ember Tensor."""
    return isinstance(obj, Tensor)


def typename(obj) -> str:
    """The legacy type name of a tensor ('ember.FloatTensor'), else the object's qualified class name."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ in ("builtins", "__builtin__") else f"{cls.__module__}.{cls.__qualname__}"


def __getattr__(name: str):
    """PyTorch's names that ember lacks on purpose raise an AttributeError that says why."""
    raise _unsupported.missing("ember", name, _unsupported.TORCH, f"module 'ember' has no attribute {name!r}")
