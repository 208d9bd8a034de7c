# MMagic's SwinIR colour denoising config (sigma 15), trained with the SAM
# distillation (README "Converting any MMagic restoration config"). The noise
# is synthesised from the clean images, so the masks are those of the clean
# images, next to them in data/DFWB_sam_masks.
_base_ = [
    'mmagic::swinir/swinir_s128w8d6e180_8xb1-lr2e-4-1600k_dfwb-colorDN15.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'swinir_s128w8d6e180_8xb1-lr2e-4-1600k_dfwb-colorDN15_samdistill'
work_dir = f'./work_dirs/{experiment_name}'

custom_imports = dict(imports=['mmsamdistill'])
# the framework's defaults, spelled out (model = dict(type=
# 'CascadeDistillRestorer') alone gives the same)
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)
train_dataloader = dict(dataset=dict(pipeline=[dict(
    type='WithSAMMasks', pipeline=_base_.train_dataloader.dataset.pipeline)]))

auto_scale_lr = dict(base_batch_size=8)  # 8 GPUs x 1 sample
# Two fixes of the stock config, whose validation cannot run as is: MMagic's
# metrics need MultiValLoop, and its metric names carry the 'McMaster' prefix.
val_cfg = dict(type='MultiValLoop')
default_hooks = dict(checkpoint=dict(save_best='McMaster/PSNR'))
