# RCDNet (Wang et al., CVPR 2020) on Cityscapes-syn 100 mm: the baseline row
# of Table 2 of "Distilling Semantic Priors from SAM to Efficient Image
# Restoration Models" (33.72 dB / 0.9852), on the paper's schedule (Adam
# 1e-4, batch 8, 200 epochs).
_base_ = [
    'mmagic::_base_/default_runtime.py',
    '../_base_/datasets/cityscapes_syn_100mm.py',
    '../_base_/schedules/adam-lr1e-4_bs8_200e.py'
]
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)

experiment_name = 'rcdnet_1xb8-200e_cityscapes-syn-100mm'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    type='BaseEditModel',
    # S = 17 stages, 32 rain kernels of 9x9, 32 auxiliary channels, T = 4
    generator=dict(type='RCDNet'),
    # RCDNet's objective: MSE on the output and the last rain layer, 0.1 x
    # MSE on every earlier stage's background and rain layer
    pixel_loss=dict(type='RCDNetLoss'),
    train_cfg=dict(),
    test_cfg=dict(),
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3))

train_cfg = dict(max_iters=200 * _base_.num_train_images // 8)
