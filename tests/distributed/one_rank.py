"""PyTorch's Gloo world of one rank in this process, the oracle of the in-process parity tests."""
import importlib
import socket


def start_torch_world(torch) -> None:
    """Initialise PyTorch's default group: Gloo, one rank, on a free port of this machine."""
    importlib.import_module("torch.distributed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    torch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
