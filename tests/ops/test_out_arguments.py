"""out= is written, as in PyTorch: by the functions that took it and left it untouched (max, min, geqrf, the LU
family, householder_product, ormqr, solve_ex) and by those that refused it (amax, std, cummax, linalg.svd, ...):
the result is the out tensor (or tuple of them) and holds the values torch writes; an out of another type is a
TypeError."""
import numpy as np
import pytest
from parity import torch

import ember

A = np.array([[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]])
B = np.array([[1.0], [2.0], [3.0]])
M = np.array([[5, 3, 3], [1, 2, 1], [6, 6, 0]])


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
    "all": (lambda lib, out: lib.all(lib.tensor(A) > 1, 1, out=out), ("bool",)),
    "amax": (lambda lib, out: lib.amax(lib.tensor(A), 0, out=out), ("float64",)),
    "amin": (lambda lib, out: lib.amin(lib.tensor(A), 1, out=out), ("float64",)),
    "aminmax": (lambda lib, out: lib.aminmax(lib.tensor(A), out=out), ("float64", "float64")),
    "bitwise_and": (lambda lib, out: lib.bitwise_and(lib.tensor(M), lib.tensor(M).T, out=out), ("int64",)),
    "bitwise_xor": (lambda lib, out: lib.bitwise_xor(lib.tensor(M), 3, out=out), ("int64",)),
    "bitwise_not": (lambda lib, out: lib.bitwise_not(lib.tensor(M), out=out), ("int64",)),
    "cholesky_solve": (lambda lib, out: lib.cholesky_solve(lib.tensor(B), lib.linalg.cholesky(lib.tensor(A)), out=out),
                       ("float64",)),
    "cholesky_inverse": (lambda lib, out: lib.cholesky_inverse(lib.linalg.cholesky(lib.tensor(A)), out=out),
                         ("float64",)),
    "triangular_solve": (lambda lib, out: lib.triangular_solve(lib.tensor(B), lib.tensor(A).triu(), out=out),
                         ("float64", "float64")),
    "cummax": (lambda lib, out: lib.cummax(lib.tensor(A), 0, out=out), ("float64", "int64")),
    "cummin": (lambda lib, out: lib.cummin(lib.tensor(A), 1, out=out), ("float64", "int64")),
    "deg2rad": (lambda lib, out: lib.deg2rad(lib.tensor(A), out=out), ("float64",)),
    "histc": (lambda lib, out: lib.histc(lib.tensor(A), 4, out=out), ("float64",)),
    "histogram": (lambda lib, out: lib.histogram(lib.tensor(A), 4, out=out), ("float64", "float64")),
    "kthvalue": (lambda lib, out: lib.kthvalue(lib.tensor(A), 2, out=out), ("float64", "int64")),
    "mode": (lambda lib, out: lib.mode(lib.tensor(M), out=out), ("int64", "int64")),
    "matrix_power": (lambda lib, out: lib.matrix_power(lib.tensor(A), 3, out=out), ("float64",)),
    "linalg.matrix_power": (lambda lib, out: lib.linalg.matrix_power(lib.tensor(A), -2, out=out), ("float64",)),
    "maximum": (lambda lib, out: lib.maximum(lib.tensor(A), lib.tensor(A).T, out=out), ("float64",)),
    "minimum": (lambda lib, out: lib.minimum(lib.tensor(A), lib.tensor(A).T, out=out), ("float64",)),
    "where": (lambda lib, out: lib.where(lib.tensor(A) > 1, lib.tensor(A), lib.tensor(A).T, out=out), ("float64",)),
    "renorm": (lambda lib, out: lib.renorm(lib.tensor(A), 2, 0, 3.0, out=out), ("float64",)),
    "std": (lambda lib, out: lib.std(lib.tensor(A), 0, out=out), ("float64",)),
    "var": (lambda lib, out: lib.var(lib.tensor(A), 1, out=out), ("float64",)),
    "svd": (lambda lib, out: lib.svd(lib.tensor(A), out=out), ("float64",) * 3),
    "linalg.svd": (lambda lib, out: lib.linalg.svd(lib.tensor(A), out=out), ("float64",) * 3),
    "linalg.cholesky_ex": (lambda lib, out: lib.linalg.cholesky_ex(lib.tensor(A), out=out), ("float64", "int32")),
    "linalg.eigh": (lambda lib, out: lib.linalg.eigh(lib.tensor(A), out=out), ("float64", "float64")),
    "linalg.inv_ex": (lambda lib, out: lib.linalg.inv_ex(lib.tensor(A), out=out), ("float64", "int32")),
    "linalg.qr": (lambda lib, out: lib.linalg.qr(lib.tensor(A), out=out), ("float64", "float64")),
    "linalg.slogdet": (lambda lib, out: lib.linalg.slogdet(lib.tensor(A), out=out), ("float64", "float64")),
    "any": (lambda lib, out: lib.any(lib.tensor(A) > 4, 0, out=out), ("bool",)),
    "norm": (lambda lib, out: lib.norm(lib.tensor(A), out=out), ("float64",)),
    "rad2deg": (lambda lib, out: lib.rad2deg(lib.tensor(A), out=out), ("float64",)),
    "qr": (lambda lib, out: lib.qr(lib.tensor(A), out=out), ("float64", "float64")),
    "fft.fftfreq": (lambda lib, out: lib.fft.fftfreq(5, out=out), ("float32",)),
    "fft.rfftfreq": (lambda lib, out: lib.fft.rfftfreq(6, 0.5, out=out), ("float32",)),
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
