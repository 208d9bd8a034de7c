"""Library helpers that run trained models and show what they restore (not
imported by ``import mmsamdistill``). The demo's and the ablation's plumbing
(subprocess runners, plots, statistics) is the ``mmsamdistill_demo`` package,
kept with the tools in ``tools/demo/mmsamdistill_demo``.
"""
from .restoration_grid import save_restoration_grid
from .run_checkpoint import load_run_checkpoint
from .student_inference import (StudentRestorer, count_parameters,
                                time_inference)

__all__ = [
    'StudentRestorer', 'count_parameters', 'load_run_checkpoint',
    'save_restoration_grid', 'time_inference'
]
