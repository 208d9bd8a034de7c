# EfficientDeRain (Guo et al., AAAI 2021), the paper's second deraining
# baseline, as a stock MMagic model. A config adds a dataset, the schedule
# and the runtime (see ../../efficientderain/).
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)

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
