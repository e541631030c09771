"""Ready-made fuzzers, as torch.utils.benchmark.op_fuzzers: binary (BinaryOpFuzzer), unary (UnaryOpFuzzer) and
spectral (SpectralOpFuzzer). PyTorch's sparse_binary and sparse_unary are absent (ember has no sparse tensors).

Difference from PyTorch: these run (PyTorch 2.13's raise AssertionError at construction, as its FuzzedParameter
rejects the normalized custom distributions they use).
"""
