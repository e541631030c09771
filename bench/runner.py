"""Timing ember against PyTorch: alternate the two in one process and report medians and ratios."""
import statistics
import time


def time_per_call(fn, number: int) -> float:
    """Seconds per call of fn, averaged over `number` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


# Each timed block starts after a pause long enough for the other library's worker threads to stop
# spinning: OpenBLAS's threads spin for about 0.1 s after a product, PyTorch's pool for a while after an
# op, and either takes a core from the library timed next. Without the pause, PyTorch's LeNet step at
# batch 64 measured 21 ms right after ember's block against 10.8 ms after the pause.
SETTLE_SECONDS = 0.2


def compare(name: str, ember_fn, torch_fn, number: int, repeats: int = 7) -> dict:
    """Time both callables alternately `repeats` times, each block after a settling pause; return medians
    and the ratio torch / ember."""
    ember_fn(), torch_fn()  # warm up caches and lazy imports
    ember_times, torch_times = [], []
    for _ in range(repeats):
        time.sleep(SETTLE_SECONDS)
        ember_times.append(time_per_call(ember_fn, number))
        time.sleep(SETTLE_SECONDS)
        torch_times.append(time_per_call(torch_fn, number))
    e, t = statistics.median(ember_times), statistics.median(torch_times)
    return {"name": name, "ember_us": e * 1e6, "torch_us": t * 1e6, "ratio": t / e}


def print_table(rows) -> None:
    """Print rows of compare() as a table; ratio > 1 means ember is faster."""
    width = max(len(r["name"]) for r in rows)
    print(f"{'workload':<{width}}  {'ember us':>10}  {'torch us':>10}  {'torch/ember':>11}")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['ember_us']:>10.1f}  {r['torch_us']:>10.1f}  {r['ratio']:>11.2f}")
