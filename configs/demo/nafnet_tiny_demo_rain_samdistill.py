# The demo's tiny stock NAFNet trained with SAM-prior distillation: same
# network, data order, crops, seed and iterations as
# nafnet_tiny_demo_rain.py, so the two test results compare like for like.
# Masks: `bash tools/run_demo.sh` writes them (SAM when a checkpoint is given,
# Felzenszwalb otherwise) under mask_root and points this config at them.
_base_ = ['./nafnet_tiny_demo_rain.py', '../_base_/sam_distill.py']
experiment_name = 'nafnet_tiny_demo_rain_samdistill'
work_dir = f'./work_dirs/{experiment_name}'
mask_root = f'{_base_.data_root}/train/masks_felzenszwalb'

model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)

# The stock pipeline with the mask loaded after the images and moved by the
# same flips, transposes and crop (identical random draws, identical batches).
masks = ['img', 'gt', _base_.sam_mask_key]
train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='LoadSAMMask', mask_root=mask_root,
         image_root=f'{_base_.data_root}/train/gt', image_key='gt'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='horizontal'),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=masks, transpose_ratio=0.5),
    dict(type='PairedRandomCropWithMasks', gt_patch_size=64),
    dict(type='PackInputs', data_keys=[_base_.sam_mask_key])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
