# The training part that MMagic's test-only restoration configs lack (every
# Restormer config, among others), in MMagic's conventions. Inherit it after
# the stock config and name the training pairs:
#     _base_ = ['mmagic::restormer/restormer_official_rain13k.py',
#               '../_base_/train_paired_images.py']  # path into this repo
#     train_dataloader = dict(dataset=dict(
#         data_root='data/Rain13k/train',
#         data_prefix=dict(img='input', gt='target')))
# then add the SAM distillation as for any config. Schedule: the Restormer
# paper's (AdamW 3e-4, weight decay 1e-4, cosine to 1e-6 over 300k
# iterations, 128 x 128 patches, batch 8 per GPU). A test-only config has no
# validation set, so training does not validate; to validate on one of its
# test sets:
#     val_dataloader = _base_.rain100h_dataloader
#     val_evaluator = _base_.rain100h_evaluator
#     val_cfg = dict(type='MultiValLoop')
# Grayscale models (e.g. restormer_official_dfwb-gray-*): load the Y channel
# as their test pipelines do,
#     train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_y))
train_patch_size = 128
train_pipeline = [
    dict(type='LoadImageFromFile', key='img', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='PairedRandomCrop', gt_patch_size=train_patch_size),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='horizontal'),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='PackInputs')
]
train_pipeline_y = [
    dict(t, to_y_channel=True) if t['type'] == 'LoadImageFromFile' else t
    for t in train_pipeline
]
train_dataloader = dict(
    num_workers=8,
    batch_size=8,
    drop_last=True,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='BasicImageDataset',
        metainfo=dict(dataset_type='train', task_name='restoration'),
        data_root=None,  # set by the child
        data_prefix=dict(img='input', gt='target'),
        pipeline=train_pipeline))

train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=300_000, val_interval=5000)
optim_wrapper = dict(
    constructor='DefaultOptimWrapperConstructor',
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-4))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=False, T_max=300_000, eta_min=1e-6)
auto_scale_lr = dict(base_batch_size=64)  # 8 GPUs x 8 samples
