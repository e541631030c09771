"""torch.nn.modules.utils: the tuple helpers custom layers import and consume_prefix_in_state_dict_if_present."""
from collections import OrderedDict

import pytest
from parity import torch

import ember
import ember.nn.modules.utils

CALLS = {
    "_pair int": lambda u: u._pair(3), "_pair tuple": lambda u: u._pair((1, 2)), "_pair str": lambda u: u._pair("ab"),
    "_single list": lambda u: u._single([4]), "_triple": lambda u: u._triple(2),
    "_quadruple": lambda u: u._quadruple(1),
    "_ntuple": lambda u: u._ntuple(3, "x")(5), "_ntuple iterator": lambda u: u._ntuple(2)(iter([1, 2])),
    "_reverse_repeat_tuple": lambda u: u._reverse_repeat_tuple((1, 2, 3), 2),
    "_list_with_default": lambda u: u._list_with_default([2, None], [1, 3, 8, 9]),
    "_list_with_default int": lambda u: u._list_with_default(4, [1, 3, 8, 9]),
}


@pytest.mark.parametrize("name", CALLS)
def test_tuple_helpers_as_torch(name):
    assert CALLS[name](ember.nn.modules.utils) == CALLS[name](torch.nn.modules.utils)


def test_list_with_default_error_as_torch():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Input dimension should be at least 5"):
            lib.nn.modules.utils._list_with_default([2, None, 3, 4], [1, 3, 8, 9])


def _state_dict():
    sd = OrderedDict([("module.z", 1), ("x", 2), ("module.a.b", 3), ("modulex", 4)])
    sd._metadata = OrderedDict([("", {"v": 1}), ("module", {"v": 2}), ("module.a", {"v": 3})])
    return sd


def test_consume_prefix_as_torch():
    results = []
    for lib in (ember, torch):
        sd = _state_dict()
        lib.nn.modules.utils.consume_prefix_in_state_dict_if_present(sd, "module.")
        results.append((list(sd.items()), list(sd._metadata.items())))
    assert results[0] == results[1]


def test_nn_utils_stays_the_utils_package():
    assert ember.nn.utils.clip_grad_value_ is not None and ember.nn.utils is not ember.nn.modules.utils


def test_consume_prefix_of_a_data_parallel_checkpoint_loads():
    model = ember.nn.Linear(2, 3)
    sd = OrderedDict(("module." + k, v) for k, v in model.state_dict().items())
    ember.nn.modules.utils.consume_prefix_in_state_dict_if_present(sd, "module.")
    ember.nn.Linear(2, 3).load_state_dict(sd)
