from .checkpoint_loading import load_local_checkpoint, trusted_run_checkpoints
from .dump_test_metrics_hook import DumpTestMetricsHook
from .runner import TrustedResumeRunner

__all__ = [
    'DumpTestMetricsHook', 'TrustedResumeRunner', 'load_local_checkpoint',
    'trusted_run_checkpoints'
]
