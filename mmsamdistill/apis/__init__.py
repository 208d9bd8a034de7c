"""Library helpers that run trained models (not imported by
``import mmsamdistill``). The demo's and the ablation's plumbing (subprocess
runners, plots, grids) lives with the tools, in ``tools/demo/demo_lib``.
"""
from .run_checkpoint import load_run_checkpoint
from .student_inference import (StudentRestorer, count_parameters,
                                time_inference)

__all__ = [
    'StudentRestorer', 'count_parameters', 'load_run_checkpoint',
    'time_inference'
]
