# GoPro (GOPRO_Large, Nah et al., CVPR 2017): 2103 training and 1111 test
# pairs, released as {train,test}/<sequence>/{blur,sharp}/<frame>.png and
# flattened by
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset gopro --src RAW_ROOT/GOPRO_Large --out data/gopro
# into data/gopro/{train,test}/{lq,gt}/<sequence>_<frame>.png. (MMagic's
# own GoPro configs read data/gopro/{train,test}/{blur,sharp} instead; this
# layout is the one shared by all the paper's datasets.) Scored in RGB, with
# MMagic's GoPro metrics (MAE, PSNR, SSIM).
_base_ = './paired_image.py'
data_root = './data/gopro'
num_train_images = 2103
# 256 x 256 patches, as in MMagic's NAFNet GoPro config and Uformer's
# deblurring script (--train_ps 256), the paper's deblurring baseline.
crop_size = 256
train_pipeline = [
    dict(t, gt_patch_size=crop_size) if t['type'] == 'PairedRandomCrop' else t
    for t in _base_.train_pipeline
]
sam_train_pipeline = [dict(_base_.sam_train_pipeline[0],
                           pipeline=train_pipeline)]
train_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/train', pipeline=train_pipeline,
    metainfo=dict(dataset_type='gopro', task_name='deblurring')))
val_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/test',
    metainfo=dict(dataset_type='gopro', task_name='deblurring')))
test_dataloader = val_dataloader

val_evaluator = [dict(type='MAE'), dict(type='PSNR'), dict(type='SSIM')]
test_evaluator = val_evaluator + [dict(type='PairedFID')]
