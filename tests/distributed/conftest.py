"""The in-process tests' worlds of one rank: ember's default group, and PyTorch's Gloo world as the oracle."""
from datetime import timedelta

import pytest
from one_rank import start_torch_world

import ember.distributed as dist


@pytest.fixture
def world():
    """ember's default group of one rank, fresh for each test."""
    dist.init_process_group("gloo", rank=0, world_size=1, timeout=timedelta(seconds=10))
    yield
    dist.destroy_process_group()


@pytest.fixture(scope="module")
def torch():
    """PyTorch with a Gloo world of one rank (skips where PyTorch is absent)."""
    from parity import torch
    start_torch_world(torch)
    yield torch
    torch.distributed.destroy_process_group()
