"""`torch.return_types`: the named tuples that ops return (`values, indices = x.max(0)`, `Q, R = linalg.qr(A)`).

Each is a tuple with a property per field, printed as PyTorch prints them and picklable by name (the class is
found again as `ember.return_types.NAME`). As PyTorch's, a result type is made from one sequence of its fields:
`return_types.max((values, indices))`.
"""

__all__ = ["aminmax", "cummax", "cummin", "frexp", "geqrf", "histogram", "histogramdd", "kthvalue",
           "linalg_cholesky_ex", "linalg_eig", "linalg_eigh", "linalg_inv_ex", "linalg_ldl_factor",
           "linalg_ldl_factor_ex", "linalg_lstsq", "linalg_lu", "linalg_lu_factor", "linalg_lu_factor_ex", "linalg_qr",
           "linalg_slogdet", "linalg_solve_ex", "linalg_svd", "lu_unpack", "max", "median", "min", "mode", "nanmedian",
           "qr", "slogdet", "sort", "svd", "topk", "triangular_solve"]


class ReturnType(tuple):
    """A result type: a tuple of `_fields`, made from one sequence as PyTorch's structseq."""
    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __new__(cls, sequence):
        values = tuple(sequence)
        if len(values) != len(cls._fields):
            raise TypeError(f"ember.return_types.{cls.__name__}() takes a {len(cls._fields)}-sequence "
                            f"({len(values)}-sequence given)")
        return tuple.__new__(cls, values)

    def __reduce__(self):
        return type(self), (tuple(self),)

    def __repr__(self):
        body = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
        return f"ember.return_types.{type(self).__name__}(\n{body})"


def _result_type(name: str, fields: str) -> type:
    """The result type PyTorch names `name`, with a property per field of `fields` (space-separated)."""
    names = tuple(fields.split())
    attributes = {"__slots__": (), "_fields": names, "__module__": __name__, "__qualname__": name}
    attributes.update({field: property(lambda self, i=i: self[i], doc=f"Field {i}: {field}.")
                       for i, field in enumerate(names)})
    return type(name, (ReturnType,), attributes)


VALUES_INDICES = "values indices"
max = _result_type("max", VALUES_INDICES)  # noqa: A001  (PyTorch's names, shadowing builtins here only)
min = _result_type("min", VALUES_INDICES)  # noqa: A001
sort = _result_type("sort", VALUES_INDICES)
topk = _result_type("topk", VALUES_INDICES)
kthvalue = _result_type("kthvalue", VALUES_INDICES)
median = _result_type("median", VALUES_INDICES)
nanmedian = _result_type("nanmedian", VALUES_INDICES)
mode = _result_type("mode", VALUES_INDICES)
cummax = _result_type("cummax", VALUES_INDICES)
cummin = _result_type("cummin", VALUES_INDICES)
aminmax = _result_type("aminmax", "min max")
frexp = _result_type("frexp", "mantissa exponent")
histogram = _result_type("histogram", "hist bin_edges")
histogramdd = _result_type("histogramdd", "hist bin_edges")
geqrf = _result_type("geqrf", "a tau")
slogdet = _result_type("slogdet", "sign logabsdet")
linalg_slogdet = _result_type("linalg_slogdet", "sign logabsdet")
qr = _result_type("qr", "Q R")
linalg_qr = _result_type("linalg_qr", "Q R")
svd = _result_type("svd", "U S V")
linalg_svd = _result_type("linalg_svd", "U S Vh")
linalg_eig = _result_type("linalg_eig", "eigenvalues eigenvectors")
linalg_eigh = _result_type("linalg_eigh", "eigenvalues eigenvectors")
linalg_inv_ex = _result_type("linalg_inv_ex", "inverse info")
linalg_cholesky_ex = _result_type("linalg_cholesky_ex", "L info")
linalg_solve_ex = _result_type("linalg_solve_ex", "result info")
linalg_lstsq = _result_type("linalg_lstsq", "solution residuals rank singular_values")
linalg_lu = _result_type("linalg_lu", "P L U")
linalg_lu_factor = _result_type("linalg_lu_factor", "LU pivots")
linalg_lu_factor_ex = _result_type("linalg_lu_factor_ex", "LU pivots info")
linalg_ldl_factor = _result_type("linalg_ldl_factor", "LD pivots")
linalg_ldl_factor_ex = _result_type("linalg_ldl_factor_ex", "LD pivots info")
lu_unpack = _result_type("lu_unpack", "P L U")
triangular_solve = _result_type("triangular_solve", "solution cloned_coefficient")
