"""ember.distributed in this process, a world of one rank, against PyTorch's Gloo world of one: the
collectives' results, the group queries, and the exception types for bad input."""
import os
import subprocess
import sys
from datetime import timedelta

import numpy as np
import pytest

import ember
import ember.distributed as dist

pytest.importorskip("mpi4py")
from one_rank import ember_world, start_torch_world, torch_world  # noqa: E402, F401  (fixtures world, torch)

pytestmark = pytest.mark.usefixtures("world")


def both(torch, fn):
    """fn(torch) and fn(ember), their results as NumPy arrays."""
    def numpy(x):
        return x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    return numpy(fn(torch)), numpy(fn(ember))


def _reduced(lib, op_name, dtype):
    t = lib.arange(-3, 9, dtype=getattr(lib, dtype)).reshape(3, 4)
    lib.distributed.all_reduce(t, op=getattr(lib.distributed.ReduceOp, op_name))
    return t


@pytest.mark.parametrize("op_name", ["SUM", "PRODUCT", "MIN", "MAX"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "float16", "bfloat16"])
def test_all_reduce_matches_torch(torch, op_name, dtype):
    t, e = both(torch, lambda lib: _reduced(lib, op_name, dtype).float())
    np.testing.assert_array_equal(e, t)


@pytest.mark.parametrize("op_name", ["BAND", "BOR", "BXOR"])
def test_bitwise_all_reduce_matches_torch(torch, op_name):
    t, e = both(torch, lambda lib: _reduced(lib, op_name, "int64"))
    np.testing.assert_array_equal(e, t)


def test_every_collective_of_one_rank_matches_torch(torch):
    def run(lib):
        d, x = lib.distributed, lib.arange(6.0).reshape(2, 3)
        d.broadcast(x, src=0)
        d.reduce(x, dst=0)
        outs = [lib.zeros(2, 3)]
        d.all_gather(outs, x)
        into = lib.zeros(2, 3)
        d.all_gather_into_tensor(into, x)
        scattered = lib.zeros(2, 3)
        d.reduce_scatter(scattered, [x * 2])
        gathered = [lib.zeros(2, 3)]
        d.gather(x + 1, gathered, dst=0)
        got = lib.zeros(2, 3)
        d.scatter(got, [x - 1], src=0)
        single = lib.zeros(2, 3)
        d.all_to_all_single(single, x * 3)
        return lib.stack([x, outs[0], into, scattered, gathered[0], got, single])
    t, e = both(torch, run)
    np.testing.assert_array_equal(e, t)


def test_strided_tensors_are_written_in_place(torch):
    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        view = x.t()
        lib.distributed.all_reduce(view)
        lib.distributed.broadcast(x[:, 1], src=0)
        return x
    t, e = both(torch, run)
    np.testing.assert_array_equal(e, t)


def test_collectives_do_not_count_as_in_place_changes(torch):
    t, e = both(torch, lambda lib: [_version_after(lib)])
    assert e == t


def _version_after(lib):
    x = lib.ones(2)
    lib.distributed.all_reduce(x)
    return x._version


def test_async_work_and_objects():
    x = ember.ones(3)
    work = dist.all_reduce(x, async_op=True)
    assert work.wait() is True and work.is_completed() and work.is_success() and work.exception() is None
    assert work.result()[0] is x
    objects = [None]
    dist.all_gather_object(objects, {"a": [1, 2]})
    assert objects == [{"a": [1, 2]}]
    items = ["x", 3]
    dist.broadcast_object_list(items, src=0)
    assert items == ["x", 3]
    received = [None]
    dist.scatter_object_list(received, ["mine"], src=0)
    assert received == ["mine"]
    gathered = [None]
    dist.gather_object(5, gathered, dst=0)
    assert gathered == [5]


def test_queries_match_torch(torch):
    for lib in (torch, ember):
        d = lib.distributed
        assert (d.is_initialized(), d.get_rank(), d.get_world_size(), d.get_backend()) == (True, 0, 1, "gloo")
        assert d.group.WORLD is d.GroupMember.WORLD is not None
        assert d.get_process_group_ranks(d.group.WORLD) == [0]
        assert d.get_global_rank(d.group.WORLD, 0) == 0
        assert d.ReduceOp.SUM == d.ReduceOp.RedOpType.SUM and int(d.ReduceOp.MAX) == int(torch.distributed.ReduceOp.MAX)
    sub = dist.new_group([0])
    assert dist.get_rank(sub) == 0 and dist.get_world_size(sub) == 1
    t = ember.ones(2)
    dist.all_reduce(t, group=sub)
    assert t.tolist() == [1.0, 1.0]


def test_destroy_then_init_again():
    dist.destroy_process_group()
    assert not dist.is_initialized() and dist.group.WORLD is None
    dist.init_process_group("mpi", timeout=timedelta(seconds=5))
    assert dist.get_backend() == "mpi" and dist.get_world_size() == 1


@pytest.mark.parametrize("bad", [
    lambda lib: lib.distributed.all_reduce([1, 2]),
    lambda lib: lib.distributed.all_reduce(lib.ones(2), op="sum"),
    lambda lib: lib.distributed.all_reduce(lib.ones(2), op=lib.distributed.ReduceOp.BAND),
    lambda lib: lib.distributed.all_gather([lib.zeros(2), lib.zeros(2)], lib.ones(2)),
    lambda lib: lib.distributed.all_gather([lib.zeros(3)], lib.ones(2)),
    lambda lib: lib.distributed.broadcast(lib.ones(2), src=3),
    lambda lib: lib.distributed.all_gather_into_tensor(lib.zeros(3), lib.ones(2)),
    lambda lib: lib.distributed.gather(lib.ones(2), [lib.zeros(2)] * 2, dst=0),
    lambda lib: lib.distributed.all_to_all_single(lib.zeros(3), lib.ones(3), [1], [2]),
    lambda lib: lib.distributed.init_process_group("gloo", rank=0, world_size=1),
    lambda lib: lib.distributed.new_group([0, 5]),
])
def test_bad_input_raises_like_torch(torch, bad):
    from parity import raises_like_torch
    raises_like_torch(bad)


def test_before_init_and_bad_arguments_raise_like_torch(torch):
    from parity import same_exception_type
    dist.destroy_process_group()
    torch.distributed.destroy_process_group()
    try:
        for bad in [lambda lib: lib.distributed.get_rank(), lambda lib: lib.distributed.all_reduce(lib.ones(2)),
                    lambda lib: lib.distributed.init_process_group("gloo", rank=0, world_size=1, timeout=5)]:
            with pytest.raises(Exception) as t_info:
                bad(torch)
            with pytest.raises(Exception) as e_info:
                bad(ember)
            assert same_exception_type(e_info.value, t_info.value), (e_info.value, t_info.value)
    finally:
        start_torch_world(torch)
        dist.init_process_group("gloo", rank=0, world_size=1)


def test_a_world_larger_than_the_mpi_job_says_how_to_launch():
    dist.destroy_process_group()
    with pytest.raises(RuntimeError, match="ember launch --nproc-per-node 2"):
        dist.init_process_group("gloo", rank=0, world_size=2)
    with pytest.raises(ValueError, match="rank=1"):
        dist.init_process_group("gloo", rank=1, world_size=1)
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.init_process_group("smoke-signals")
    dist.init_process_group("gloo")


def test_nccl_without_a_gpu_says_what_is_missing():
    if dist.is_nccl_available():
        pytest.skip("a GPU with NCCL is present")
    dist.destroy_process_group()
    with pytest.raises(RuntimeError, match="nccl.*needs a CUDA GPU"):
        dist.init_process_group("nccl")
    dist.init_process_group("gloo")


@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs a CUDA GPU and CuPy")
@pytest.mark.parametrize("backend", ["gloo", "nccl"])
def test_cuda_tensors_in_a_world_of_one(backend):
    dist.destroy_process_group()
    dist.init_process_group(backend, rank=0, world_size=1)
    try:
        x = ember.arange(6.0, device="cuda").reshape(2, 3)
        dist.all_reduce(x, op=dist.ReduceOp.AVG)
        outs = [ember.zeros(2, 3, device="cuda")]
        dist.all_gather(outs, x * 2)
        dist.broadcast(x, src=0)
        assert x.device.type == "cuda" and x.cpu().tolist() == [[0, 1, 2], [3, 4, 5]]
        assert outs[0].cpu().tolist() == [[0, 2, 4], [6, 8, 10]]
    finally:
        dist.destroy_process_group()
        dist.init_process_group("gloo")


def test_a_process_of_its_own_leaves_no_shared_memory_file():
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    code = "import ember, ember.distributed as d; d.init_process_group('gloo'); d.all_reduce(ember.ones(2))"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    after = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    assert after - before == set()  # Open MPI would leave its 16 MB file there


def test_importing_ember_does_not_start_mpi():
    code = ("import sys, ember, ember.distributed, ember.nn.parallel, ember.utils.data; "
            "assert 'mpi4py' not in sys.modules and 'mpi4py.MPI' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
