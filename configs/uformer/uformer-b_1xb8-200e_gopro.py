# Uformer-B on GoPro: the baseline row of Table 3 of "Distilling Semantic
# Priors from SAM to Efficient Image Restoration Models" (32.10 dB PSNR), on
# the paper's schedule.
_base_ = [
    '../_base_/models/uformer-b.py',
    '../_base_/datasets/gopro.py',
    '../_base_/schedules/adam-lr1e-4_bs8_200e.py',
    'mmagic::_base_/default_runtime.py'
]
experiment_name = 'uformer-b_1xb8-200e_gopro'
work_dir = f'./work_dirs/{experiment_name}'
train_cfg = dict(max_iters=200 * _base_.num_train_images // 8)  # 200 epochs
