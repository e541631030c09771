"""Autocast against PyTorch: which ops run in the region's dtype, which in float32, which promote, on the CPU
(NOTE [ Autocast ] in ember/ops/autocast.py); gradients through the casts, the weight cache, custom_fwd/custom_bwd,
and the CUDA table reaching every op it names (run on CPU tensors, as no GPU is needed to check the routing)."""
import warnings

import numpy as np
import pytest
from parity import check, torch

import ember
from ember.ops import autocast as ac

F32 = "float32"


def _values(shape, seed):
    """Positive values away from 0 and 1 (logs, reciprocals, probabilities stay defined)."""
    return np.random.default_rng(seed).uniform(0.2, 0.8, shape).astype(np.float32)


def mk(lib, *shape, d=F32, seed=0):
    return lib.tensor(_values(shape, seed)).to(getattr(lib, d))


def eye(lib, d, n=3):
    return (lib.eye(n) * 2 + mk(lib, n, n) * 0.1).to(getattr(lib, d))


def _pair(lib, d):
    return mk(lib, 4, 3, d=d), mk(lib, 4, 3, d=d, seed=1)


def _lstm(lib, d):
    lib.manual_seed(0)
    m = lib.nn.LSTM(3, 4).to(getattr(lib, d))
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(mk(lib, *p.shape, seed=p.numel()) - 0.5)
    return m(mk(lib, 5, 1, 3, d=d))[0]


def _cell(kind):
    def call(lib, d):
        x, h = mk(lib, 2, 3, d=d), mk(lib, 2, 4, d=d, seed=1)
        rows = {"lstm_cell": 16, "gru_cell": 12}.get(kind, 4)
        w_ih, w_hh = mk(lib, rows, 3, d=d, seed=2), mk(lib, rows, 4, d=d, seed=3)
        if kind == "lstm_cell":
            return lib.lstm_cell(x, (h, h), w_ih, w_hh)[0]
        return getattr(lib, kind)(x, h, w_ih, w_hh)
    return call


def _fft(name):
    return lambda lib, d: getattr(lib.fft, name)(mk(lib, 4, 8, d=d))


def _f(lib):
    return lib.nn.functional


# one call per name in the tables: fn(lib, d) with the tensors autocast may cast in dtype d
CALLS = {
    "mm": lambda lib, d: lib.mm(mk(lib, 3, 4, d=d), mk(lib, 4, 5, d=d)),
    "matmul": lambda lib, d: mk(lib, 2, 3, 4, d=d) @ mk(lib, 4, 5, d=d),
    "bmm": lambda lib, d: lib.bmm(mk(lib, 2, 3, 4, d=d), mk(lib, 2, 4, 5, d=d)),
    "addmm": lambda lib, d: lib.addmm(mk(lib, 5, d=d), mk(lib, 3, 4, d=d), mk(lib, 4, 5, d=d)),
    "baddbmm": lambda lib, d: lib.baddbmm(mk(lib, 2, 3, 5, d=d), mk(lib, 2, 3, 4, d=d), mk(lib, 2, 4, 5, d=d)),
    "addbmm": lambda lib, d: lib.addbmm(mk(lib, 3, 5, d=d), mk(lib, 2, 3, 4, d=d), mk(lib, 2, 4, 5, d=d)),
    "mv": lambda lib, d: lib.mv(mk(lib, 3, 4, d=d), mk(lib, 4, d=d)),
    "addmv": lambda lib, d: lib.addmv(mk(lib, 3, d=d), mk(lib, 3, 4, d=d), mk(lib, 4, d=d)),
    "addr": lambda lib, d: lib.addr(mk(lib, 3, 4, d=d), mk(lib, 3, d=d), mk(lib, 4, d=d)),
    "dot": lambda lib, d: lib.dot(mk(lib, 4, d=d), mk(lib, 4)),
    "vdot": lambda lib, d: lib.vdot(mk(lib, 4, d=d), mk(lib, 4)),
    "einsum": lambda lib, d: lib.einsum("ij,jk->ik", mk(lib, 3, 4, d=d), mk(lib, 4, 5, d=d)),
    "linear": lambda lib, d: _f(lib).linear(mk(lib, 3, 4, d=d), mk(lib, 5, 4, d=d), mk(lib, 5, d=d)),
    "vecdot": lambda lib, d: lib.linalg.vecdot(mk(lib, 3, 4, d=d), mk(lib, 3, 4, d=d)),
    "tensordot": lambda lib, d: lib.tensordot(mk(lib, 3, 4, d=d), mk(lib, 4, 5), dims=1),
    "multi_dot": lambda lib, d: lib.linalg.multi_dot([mk(lib, 3, 4, d=d), mk(lib, 4, 5, d=d), mk(lib, 5, 2, d=d)]),
    "chain_matmul": lambda lib, d: lib.chain_matmul(mk(lib, 3, 4, d=d), mk(lib, 4, 5, d=d)),
    "conv1d": lambda lib, d: _f(lib).conv1d(mk(lib, 1, 2, 8, d=d), mk(lib, 3, 2, 3, d=d)),
    "conv2d": lambda lib, d: _f(lib).conv2d(mk(lib, 1, 2, 6, 6, d=d), mk(lib, 3, 2, 3, 3, d=d), mk(lib, 3, d=d)),
    "conv3d": lambda lib, d: _f(lib).conv3d(mk(lib, 1, 2, 4, 4, 4, d=d), mk(lib, 3, 2, 3, 3, 3, d=d)),
    "conv_transpose1d": lambda lib, d: _f(lib).conv_transpose1d(mk(lib, 1, 2, 4, d=d), mk(lib, 2, 3, 3, d=d)),
    "conv_transpose2d": lambda lib, d: _f(lib).conv_transpose2d(mk(lib, 1, 2, 4, 4, d=d), mk(lib, 2, 3, 3, 3, d=d)),
    "conv_transpose3d": lambda lib, d: _f(lib).conv_transpose3d(mk(lib, 1, 2, 3, 3, 3, d=d),
                                                                mk(lib, 2, 3, 2, 2, 2, d=d)),
    "convolution": lambda lib, d: lib.convolution(mk(lib, 1, 2, 6, 6, d=d), mk(lib, 3, 2, 3, 3, d=d), None, [1, 1],
                                                  [0, 0], [1, 1], False, [0, 0], 1),
    "conv_tbc": lambda lib, d: lib.conv_tbc(mk(lib, 4, 1, 2, d=d), mk(lib, 3, 2, 3, d=d), mk(lib, 3, d=d)),
    "prelu": lambda lib, d: _f(lib).prelu(mk(lib, 2, 3, d=d), mk(lib, 1, d=d)),
    "scaled_dot_product_attention": lambda lib, d: _f(lib).scaled_dot_product_attention(
        mk(lib, 1, 2, 4, 8, d=d), mk(lib, 1, 2, 4, 8, d=d, seed=1), mk(lib, 1, 2, 4, 8, d=d, seed=2)),
    "lstm": _lstm,
    "lstm_cell": _cell("lstm_cell"), "gru_cell": _cell("gru_cell"), "rnn_tanh_cell": _cell("rnn_tanh_cell"),
    "rnn_relu_cell": _cell("rnn_relu_cell"),
    "mse_loss": lambda lib, d: _f(lib).mse_loss(*_pair(lib, d)),
    "l1_loss": lambda lib, d: _f(lib).l1_loss(*_pair(lib, d)),
    "smooth_l1_loss": lambda lib, d: _f(lib).smooth_l1_loss(*_pair(lib, d)),
    "huber_loss": lambda lib, d: _f(lib).huber_loss(*_pair(lib, d)),
    "soft_margin_loss": lambda lib, d: _f(lib).soft_margin_loss(*_pair(lib, d)),
    "kl_div": lambda lib, d: _f(lib).kl_div(*_pair(lib, d), reduction="batchmean"),
    "poisson_nll_loss": lambda lib, d: _f(lib).poisson_nll_loss(*_pair(lib, d)),
    "binary_cross_entropy": lambda lib, d: _f(lib).binary_cross_entropy(*_pair(lib, d)),
    "binary_cross_entropy_with_logits": lambda lib, d: _f(lib).binary_cross_entropy_with_logits(*_pair(lib, d)),
    "nll_loss": lambda lib, d: _f(lib).nll_loss(mk(lib, 4, 3, d=d), lib.tensor([0, 1, 2, 0])),
    "cross_entropy": lambda lib, d: _f(lib).cross_entropy(mk(lib, 4, 3, d=d), lib.tensor([0, 1, 2, 0])),
    "multi_margin_loss": lambda lib, d: _f(lib).multi_margin_loss(mk(lib, 4, 3, d=d), lib.tensor([0, 1, 2, 0])),
    "multilabel_margin_loss": lambda lib, d: _f(lib).multilabel_margin_loss(mk(lib, 2, 3, d=d),
                                                                            lib.tensor([[0, 2, -1], [1, -1, 0]])),
    "margin_ranking_loss": lambda lib, d: _f(lib).margin_ranking_loss(mk(lib, 3, d=d), mk(lib, 3, d=d, seed=1),
                                                                      lib.tensor([1.0, -1.0, 1.0])),
    "hinge_embedding_loss": lambda lib, d: _f(lib).hinge_embedding_loss(mk(lib, 3, d=d), lib.tensor([1.0, -1.0, 1.0])),
    "cosine_embedding_loss": lambda lib, d: _f(lib).cosine_embedding_loss(*_pair(lib, d), lib.ones(4)),
    "triplet_margin_loss": lambda lib, d: _f(lib).triplet_margin_loss(*_pair(lib, d), mk(lib, 4, 3, d=d, seed=2)),
    "ctc_loss": lambda lib, d: _f(lib).ctc_loss(mk(lib, 5, 1, 3, d=d).log_softmax(-1), lib.tensor([[1, 2]]),
                                                lib.tensor([5]), lib.tensor([2])),
    "avg_pool3d": lambda lib, d: _f(lib).avg_pool3d(mk(lib, 1, 1, 4, 4, 4, d=d), 2),
    "max_pool3d": lambda lib, d: _f(lib).max_pool3d(mk(lib, 1, 1, 4, 4, 4, d=d), 2),
    "adaptive_avg_pool3d": lambda lib, d: _f(lib).adaptive_avg_pool3d(mk(lib, 1, 1, 4, 4, 4, d=d), 2),
    "adaptive_max_pool3d": lambda lib, d: _f(lib).adaptive_max_pool3d(mk(lib, 1, 1, 4, 4, 4, d=d), 2),
    "max_unpool2d": lambda lib, d: _f(lib).max_unpool2d(*_f(lib).max_pool2d(mk(lib, 1, 1, 4, 4, d=d), 2,
                                                                            return_indices=True), 2),
    "max_unpool3d": lambda lib, d: _f(lib).max_unpool3d(*_f(lib).max_pool3d(mk(lib, 1, 1, 4, 4, 4, d=d), 2,
                                                                            return_indices=True), 2),
    "fractional_max_pool2d": lambda lib, d: _f(lib).fractional_max_pool2d(
        mk(lib, 1, 1, 6, 6, d=d), 2, output_size=3, _random_samples=lib.full((1, 1, 2), 0.5).to(getattr(lib, d))),
    "fractional_max_pool3d": lambda lib, d: _f(lib).fractional_max_pool3d(
        mk(lib, 1, 1, 6, 6, 6, d=d), 2, output_size=3, _random_samples=lib.full((1, 1, 3), 0.5).to(getattr(lib, d))),
    "grid_sample": lambda lib, d: _f(lib).grid_sample(mk(lib, 1, 1, 4, 4, d=d), mk(lib, 1, 2, 2, 2) - 0.5,
                                                      align_corners=False),
    "reflection_pad1d": lambda lib, d: _f(lib).pad(mk(lib, 1, 2, 4, d=d), (1, 1), mode="reflect"),
    "reflection_pad2d": lambda lib, d: _f(lib).pad(mk(lib, 1, 2, 4, 4, d=d), (1, 1, 1, 1), mode="reflect"),
    "replication_pad1d": lambda lib, d: _f(lib).pad(mk(lib, 1, 2, 4, d=d), (1, 1), mode="replicate"),
    "replication_pad2d": lambda lib, d: _f(lib).pad(mk(lib, 1, 2, 4, 4, d=d), (1, 1, 1, 1), mode="replicate"),
    "replication_pad3d": lambda lib, d: _f(lib).pad(mk(lib, 1, 1, 3, 3, 3, d=d), (1,) * 6, mode="replicate"),
    "polar": lambda lib, d: lib.polar(mk(lib, 3, d=d), mk(lib, 3, d=d, seed=1)),
    "view_as_complex": lambda lib, d: lib.view_as_complex(mk(lib, 3, 2, d=d)),
    "prod": lambda lib, d: lib.prod(mk(lib, 4, d=d)),
    "quantile": lambda lib, d: lib.quantile(mk(lib, 5, d=d), 0.3),
    "nanquantile": lambda lib, d: lib.nanquantile(mk(lib, 5, d=d), 0.3),
    "stft": lambda lib, d: lib.stft(mk(lib, 64, d=d), 16, window=lib.hann_window(16).to(getattr(lib, d)),
                                    return_complex=True),
    "cdist": lambda lib, d: lib.cdist(mk(lib, 2, 4, d=d), mk(lib, 3, 4, d=d, seed=1)),
    "trace": lambda lib, d: lib.trace(mk(lib, 3, 3, d=d)),
    "cholesky": lambda lib, d: lib.cholesky(eye(lib, d) @ eye(lib, d).mT),
    "cholesky_inverse": lambda lib, d: lib.cholesky_inverse(eye(lib, d).tril()),
    "cholesky_solve": lambda lib, d: lib.cholesky_solve(mk(lib, 3, 2, d=d), eye(lib, d).tril()),
    "triangular_solve": lambda lib, d: lib.triangular_solve(mk(lib, 3, 2, d=d), eye(lib, d).triu())[0],
    "lu": lambda lib, d: lib.lu(eye(lib, d))[0],
    "lu_solve": lambda lib, d: lib.lu_solve(mk(lib, 3, 1, d=d), *lib.linalg.lu_factor(eye(lib, F32))),
    "ormqr": lambda lib, d: lib.ormqr(*lib.geqrf(eye(lib, F32)), mk(lib, 3, 2, d=d)),
    "geqrf": lambda lib, d: lib.geqrf(eye(lib, d))[0],
    "pinverse": lambda lib, d: lib.pinverse(eye(lib, d)),
    "linalg_householder_product": lambda lib, d: lib.linalg.householder_product(eye(lib, d), mk(lib, 3, d=d)),
    "linalg_matrix_rank": lambda lib, d: lib.linalg.matrix_rank(eye(lib, d)),
    "linalg_solve": lambda lib, d: lib.linalg.solve(eye(lib, d), mk(lib, 3, d=d)),
    "linalg_cholesky": lambda lib, d: lib.linalg.cholesky(eye(lib, d) @ eye(lib, d).mT),
    "linalg_cholesky_ex": lambda lib, d: lib.linalg.cholesky_ex(eye(lib, d) @ eye(lib, d).mT)[0],
    "linalg_svdvals": lambda lib, d: lib.linalg.svdvals(eye(lib, d)),
    "linalg_eigvals": lambda lib, d: lib.linalg.eigvals(eye(lib, d)),
    "linalg_eigvalsh": lambda lib, d: lib.linalg.eigvalsh(eye(lib, d) + eye(lib, d).mT),
    "linalg_inv": lambda lib, d: lib.linalg.inv(eye(lib, d)),
    "linalg_inv_ex": lambda lib, d: lib.linalg.inv_ex(eye(lib, d))[0],
    "linalg_qr": lambda lib, d: lib.linalg.qr(eye(lib, d))[1].abs(),
    "linalg_svd": lambda lib, d: lib.linalg.svd(eye(lib, d))[1],
    "linalg_eig": lambda lib, d: lib.linalg.eig(eye(lib, d))[0],
    "linalg_eigh": lambda lib, d: lib.linalg.eigh(eye(lib, d) + eye(lib, d).mT)[0],
    "linalg_lstsq": lambda lib, d: lib.linalg.lstsq(eye(lib, d), mk(lib, 3, 1, d=d))[0],
    "cat": lambda lib, d: lib.cat([mk(lib, 2, d=d), mk(lib, 2)]),
    "stack": lambda lib, d: lib.stack([mk(lib, 2, d=d), mk(lib, 2)]),
    "index_copy": lambda lib, d: mk(lib, 3).index_copy(0, lib.tensor([1]), mk(lib, 1, d=d)),
    "index_put": lambda lib, d: lib.index_put(mk(lib, 3), (lib.tensor([1]),), mk(lib, 1, d=d)),
    "scatter_add": lambda lib, d: lib.scatter_add(mk(lib, 3), 0, lib.tensor([1, 0]), mk(lib, 2, d=d)),
    "addcmul": lambda lib, d: lib.addcmul(mk(lib, 2), mk(lib, 2, d=d), mk(lib, 2)),
    "addcdiv": lambda lib, d: lib.addcdiv(mk(lib, 2), mk(lib, 2, d=d), mk(lib, 2)),
    "atan2": lambda lib, d: lib.atan2(mk(lib, 2, d=d), mk(lib, 2)),
    "cross": lambda lib, d: lib.cross(mk(lib, 2, 3, d=d), mk(lib, 2, 3), dim=1),
    "bilinear": lambda lib, d: _f(lib).bilinear(mk(lib, 2, 3, d=d), mk(lib, 2, 4, d=d), mk(lib, 5, 3, 4, d=d)),
    "sum": lambda lib, d: lib.sum(mk(lib, 3, d=d)),
    "cumsum": lambda lib, d: lib.cumsum(mk(lib, 3, d=d), 0),
    "cumprod": lambda lib, d: lib.cumprod(mk(lib, 3, d=d), 0),
    "softmax": lambda lib, d: _f(lib).softmax(mk(lib, 3, d=d), -1),
    "log_softmax": lambda lib, d: lib.log_softmax(mk(lib, 3, d=d), -1),
    "vector_norm": lambda lib, d: lib.linalg.vector_norm(mk(lib, 3, d=d)),
    "matrix_norm": lambda lib, d: lib.linalg.matrix_norm(mk(lib, 3, 3, d=d)),
    "norm": lambda lib, d: lib.norm(mk(lib, 3, d=d)),
    "layer_norm": lambda lib, d: _f(lib).layer_norm(mk(lib, 2, 3, d=d), (3,)),
    "group_norm": lambda lib, d: _f(lib).group_norm(mk(lib, 2, 4, 3, d=d), 2),
    "rms_norm": lambda lib, d: _f(lib).rms_norm(mk(lib, 2, 3, d=d), (3,)),
    "cosine_similarity": lambda lib, d: _f(lib).cosine_similarity(*_pair(lib, d)),
    "dist": lambda lib, d: lib.dist(*_pair(lib, d)),
    "pdist": lambda lib, d: _f(lib).pdist(mk(lib, 3, 2, d=d)),
    "renorm": lambda lib, d: lib.renorm(mk(lib, 3, 2, d=d), 2, 0, 0.5),
    "logsumexp": lambda lib, d: lib.logsumexp(mk(lib, 3, d=d), 0),
    "interpolate": lambda lib, d: _f(lib).interpolate(mk(lib, 1, 1, 3, 3, d=d), scale_factor=2, mode="bilinear"),
    "softplus": lambda lib, d: _f(lib).softplus(mk(lib, 3, d=d)),
    "pow": lambda lib, d: lib.pow(mk(lib, 3, d=d), 2),
    "reciprocal": lambda lib, d: lib.reciprocal(mk(lib, 3, d=d)),
    **{name: (lambda name: lambda lib, d: getattr(lib, name)(mk(lib, 3, d=d)))(name)
       for name in "acos asin cosh erfinv exp expm1 log log10 log2 log1p rsqrt sinh tan".split()},
    **{name: _fft(name) for name in "fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 rfftn irfftn hfft ihfft"
       .split()},
}
# PyTorch raises for these on half-precision input outside its fp32 list (its CPU kernels lack them); ember computes
HALF_REFUSED_BY_PYTORCH = {"pdist", "cross"}


def _dtype_or_error(fn, lib, d, region):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if region is None:
                out = fn(lib, d)
            else:
                with lib.autocast("cpu", dtype=getattr(lib, region)):
                    out = fn(lib, d)
    except Exception as err:  # noqa: BLE001 (the exception type is what is compared)
        return type(err).__name__, None
    return str(out.dtype).split(".")[-1], out


def test_every_table_name_has_a_call():
    names = set(ac.POLICIES["cpu"]) | set(ac.POLICIES["cuda"])
    assert names - set(CALLS) == set()


@pytest.mark.parametrize("name", sorted(CALLS))  # the CPU table's ops, and the others' CPU behaviour
@pytest.mark.parametrize("region", ["bfloat16", "float16"])
def test_cpu_autocast_dtypes_and_values_match_pytorch(name, region):
    for d in (F32, region, "float64"):
        if name == "lstm" and region == "float16":
            continue  # PyTorch's oneDNN LSTM fails on float16 ("could not create a primitive descriptor")
        if d != F32 and name in HALF_REFUSED_BY_PYTORCH:
            continue
        t_dtype, t_out = _dtype_or_error(CALLS[name], torch, d, region)
        e_dtype, e_out = _dtype_or_error(CALLS[name], ember, d, region)
        assert e_dtype == t_dtype, f"{name} on {d} inputs in a {region} region"
        if t_out is not None:  # at half precision's tolerance: composed ops may round inside where ember does not
            np.testing.assert_allclose(_as_wide(e_out, ember), _as_wide(t_out, torch), rtol=2e-2, atol=2e-2,
                                       err_msg=f"{name} on {d} inputs in a {region} region")


def _as_wide(t, lib):
    return t.detach().to(lib.complex128 if t.is_complex() else lib.float64).resolve_conj().numpy()


@pytest.mark.parametrize("name", sorted(ac.POLICIES["cuda"]))
def test_cuda_table_reaches_every_op(name, monkeypatch):
    """Each op the CUDA table names applies its policy: the table is routed to CPU tensors here."""
    monkeypatch.setitem(ac.POLICIES, "cpu", ac.POLICIES["cuda"])
    policy = ac.POLICIES["cuda"][name]
    d = F32 if policy == ac.LOWER else "bfloat16"
    dtype, out = _dtype_or_error(CALLS[name], ember, d, "float16")
    expected = {ac.LOWER: "float16", None: "float32"}.get(policy, F32)
    if out is not None and out.is_complex():
        expected = "complex64"
    if name in ("lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"):
        expected = "float16"
    assert dtype == expected, f"{name} ({policy}) gave {dtype}"


def test_float64_and_integer_inputs_stay():
    with ember.autocast("cpu"):
        assert (ember.ones(2, 2, dtype=ember.float64) @ ember.ones(2, 2, dtype=ember.float64)).dtype == ember.float64
        assert ember.nn.functional.cross_entropy(ember.ones(2, 3, dtype=ember.float64),
                                                 ember.tensor([0, 1])).dtype == ember.float64
        assert ember.cat([ember.ones(2, dtype=ember.int64), ember.ones(2, dtype=ember.int64)]).dtype == ember.int64


def _step(lib, dtype):
    """A small classifier's loss and gradients, its forward inside an autocast region."""
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(18, 3))
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(_values(tuple(p.shape), p.numel())) - 0.5)
    x = lib.tensor(_values((4, 1, 5, 5), 7))
    with lib.autocast("cpu", dtype=getattr(lib, dtype)):
        out = model(x)
        loss = lib.nn.functional.cross_entropy(out, lib.tensor([0, 1, 2, 1]))
    loss.backward()
    return out, loss, [p.grad for p in model.parameters()]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_training_step_matches_pytorch(dtype):
    e_out, e_loss, e_grads = _step(ember, dtype)
    t_out, t_loss, t_grads = _step(torch, dtype)
    assert str(e_out.dtype).split(".")[-1] == dtype and e_loss.dtype == ember.float32
    assert [str(g.dtype) for g in e_grads] == ["ember.float32"] * 4
    assert e_out.grad_fn.name() == t_out.grad_fn.name() == "AddmmBackward0"
    np.testing.assert_allclose(e_out.detach().float().numpy(), t_out.detach().float().numpy(), rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(e_loss.item(), t_loss.item(), rtol=1e-2)
    for e, t in zip(e_grads, t_grads):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=5e-2, atol=2e-2)


def test_parity_helper_through_casts():
    x, w, b = _values((3, 4), 0), _values((5, 4), 1), _values((5,), 2)

    def linear_in_region(lib, x, w, b):
        with lib.autocast("cpu"):
            return lib.nn.functional.linear(x, w, b).float()
    check(linear_in_region, x, w, b, atol=2e-2, rtol=2e-2, grad_atol=2e-2, grad_rtol=2e-2)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_a_weight_is_cast_once_per_region(lib):
    w = lib.ones(2, 2, requires_grad=True)
    with lib.autocast("cpu"):
        y = lib.mm(w, w)
        first, second = (edge[0] for edge in y.grad_fn.next_functions)
        assert first is second and first.name() == "ToCopyBackward0"
        with lib.autocast("cpu", cache_enabled=False):
            z = lib.mm(w, w)
        assert z.grad_fn.next_functions[0][0] is not z.grad_fn.next_functions[1][0]
    y.float().sum().backward()
    assert w.grad.dtype == lib.float32 and w.grad.tolist() == [[4.0, 4.0], [4.0, 4.0]]
    assert not ac.CACHE["casts"]


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_unsupported_region_dtype_warns_and_disables(lib):
    with pytest.warns(UserWarning, match="target dtype is not supported"):
        with lib.autocast("cpu", dtype=lib.float32):
            assert not lib.is_autocast_enabled("cpu")
            assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype == lib.float32


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_set_autocast_enabled_switches_ops(lib):
    lib.set_autocast_enabled("cpu", True)
    try:
        assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype == lib.bfloat16
    finally:
        lib.set_autocast_enabled("cpu", False)
    assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype == lib.float32


def _custom_function(lib, cast_inputs):
    seen = {}

    class Square(lib.autograd.Function):
        @staticmethod
        @lib.amp.custom_fwd(device_type="cpu", cast_inputs=cast_inputs)
        def forward(ctx, x):
            seen["forward"] = (str(x.dtype), lib.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x @ x

        @staticmethod
        @lib.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen["backward"] = lib.is_autocast_enabled("cpu")
            x, = ctx.saved_tensors
            return g @ x.mT + x.mT @ g
    x = lib.ones(2, 2, requires_grad=True)
    with lib.autocast("cpu"):
        y = Square.apply(x.bfloat16() if cast_inputs is not None else x)
    y.float().sum().backward()
    return seen, str(y.dtype).split(".")[-1], x.grad.tolist()


@pytest.mark.parametrize("cast_inputs", ["float32", None])
def test_custom_fwd_and_bwd_match_pytorch(cast_inputs):
    e = _custom_function(ember, None if cast_inputs is None else ember.float32)
    t = _custom_function(torch, None if cast_inputs is None else torch.float32)
    assert e[0]["forward"][1] == t[0]["forward"][1] and e[0]["backward"] == t[0]["backward"]
    assert e[0]["forward"][0].split(".")[-1] == t[0]["forward"][0].split(".")[-1]
    assert e[1:] == t[1:]


def test_custom_fwd_needs_a_device_type():
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.amp.custom_fwd(lambda ctx, x: x)
        with pytest.raises(ValueError):
            lib.amp.custom_fwd(device_type=3)
