# The stock MMagic NAFNet recipe, shrunk to train in minutes on a CPU, on the
# demo data built from scikit-image's photos (stage A of the demo: the stock
# model every other run starts from). Data:
#     python tools/dataset_converters/make_demo_dataset.py --masks
# Training tiles are clean; SynthesizeDegradation draws a fresh rain layer
# for every sample, so no degraded input repeats. The test split holds tiles
# of other photos with one fixed degraded copy (test/lq_rain). Other
# degradations: `tools/demo/samdistill_demo.py --degradation blur|noise`
# (it points the transform's kind and the test inputs at them).
_base_ = 'mmagic::nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py'
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)
experiment_name = 'nafnet_tiny_demo_rain'
work_dir = f'./work_dirs/{experiment_name}'
data_root = './data/demo'
degradation = 'rain'
# Budget of the 15-minute demo on 2 CPU cores (measured learning curve,
# seed 0, test PSNR: 26.1 dB at 500 iterations, 27.5 at 1000, 28.1 at 1500,
# 28.2 at 2000 with the cosine period at 2000; then 1000 more at lr 5e-4:
# 28.9). The cascade step costs a few stock steps, so stage A gets most of
# the iterations.
max_iters = 3000
crop_size = 64

model = dict(
    generator=dict(
        mid_channels=16, enc_blk_nums=[1, 1], middle_blk_num=1,
        dec_blk_nums=[1, 1], train_size=(1, 3, crop_size, crop_size)))
# The stock pipeline with the degraded input synthesised from the ground
# truth (before flips and crop, so blur and streaks see no crop border),
# loaded in RGB as the stock test pipeline loads (the stock GoPro recipe
# trains on BGR and tests on RGB).
train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='SynthesizeDegradation', kind=degradation),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='horizontal'),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='PairedRandomCrop', gt_patch_size=crop_size),
    dict(type='PackInputs')
]
demo_metainfo = dict(dataset_type='skimage_demo', task_name=degradation)
train_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(metainfo=demo_metainfo, data_root=f'{data_root}/train',
                 data_prefix=dict(gt='gt'), pipeline=train_pipeline))
# Validation runs on the test split (reported in the log only: every tool
# here tests the last checkpoint, none selects one by validation).
val_dataloader = dict(
    num_workers=1,
    dataset=dict(metainfo=demo_metainfo, data_root=f'{data_root}/test',
                 data_prefix=dict(gt='gt', img=f'lq_{degradation}')))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = dict(T_max=max_iters)
default_hooks = dict(
    checkpoint=dict(interval=max_iters, out_dir=None),
    logger=dict(interval=50))
auto_scale_lr = dict(base_batch_size=8)
