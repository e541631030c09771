"""bench/runner.py's compare: the ratio is the median over pairs of blocks, so that a machine-wide slowdown that
hits one pair moves one ratio only."""
from bench import runner


def test_ratio_is_the_median_of_paired_ratios(monkeypatch):
    # ember, torch, ember, torch, ...: the machine runs 3x slower during the second and third pairs
    times = iter([1.0, 2.0, 3.0, 6.0, 3.0, 6.0, 1.0, 2.0, 1.0, 2.0])
    monkeypatch.setattr(runner, "_settled_time", lambda fn, number, once: next(times))
    monkeypatch.setattr(runner, "_warm", lambda fn: 0.0)
    row = runner.compare("work", None, None, number=1, repeats=5)
    assert row["ratio"] == 2.0  # every pair says torch takes twice ember's time
    assert row["ember_us"] == 1e6 and row["torch_us"] == 2e6  # the medians of each library's blocks


def test_a_shift_between_the_two_blocks_of_a_pair_moves_only_that_pair(monkeypatch):
    times = iter([1.0, 1.5, 1.0, 3.0, 2.0, 1.5, 1.0, 1.5, 1.0, 1.5])
    monkeypatch.setattr(runner, "_settled_time", lambda fn, number, once: next(times))
    monkeypatch.setattr(runner, "_warm", lambda fn: 0.0)
    assert runner.compare("work", None, None, number=1, repeats=5)["ratio"] == 1.5


def test_warm_up_runs_a_fast_function_repeatedly_and_a_slow_one_once(monkeypatch):
    """The steady state is timed: NOTE [ When to compile ] loads ember's compiled loops during the warm-up."""
    monkeypatch.setattr(runner, "WARMUP_SECONDS", 0.05)
    calls = []
    monkeypatch.setattr(runner, "time_per_call", lambda fn, number: calls.append(fn) or fn)
    assert runner._warm(0.0) == 0.0 and len(calls) > 1
    calls.clear()
    assert runner._warm(1.0) == 1.0 and len(calls) == 1  # one call takes longer than the warm-up
