# Paper Eq. 2: SAM segments IR1's current output during training, no cache.
# Each sample is re-segmented every `mask_interval` iterations; in between
# its masks are reused through the coordinate map, aligned to each view.
_base_ = './nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro_samdistill.py'
experiment_name = 'nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro_samdistill-online'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    mask_source=dict(
        _delete_=True, type='SAMMaskGenerator', model_type='vit_h',
        checkpoint='checkpoints/sam_vit_h_4b8939.pth', points_per_side=32,
        max_side=512),
    mask_interval=4)

keys = ['img', 'gt', 'coords']
train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='GenerateCoordinateMap', key='coords', ref_key='gt'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='Flip', keys=keys, flip_ratio=0.5, direction='horizontal'),
    dict(type='Flip', keys=keys, flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=keys, transpose_ratio=0.5),
    dict(type='PairedRandomCropWithMasks', gt_patch_size=256,
         extra_keys=['coords']),
    dict(type='PackInputs', data_keys=['coords'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
