# SenseNoise-500 (Zhang et al., "IDR: Self-Supervised Image Denoising via
# Iterative Data Refinement", CVPR 2022, the paper's reference [63]): 500
# scenes. Its released folder layout and train/test split are not
# documented anywhere we could check, so the converter reads a paired tree
# you arrange, {train,test}/{noisy,clean}/<name>.png:
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset sensenoise --src RAW_ROOT --out data/sensenoise
# giving data/sensenoise/{train,test}/{lq,gt}/<name>.png. SAM label maps of
# the training gt go to data/sensenoise/train/sam_masks
# (tools/misc/generate_sam_masks.py). Scored in RGB, as MMagic's real-noise
# denoising configs do.
data_root = './data/sensenoise'
# Assumption: 400 of the 500 scenes train (the paper gives no split). Set it
# to your train split's pair count, which the converter prints.
num_train_images = 400
# 128 x 128 patches, as in Uformer's denoising script (--train_ps 128),
# the paper's denoising baseline. Changing it in a child config means
# rebuilding the pipelines below.
crop_size = 128

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
        metainfo=dict(dataset_type='sensenoise', task_name='denoising'),
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
        metainfo=dict(dataset_type='sensenoise', task_name='denoising'),
        data_root=f'{data_root}/test',
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PSNR'),
    dict(type='SSIM'),
]
# The paper's tables also report FID (Inception features of restored vs
# clean test images; pytorch-fid's weights are fetched on first use).
test_evaluator = val_evaluator + [dict(type='PairedFID')]
