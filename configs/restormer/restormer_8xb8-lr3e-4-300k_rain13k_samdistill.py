# MMagic's Restormer deraining config is test-only; this adds the training
# part (Restormer paper: AdamW 3e-4, cosine to 1e-6, 300k iterations) in
# MMagic's conventions, then the SAM distillation.
_base_ = [
    'mmagic::restormer/restormer_official_rain13k.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'restormer_8xb8-lr3e-4-300k_rain13k_samdistill'
work_dir = f'./work_dirs/{experiment_name}'
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)

masks = ['img', 'gt', _base_.sam_mask_key]
train_pipeline = _base_.test_pipeline[:2] + [
    dict(type='LoadSAMMask', mask_root='./data/Rain13k/train/sam_masks',
         image_root='./data/Rain13k/train/target', image_key='gt'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='PairedRandomCropWithMasks', gt_patch_size=128),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='horizontal'),
    dict(type='Flip', keys=masks, flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=masks, transpose_ratio=0.5),
    dict(type='PackInputs', data_keys=[_base_.sam_mask_key])
]
train_dataloader = dict(
    num_workers=8,
    batch_size=8,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='BasicImageDataset',
        metainfo=dict(dataset_type='Rain13k', task_name='deraining'),
        data_root='./data/Rain13k/train',
        data_prefix=dict(img='input', gt='target'),
        pipeline=train_pipeline))
val_dataloader = _base_.rain100h_dataloader
val_evaluator = [dict(type='PSNR', convert_to='Y'), dict(type='SSIM', convert_to='Y')]

train_cfg = dict(type='IterBasedTrainLoop', max_iters=300_000, val_interval=5000)
val_cfg = dict(type='MultiValLoop')
optim_wrapper = dict(
    constructor='DefaultOptimWrapperConstructor',
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-4))
param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=False, T_max=300_000, eta_min=1e-6)
auto_scale_lr = dict(base_batch_size=64)  # 8 GPUs x 8 samples
