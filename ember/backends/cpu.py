"""ember.backends.cpu: the CPU's vector instructions, as NumPy detected them."""
import numpy


def get_cpu_capability() -> str:
    """The widest vector instruction set NumPy's kernels use here: 'AVX512', 'AVX2' or 'DEFAULT' (PyTorch's names;
    on ARM, 'SVE' or 'DEFAULT')."""
    core = getattr(numpy, "_core", None) or numpy.core  # NumPy 2 names it _core, NumPy 1 core
    features = core._multiarray_umath.__cpu_features__
    for name, feature in (("AVX512", "AVX512F"), ("AVX2", "AVX2"), ("SVE", "SVE")):
        if features.get(feature):
            return name
    return "DEFAULT"
