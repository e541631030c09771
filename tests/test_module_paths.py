"""Module paths that PyTorch programs reach right after `import torch`, as attributes or imports."""
import importlib
import typing

import pytest
from parity import torch

import ember

# (module path under torch/ember, attribute) that programs use
PATHS = [("nn.modules.utils", "_pair"), ("nn.modules.utils", "consume_prefix_in_state_dict_if_present"),
         ("nn.attention", "SDPBackend"), ("nn.attention", "sdpa_kernel"),
         ("nn.modules.activation", "MultiheadAttention"),
         ("types", "Number"), ("types", "Device"), ("nn.common_types", "_size_2_t"), ("nn._reduction", "get_enum"),
         ("nn.utils", "clip_grad_norm_"), ("nn.functional", "relu"), ("jit", "is_scripting")]


@pytest.mark.parametrize("path,name", PATHS)
def test_path_as_attribute_and_import(path, name):
    for lib in (ember, torch):
        owner = lib
        for part in path.split("."):
            owner = getattr(owner, part)
        assert getattr(importlib.import_module(f"{lib.__name__}.{path}"), name) is getattr(owner, name)


def test_values():
    assert ember.nn.modules.utils._pair(3) == torch.nn.modules.utils._pair(3) == (3, 3)
    assert ember.nn._reduction.get_enum("sum") == torch.nn._reduction.get_enum("sum") == 2
    assert typing.get_args(ember.types.Number) == typing.get_args(torch.types.Number)
    assert ember.nn.modules.activation.MultiheadAttention is ember.nn.MultiheadAttention
    assert not hasattr(ember.nn, "conv")  # the layers' files stay inside nn.modules, as PyTorch's
    assert str(ember.nn.attention.SDPBackend.MATH) == str(torch.nn.attention.SDPBackend.MATH) == "SDPBackend.MATH"
