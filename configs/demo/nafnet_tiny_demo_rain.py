# The stock MMagic NAFNet recipe, shrunk to train in a minute on a CPU, on the
# demo deraining data built by tools/dataset_converters/make_demo_dataset.py.
_base_ = 'mmagic::nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py'
custom_imports = dict(imports=['mmsamdistill'], allow_failed_imports=False)
experiment_name = 'nafnet_tiny_demo_rain'
work_dir = f'./work_dirs/{experiment_name}'
data_root = './data/demo_rain'
max_iters = 400

model = dict(
    generator=dict(
        mid_channels=16, enc_blk_nums=[1, 1], middle_blk_num=1,
        dec_blk_nums=[1, 1], train_size=(1, 3, 64, 64)))
train_pipeline = _base_.train_pipeline
train_pipeline[6] = dict(type='PairedRandomCrop', gt_patch_size=64)
train_dataloader = dict(
    batch_size=4, num_workers=2,
    dataset=dict(data_root=f'{data_root}/train',
                 data_prefix=dict(gt='gt', img='lq'), pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(data_root=f'{data_root}/test',
                 data_prefix=dict(gt='gt', img='lq')))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=max_iters, val_interval=max_iters // 2)
param_scheduler = dict(T_max=max_iters)
default_hooks = dict(
    checkpoint=dict(interval=max_iters // 2, out_dir=None),
    logger=dict(interval=50))
auto_scale_lr = dict(base_batch_size=4)
