# GoPro (GOPRO_Large, Nah et al., CVPR 2017): 2103 training and 1111 test
# pairs, released as {train,test}/<sequence>/{blur,sharp}/<frame>.png and
# flattened by
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset gopro --src RAW_ROOT/GOPRO_Large --out data/gopro
# into data/gopro/{train,test}/{lq,gt}/<sequence>_<frame>.png. (MMagic's
# own GoPro configs read data/gopro/{train,test}/{blur,sharp} instead; this
# layout is the one shared by all the paper's datasets.) SAM label maps of
# the training gt go to data/gopro/train/sam_masks
# (tools/misc/generate_sam_masks.py). Scored in RGB, with MMagic's GoPro
# metrics (MAE, PSNR, SSIM).
data_root = './data/gopro'
num_train_images = 2103
# 256 x 256 patches, as in MMagic's NAFNet GoPro config and Uformer's
# deblurring script (--train_ps 256), the paper's deblurring baseline.
# Changing it in a child config means rebuilding the pipelines below.
crop_size = 256

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
        metainfo=dict(dataset_type='gopro', task_name='deblurring'),
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
        metainfo=dict(dataset_type='gopro', task_name='deblurring'),
        data_root=f'{data_root}/test',
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='MAE'),
    dict(type='PSNR'),
    dict(type='SSIM'),
]
# The paper's tables also report FID (Inception features of restored vs
# clean test images; pytorch-fid's weights are fetched on first use).
test_evaluator = val_evaluator + [dict(type='PairedFID')]
