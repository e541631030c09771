"""DistributedDataParallel: on 2 and 4 ranks started by `ember launch` (workers/ddp_*.py report what they find as
JSON), each against a single-process run on the same data; and in this process, a world of one rank, against
PyTorch's DDP on a Gloo world of one."""
import copy
import inspect
import json
import warnings

import numpy as np
import pytest

import ember
from ember.nn.parallel import DistributedDataParallel

pytest.importorskip("mpi4py")
from e2e.mnist_data import MNIST  # noqa: E402
from mpi_run import run_ranks  # noqa: E402
from one_rank import ember_world, torch_world  # noqa: E402, F401  (fixtures world, torch)

UNFINISHED = ("Expected to have finished reduction in the prior iteration before starting a new one. This error "
              "indicates that your module has parameters that were not used in producing loss.")


def _launch(script: str, nproc: int, tmp_path, *args) -> dict | list:
    out = tmp_path / f"{script}.{nproc}.json"
    done = run_ranks(script, nproc, args=(*args, out), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module", params=[2, 4], ids=["2 ranks", "4 ranks"])
def found(request, tmp_path_factory) -> list[dict]:
    """What workers/ddp_cases.py found on each rank."""
    return _launch("ddp_cases.py", request.param, tmp_path_factory.mktemp("ddp"))


# ---- across ranks ----------------------------------------------------------------------------------------------
def test_construction_gives_every_rank_rank_0s_parameters_and_buffers(found):
    for f in found:
        assert f["a_spread_before"] > 0.1  # the ranks started different
        assert f["a_spread_after"] == 0.0
        assert f["a_buffer_after_construction"] == [1.0, 1.0, 1.0]
        assert f["a_construction_messages"] <= 2  # a shape check and one flat broadcast, not one per tensor
        assert f["a_state_dict_keys"] == ["module.scale", "module.fc1.weight", "module.fc1.bias",
                                          "module.fc2.weight", "module.fc2.bias"]


def test_buffers_are_rank_0s_at_every_forward_unless_told_otherwise(found):
    for rank, f in enumerate(found):
        assert f["a_buffer_after_forward"] == [5.0, 5.0, 5.0]
        assert f["a_buffer_without_forward_sync"] == [rank + 7.0] * 3


def test_no_sync_accumulates_locally_then_averages_like_one_big_batch(found):
    for f in found:
        assert f["c_no_sync_backward_messages"] == 0
        assert f["c_grad_local_inside_no_sync"] > 0  # inside no_sync the ranks' grads differ
        assert f["c_no_sync_vs_big_batch"] < 1e-5
        assert f["c_no_sync_vs_single_process"] < 1e-5
        assert f["c_spread"] == 0.0


def test_find_unused_parameters_averages_what_some_rank_used_and_leaves_the_rest(found):
    for f in found:
        assert f["d_grad_fn"] == "_DDPSinkBackward"
        assert f["d_unused_everywhere"] < 1e-6
        assert f["d_unused_everywhere_grads_none"] == [False, False, True, True, True, True]
        assert f["d_used_on_rank_1_only"] < 1e-6  # rank 0's b.grad, from None, is rank 1's grad / world size
        assert f["d_used_on_rank_1_only_b_grad_none"] is False
        assert f["d_used_on_rank_0_only"] < 1e-6
        assert f["d_unused_grad_kept"] is True
        assert f["d_next_forward_fine"] is True
        assert f["d_spread"] == 0.0


def test_a_parameter_without_grad_makes_the_next_forward_raise(found):
    for rank, f in enumerate(found):
        assert f["e_error"].startswith(UNFINISHED)
        assert f"Parameter indices which did not receive grad for rank {rank}: 2 3 4 5" in f["e_error"]
        assert "b.weight, b.bias, c.weight, c.bias" in f["e_error"]
        assert f["e_no_grad_forward_fine"] is True


def test_several_buckets_and_bucket_views_train_as_one_process(found):
    for f in found:
        buckets = f["f_buckets"]
        assert buckets["default"] == [[7, 6, 5, 4, 3, 2, 1, 0]]
        assert buckets["small"] == [[7, 6, 5, 4], [3, 2], [1, 0]]  # reverse order: last layers' grads come first
        for name in ("default", "small", "view"):
            assert f["f_vs_single_process"][name] < 1e-5, name
            assert f["f_spread"][name] == 0.0, name
        assert f["f_grads_are_bucket_views"] is True


def test_lenet_on_mnist_shards_matches_one_process_on_the_whole_batches(tmp_path):
    if not (MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST files not found in {MNIST}")
    result = _launch("ddp_lenet.py", 2, tmp_path, MNIST, 50)
    assert result["buckets"]["default"] == 1
    assert result["buckets"]["small_buckets_as_views"] > 2
    for name in ("default", "small_buckets_as_views"):
        assert result["spread"][name] < 1e-5, name
        assert result["vs_single_process"][name] < 1e-5, name
        assert len(result["losses"][name]) == 50 and all(np.isfinite(result["losses"][name]))
    assert np.mean(result["reference_losses"][-5:]) < np.mean(result["reference_losses"][:5])


# ---- in this process: a world of one rank, against PyTorch -------------------------------------------------------
def _branchy(lib):
    class Branchy(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(3, 2)
            self.b = lib.nn.Linear(3, 2)
            self.bn = lib.nn.BatchNorm1d(2)

        def forward(self, x, use_b=False, second=True):
            y = self.bn(self.a(x))
            y = y + self.b(x) if use_b else y
            return (y, self.b(x)) if second else (y,)
    return Branchy()


def _pair(torch, **options):
    """The same model under PyTorch's DDP and ember's, with the same weights."""
    torch.manual_seed(0)
    t = _branchy(torch)
    e = _branchy(ember)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (torch.nn.parallel.DistributedDataParallel(t, **options),
                DistributedDataParallel(e, **options))


def _grads(model) -> list:
    return [None if p.grad is None else p.grad.detach().numpy() for p in model.parameters()]


def test_signature_and_names_are_pytorchs(torch):
    ours = inspect.signature(DistributedDataParallel.__init__)
    theirs = inspect.signature(torch.nn.parallel.DistributedDataParallel.__init__)
    assert list(ours.parameters) == list(theirs.parameters)
    assert [p.default for p in ours.parameters.values()] == [p.default for p in theirs.parameters.values()]
    assert hasattr(ember.nn.parallel, "DistributedDataParallel") and not hasattr(torch.nn, "DistributedDataParallel")


@pytest.mark.parametrize("find_unused", [False, True])
def test_gradients_grad_fn_and_state_dict_match_pytorch(torch, world, find_unused):
    t, e = _pair(torch, find_unused_parameters=find_unused)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for _ in range(2):
        yt, _ = t(torch.tensor(x), use_b=True)
        ye, _ = e(ember.tensor(x), use_b=True)
        assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__
        (yt ** 2).sum().backward()
        (ye ** 2).sum().backward()
        for a, b in zip(_grads(t), _grads(e)):
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-4)  # a.bias: zero but for rounding (BN)
    assert list(e.state_dict()) == list(t.state_dict())
    assert str(e).replace("ember", "torch") == str(t)


def test_find_unused_leaves_unused_grads_none_like_pytorch(torch, world):
    t, e = _pair(torch, find_unused_parameters=True)
    x = np.ones((4, 3), np.float32)
    t(torch.tensor(x))[0].sum().backward()  # b is used in forward, but its output is not in the loss
    e(ember.tensor(x))[0].sum().backward()
    assert [g is None for g in _grads(e)] == [g is None for g in _grads(t)] == [False, False, True, True, False,
                                                                                False]
    t(torch.tensor(x))  # no error: the reduction finished
    e(ember.tensor(x))


def test_unfinished_reduction_error_matches_pytorch(torch, world):
    t, e = _pair(torch)
    x = np.ones((4, 3), np.float32)
    t(torch.tensor(x))[0].sum().backward()
    e(ember.tensor(x))[0].sum().backward()
    with pytest.raises(RuntimeError) as theirs:
        t(torch.tensor(x))
    with pytest.raises(RuntimeError) as ours:
        e(ember.tensor(x))
    assert str(ours.value).startswith(UNFINISHED) and str(theirs.value).startswith(UNFINISHED)
    line = "Parameter indices which did not receive grad for rank 0: 2 3"
    assert line in str(theirs.value) and line in str(ours.value)
    assert "Parameters which did not receive grad for rank 0: b.weight, b.bias" in str(ours.value)


def test_bad_construction_raises_pytorchs_errors(torch, world):
    for lib, ddp in ((torch, torch.nn.parallel.DistributedDataParallel), (ember, DistributedDataParallel)):
        frozen = lib.nn.Linear(2, 2).requires_grad_(False)
        with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
            ddp(frozen)
        with pytest.raises(ValueError, match="device_ids can only be None or contain a single element"):
            ddp(lib.nn.Linear(2, 2), device_ids=[0, 1])
        with pytest.raises(ValueError, match="only work with single-device/multiple-device GPU modules or CPU"):
            ddp(lib.nn.Linear(2, 2), device_ids=[0])
        with pytest.warns(FutureWarning, match="`broadcast_buffers` is deprecated"):
            ddp(lib.nn.Linear(2, 2), broadcast_buffers=False)


def test_before_init_process_group_it_raises_valueerror():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(ember.nn.Linear(2, 2))


def test_no_sync_and_what_ember_leaves_out(world):
    model = DistributedDataParallel(ember.nn.Linear(2, 2))
    with model.no_sync():
        assert model.require_backward_grad_sync is False
        model(ember.ones(1, 2)).sum().backward()
    assert model.require_backward_grad_sync is True
    assert model.module.weight.grad is not None  # accumulated locally
    with pytest.raises(NotImplementedError, match="join"):
        model.join()
    with pytest.raises(NotImplementedError, match="register_comm_hook"):
        model.register_comm_hook(None, None)


def test_static_graph_tolerates_unused_parameters_like_pytorch(torch, world):
    t, e = _pair(torch, static_graph=True)
    x = np.ones((4, 3), np.float32)
    for _ in range(3):
        t(torch.tensor(x), second=False)[0].sum().backward()  # b is not used at all
        e(ember.tensor(x), second=False)[0].sum().backward()
        assert [g is None for g in _grads(e)] == [g is None for g in _grads(t)]
        for a, b in zip(_grads(t), _grads(e)):
            if a is not None:
                np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-4)


def test_a_deep_copy_gets_its_own_reducer(world):
    model = DistributedDataParallel(ember.nn.Linear(3, 2))
    twin = copy.deepcopy(model)
    assert twin.reducer is not model.reducer and twin.reducer.params[0] is twin.module.weight
    twin(ember.ones(2, 3)).sum().backward()
    assert model.module.weight.grad is None and twin.module.weight.grad is not None
    model(ember.ones(2, 3))  # the original's reduction was never started: no error
