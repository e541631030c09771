"""Input PyTorch refuses, refused by ember with the same exception type (code that ran on ember failed on PyTorch):
an int Parameter, isclose across dtypes, a non-bool as_tuple, integer mse_loss and logaddexp, abs/remainder/fmod of
bool, rounding and special functions of complex numbers, signbit of complex."""
import pytest
from parity import same_exception_type, torch

import ember

CALLS = {
    "int parameter": lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.long)),
    "allclose across dtypes": lambda lib: lib.allclose(lib.ones(2), lib.ones(2, dtype=lib.float64)),
    "isclose int and float": lambda lib: lib.isclose(lib.ones(2), lib.ones(2, dtype=lib.long)),
    "nonzero as_tuple=1": lambda lib: lib.ones(2).nonzero(as_tuple=1),
    "mse_loss of int64": lambda lib: lib.nn.functional.mse_loss(lib.ones(2, dtype=lib.long),
                                                               lib.ones(2, dtype=lib.long)),
    "abs of bool": lambda lib: lib.tensor([True]).abs(),
    "remainder of bool": lambda lib: lib.remainder(lib.tensor([True]), lib.tensor([True])),
    "logaddexp of int": lambda lib: lib.logaddexp(lib.tensor([1]), lib.tensor([2])),
    "logaddexp2 of int": lambda lib: lib.logaddexp2(lib.tensor([1]), lib.tensor([2])),
    "floor of complex": lambda lib: lib.floor(lib.tensor([1 + 1j])),
    "ceil of complex": lambda lib: lib.ceil(lib.tensor([1 + 1j])),
    "trunc of complex": lambda lib: lib.trunc(lib.tensor([1 + 1j])),
    "round of complex": lambda lib: lib.round(lib.tensor([1 + 1j])),
    "erf of complex": lambda lib: lib.erf(lib.tensor([1 + 1j])),
    "erfinv of complex": lambda lib: lib.erfinv(lib.tensor([1 + 1j])),
    "signbit of complex": lambda lib: lib.signbit(lib.tensor([1 + 1j])),
}


@pytest.mark.parametrize("name", CALLS)
def test_refused_as_torch(name):
    errors = []
    for lib in (ember, torch):
        with pytest.raises(Exception) as caught:
            CALLS[name](lib)
        errors.append(caught.value)
    assert same_exception_type(*errors), errors
    assert str(errors[0]) == str(errors[1]).split(" (Triggered internally")[0]


def test_what_torch_takes_still_runs():
    for lib in (ember, torch):
        assert lib.remainder(lib.tensor([True]), 2).tolist() == [1]
        assert lib.nn.Parameter(lib.ones(2, dtype=lib.long), requires_grad=False).dtype == lib.long
        assert lib.isclose(lib.ones(2), lib.ones(2)).all()
