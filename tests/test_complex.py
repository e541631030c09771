"""Complex tensors: dtypes and promotion, creation and printing, arithmetic and math with PyTorch's complex
gradients (the conjugate Wirtinger derivative), the parts and views of complex numbers, and bad input."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, second_order, to_ember, to_torch

import ember

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
          "complex128"]
Z = randn(3, 4, dtype=np.complex128)
W = randn(3, 4, dtype=np.complex128, seed=1)
X = randn(3, 4)
Z64 = randn(2, 3, dtype=np.complex64, seed=2)


def test_complex_dtype_attributes_match_pytorch():
    for name in ("complex64", "complex128", "cfloat", "cdouble"):
        e, t = getattr(ember, name), getattr(torch, name)
        assert str(e) == str(t).replace("torch", "ember")
        assert (e.is_complex, e.is_floating_point, e.is_signed, e.itemsize) == \
               (t.is_complex, t.is_floating_point, t.is_signed, t.itemsize)
        assert str(e.to_real()) == str(t.to_real()).replace("torch", "ember")
    for name in ("float32", "float64"):
        assert str(getattr(ember, name).to_complex()) == str(getattr(torch, name).to_complex()).replace("torch",
                                                                                                         "ember")
    assert not ember.float32.is_complex and not ember.int64.is_complex


@pytest.mark.parametrize("a", DTYPES)
def test_promote_types_with_complex_matches_pytorch(a):
    for b in ("complex64", "complex128"):
        e = ember.promote_types(getattr(ember, a), getattr(ember, b))
        t = torch.promote_types(getattr(torch, a), getattr(torch, b))
        if t is torch.complex32:  # float16 with complex: ember has no complex32
            assert e is ember.complex64
        else:
            assert str(e) == str(t).replace("torch", "ember"), (a, b)


@pytest.mark.parametrize("dim_dtype", ["int64", "float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("other", ["1j", "zero-dim complex64", "zero-dim complex128", "2.5", "complex64"])
def test_result_dtype_of_mixed_operands_matches_pytorch(dim_dtype, other):
    def make(lib):
        x = lib.ones(3, dtype=getattr(lib, dim_dtype))
        if other == "1j":
            return x, 1j
        if other == "2.5":
            return x, 2.5
        if other.startswith("zero-dim"):
            return x, lib.tensor(1 + 1j, dtype=getattr(lib, other.split()[1]))
        return x, lib.ones(3, dtype=getattr(lib, other))
    for op in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: b - a):
        e, t = op(*make(ember)), op(*make(torch))
        assert str(e.dtype) == str(t.dtype).replace("torch", "ember"), (dim_dtype, other)
        np.testing.assert_allclose(e.numpy(), t.numpy())


def test_creation_infers_complex_as_pytorch():
    cases = [lambda lib: lib.tensor([1 + 2j, 3 - 4j]), lambda lib: lib.tensor(1j),
             lambda lib: lib.tensor(np.array([1 + 2j])), lambda lib: lib.tensor([1, 2.5, 3j]),
             lambda lib: lib.zeros(2, dtype=lib.cfloat), lambda lib: lib.ones(2, 2, dtype=lib.cdouble),
             lambda lib: lib.full((2,), 1 + 1j), lambda lib: lib.as_tensor([1j], dtype=lib.complex128),
             lambda lib: lib.from_numpy(np.array([1j, 2], np.complex64)),
             lambda lib: lib.arange(3).to(lib.complex64), lambda lib: lib.tensor([1j]).new_ones(2)]
    for make in cases:
        e, t = make(ember), make(torch)
        assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert ember.tensor([1j]).is_complex() and not ember.tensor([1.0]).is_complex()
    assert ember.tensor([1 + 2j]).item() == 1 + 2j and complex(ember.tensor(2j)) == 2j
    assert ember.tensor([[1j, 2]]).tolist() == [[1j, 2 + 0j]]


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_random_complex_tensors_have_pytorchs_distribution(dtype):
    ember.manual_seed(0)
    z = ember.randn(200_000, dtype=getattr(ember, dtype))
    assert z.dtype is getattr(ember, dtype)
    assert abs(z.real.var().item() - 0.5) < 0.01 and abs(z.imag.var().item() - 0.5) < 0.01
    u = ember.rand(200_000, dtype=getattr(ember, dtype))
    assert 0 <= u.real.min().item() and u.real.max().item() < 1 and abs(u.imag.mean().item() - 0.5) < 0.01
    assert ember.randn_like(z).dtype is z.dtype


def test_complex_tensors_print_as_in_pytorch():
    values = [[1.5 + 2j, 3 - 4.25j], [0, 1e5j]]
    for make in (lambda lib: lib.tensor([1 + 2j, 3 - 4j]), lambda lib: lib.tensor(values),
                 lambda lib: lib.tensor([1 + 2j], dtype=lib.complex128), lambda lib: lib.tensor(1 - 1j),
                 lambda lib: lib.tensor([1e-5 + 2j]), lambda lib: lib.zeros(2, dtype=lib.cfloat),
                 lambda lib: lib.tensor([1j], requires_grad=True) * 2):
        assert repr(make(ember)) == repr(make(torch)).replace("torch", "ember")


# ---- arithmetic and math, with gradients ----------------------------------------------------------------------
BINARY = {
    "add": lambda lib, a, b: a + b, "sub": lambda lib, a, b: a - b, "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b, "pow": lambda lib, a, b: a ** b, "matmul": lambda lib, a, b: a @ b.mT,
    "add_alpha": lambda lib, a, b: lib.add(a, b, alpha=2),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("kinds", ["complex, complex", "complex, real", "real, complex"])
def test_binary_ops_and_their_gradients_match_pytorch(name, kinds):
    a = Z if kinds.startswith("complex") else X
    b = W if kinds.endswith("complex") else randn(3, 4, seed=3)
    check(BINARY[name], a, b)


def test_ops_with_python_complex_scalars_match_pytorch():
    check(lambda lib, z: z * 1j + (2 - 1j), Z)
    check(lambda lib, x: x * (1 + 1j) - 1j, X)
    check(lambda lib, z: 1j / z + 2 ** z, Z)
    check(lambda lib, z: z ** 2 + z ** 0.5, Z)


UNARY = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sigmoid", "reciprocal", "neg",
         "square", "rsqrt", "log10", "log2", "log1p", "expm1", "asin", "acos", "atan", "asinh", "acosh", "atanh",
         "abs", "angle", "sgn", "conj", "conj_physical", "sum", "mean", "prod", "cumsum", "t", "flatten",
         "clone", "exp2"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_and_their_gradients_match_pytorch(name):
    check(lambda lib, z: getattr(lib, name)(z), Z)


@pytest.mark.parametrize("name", ["abs", "angle", "conj", "real", "sgn"])
def test_complex_ops_of_real_tensors_match_pytorch(name):
    check(lambda lib, x: getattr(lib, name)(x), np.array([-2.0, -0.5, 0.0, 1.5]))


def test_reductions_and_shape_ops_of_complex_tensors_match_pytorch():
    check(lambda lib, z: z.sum(dim=1, keepdim=True), Z)
    check(lambda lib, z: z.mean(0), Z)
    check(lambda lib, z: z.reshape(4, 3)[1:, ::2].permute(1, 0), Z)
    check(lambda lib, z, w: lib.cat([z, w], 0).unsqueeze(0).expand(2, 6, 4), Z, W)
    check(lambda lib, z, w: lib.stack([z, w]).transpose(0, 2)[0], Z, W)
    check(lambda lib, z: lib.where(z.abs() > 1, z, 0), Z)
    check(lambda lib, z: z.to(lib.complex64), Z)
    check(lambda lib, x: x.to(lib.complex128) * 1j, X)
    check(lambda lib, z, x: lib.einsum("ij,kj->ik", z, x), Z, X)
    check(lambda lib, z: lib.linalg.vector_norm(z), Z)


def test_parts_and_views_match_pytorch():
    check(lambda lib, z: z.real, Z)
    check(lambda lib, z: z.imag, Z)
    check(lambda lib, z: z.real * z.imag, Z)
    check(lambda lib, z: lib.view_as_real(z), Z)
    check(lambda lib, z: lib.view_as_real(z[:, ::2].t()), Z)
    check(lambda lib, x: lib.view_as_complex(x), randn(3, 2))
    check(lambda lib, x: lib.view_as_complex(x.reshape(2, 3, 2)), randn(12))
    check(lambda lib, a, b: lib.complex(a, b), X, randn(4, seed=5))
    check(lambda lib, r, t: lib.polar(r, t), np.abs(X), randn(3, 4, seed=6))
    check(lambda lib, z: z.mH, Z)
    check(lambda lib, z: z.adjoint(), Z)
    check(lambda lib, z: z.H, Z)
    check(lambda lib, z: lib.isreal(z), np.array([1 + 0j, 1j, 2]))


def test_views_share_memory_with_their_complex_base():
    z = ember.tensor([1 + 2j, 3 - 4j])
    z.real.mul_(10)
    z.imag[0] = 7
    assert z.tolist() == [10 + 7j, 30 - 4j]
    r = ember.view_as_real(z)
    r[1, 1] = 0
    assert z[1].item() == 30
    x = ember.zeros(2, 2)
    ember.view_as_complex(x)[0] = 1j
    assert x.tolist() == [[0, 1], [0, 0]]


def test_second_order_gradients_of_complex_ops_match_pytorch():
    check(second_order(lambda lib, z, w: (z * w).exp()), Z, W)
    check(second_order(lambda lib, z: (z * z).abs()), Z)
    check(second_order(lambda lib, z: z.angle() * z.real), Z)


def test_gradient_descent_on_a_complex_parameter_finds_the_least_squares_solution():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20, 3)) + 1j * rng.standard_normal((20, 3))
    truth = np.array([1 + 1j, -2j, 0.5])
    b = a @ truth
    e_a, e_b = ember.tensor(a), ember.tensor(b)
    x = ember.zeros(3, dtype=ember.complex128, requires_grad=True)
    opt = ember.optim.SGD([x], lr=0.01)
    for _ in range(300):
        opt.zero_grad()
        loss = (e_a @ x - e_b).abs().pow(2).sum()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(x.detach().numpy(), truth, atol=1e-6)


def test_complex_gradients_reach_leaves_as_in_pytorch():
    for lib in (ember, torch):
        z = lib.tensor([1 + 2j, -1j], requires_grad=True)
        x = lib.tensor([0.5, 2.0], requires_grad=True)
        loss = ((z * x).abs() ** 2).sum() + (z.conj() * 1j).real.sum()
        loss.backward()
        if lib is ember:
            e_grads = z.grad.numpy(), x.grad.numpy(), str(z.grad.dtype), str(x.grad.dtype)
        else:
            t_grads = z.grad.numpy(), x.grad.numpy(), str(z.grad.dtype), str(x.grad.dtype)
    np.testing.assert_allclose(e_grads[0], t_grads[0])
    np.testing.assert_allclose(e_grads[1], t_grads[1])
    assert e_grads[2:] == tuple(s.replace("torch", "ember") for s in t_grads[2:])


# ---- bad input ----------------------------------------------------------------------------------------------
BAD = {
    "backward of a complex scalar": lambda lib: (lib.tensor(1j, requires_grad=True) * 2).backward(),
    "view_as_real of a real tensor": lambda lib: lib.view_as_real(lib.ones(2)),
    "view_as_complex without a last dim of 2": lambda lib: lib.view_as_complex(lib.ones(3)),
    "view_as_complex with a strided last dim": lambda lib: lib.view_as_complex(lib.ones(2, 2).t()),
    "view_as_complex of an integer tensor": lambda lib: lib.view_as_complex(lib.ones(2, dtype=lib.int64)),
    "complex of mixed dtypes": lambda lib: lib.complex(lib.ones(2), lib.ones(2, dtype=lib.float64)),
    "complex of integers": lambda lib: lib.complex(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)),
    "sign of a complex tensor": lambda lib: lib.sign(lib.tensor([1j])),
    "imag of a real tensor": lambda lib: lib.ones(2).imag,
    "less than on complex": lambda lib: lib.tensor([1j]) < lib.tensor([2j]),
    "max of complex": lambda lib: lib.tensor([1j]).max(),
    "maximum of complex": lambda lib: lib.maximum(lib.tensor([1j]), lib.tensor([2j])),
    "clamp of complex": lambda lib: lib.tensor([1j]).clamp(0, 1),
    "sort of complex": lambda lib: lib.tensor([1j]).sort(),
    "relu of complex": lambda lib: lib.relu(lib.tensor([1j])),
    "complex into a float tensor in place": lambda lib: lib.ones(2).add_(lib.tensor([1j, 2j])),
    "complex into a float tensor by copy_ of an int": lambda lib: lib.ones(2, dtype=lib.int64).mul_(1j),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_complex_input_raises_pytorchs_exception(case):
    raises_like_torch(BAD[case])


def test_complex_tensors_round_trip_through_save_and_numpy(tmp_path):
    z = to_ember(Z64)
    ember.save({"z": z}, tmp_path / "z.pt")
    back = ember.load(tmp_path / "z.pt")["z"]
    assert back.dtype is ember.complex64 and np.array_equal(back.numpy(), Z64)
    t = torch.load(tmp_path / "z.pt")["z"]
    assert t.dtype is torch.complex64 and np.array_equal(t.numpy(), Z64)
    torch.save({"z": to_torch(Z64)}, tmp_path / "t.pt")
    assert np.array_equal(ember.load(tmp_path / "t.pt")["z"].numpy(), Z64)


OPTIMIZERS = [("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
              ("Adam", {"lr": 0.1}), ("AdamW", {"lr": 0.1, "amsgrad": True}), ("Adagrad", {"lr": 0.1}),
              ("Adadelta", {"lr": 1.0}), ("Adamax", {"lr": 0.1}), ("NAdam", {"lr": 0.1}), ("RAdam", {"lr": 0.1}),
              ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}), ("Rprop", {"lr": 0.1}),
              ("ASGD", {"lr": 0.1})]


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS, ids=[f"{n}{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_optimizers_update_complex_parameters_as_pytorch(name, kwargs):
    """PyTorch's optimizers treat a complex parameter as its real and imaginary parts, each a parameter."""
    results = []
    for lib in (ember, torch):
        z = lib.tensor(Z[0], requires_grad=True)
        w = lib.tensor(W[0])
        opt = getattr(lib.optim, name)([z], **kwargs)
        for _ in range(5):
            opt.zero_grad()
            ((z - w).abs() ** 2).sum().backward()
            opt.step()
        saved = opt.state_dict()["state"].get(0, {})
        state = {k: v for k, v in saved.items() if isinstance(v, lib.Tensor) and v.dim()}
        results.append((z.detach().numpy().copy(), {k: (str(v.dtype), v.numpy()) for k, v in state.items()}))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6, atol=1e-8)
    assert sorted(results[0][1]) == sorted(results[1][1])
    for key, (dtype, value) in results[1][1].items():
        assert results[0][1][key][0] == dtype.replace("torch", "ember"), key
        np.testing.assert_allclose(results[0][1][key][1], value, rtol=1e-6, atol=1e-8, err_msg=key)


MORE = {
    "var": lambda lib, z: z.var(), "std": lambda lib, z: z.std(dim=1), "norm": lambda lib, z: lib.norm(z),
    "cumprod": lambda lib, z: z.cumprod(1), "linalg.norm": lambda lib, z: lib.linalg.norm(z),
    "dot": lambda lib, z: lib.dot(z[0], z[1]), "vdot": lambda lib, z: lib.vdot(z[0], z[1]),
    "outer": lambda lib, z: lib.outer(z[0], z[1]), "nansum": lambda lib, z: lib.nansum(z),
    "mul_": lambda lib, z: z.clone().mul_(2j), "masked_fill": lambda lib, z: z.masked_fill(z.real > 0, 1j),
    "flip": lambda lib, z: z.flip(0), "roll": lambda lib, z: z.roll(1, 1),
    "gather": lambda lib, z: z.gather(1, lib.tensor([[0, 1]] * 3)),
    "index_select": lambda lib, z: z.index_select(0, lib.tensor([2, 0])), "tril": lambda lib, z: z.tril(),
    "diag": lambda lib, z: lib.diag(z[:, :3]), "trace": lambda lib, z: z[:, :3].trace(),
    "kron": lambda lib, z: lib.kron(z[:2, :2], z[1:, 1:3]), "softmax": lambda lib, z: lib.softmax(z, 0),
    "isnan": lambda lib, z: lib.isnan(z), "isfinite": lambda lib, z: lib.isfinite(z),
    "allclose": lambda lib, z: lib.allclose(z, z), "linear": lambda lib, z: lib.nn.functional.linear(z, z),
    "bmm": lambda lib, z: lib.bmm(z[None], z.mT[None]), "addmm": lambda lib, z: lib.addmm(z[:, :3], z, z.mT),
    "pow of tensors": lambda lib, z: z ** z, "mean of dims": lambda lib, z: z.mean((0, 1)),
    "nonzero": lambda lib, z: lib.nonzero(z), "count_nonzero": lambda lib, z: lib.count_nonzero(z),
    "to float": lambda lib, z: z.to(lib.float32), "fill_": lambda lib, z: z.clone().fill_(1j),
    "lerp": lambda lib, z: lib.lerp(z, z * 2, 0.3), "addcmul": lambda lib, z: lib.addcmul(z, z, z, value=0.5),
}


@pytest.mark.parametrize("name", MORE)
def test_more_ops_on_complex_tensors_match_pytorch(name):
    check(MORE[name], Z)


SQUARE = randn(2, 3, 3, dtype=np.complex128, seed=5) + 3 * np.eye(3)
RHS = randn(2, 3, 2, dtype=np.complex128, seed=6)
SINGULAR = randn(3, 3, dtype=np.complex128, seed=7)
SINGULAR[2] = SINGULAR[0] * (1 - 2j)
LINALG = {
    "det": lambda lib, a: lib.linalg.det(a), "inv": lambda lib, a: lib.linalg.inv(a),
    "inv_ex": lambda lib, a: lib.linalg.inv_ex(a).inverse, "matrix_exp": lambda lib, a: lib.linalg.matrix_exp(a * 0.3),
    "matrix_power": lambda lib, a: lib.linalg.matrix_power(a, 3),
    "matrix_power -2": lambda lib, a: lib.linalg.matrix_power(a, -2), "inverse": lambda lib, a: lib.inverse(a),
}


@pytest.mark.parametrize("name", LINALG)
def test_holomorphic_linear_algebra_of_complex_matrices_matches_pytorch(name):
    check(LINALG[name], SQUARE)


def test_complex_solve_and_det_of_a_singular_matrix_match_pytorch():
    check(lambda lib, a, b: lib.linalg.solve(a, b), SQUARE, RHS)
    check(lambda lib, a, b: lib.linalg.solve(a, b.mT, left=False), SQUARE, RHS)
    check(lambda lib, a, b: lib.linalg.solve(a, b[..., 0]), SQUARE, RHS)
    check(lambda lib, a, b: lib.linalg.solve_ex(a, b).result, SQUARE, RHS)
    check(lambda lib, a: lib.linalg.det(a), SINGULAR)
    check(second_order(lambda lib, a: lib.linalg.inv(a)), SQUARE)
