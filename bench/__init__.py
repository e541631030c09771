"""ember vs PyTorch benchmarks: same workload, same process, same thread count, medians of paired ratios."""
import pathlib
import sys

# the workloads that tests/e2e trains (seed 001's LeNet) and where MNIST is, shared with the tests
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
