# RCDNet on Cityscapes-syn 100 mm: the baseline row of Table 2 of "Distilling
# Semantic Priors from SAM to Efficient Image Restoration Models" (33.72 dB /
# 0.9852), on the paper's schedule.
_base_ = [
    '../_base_/models/rcdnet.py',
    '../_base_/datasets/cityscapes_syn_100mm.py',
    '../_base_/schedules/adam-lr1e-4_bs8_200e.py',
    'mmagic::_base_/default_runtime.py'
]
experiment_name = 'rcdnet_1xb8-200e_cityscapes-syn-100mm'
work_dir = f'./work_dirs/{experiment_name}'
train_cfg = dict(max_iters=200 * _base_.num_train_images // 8)  # 200 epochs
