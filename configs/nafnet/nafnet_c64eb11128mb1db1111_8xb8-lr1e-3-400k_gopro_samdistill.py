_base_ = [
    'mmagic::nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro_samdistill'
work_dir = f'./work_dirs/{experiment_name}'
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)

masks = ['img', 'gt', _base_.sam_mask_key]
train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='LoadSAMMask', mask_root='./data/gopro/train/sam_masks',
         image_root='./data/gopro/train/sharp', image_key='gt'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='horizontal'),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=masks, transpose_ratio=0.5),
    dict(type='PairedRandomCropWithMasks', gt_patch_size=256),
    dict(type='PackInputs', data_keys=[_base_.sam_mask_key])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
auto_scale_lr = dict(base_batch_size=64)  # 8 GPUs x 8 samples
