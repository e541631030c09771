"""Autocast: the ops that run in another dtype inside a mixed-precision region, and the casts that make them.

NOTE [ Autocast ]
Inside `ember.autocast(device_type, dtype)` some ops run in a lower precision and some in float32, as PyTorch's
do: the ops of a device's LOWER table cast their float32 tensor arguments to the region's dtype (float16 or
bfloat16), those of FP32 cast float16 and bfloat16 arguments to float32 (FP32_UNLESS_DTYPE: only when no `dtype=`
is given), and those of PROMOTE cast their float arguments to the widest of their dtypes. float64 tensors and
tensors on another device are left as they are. The tables are PyTorch 2.13's, per device (its CPU and CUDA lists
differ: on the CPU, exp or softmax of a bfloat16 tensor stay bfloat16). Every op named in a table starts with

    if "mm" in AUTOCAST_OPS[0]:
        return autocast_call("mm", mm, input, mat2, out=out)

AUTOCAST_OPS[0] is the set of the names in the tables of the devices whose regions are enabled: empty outside
regions, where an op pays one lookup. autocast_call casts the arguments by the op's policy for their device and
runs the op again with the set empty, so that the ops it is composed of are not cast again: PyTorch's kernels run
below its autocast dispatch key. An op that PyTorch's CPU does not autocast but ember composes of ops that it does
(lstm_cell in `nn.LSTMCell`, torch.convolution) is named with the policy None there: it runs with autocast off and
keeps its inputs' dtypes. An op named only in the other device's table (tensordot on the CPU, where PyTorch composes
it of mm) runs with only its own name left out, so the ops it is composed of are autocast.

The casts are recorded like `.to(dtype)` (ToCopyBackward0), so gradients reach float32 weights in float32. A
float32 leaf that requires grad (a weight) is cast once per region and the cast reused, so a weight used by many
ops shares one cast (PyTorch's cache); the cache is dropped when the outermost region exits. Backward runs with
autocast as it is when backward is called, as PyTorch's does on the CPU.
"""
from .. import _dtype
from .._tensor import Tensor
from ..backend import meta

AUTOCAST_OPS = [frozenset()]  # the names autocast changes now: the one check on an op's path
STATE = {"cpu": {"enabled": False, "dtype": _dtype.bfloat16}, "cuda": {"enabled": False, "dtype": _dtype.float16}}
CACHE = {"enabled": True, "nesting": 0, "casts": {}}

LOWER, FP32, FP32_UNLESS_DTYPE, PROMOTE = "lower", "fp32", "fp32_unless_dtype", "promote"

_MATRIX_PRODUCTS = ("conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d conv_tbc prelu addmm "
                    "matmul einsum mm bmm baddbmm addbmm vecdot linear scaled_dot_product_attention")
_LOSSES = ("mse_loss cosine_embedding_loss nll_loss hinge_embedding_loss poisson_nll_loss smooth_l1_loss l1_loss "
           "huber_loss margin_ranking_loss soft_margin_loss triplet_margin_loss multi_margin_loss kl_div "
           "multilabel_margin_loss binary_cross_entropy_with_logits")
_CPU_FP32 = (_LOSSES + " cross_entropy ctc_loss binary_cross_entropy avg_pool3d max_pool3d adaptive_avg_pool3d "
             "adaptive_max_pool3d max_unpool2d max_unpool3d fractional_max_pool2d fractional_max_pool3d grid_sample "
             "reflection_pad1d reflection_pad2d replication_pad1d replication_pad2d replication_pad3d polar prod "
             "quantile nanquantile stft cdist trace view_as_complex cholesky cholesky_inverse cholesky_solve lu "
             "lu_solve ormqr pinverse geqrf triangular_solve fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 "
             "rfftn irfftn hfft ihfft linalg_matrix_rank linalg_solve linalg_cholesky linalg_cholesky_ex "
             "linalg_svdvals linalg_eigvals linalg_eigvalsh linalg_inv linalg_inv_ex linalg_householder_product "
             "linalg_qr linalg_svd linalg_eig linalg_eigh linalg_lstsq")  # torch.inverse, qr, svd...: through these
_CUDA_FP32 = (_LOSSES + " acos asin cosh erfinv exp expm1 log log10 log2 log1p reciprocal rsqrt sinh tan pow "
              "softplus layer_norm rms_norm group_norm norm cosine_similarity dist pdist cdist renorm logsumexp "
              "interpolate")


def _table(**policies) -> dict:
    """{op name: policy} from {policy: space-separated op names}; the policy 'none' stands for None."""
    return {name: None if policy == "none" else policy for policy, names in policies.items() for name in names.split()}


POLICIES = {
    "cpu": _table(lower=_MATRIX_PRODUCTS + " lstm", fp32=_CPU_FP32, promote="cat stack index_copy",
                  none="convolution lstm_cell gru_cell"),
    "cuda": _table(lower=_MATRIX_PRODUCTS + " convolution addmv addr mv chain_matmul multi_dot lstm_cell gru_cell "
                         "rnn_tanh_cell rnn_relu_cell", fp32=_CUDA_FP32,
                   fp32_unless_dtype="prod softmax log_softmax cumprod cumsum vector_norm matrix_norm sum",
                   promote="addcdiv addcmul atan2 bilinear cross dot vdot grid_sample index_put tensordot "
                           "scatter_add"),
}


def update_active() -> None:
    """Set AUTOCAST_OPS from the devices' states (after a region is entered or left, or a state is set)."""
    AUTOCAST_OPS[0] = frozenset().union(*(POLICIES[d] for d, state in STATE.items() if state["enabled"]))


def autocast_call(name: str, op, *args, **kwargs):
    """op(*args, **kwargs) with its tensor arguments cast by the policy of `name` for their device, run with
    autocast off (NOTE [ Autocast ])."""
    device = _device_of(args) or _device_of(kwargs.values())
    state = STATE.get(device)
    table = POLICIES[device] if state is not None and state["enabled"] else {}
    names = AUTOCAST_OPS[0]
    if name not in table:  # named for the other device only
        AUTOCAST_OPS[0] = names - {name}
    else:
        policy = table[name]
        if policy == FP32_UNLESS_DTYPE:
            policy = FP32 if kwargs.get("dtype") is None else None
        if policy is not None:
            target = _target(policy, state["dtype"], args, kwargs)
            args = tuple(_cast_argument(a, policy, target) for a in args)
            kwargs = {k: _cast_argument(v, policy, target) for k, v in kwargs.items()}
        AUTOCAST_OPS[0] = frozenset()
    try:
        return op(*args, **kwargs)
    finally:
        AUTOCAST_OPS[0] = names


def _device_of(values) -> str | None:
    """The device type ('cpu', 'cuda', 'meta') of the first tensor among `values` and the lists in them."""
    for v in values:
        if isinstance(v, (list, tuple)):
            found = _device_of(v)
            if found is not None:
                return found
        elif isinstance(v, Tensor):
            cls = v._data.__class__
            return "cpu" if cls.__module__ == "numpy" else "meta" if cls is meta.MetaArray else "cuda"
    return None


def _eligible(t: Tensor) -> bool:
    """Whether autocast may cast `t`: a floating point tensor other than float64."""
    return t._data.dtype.kind in "fV" and t._data.dtype.itemsize < 8


def _target(policy: str, lower, args, kwargs):
    """The dtype `policy` casts eligible tensors to: the region's, float32, or the widest of theirs (PROMOTE)."""
    if policy == LOWER:
        return lower
    if policy == FP32:
        return _dtype.float32
    widest = lower
    for t in _tensors(args + tuple(kwargs.values())):
        if _eligible(t):
            widest = _dtype.promote_types(widest, t.dtype)
    return widest


def _tensors(values):
    for v in values:
        if isinstance(v, Tensor):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _tensors(v)


def _cast_argument(value, policy, target):
    if isinstance(value, Tensor):
        return _cast(value, policy, target) if _eligible(value) else value
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        return type(value)(_cast_argument(v, policy, target) for v in value)
    return value


def _cast(t: Tensor, policy, target) -> Tensor:
    """t as `target`; a float32 weight's cast to the region's dtype from the cache (NOTE [ Autocast ])."""
    from .memory import _convert  # layer: memory's ops (elementwise) check autocast themselves
    if t._data.dtype == target.np:
        return t
    if not (policy == LOWER and CACHE["enabled"] and t.requires_grad and t.grad_fn is None
            and t._data.dtype == _dtype.float32.np):
        return _convert(t, None, target)
    casts = CACHE["casts"]
    key = (id(t), target)
    if key not in casts:
        casts[key] = (t, _convert(t, None, target))  # holding t keeps its id from being reused
    return casts[key][1]
