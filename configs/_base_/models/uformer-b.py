# Uformer-B (Wang et al., CVPR 2022), the paper's deblurring and denoising
# baseline, as a stock MMagic model. A config adds a dataset, the schedule and
# the runtime (see ../../uformer/).
#
# Size: the SAM paper names none and uses one "representative" Uformer for
# both tasks. B is the one the Uformer paper reports on GoPro (32.97 dB after
# 3000 epochs), the one its official GoPro recipe and checkpoint use (T and S
# appear only in its SIDD table) and the model it releases for real-noise
# denoising (SIDD/DND) and deblurring alike. The paper's 32.10 dB on GoPro is
# what a 15x shorter run (200 epochs) of that model plausibly reaches;
# nothing suggests it swapped in a smaller Uformer.
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)

model = dict(
    type='BaseEditModel',
    generator=dict(type='Uformer', arch='B'),
    # Uformer's Charbonnier loss sqrt(d^2 + 1e-3^2); MMagic's eps is the
    # squared term.
    pixel_loss=dict(type='CharbonnierLoss', eps=1e-6),
    train_cfg=dict(),
    test_cfg=dict(),
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3))
