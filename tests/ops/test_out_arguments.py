"""out= is written, as in PyTorch, by the functions that took it and left it untouched (max, min, geqrf, the LU
family, householder_product, ormqr, solve_ex): the result is the out tensor (or tuple of them) and holds the
values torch writes; an out of another type is a TypeError."""
import numpy as np
import pytest
from parity import torch

import ember

A = np.array([[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]])
B = np.array([[1.0], [2.0], [3.0]])


def _geqrf(lib):
    return lib.geqrf(lib.tensor(A))


CALLS = {
    "max": (lambda lib, out: lib.max(lib.tensor(A), out=out), ("float64",)),
    "min-dim": (lambda lib, out: lib.min(lib.tensor(A), 1, out=out), ("float64", "int64")),
    "max-dim": (lambda lib, out: lib.max(lib.tensor(A), 0, True, out=out), ("float64", "int64")),
    "geqrf": (lambda lib, out: lib.geqrf(lib.tensor(A), out=out), ("float64", "float64")),
    "householder_product": (lambda lib, out: lib.linalg.householder_product(*_geqrf(lib), out=out), ("float64",)),
    "ormqr": (lambda lib, out: lib.ormqr(*_geqrf(lib), lib.tensor(B), out=out), ("float64",)),
    "linalg.lu": (lambda lib, out: lib.linalg.lu(lib.tensor(A), out=out), ("float64",) * 3),
    "lu_factor": (lambda lib, out: lib.linalg.lu_factor(lib.tensor(A), out=out), ("float64", "int32")),
    "lu_factor_ex": (lambda lib, out: lib.linalg.lu_factor_ex(lib.tensor(A), out=out), ("float64", "int32", "int32")),
    "lu_unpack": (lambda lib, out: lib.lu_unpack(*lib.linalg.lu_factor(lib.tensor(A)), out=out), ("float64",) * 3),
    "linalg.lu_solve": (lambda lib, out: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.tensor(A)), lib.tensor(B),
                                                             out=out), ("float64",)),
    "lu_solve": (lambda lib, out: lib.lu_solve(lib.tensor(B), *lib.linalg.lu_factor(lib.tensor(A)), out=out),
                 ("float64",)),
    "lu": (lambda lib, out: lib.lu(lib.tensor(A), out=out), ("float64", "int32")),
    "solve_ex": (lambda lib, out: lib.linalg.solve_ex(lib.tensor(A), lib.tensor(B), out=out), ("float64", "int32")),
}


def _outs(lib, dtypes):
    outs = tuple(lib.empty(0, dtype=getattr(lib, d)) for d in dtypes)
    return outs[0] if len(outs) == 1 else outs


@pytest.mark.filterwarnings("ignore:torch.lu")
@pytest.mark.parametrize("name", CALLS)
def test_out_is_written(name):
    call, dtypes = CALLS[name]
    results = {}
    for lib in (torch, ember):
        out = _outs(lib, dtypes)
        r = call(lib, out)
        outs, rs = (out, r) if len(dtypes) > 1 else ((out,), (r,))
        assert all(a is b for a, b in zip(rs, outs)), f"{lib.__name__}: the result is not the out= tensors"
        results[lib] = [o.numpy() for o in outs]
    for e, t in zip(results[ember], results[torch]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:torch.lu")
@pytest.mark.parametrize("name", CALLS)
def test_out_of_another_type(name):
    call = CALLS[name][0]
    for lib in (torch, ember):
        with pytest.raises(TypeError):
            call(lib, 2.0)
