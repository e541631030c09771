"""`xp` is real: the ops and layers compute with their inputs' array module, never with host NumPy.

An AST scan of every file under ember/ops/ and ember/nn/ finds the calls `np.<name>(...)` (`numpy.<name>(...)`,
or whatever name the file binds NumPy to). A call passes when its name is in ALLOWED (no array is computed or
made on the host: dtypes, scalar types, error states, shape arithmetic) or when it is explained: a line of the
call ends with a comment `# host: <why>` saying why that array belongs on the host (indices made from Python
shapes and moved with backend.asarray_like, a NumPy scalar as an operand, ...), or the `def` line of a function
that works on the host only (sampling maps built from Python sizes, say) carries that comment, which then covers
the whole function. Everything else must use the array module of the data it works on (`xp = array_module(a)`),
and a host array that must reach a tensor's device goes through `backend.asarray_like(host, like)`.

The parity helpers (tests/parity.py) run ember on EMBER_TEST_DEVICE, so that the same tests check an op on a GPU.
"""
import ast
import pathlib

import pytest

import ember

EMBER = pathlib.Path(__file__).resolve().parent.parent / "ember"
SCANNED = ("ops", "nn")

# Names whose calls make no array on the host, each with the reason.
ALLOWED = {
    "dtype": "a dtype object",
    "result_type": "dtype promotion",
    "promote_types": "dtype promotion",
    "can_cast": "a question about two dtypes",
    "issubdtype": "a question about a dtype",
    "iinfo": "an integer dtype's limits",
    "finfo": "a floating dtype's limits",
    "errstate": "a context manager for floating point errors, no array",
    "broadcast_shapes": "shape arithmetic on tuples of Python ints",
    "shape": "the shape of an array or a Python number, read without computing",
    "ndim": "the number of dimensions of an array or a Python number, read without computing",
    **dict.fromkeys(("bool_", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64",
                     "complex64", "complex128"),
                    "a NumPy scalar from a Python number, which every array module takes as an operand"),
}

HOST_COMMENT = "# host:"


def numpy_names(tree: ast.Module) -> set[str]:
    """The names a module binds to NumPy (`import numpy as np`, `import numpy`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.asname or a.name for a in node.names if a.name == "numpy")
    return names


def called_name(call: ast.Call, modules: set[str]) -> str | None:
    """'where' for np.where(...), 'add.reduce' for np.add.reduce(...); None for a call not into NumPy."""
    parts, f = [], call.func
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if parts and isinstance(f, ast.Name) and f.id in modules:
        return ".".join(reversed(parts))
    return None


def has_reason(lines: list[str], first: int, last: int) -> bool:
    """True when one of lines first..last (1-based) ends with a `# host: <why>` comment."""
    for line in lines[first - 1:last]:
        _, sep, why = line.partition(HOST_COMMENT)
        if sep and why.strip():
            return True
    return False


def host_functions(tree: ast.Module, lines: list[str]) -> list[tuple[int, int]]:
    """The line ranges of the functions whose `def` line (the signature, up to its body) says `# host: <why>`."""
    return [(f.lineno, f.end_lineno) for f in ast.walk(tree)
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and has_reason(lines, f.lineno, f.body[0].lineno - 1)]


def host_calls(path: pathlib.Path, root: pathlib.Path = EMBER.parent) -> list[str]:
    """'file:line: np.name(...)' (file relative to `root`) for each NumPy call in `path` that is neither allowed
    nor explained."""
    source = path.read_text()
    tree = ast.parse(source)
    modules = numpy_names(tree)
    lines = source.splitlines()
    on_host = host_functions(tree, lines)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numpy":
            found.extend(f"{path.relative_to(root)}:{node.lineno}: from {node.module} import {a.name} (call it "
                         f"through the array module)" for a in node.names if a.name not in ALLOWED)
        if not isinstance(node, ast.Call):
            continue
        name = called_name(node, modules)
        if (name is None or name.split(".")[0] in ALLOWED or has_reason(lines, node.lineno, node.end_lineno)
                or any(first <= node.lineno <= last for first, last in on_host)):
            continue
        call = ast.get_source_segment(source, node).splitlines()[0]
        found.append(f"{path.relative_to(root)}:{node.lineno}: {call}")
    return sorted(found, key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


def scanned_files() -> list[pathlib.Path]:
    return sorted(p for folder in SCANNED for p in (EMBER / folder).rglob("*.py"))


def test_the_scan_sees_the_families():
    files = {p.relative_to(EMBER).as_posix() for p in scanned_files()}
    assert {"ops/elementwise.py", "ops/loss.py", "nn/init.py", "nn/functional.py"} <= files


def test_the_scan_finds_host_calls_and_accepts_reasons(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy as np\n"
                      "a = np.zeros(3)\n"
                      "b = np.arange(4)  # host: indices from a Python shape\n"
                      "c = np.dtype('f4')\n"
                      "d = np.add.reduce(a)\n"
                      "e = np.where(a > 0,\n"
                      "             a, 0)  # host:\n"
                      "def f(n):  # host: a map from a Python size\n"
                      "    return np.arange(n)\n"
                      "def g(n):\n"
                      "    return np.arange(n)\n"
                      "from numpy import float32, where\n")
    assert host_calls(sample, tmp_path) == [
        "sample.py:2: np.zeros(3)", "sample.py:5: np.add.reduce(a)", "sample.py:6: np.where(a > 0,",
        "sample.py:11: np.arange(n)", "sample.py:12: from numpy import where (call it through the array module)"]


def test_ops_and_layers_compute_with_the_inputs_array_module():
    found = [site for path in scanned_files() for site in host_calls(path)]
    assert not found, ("host NumPy calls on tensor data: use the input's array module (xp = array_module(a)), "
                       "backend.asarray_like for a host array, or end the line with '# host: <why>':\n"
                       + "\n".join(found))


# ---- the parity helpers run ember on EMBER_TEST_DEVICE ------------------------------------------------------------
def test_parity_helpers_take_the_device_from_ember_test_device(monkeypatch):
    from parity import device_under_test  # skips without torch, as every parity test does
    assert device_under_test("cpu") == (None, None)  # the CPU: nothing moves
    monkeypatch.setattr(ember.cuda, "is_available", lambda: False)
    place, why = device_under_test("cuda:1")
    assert place == ember.device("cuda", 1) and why.startswith("EMBER_TEST_DEVICE=cuda:1: ") and "CuPy" in why
    monkeypatch.setattr(ember.cuda, "is_available", lambda: True)
    assert device_under_test("cuda") == (ember.device("cuda"), None)
    with pytest.raises(RuntimeError):
        device_under_test("gpu")
