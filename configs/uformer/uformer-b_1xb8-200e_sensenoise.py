# Uformer (Wang et al., CVPR 2022) on SenseNoise denoising: the baseline row
# of Table 4 of "Distilling Semantic Priors from SAM to Efficient Image
# Restoration Models" (35.14 dB PSNR), on the paper's schedule (Adam 1e-4,
# batch 8, 200 epochs).
#
# Size: Uformer-B, as for GoPro (uformer-b_1xb8-200e_gopro.py): the paper uses
# one "representative" Uformer for both tasks, and B is the model the Uformer
# paper releases for real-noise denoising (SIDD/DND) and deblurring alike.
_base_ = [
    'mmagic::_base_/default_runtime.py', '../_base_/datasets/sensenoise.py',
    '../_base_/schedules/adam-lr1e-4_bs8_200e.py'
]
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)

experiment_name = 'uformer-b_1xb8-200e_sensenoise'
work_dir = f'./work_dirs/{experiment_name}'

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

train_cfg = dict(max_iters=200 * _base_.num_train_images // 8)
