"""`ember run script.py`: PyTorch scripts run unchanged, with `import torch`/`torchvision` resolving to ember, and
`sys.argv`, `__name__`, the script's folder on sys.path, exit status and worker processes as under `python`."""
import os
import subprocess
import sys
import textwrap

import pytest

from ember.cli.run import ember_name, torch_name


def run(tmp_path, source: str, *args: str, command=("-m", "ember", "run")) -> subprocess.CompletedProcess:
    """Write `source` to tmp_path/script.py and run it through `ember run` in a fresh interpreter."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, *command, str(script), *args], check=False, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)


def test_names_map_both_ways():
    assert ember_name("torch") == "ember" and ember_name("torch.nn.functional") == "ember.nn.functional"
    assert ember_name("torchvision.transforms") == "ember.vision.transforms"
    assert ember_name("torchaudio") is None and ember_name("torchx") is None and ember_name("numpy") is None
    assert torch_name("ember.vision.datasets") == "torchvision.datasets" and torch_name("ember.optim") == "torch.optim"
    assert torch_name("ember") == "torch" and torch_name("embers") is None


def test_a_pytorch_training_script_runs_unchanged(tmp_path):
    result = run(tmp_path, """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch.utils.data import DataLoader, TensorDataset
        from torch.optim.lr_scheduler import StepLR
        import torchvision
        from torchvision import datasets, transforms

        torch.manual_seed(0)
        device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"
        x = torch.randn(256, 4)
        y = (x.sum(1) > 0).long()
        loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2)).to(device)
        optimizer = optim.Adam(model.parameters(), lr=0.05)
        scheduler = StepLR(optimizer, step_size=5)
        for epoch in range(10):
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                optimizer.step()
            scheduler.step()
        with torch.no_grad():
            accuracy = (model(x).argmax(1) == y).float().mean().item()
        print(torch.__name__, torchvision.__name__, datasets.__name__, transforms.ToTensor.__module__)
        print(f"accuracy {accuracy:.2f}")
    """)
    assert result.returncode == 0, result.stderr
    names, accuracy = result.stdout.splitlines()
    assert names == "ember ember.vision ember.vision.datasets ember.vision.transforms.transforms"
    assert float(accuracy.split()[1]) >= 0.9


def test_torch_modules_are_embers_own(tmp_path):
    result = run(tmp_path, """
        import ember, ember.nn.functional, ember.vision.transforms
        import torch, torch.nn.functional as F, torchvision.transforms as T
        from torch.nn import Linear
        import importlib.util
        assert torch is ember and F is ember.nn.functional and T is ember.vision.transforms
        assert Linear is ember.nn.Linear and isinstance(torch.zeros(1), ember.Tensor)
        assert importlib.util.find_spec("torch.optim") is not None
        print("same")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "same\n"


def test_argv_name_file_and_script_folder_are_as_under_python(tmp_path):
    (tmp_path / "helper_module.py").write_text("VALUE = 42\n")
    result = run(tmp_path, """
        import sys
        import helper_module
        print(sys.argv[1:], __name__, __file__ == sys.argv[0], helper_module.VALUE)
    """, "--epochs", "3", "data dir")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['--epochs', '3', 'data dir'] __main__ True 42\n"


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_dataloader_workers_run_the_script_under_ember(tmp_path, method):
    # a Dataset class defined in the script reaches spawned workers as __main__.Squares
    # (NOTE [ Spawned children of ember run ] in ember/cli/run.py)
    result = run(tmp_path, f"""
        import torch
        from torch.utils.data import Dataset, DataLoader, get_worker_info

        class Squares(Dataset):
            def __len__(self):
                return 8

            def __getitem__(self, i):
                return torch.tensor([float(i * i)]), type(torch).__name__, torch.__name__

        if __name__ == "__main__":
            loader = DataLoader(Squares(), batch_size=4, num_workers=2, multiprocessing_context="{method}")
            for values, _, names in loader:
                print(values.flatten().tolist(), sorted(set(names)))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[0.0, 1.0, 4.0, 9.0] ['ember']\n[16.0, 25.0, 36.0, 49.0] ['ember']\n"


def test_a_missing_pytorch_module_is_named(tmp_path):
    result = run(tmp_path, """
        try:
            import torch.no_such_module
        except ModuleNotFoundError as e:
            print(e)
        from torch.utils import no_such_tool
    """)
    assert result.returncode == 1
    assert result.stdout == "torch.no_such_module is not implemented in ember\n"
    assert "torch.utils.no_such_tool is not implemented in ember" in result.stderr


def test_a_missing_function_or_method_is_named_with_embers_reason(tmp_path):
    result = run(tmp_path, """
        import torch
        assert not hasattr(torch, "no_such_function")
        for touch in (lambda: torch.nn.functional.no_such_function, lambda: torch.zeros(1).no_such_method,
                      lambda: torch.quantize_per_tensor):
            try:
                touch()
            except AttributeError as e:
                print(e)
        torch.optim.NoSuchOptimizer
    """)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("module 'ember.nn.functional' has no attribute 'no_such_function'")
    assert lines[1].startswith("'Tensor' object has no attribute 'no_such_method'")
    assert "no quantized tensors" in lines[2]
    # what stops the script is reported in PyTorch's names, with a traceback that starts at the script
    last = result.stderr.strip().splitlines()[-1]
    assert last == ("AttributeError: torch.optim.NoSuchOptimizer is not implemented in ember (module 'ember.optim' "
                    "has no attribute 'NoSuchOptimizer')")
    assert result.stderr.splitlines()[1].startswith(f'  File "{tmp_path / "script.py"}", line 10')


def test_a_tensor_method_ember_lacks_names_torch_tensor(tmp_path):
    result = run(tmp_path, "import torch\ntorch.ones(2).no_such_method()\n")
    assert result.returncode == 1
    assert "AttributeError: torch.Tensor.no_such_method is not implemented in ember" in result.stderr


def test_exit_status_and_errors_are_the_scripts(tmp_path):
    assert run(tmp_path, "import sys\nsys.exit(3)\n").returncode == 3
    failed = run(tmp_path, "import torch\nraise ValueError('bad value')\n")
    assert failed.returncode == 1 and failed.stderr.strip().endswith("ValueError: bad value")
    assert "ember/cli" not in failed.stderr
    missing = subprocess.run([sys.executable, "-m", "ember", "run", str(tmp_path / "absent.py")],
                             check=False, capture_output=True, text=True)
    assert missing.returncode == 2 and "can't open file" in missing.stderr


def test_the_ember_command_is_installed(tmp_path):
    ember_command = os.path.join(os.path.dirname(sys.executable), "ember")
    if not os.path.exists(ember_command):
        pytest.skip("ember is not installed with its console script in this environment")
    result = subprocess.run([ember_command, "run", "-"], check=False, capture_output=True, text=True)
    assert result.returncode == 2
    script = tmp_path / "hello.py"
    script.write_text("import torch\nprint(torch.ones(2).sum().item())\n")
    result = subprocess.run([ember_command, "run", str(script)], check=False, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "2.0\n"


def test_run_refuses_a_process_where_pytorch_is_already_imported():
    torch = pytest.importorskip("torch")
    from ember.cli.run import install_aliases
    assert sys.modules["torch"] is torch
    with pytest.raises(RuntimeError, match="needs a fresh interpreter"):
        install_aliases()


def test_a_relative_script_path_stays_relative_in_argv(tmp_path):
    (tmp_path / "relative.py").write_text("import os, sys\nprint(sys.argv[0], os.path.isabs(__file__))\n")
    result = subprocess.run([sys.executable, "-m", "ember", "run", "relative.py"], check=False, capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "relative.py True\n"  # as `python relative.py` gives them
