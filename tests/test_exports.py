"""What ember's namespaces export: every public function has a docstring and is named by its public name, or is
an alias of a public function that is (PyTorch's second names: `absolute` for `abs`, `special.expit` for
`sigmoid`, `inverse` for `linalg.inv`)."""
import types

import pytest

import ember
import ember.nn.functional as F

NAMESPACES = {"ember": ember, "ember.nn.functional": F, "ember.linalg": ember.linalg,
              "ember.special": ember.special, "ember.fft": ember.fft}


def public_functions():
    """(namespace name, public name, function) for every Python function the namespaces export."""
    found = []
    for space, module in NAMESPACES.items():
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            value = getattr(module, name, None)
            if isinstance(value, types.FunctionType):
                found.append((space, name, value))
    return found


def named_publicly(fn) -> bool:
    """Whether `fn` is exported under its own name by one of the namespaces."""
    return any(getattr(module, fn.__name__, None) is fn for module in NAMESPACES.values())


@pytest.mark.parametrize("space, name, fn", public_functions(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_function_is_named_and_documented(space, name, fn):
    assert fn.__doc__ and fn.__doc__.strip(), f"{space}.{name} has no docstring"
    assert fn.__name__ == name or named_publicly(fn), (
        f"{space}.{name} is a function named {fn.__name__!r}, which no namespace exports under that name")


def test_aliases_are_the_same_function():
    assert ember.absolute is ember.abs and ember.clip is ember.clamp and ember.concat is ember.cat
    assert ember.special.expit is ember.sigmoid and ember.inverse is ember.linalg.inv
    assert ember.arccos_ is ember.acos_ and ember.orgqr is ember.linalg.householder_product


def test_tensor_methods_come_from_the_families_tables():
    from ember import ops
    bound = {}
    for family in ops.FAMILIES:
        for name in family.METHODS:
            assert name not in bound or bound[name] is family.METHODS[name], f"Tensor.{name} bound twice"
            bound[name] = family.METHODS[name]
    assert set(ops.METHOD_ALIASES).isdisjoint(bound), "an alias is also a family's own name"
    for alias, name in ops.METHOD_ALIASES.items():
        assert getattr(ember.Tensor, alias) is getattr(ember.Tensor, name) is bound[name]
    assert set(ops.METHODS) == set(bound) | set(ops.METHOD_ALIASES)
