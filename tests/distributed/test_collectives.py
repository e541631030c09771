"""Every collective across 2 and 4 processes started by `ember launch`, checked against NumPy."""
import pytest
from mpi_run import run_ranks


@pytest.mark.parametrize("nproc", [2, 4])
def test_every_collective_across_ranks(nproc):
    done = run_ranks("collectives.py", nproc)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    assert done.stdout.count("done") == nproc
    lines = done.stdout.splitlines()
    for name in ["all_reduce SUM", "all_reduce AVG", "all_reduce BXOR int64", "all_reduce bfloat16", "reduce",
                 "all_gather", "reduce_scatter_tensor", "scatter", "all_to_all_single", "batch_isend_irecv",
                 "scatter_object_list"]:
        assert lines.count(f"ok {name}") == nproc, name
    assert lines.count("ok all_reduce in a subgroup") == (nproc + 1) // 2
    assert lines.count("ok non-member rank") == nproc // 2


@pytest.mark.parametrize("nproc", [2, 3])
def test_distributed_sampler_covers_the_dataset_once_per_epoch_across_ranks(nproc):
    done = run_ranks("sampler_loader.py", nproc)
    assert done.returncode == 0, done.stderr
    for epoch in range(3):
        assert f"epoch {epoch}: covered once True, shares {[48 // nproc] * nproc}" in done.stdout
    assert "orders differ by epoch True" in done.stdout
