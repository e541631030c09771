"""A rank that raises, is killed, or runs a different collective makes the others fail with an error that names
it, within the group's timeout, never a hang; `ember launch` exits with the failure's status."""
import os
import time
from types import SimpleNamespace

import pytest
from mpi_run import run_ranks

from ember.distributed._waiting import timeout_error
from ember.distributed.errors import DistBackendError


def _run(how: str, timeout_s: float, env=None):
    start = time.monotonic()
    done = run_ranks("failures.py", 2, [how, timeout_s], timeout=60, env=env)
    return done, time.monotonic() - start


def test_a_raising_rank_fails_the_others_at_once():
    done, _ = _run("raise", 60)  # a timeout far longer than the test: the failure notice must end the wait
    assert done.returncode == 1
    assert "rank 0 raised DistBackendError after 0." in done.stdout
    assert "rank 1 failed with ValueError: rank 1 broke on purpose" in done.stdout
    assert "rank 1: ValueError: rank 1 broke on purpose" in done.stderr  # the launcher's summary


def _shared_memory_files() -> set:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def test_a_killed_rank_times_the_others_out_naming_it():
    before = _shared_memory_files()
    done, seconds = _run("kill", 2)
    assert _shared_memory_files() - before == set()  # not even the killed rank's shared memory is left behind
    assert done.returncode == 1
    assert "timed out after 2 s on rank 0: rank 1 did not answer" in done.stdout
    assert "rank 1: exited without reporting: it was killed" in done.stderr
    assert seconds < 30


def _names_operation(line: str, rank: int, operation: str) -> bool:
    """Whether a rank's error line names what `rank` waits in: by its answer to the ping, or, where `rank`
    timed out first and was gone before the ping came, by the failure it reported (NOTE [ Waiting with a
    deadline ])."""
    return (f"rank {rank} is waiting in {operation}" in line
            or f"rank {rank} failed with DistBackendError: {operation} timed out after 2 s on rank {rank}" in line)


def test_ranks_waiting_in_different_operations_name_each_other():
    done, _ = _run("recv", 2)
    assert done.returncode == 1
    lines = {line.split()[1]: line for line in done.stdout.splitlines() if line.startswith("rank ")}
    assert "did not answer" not in done.stdout
    assert _names_operation(lines["0"], 1, "recv #2 on group 0")
    assert _names_operation(lines["1"], 0, "all_reduce #2 on group 0")


class _ControlWithLateFailure:
    """A control channel on which rank 1 did not answer the ping but reported its own timeout meanwhile."""
    failures: dict = {}

    def ping(self, ranks, waiting_in):
        self.failures = {1: "DistBackendError: recv #2 on group 0 timed out after 2 s on rank 1: ..."}
        return {}


def test_a_rank_that_failed_during_the_ping_is_named_by_its_failure():
    world = SimpleNamespace(control=_ControlWithLateFailure(), rank=0)
    error = timeout_error(SimpleNamespace(world=world, global_ranks=[0, 1]), "all_reduce #2 on group 0", 2)
    assert isinstance(error, DistBackendError)
    assert "did not answer" not in str(error)
    assert _names_operation(str(error), 1, "recv #2 on group 0")


def test_debug_mode_names_different_collectives():
    done, _ = _run("order", 30, env={"EMBER_DISTRIBUTED_DEBUG": "DETAIL"})
    assert done.returncode == 1
    assert ("Detected mismatch between collectives on ranks in all_reduce #2 on group 0: "
            "rank 0 runs all_reduce(float32[3]); rank 1 runs broadcast(float32[3])") in done.stdout


@pytest.mark.parametrize("variable", ["EMBER_DISTRIBUTED_DEBUG", "TORCH_DISTRIBUTED_DEBUG"])
def test_debug_mode_names_mismatched_shapes(variable):
    done, _ = _run("mismatch", 30, env={variable: "DETAIL"})
    assert done.returncode == 1
    assert ("Detected mismatch between collectives on ranks in all_reduce #2 on group 0: "
            "rank 0 runs all_reduce(float32[3]); rank 1 runs all_reduce(float32[4])") in done.stdout
