"""The in-process tests' worlds of one rank: ember's default group, and PyTorch's Gloo world as the oracle.
Test modules import the fixtures (`world` and `torch`, defined as ember_world and torch_world so that the
parameters naming them do not shadow the import); a conftest.py here would shadow tests/conftest.py, which other
test modules import as `conftest`."""
import importlib
import socket
from datetime import timedelta

import pytest

import ember.distributed as dist


def start_torch_world(torch) -> None:
    """Initialise PyTorch's default group: Gloo, one rank, on a free port of this machine."""
    importlib.import_module("torch.distributed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    torch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)


@pytest.fixture(name="world")
def ember_world():
    """ember's default group of one rank, fresh for each test."""
    dist.init_process_group("gloo", rank=0, world_size=1, timeout=timedelta(seconds=10))
    yield
    dist.destroy_process_group()


@pytest.fixture(scope="module", name="torch")
def torch_world():
    """PyTorch with a Gloo world of one rank (skips where PyTorch is absent)."""
    from parity import torch
    start_torch_world(torch)
    yield torch
    torch.distributed.destroy_process_group()
