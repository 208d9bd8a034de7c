# EfficientDeRain (Guo et al., AAAI 2021) on Rain200H: the baseline row of
# Table 1 of "Distilling Semantic Priors from SAM to Efficient Image
# Restoration Models" (24.20 dB / 0.8100), on the paper's schedule (Adam
# 1e-4, batch 8, 200 epochs).
_base_ = [
    'mmagic::_base_/default_runtime.py',
    '../_base_/datasets/rain200h.py',
    '../_base_/schedules/adam-lr1e-4_bs8_200e.py'
]
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)

experiment_name = 'efficientderain_1xb8-200e_rain200h'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    type='BaseEditModel',
    # per-pixel 3x3 kernels from a U-Net KPN, dilations 1-4, conv fusion
    generator=dict(type='EfficientDerain'),
    # EfficientDeRain's objective: L1 - 0.2 SSIM (as L1 + 0.2 (1 - SSIM))
    pixel_loss=dict(
        type='CompositeLoss',
        losses=[dict(type='L1Loss'),
                dict(type='SSIMLoss', loss_weight=0.2)]),
    train_cfg=dict(),
    test_cfg=dict(),
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3))

train_cfg = dict(max_iters=200 * _base_.num_train_images // 8)
