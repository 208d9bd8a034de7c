"""High-level helpers of the demo and the ablation tools.

Not imported by ``import mmsamdistill``: they drive the repository's tools
(``tools/train.py``, ``tools/test.py``) and plot with matplotlib.
"""
from .cascade_evaluation import evaluate_cascade
from .demo_masks import generate_masks, mask_source
from .experiment import RunResult, run_train_test
from .loss_balance import student_loss_balance
from .loss_curves import plot_loss_curves, read_scalars
from .run_checkpoint import load_run_checkpoint
from .restoration_grid import label_map_overlay, save_restoration_grid
from .student_inference import (StudentRestorer, count_parameters,
                                time_inference)

__all__ = [
    'RunResult', 'StudentRestorer', 'count_parameters', 'evaluate_cascade',
    'generate_masks',
    'label_map_overlay', 'load_run_checkpoint', 'mask_source',
    'plot_loss_curves', 'read_scalars', 'run_train_test',
    'save_restoration_grid', 'student_loss_balance', 'time_inference'
]
