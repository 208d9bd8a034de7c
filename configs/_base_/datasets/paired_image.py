# What the paper's datasets share: pairs laid out by the converters in
# tools/dataset_converters/ as <data_root>/{train,test}/{lq,gt}/<name>, SAM
# label maps of the training gt in <data_root>/train/sam_masks
# (tools/misc/generate_sam_masks.py <data_root>/train/gt
# <data_root>/train/sam_masks), found by LoadSAMMask next to each gt image.
# A dataset base (e.g. ./rain200l.py) sets data_root, num_train_images and
# its metainfo; crop_size, the metrics and the test pipeline where they
# differ. Scored in RGB; ./deraining.py scores on Y.
data_root = None
num_train_images = None
# 64 x 64 patches, as in RCDNet's released training command for its
# synthetic sets (--patch_size 64). A base with another size rewrites the
# crop of train_pipeline (see ./gopro.py).
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
# The same pipeline with the SAM masks of the gt loaded, flipped, transposed,
# cropped and packed with it (the `_samdistill` configs use it).
sam_train_pipeline = [
    dict(type='WithSAMMasks', pipeline=train_pipeline,
         mask_root='{image_root}/../sam_masks')  # <data_root>/train/sam_masks
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
        metainfo=dict(dataset_type=None, task_name=None),
        data_root=None,  # <data_root>/train
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=4,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='BasicImageDataset',
        metainfo=dict(dataset_type=None, task_name=None),
        data_root=None,  # <data_root>/test
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [dict(type='PSNR'), dict(type='SSIM')]
# The paper's tables also report FID (Inception features of restored vs
# clean test images; pytorch-fid's weights are fetched on first use).
test_evaluator = val_evaluator + [dict(type='PairedFID')]
