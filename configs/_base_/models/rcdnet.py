# RCDNet (Wang et al., CVPR 2020), the paper's deraining baseline, as a stock
# MMagic model. A config adds a dataset, the schedule and the runtime (see
# ../../rcdnet/).
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)

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
