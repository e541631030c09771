"""torch.jit's entry points that model code calls without compiling: ember runs the code as Python."""
import typing

import numpy as np
import pytest
from parity import randn, torch

import ember


def test_predicates_and_decorators_as_in_eager_pytorch():
    for lib in (ember, torch):
        assert lib.jit.is_scripting() is False and lib.jit.is_tracing() is False

        class Block(lib.nn.Module):
            scale: lib.jit.Final[float] = 2.0

            def forward(self, x):
                return self.helper(x) * self.scale

            @lib.jit.ignore
            def helper(self, x):
                return x + 1

            @lib.jit.unused
            def never(self, x):
                return x

            @lib.jit.export
            def other(self, x):
                return x - 1
        block = Block()
        assert block(lib.ones(2)).tolist() == [4.0, 4.0] and block.other(lib.ones(1)).tolist() == [0.0]
        assert lib.jit.annotate(typing.List[int], []) == [] and lib.jit.isinstance([1, 2], typing.List[int])
        assert lib.jit.script_if_tracing(abs)(-3) == 3


def test_script_and_trace_compute_as_the_module():
    """ember's script and trace give back the module; PyTorch's plain module is the reference (its trace fails once
    another test has used torch.compile in the process)."""
    weights, x = randn(3, 4, dtype=np.float32), randn(2, 4, dtype=np.float32)
    reference = torch.nn.Linear(4, 3, bias=False)
    model = ember.nn.Linear(4, 3, bias=False)
    with torch.no_grad(), ember.no_grad():
        reference.weight.copy_(torch.tensor(weights))
        model.weight.copy_(ember.tensor(weights))
    expected = reference(torch.tensor(x)).detach().numpy()
    for converted in (ember.jit.script(model), ember.jit.trace(model, (ember.tensor(x),))):
        assert converted is model
        np.testing.assert_allclose(converted(ember.tensor(x)).detach().numpy(), expected, rtol=1e-5)


def test_archives_are_refused_with_what_to_do(tmp_path):
    with pytest.raises(NotImplementedError, match="state_dict"):
        ember.jit.save(ember.jit.script(ember.nn.Linear(2, 2)), tmp_path / "m.pt")
    with pytest.raises(NotImplementedError, match="state_dict"):
        ember.jit.load(tmp_path / "m.pt")
