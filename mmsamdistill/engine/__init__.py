from .atomic_checkpoint_backend import ATOMIC_BACKEND_ARGS, AtomicLocalBackend
from .checkpoint_keys_hook import (CheckpointKeysHook, CheckpointMismatchError,
                                   checkpoint_mismatches)
from .checkpoint_loading import (MMENGINE_SAFE_GLOBALS,
                                 CheckpointRefusedError, checkpoint_path,
                                 fetch_remote, is_load_failure,
                                 load_checkpoint_file, load_state_dict_file,
                                 refusal_message)
from .data_check_hook import DataCheckHook
from .dump_test_metrics_hook import DumpTestMetricsHook
from .load_from_check_hook import PARTIAL_LOAD_SWITCH, LoadFromCheckHook
from .non_finite_check_hook import NonFiniteCheckHook, NonFiniteLossError
from .resume_check_hook import (ResumeCheckHook, ResumeMismatchError,
                                config_changes)

__all__ = [
    'ATOMIC_BACKEND_ARGS', 'AtomicLocalBackend', 'CheckpointKeysHook',
    'CheckpointMismatchError', 'CheckpointRefusedError', 'DataCheckHook',
    'DumpTestMetricsHook', 'LoadFromCheckHook', 'MMENGINE_SAFE_GLOBALS',
    'NonFiniteCheckHook', 'NonFiniteLossError', 'PARTIAL_LOAD_SWITCH',
    'ResumeCheckHook', 'ResumeMismatchError', 'checkpoint_mismatches',
    'checkpoint_path', 'config_changes', 'fetch_remote', 'is_load_failure',
    'load_checkpoint_file', 'load_state_dict_file', 'refusal_message'
]
