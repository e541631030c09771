"""Timing ember against PyTorch: alternate the two in one process and report medians and ratios."""
import statistics
import time


def time_per_call(fn, number: int) -> float:
    """Seconds per call of fn, averaged over `number` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


# Each timed block starts after SETTLE_SECONDS of untimed calls of the same function. OpenBLAS's threads
# spin for about 0.1 s after a product and PyTorch's pool for a while after an op, and either takes a core
# from the library timed next: PyTorch's LeNet step at batch 64 measured 21 ms right after ember's block
# against 10.8 ms after a pause. Calls rather than a sleep: after a sleep, the first few milliseconds run
# on idle cores and PyTorch's 2-thread ops measured 3-4x slower. A function slower than SETTLE_SECONDS
# (an epoch) gets no warm-up: its own length dwarfs the spin.
SETTLE_SECONDS = 0.15


# Before the timed blocks, each function runs for WARMUP_SECONDS (or once, if one call takes longer): caches,
# imports and lazy setup are done, and ember has loaded its compiled loops (NOTE [ When to compile ] in
# ember/backend/compiled.py), as in any run longer than a few seconds. The blocks measure the steady state.
WARMUP_SECONDS = 1.0


def _warm(fn) -> float:
    """Run fn for WARMUP_SECONDS (at least once); return the seconds of its last call."""
    end = time.perf_counter() + WARMUP_SECONDS
    once = time_per_call(fn, 1)
    while time.perf_counter() + once < end:
        once = time_per_call(fn, 1)
    return once


def _settled_time(fn, number: int, once: float) -> float:
    """time_per_call(fn, number) after SETTLE_SECONDS of untimed calls (none when one call takes `once` >= that)."""
    end = time.perf_counter() + SETTLE_SECONDS
    while once < SETTLE_SECONDS and time.perf_counter() < end:
        fn()
    return time_per_call(fn, number)


# The ratio is the median of the ratios of each pair of blocks (ember's, then PyTorch's right after it), not the
# ratio of the two medians: this machine's speed shifts by up to 1.5x for seconds at a time (both libraries slow
# down together), and a shift between two blocks of a pair moves one ratio, where it can move one median and
# not the other.
def compare(name: str, ember_fn, torch_fn, number: int, repeats: int = 7) -> dict:
    """Time both callables alternately `repeats` times, each block after a settling warm-up; return each one's
    median time and the median over the pairs of blocks of torch's time / ember's."""
    ember_once, torch_once = _warm(ember_fn), _warm(torch_fn)
    ember_times, torch_times = [], []
    for _ in range(repeats):
        ember_times.append(_settled_time(ember_fn, number, ember_once))
        torch_times.append(_settled_time(torch_fn, number, torch_once))
    e, t = statistics.median(ember_times), statistics.median(torch_times)
    ratio = statistics.median(b / a for a, b in zip(ember_times, torch_times))
    return {"name": name, "ember_us": e * 1e6, "torch_us": t * 1e6, "ratio": ratio}


def print_table(rows) -> None:
    """Print rows of compare() as a table; ratio > 1 means ember is faster."""
    width = max(len(r["name"]) for r in rows)
    print(f"{'workload':<{width}}  {'ember us':>10}  {'torch us':>10}  {'torch/ember':>11}")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['ember_us']:>10.1f}  {r['torch_us']:>10.1f}  {r['ratio']:>11.2f}")
