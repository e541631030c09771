"""ember.utils.benchmark, as torch.utils.benchmark: Timer (timeit with warmup, threads and replicates),
Measurement (the times, their statistics and printed summary), Compare (tables of many Measurements) and Fuzzer
(random benchmark cases; ready-made ones in `op_fuzzers`).

Differences from PyTorch: Timer(language="cpp") raises NotImplementedError and Timer.collect_callgrind raises OSError
(ember has no C++ API nor Callgrind bindings; CallgrindStats and FunctionCounts are here for code that names them),
FuzzedSparseTensor and the sparse op fuzzers are absent (ember has no sparse tensors), and a few PyTorch 2.13 bugs
are not copied (see Compare, FuzzedParameter and FunctionCounts).
"""
from .utils.common import *  # noqa: F403
from .utils.compare import *  # noqa: F403
from .utils.fuzzer import *  # noqa: F403
from .utils.timer import *  # noqa: F403
from .utils.valgrind_wrapper.timer_interface import *  # noqa: F403
