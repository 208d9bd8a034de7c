from .file_io import (dump_json_atomic, load_json_if_exists,
                      write_atomic)
from .runner_setup import (add_runner_arguments, build_runner,
                           load_runner_config, setup_distributed_backend)

__all__ = [
    'add_runner_arguments', 'build_runner', 'dump_json_atomic',
    'load_json_if_exists', 'load_runner_config', 'setup_distributed_backend',
    'write_atomic'
]
