from .config_types import type_name
from .file_io import (STALE_AGE, claim_owner, disk_full_error,
                      dump_json_atomic, host_name, load_json_if_exists,
                      owner_is_dead, process_alive, release_claim_file,
                      remove_dead_temp_files, temp_file_is_dead,
                      try_claim_file, write_atomic)
from .interrupts import (Interrupted, exit_code, interrupt_behind,
                         stop_on_sigterm)
from .runner_setup import (THIRD_PARTY_WARNINGS, add_runner_arguments,
                           build_runner, filter_third_party_warnings,
                           load_runner_config, resolve_config_path,
                           setup_distributed_backend)
from .work_dir_lock import WorkDirBusyError, work_dir_lock

__all__ = [
    'STALE_AGE', 'THIRD_PARTY_WARNINGS', 'Interrupted', 'WorkDirBusyError',
    'add_runner_arguments', 'build_runner', 'claim_owner', 'disk_full_error',
    'dump_json_atomic', 'exit_code', 'filter_third_party_warnings',
    'host_name', 'interrupt_behind', 'load_json_if_exists', 'load_runner_config',
    'owner_is_dead', 'process_alive', 'release_claim_file',
    'remove_dead_temp_files', 'resolve_config_path',
    'setup_distributed_backend', 'stop_on_sigterm', 'temp_file_is_dead',
    'try_claim_file', 'type_name', 'work_dir_lock', 'write_atomic'
]
