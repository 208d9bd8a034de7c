"""Plumbing of the demo and the analysis tools (not part of the library).

Subprocess runners of ``tools/train.py``/``tools/test.py``, the paired
teacher-first regime, mask generation through
``tools/misc/generate_sam_masks.py``, plots, mask overlays and statistics.
Installed with mmsamdistill as the top-level package ``mmsamdistill_demo``
(setup.py); the library that configs load, ``mmsamdistill``, never imports it.
"""
import warnings

# MMagic's import prints third-party deprecations: the tools show none of
# them (and every other warning).
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter('always')
    import mmsamdistill  # noqa: F401
from mmsamdistill.utils import filter_third_party_warnings  # noqa: E402

filter_third_party_warnings(_import_warnings)
from .experiment import RunResult, read_validation, run_train_test  # noqa: E402
from .loss_curves import plot_loss_curves, read_scalars  # noqa: E402
from .mask_overlay import label_map_overlay  # noqa: E402
from .masks import generate_masks, mask_source  # noqa: E402
from .paired import (DEGRADATIONS, DISTILL_CONFIG, FINETUNE_CONFIG,  # noqa: E402
                     STOCK_CONFIG, TEACHER_GT_MASKS_PSNR, TEACHER_PSNR,
                     DemoData, PairedSeed, Regime, budget_options,
                     continuation_options, data_options, prepare_data,
                     run_paired_seed, run_stage_a, to_cfg_options,
                     vgg_options)
from .stats import Interval, mean_std, t_interval, t_quantile  # noqa: E402

__all__ = [
    'DEGRADATIONS', 'DISTILL_CONFIG', 'DemoData', 'FINETUNE_CONFIG',
    'Interval', 'PairedSeed', 'Regime', 'RunResult', 'STOCK_CONFIG',
    'TEACHER_GT_MASKS_PSNR', 'TEACHER_PSNR', 'budget_options',
    'continuation_options', 'data_options', 'generate_masks',
    'label_map_overlay', 'mask_source', 'mean_std', 'plot_loss_curves',
    'prepare_data', 'read_scalars', 'read_validation', 'run_paired_seed',
    'run_stage_a', 'run_train_test', 't_interval', 't_quantile',
    'to_cfg_options', 'vgg_options'
]
