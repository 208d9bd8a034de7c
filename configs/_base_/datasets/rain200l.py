# Rain200L (Yang et al., CVPR 2017, JORDER; the updated release with 1800
# training and 200 test pairs), laid out by
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset rain200l --src RAW_ROOT --out data/rain200l
# as data/rain200l/{train,test}/{lq,gt}/norain-<i>.png. SAM label maps of
# the training gt go to data/rain200l/train/sam_masks
# (tools/misc/generate_sam_masks.py). Deraining is scored on the Y channel,
# as in MMagic's deraining configs.
data_root = './data/rain200l'
num_train_images = 1800
# 64 x 64 patches, as in RCDNet's released training command for its
# synthetic sets (--patch_size 64); RCDNet is the paper's deraining baseline.
# Changing it in a child config means rebuilding the pipelines below.
crop_size = 64

train_pipeline = [
    dict(type='LoadImageFromFile', key='img', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='PairedRandomCrop', gt_patch_size=crop_size),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='horizontal'),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='PackInputs')
]
sam_train_pipeline = [
    dict(type='LoadImageFromFile', key='img', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadSAMMask', key='sam_mask',
         mask_root=f'{data_root}/train/sam_masks',
         image_root=f'{data_root}/train/gt', image_key='gt'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='PairedRandomCropWithMasks', gt_patch_size=crop_size,
         extra_keys=['sam_mask']),
    dict(type='Flip', keys=['img', 'gt', 'sam_mask'], flip_ratio=0.5,
         direction='horizontal'),
    dict(type='Flip', keys=['img', 'gt', 'sam_mask'], flip_ratio=0.5,
         direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt', 'sam_mask'],
         transpose_ratio=0.5),
    dict(type='PackInputs', data_keys=['sam_mask'])
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='img', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='PackInputs')
]

train_dataloader = dict(
    num_workers=8,
    batch_size=8,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='BasicImageDataset',
        metainfo=dict(dataset_type='rain200l', task_name='deraining'),
        data_root=f'{data_root}/train',
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=4,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='BasicImageDataset',
        metainfo=dict(dataset_type='rain200l', task_name='deraining'),
        data_root=f'{data_root}/test',
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PSNR', convert_to='Y'),
    dict(type='SSIM', convert_to='Y'),
]
# The paper's tables also report FID (Inception features of restored vs
# clean test images; pytorch-fid's weights are fetched on first use).
test_evaluator = val_evaluator + [dict(type='PairedFID')]
