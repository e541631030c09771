"""ember.__version__ is PyTorch's API version (with ember's as the local label) and compares as PyTorch's
TorchVersion does, so that scripts' version checks take their PyTorch 2 paths under `ember run`."""
import operator

import pytest
from parity import torch

import ember
import ember.vision
from ember.torch_version import TorchVersion

VERSIONS = ["2.13.0+cpu", "2.13.0", "2.13", "2.9.1", "2.0", "1.8.0a0", "2.13.0rc1", "2.13.0.post1",
            "2.13.0.dev20250101", "2.14.0a0+git1234", "10.0", "0.28.0+ember.0.1.0"]
OTHERS = ["2.13.0", "2.13.0+cpu", "2.9", "2.10", "2.13.0rc2", "1.8", "2.13.1", "2.13.0.post0", "abc", (2, 13),
          (2, 13, 0), (1, 8), (2, 9, 1)]
OPS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("version", VERSIONS)
def test_comparisons_as_torch(version):
    for other in OTHERS:
        for op in OPS:
            assert op(TorchVersion(version), other) == op(torch.torch_version.TorchVersion(version), other), \
                (version, op.__name__, other)


def test_ember_version_is_the_api_version_it_implements():
    v = ember.__version__
    assert isinstance(v, str) and v.split("+")[0] == torch.__version__.split("+")[0]
    assert v >= "2.0" and v >= (1, 8) and not v < "2.9" and v == ember.version.__version__
    assert ember.vision.__version__ >= "0.13"
    with pytest.raises(TypeError):
        v < 3  # noqa: B015
