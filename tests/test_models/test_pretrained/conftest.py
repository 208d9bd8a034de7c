"""Run the pretrained networks on one thread (the CPU is shared)."""
import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Keep the CPU share small (the networks are small anyway)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
