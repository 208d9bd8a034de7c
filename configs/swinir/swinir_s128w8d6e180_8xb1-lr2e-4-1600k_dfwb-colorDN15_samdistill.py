_base_ = [
    'mmagic::swinir/swinir_s128w8d6e180_8xb1-lr2e-4-1600k_dfwb-colorDN15.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'swinir_s128w8d6e180_8xb1-lr2e-4-1600k_dfwb-colorDN15_samdistill'
work_dir = f'./work_dirs/{experiment_name}'
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)

# Masks of the clean images: the noise is synthesised on the fly.
stock, masks = _base_.train_pipeline, ['img', 'gt', _base_.sam_mask_key]
train_pipeline = stock[:2] + [
    dict(type='LoadSAMMask', mask_root='./data/DFWB_sam_masks',
         image_root='./data/DFWB', image_key='gt'), stock[2],
    dict(type='PairedRandomCropWithMasks', gt_patch_size=128),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='horizontal'),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=masks, transpose_ratio=0.5), stock[7],
    dict(type='PackInputs', data_keys=[_base_.sam_mask_key])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
auto_scale_lr = dict(base_batch_size=8)  # 8 GPUs x 1 sample
# Two fixes of the stock config, whose validation cannot run as is: MMagic's
# metrics need MultiValLoop, and its metric names carry the 'McMaster' prefix.
val_cfg = dict(type='MultiValLoop')
default_hooks = dict(checkpoint=dict(save_best='McMaster/PSNR'))
