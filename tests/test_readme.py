"""The README's promises: every command in it is exercised by a test (or by CI), its Python blocks run, its example
is examples/quickstart.py, and it points at nothing outside the repository."""
import os
import pathlib
import re
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

# each command the README shows -> the test that runs it (CI runs `make test` itself: .ci/run)
COVERED = {
    "make demo": "tests/test_readme.py::test_make_demo_installs_the_extras_and_runs_the_demo",
    "make test": ".ci/run",
    "ember run examples/quickstart.py": "tests/cli/test_examples.py::test_quickstart_learns_the_moons",
    "ember run examples/mnist.py --data DIR --epochs 1": "tests/cli/test_examples.py::"
                                                         "test_mnist_example_trains_tests_and_saves",
    "python -m ember run examples/mnist.py --data DIR --dry-run": "tests/cli/test_examples.py::"
                                                                  "test_mnist_example_trains_tests_and_saves",
    "ember info": "tests/cli/test_info.py::test_ember_alone_and_help_list_the_commands",
    "pip install -e '.[vision]'": ".ci/run",  # make test installs the same way, with the test extra
    "pip install '.[vision,demo]'": "tests/test_readme.py::test_a_wheel_installs_the_whole_package",
    "EMBER_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/property/test_fuzz_programs.py":
        "tests/property/test_fuzz_programs.py",
    "python -m bench --help": "tests/test_readme.py::test_bench_help_lists_its_options",
}


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in `language`."""
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def test_every_command_is_covered_by_a_test_that_exists():
    commands = [line.strip() for block in blocks("sh") for line in block.splitlines() if line.strip()]
    assert set(commands) == set(COVERED)
    for target in set(COVERED.values()):
        path, _, name = target.partition("::")
        assert (ROOT / path).exists(), target
        assert not name or f"def {name}(" in (ROOT / path).read_text(), target


def test_the_example_is_the_quickstart_script():
    script = (ROOT / "examples" / "quickstart.py").read_text()
    body = script[script.index('"""', 3) + 4:]
    assert body in blocks("python")
    assert len(body.splitlines()) <= 22


def test_python_blocks_run(tmp_path):
    for index, block in enumerate(blocks("python")):
        script = tmp_path / f"block{index}.py"
        script.write_text(block)
        runner = ["-m", "ember", "run"] if re.search(r"^import torch", block, re.MULTILINE) else []
        result = subprocess.run([sys.executable, *runner, str(script)], check=False, capture_output=True, text=True,
                                cwd=tmp_path, timeout=300)
        assert result.returncode == 0, f"block {index}:\n{block}\n{result.stderr}"


def test_no_link_leaves_the_repository():
    targets = re.findall(r"\]\(([^)]+)\)", README) + re.findall(r"`((?:\.\./|docs/|examples/)[^`\s]*)`", README)
    for target in targets:
        if target.startswith("http"):
            continue
        assert not target.startswith("../"), target
        assert (ROOT / target.split("#")[0]).exists(), target
    assert "docs/DESIGN.md" in README and (ROOT / "docs" / "DESIGN.md").is_file()


def test_make_demo_installs_the_extras_and_runs_the_demo():
    # --no-print-directory: under `make test` this make is nested and would name the directory it enters
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", "-B", "demo", "DEMO_ARGS=--epochs 1"],
                             check=False, capture_output=True, text=True, cwd=ROOT)
    assert dry_run.returncode == 0, dry_run.stderr
    lines = dry_run.stdout.splitlines()
    assert "-m pip install --quiet -e '.[vision,demo]'" in dry_run.stdout
    assert lines[-1] == ".venv/bin/ember demo --epochs 1"  # the demo itself: tests/cli/test_demo.py


def test_bench_help_lists_its_options():
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, "-m", "bench", "--help"], check=False, capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for option in ("--ops", "--layers", "--training", "--epoch", "--data", "--checkpoints", "--memory", "--startup",
                   "--headline", "--distributed", "--threads"):
        assert option in result.stdout and option in README


def test_a_wheel_installs_the_whole_package(tmp_path):
    pytest.importorskip("setuptools")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(ROOT),
                            "-w", str(tmp_path / "wheel")], check=False, capture_output=True, text=True, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheel").glob("ember-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert {"ember/cli/run.py", "ember/vision/models/resnet.py", "ember/serialization/__init__.py"} <= set(names)
    assert not any(name.startswith(("tests/", "bench/", "examples/")) for name in names)
    assert "ember = ember.cli:main" in entry_points
    for extra in ("vision", "demo", "gpu", "test"):
        assert f"Provides-Extra: {extra}" in metadata
    target = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                                str(wheel)], check=False, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import ember, ember.cli, ember.vision.models; print(ember.__file__)"
    probe = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=tmp_path,
                           env=env)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.startswith(str(target))
