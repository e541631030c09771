"""The modules of ember.utils.benchmark, laid out as torch.utils.benchmark.utils's: common, timer, compare, fuzzer,
valgrind_wrapper."""
