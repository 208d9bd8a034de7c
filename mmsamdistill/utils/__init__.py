from .file_io import (STALE_AGE, dump_json_atomic, host_name,
                      load_json_if_exists, owner_is_dead, process_alive,
                      remove_dead_temp_files, temp_file_is_dead, write_atomic)
from .runner_setup import (THIRD_PARTY_WARNINGS, add_runner_arguments,
                           build_runner, filter_third_party_warnings,
                           load_runner_config, resolve_config_path,
                           setup_distributed_backend)

__all__ = [
    'STALE_AGE', 'THIRD_PARTY_WARNINGS', 'add_runner_arguments',
    'build_runner', 'dump_json_atomic', 'filter_third_party_warnings',
    'host_name', 'load_json_if_exists', 'load_runner_config',
    'owner_is_dead', 'process_alive', 'remove_dead_temp_files',
    'resolve_config_path', 'setup_distributed_backend', 'temp_file_is_dead',
    'write_atomic'
]
