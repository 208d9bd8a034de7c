# EfficientDeRain on DDN: the baseline row of Table 1 of "Distilling Semantic
# Priors from SAM to Efficient Image Restoration Models" (31.75 dB / 0.9234),
# on the paper's schedule.
_base_ = [
    '../_base_/models/efficientderain.py',
    '../_base_/datasets/ddn.py',
    '../_base_/schedules/adam-lr1e-4_bs8_200e.py',
    'mmagic::_base_/default_runtime.py'
]
experiment_name = 'efficientderain_1xb8-200e_ddn'
work_dir = f'./work_dirs/{experiment_name}'
train_cfg = dict(max_iters=200 * _base_.num_train_images // 8)  # 200 epochs
