"""ember vs PyTorch benchmarks: same workload, same process, same thread count, ratios of medians."""
