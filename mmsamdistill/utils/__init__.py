from .file_io import dump_json_atomic, write_atomic
from .runner_setup import build_runner, setup_distributed_backend

__all__ = ['build_runner', 'dump_json_atomic', 'setup_distributed_backend', 'write_atomic']
