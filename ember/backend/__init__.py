"""Array modules per device kind: NumPy for 'cpu', CuPy for 'cuda' (optional).

Every op is written once against the array module `xp` returned by
`array_module(array)`, following Chainer's get_array_module pattern.
"""
import warnings

import numpy

from .memory import keep_freed_memory_by_default

# PyTorch gives inf and nan silently (log(0), 0/0, sqrt(-1)); NumPy warns. Silence the warnings
# raised from ember's own code only: NumPy reports them at the calling line, which is ember's, so
# the user's own NumPy calls keep their warnings, and no op pays for np.errstate.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember(\.|$)")

keep_freed_memory_by_default()  # NOTE [ Page faults ] in memory.py

# the unsigned integer type of each itemsize: selecting elements on their bits is exact and branch-free
UINT_OF_SIZE = {1: numpy.uint8, 2: numpy.uint16, 4: numpy.uint32, 8: numpy.uint64}

try:  # CuPy is optional: without it only the CPU exists.
    import cupy
except Exception:  # ImportError, or a CUDA driver that fails to load
    cupy = None

from . import meta  # noqa: E402 (meta arrays: NOTE [ Meta tensors ] in meta.py)

# The array types that are not NumPy's, for array_module: CuPy's where CuPy is installed, and MetaArray once a meta
# array has been made (meta.empty calls _meta_arrays_exist); None while there are none, so that a process that never
# makes a meta array pays nothing for them (NOTE [ Meta tensors ]).
_NOT_NUMPY = None if cupy is None else (cupy.ndarray,)


def _meta_arrays_exist() -> None:
    """From now on array_module looks for meta arrays."""
    global _NOT_NUMPY
    _NOT_NUMPY = (meta.MetaArray,) + (() if cupy is None else (cupy.ndarray,))


def array_module(array):
    """The array module that owns `array`: numpy, cupy, or for a meta array meta.numpy_namespace."""
    if _NOT_NUMPY is not None and isinstance(array, _NOT_NUMPY):
        return meta.numpy_namespace if array.__class__ is meta.MetaArray else cupy
    return numpy


def special_functions(array):
    """The special-function kernels (erf, gammaln, ...) for `array`: scipy.special, or cupyx.scipy.special for a
    CuPy array, imported on first use."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        import cupyx.scipy.special  # optional: cupy
        return cupyx.scipy.special
    import scipy.special  # lazy: SciPy loads on first use, not with ember
    return scipy.special


def fft_functions(array):
    """The discrete Fourier transforms (fftn, rfftn, irfftn, ...) for `array`: scipy.fft, which keeps single
    precision, or cupyx.scipy.fft for a CuPy array, imported on first use."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        import cupyx.scipy.fft  # optional: cupy
        return cupyx.scipy.fft
    import scipy.fft  # lazy: SciPy loads on first use, not with ember
    return meta.fallback_namespace(scipy.fft) if array.__class__ is meta.MetaArray else scipy.fft


CPU_THREADS = [None]  # the threads ember's CPU kernels use: BLAS's count, read once, then set_num_threads's


def fft_options(array) -> dict:
    """Keyword arguments for fft_functions(array): on the CPU, as many worker threads as BLAS has."""
    if array.__class__ is not numpy.ndarray:
        return {}
    if CPU_THREADS[0] is None:
        from threadpoolctl import threadpool_info  # lazy: threadpoolctl loads on first use, not with ember
        counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
        CPU_THREADS[0] = counts[0] if counts else 1
    return {"workers": CPU_THREADS[0]}


def is_half_dtype(dtype) -> bool:
    """Whether a NumPy dtype is a half-precision float (float16, or ml_dtypes' bfloat16: NumPy kind 'V')."""
    return dtype.itemsize == 2 and dtype.kind in "fV"


def is_half(array) -> bool:
    """Whether an array holds half-precision floats."""
    return is_half_dtype(array.dtype)


def widened_dtype(dtype):
    """float32 for a half-precision dtype (as widened() gives its arrays), else the dtype itself."""
    return numpy.dtype(numpy.float32) if is_half_dtype(dtype) else dtype


def widened(array):
    """`array` as reductions and normalizations compute with it: half precision (float16, bfloat16) in float32,
    as PyTorch's CPU kernels accumulate it, rounded back by the caller; other arrays as they are. (NumPy would
    accumulate bfloat16 in bfloat16: a sum of 1000 ones gives 256.)"""
    return array.astype(numpy.float32) if is_half(array) else array


def c_order(array):
    """`array` in C order: itself when it is, else a C-ordered copy (for the ops whose PyTorch results are always
    contiguous, where NumPy's follow the input's layout)."""
    return array if array.flags.c_contiguous else array.copy()


def real_parts(array):
    """A complex array's real and imaginary parts as a real view of shape (..., 2), for any strides."""
    parts = array.real
    return array_module(array).lib.stride_tricks.as_strided(parts, array.shape + (2,),
                                                            parts.strides + (parts.itemsize,))


def module_for(device_type: str):
    """The array module for a device type ('cpu', 'cuda' or 'meta')."""
    if device_type == "cpu":
        return numpy
    if device_type == "meta":
        return meta.numpy_namespace
    if cupy is None:
        raise AssertionError(NO_CUDA)
    return cupy


NO_CUDA = ("Torch not compiled with CUDA enabled (ember needs CuPy, pip install cupy-cuda12x, and an NVIDIA GPU for "
           "'cuda')")


def require_cuda() -> None:
    """PyTorch's AssertionError (a PyTorch built without CUDA raises it) where there is no GPU."""
    if not cuda_available():
        raise AssertionError(NO_CUDA)


def cuda_available() -> bool:
    """True when CuPy is importable and sees at least one GPU."""
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def every_sample(array):
    """`array`, or inside vmap the physical array of every sample's values (NOTE [ BatchedArray ] in _vmap.py): for
    checks and host-side decisions that hold for each sample when they hold for all of them."""
    while (physical := getattr(array, "physical", None)) is not None:
        array = physical
    return array


def to_numpy(array):
    """A NumPy array with the contents of `array` (a copy only when it lives on a GPU); NotImplementedError for a
    meta array, which has no contents."""
    if array.__class__ is numpy.ndarray:
        return array
    if array.__class__ is meta.MetaArray:
        raise NotImplementedError(meta.NO_DATA)
    if isinstance(array, numpy.ndarray):
        return array
    return array.get()


def asarray_like(host, like):
    """The NumPy array `host` on the device of array `like` (itself where `like` is on the CPU)."""
    if like.__class__ is numpy.ndarray:
        return host
    if like.__class__ is meta.MetaArray:
        host = numpy.asarray(host)
        return meta.empty(host.shape, host.dtype)
    with like.device:
        return cupy.asarray(host)


def reshape_view(array, shape):
    """`array` with `shape` as a view of its memory; ValueError where its strides cannot express that shape
    (NumPy's reshape with copy=False: CuPy's reshape would copy there, so its copy is refused)."""
    if array.__class__ is numpy.ndarray:
        return numpy.reshape(array, shape, copy=False)
    if array.__class__ is meta.MetaArray:
        return array.reshape(shape)  # strides 0: any shape of the same size is a view
    r = array.reshape(shape)
    if array.size and not cupy.may_share_memory(array, r):
        raise ValueError(f"cannot reshape an array of shape {array.shape} to {shape} without a copy")
    return r


def empty_on(shape, dtype, device_type: str, index: int | None = None):
    """An uninitialized array of `shape` and `dtype` on the CPU, on CUDA device `index` or on the meta device."""
    if device_type == "cpu":
        return numpy.empty(shape, dtype)
    if device_type == "meta":
        return meta.empty(shape, dtype)
    xp = module_for(device_type)
    with xp.cuda.Device(index or 0):
        return xp.empty(shape, dtype)


def on_device(array, device_type: str, index: int | None = None):
    """`array` on the CPU, on CUDA device `index` (a copy only when it moves) or on the meta device (its shape and
    dtype); NotImplementedError for a meta array going to another device (no data to copy)."""
    if device_type == "cpu":
        return to_numpy(array)
    if device_type == "meta":
        return array if array.__class__ is meta.MetaArray else meta.empty(array.shape, array.dtype)
    if array.__class__ is meta.MetaArray:
        raise NotImplementedError(meta.NO_DATA)
    xp = module_for(device_type)
    with xp.cuda.Device(index or 0):
        return xp.asarray(array)
