from .checkpoint_keys_hook import (CheckpointKeysHook, CheckpointMismatchError,
                                   checkpoint_mismatches)
from .checkpoint_loading import (MMENGINE_SAFE_GLOBALS, checkpoint_path,
                                 fetch_remote, hub_cache_path_of,
                                 load_checkpoint_file,
                                 load_state_dict_file, refusal_message)
from .dump_test_metrics_hook import DumpTestMetricsHook
from .non_finite_check_hook import NonFiniteCheckHook, NonFiniteLossError

__all__ = [
    'CheckpointKeysHook', 'CheckpointMismatchError', 'DumpTestMetricsHook',
    'MMENGINE_SAFE_GLOBALS', 'NonFiniteCheckHook', 'NonFiniteLossError',
    'checkpoint_mismatches', 'checkpoint_path', 'fetch_remote',
    'hub_cache_path_of',
    'load_checkpoint_file', 'load_state_dict_file', 'refusal_message'
]
