"""PyTorch's DDP tutorial, whose ranks come from mp.spawn, under `ember run`: the spawned processes start as one
MPI job (NOTE [ Spawned ranks ]) and train together; a failing rank is raised in the parent as spawn raises it."""
import json
import subprocess
import sys

import pytest
from mpi_run import WORKERS

pytest.importorskip("mpi4py")


def _run(folder, *extra):
    return subprocess.run([sys.executable, "-m", "ember", "run", f"{WORKERS}/spawn_tutorial.py", str(folder), *extra],
                          capture_output=True, text=True, timeout=120)


def test_the_ddp_tutorial_trains_on_spawned_ranks(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert [(r["rank"], r["world"]) for r in ranks] == [(0, 2), (1, 2)]
    assert ranks[0]["weights"] == ranks[1]["weights"]  # one model: rank 0's weights, averaged gradients


def test_a_failing_spawned_rank_is_raised_in_the_parent(tmp_path):
    done = _run(tmp_path, "fail")
    assert done.returncode == 1
    assert "ProcessRaisedException" in done.stderr
    assert "-- Process 1 terminated with the following error:" in done.stderr
    assert "ValueError: rank 1 gives up" in done.stderr
