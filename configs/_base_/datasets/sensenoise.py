# SenseNoise-500 (Zhang et al., "IDR: Self-Supervised Image Denoising via
# Iterative Data Refinement", CVPR 2022, the paper's reference [63]): 500
# scenes. Its released folder layout and train/test split are not
# documented anywhere we could check, so the converter reads a paired tree
# you arrange, {train,test}/{noisy,clean}/<name>.png:
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset sensenoise --src RAW_ROOT --out data/sensenoise
# giving data/sensenoise/{train,test}/{lq,gt}/<name>.png. Scored in RGB, as
# MMagic's real-noise denoising configs do.
_base_ = './paired_image.py'
data_root = './data/sensenoise'
# Assumption: 400 of the 500 scenes train (the paper gives no split). Set it
# to your train split's pair count, which the converter prints.
num_train_images = 400
# 128 x 128 patches, as in Uformer's denoising script (--train_ps 128),
# the paper's denoising baseline.
crop_size = 128
train_pipeline = [
    dict(t, gt_patch_size=crop_size) if t['type'] == 'PairedRandomCrop' else t
    for t in _base_.train_pipeline
]
sam_train_pipeline = [dict(_base_.sam_train_pipeline[0],
                           pipeline=train_pipeline)]
train_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/train', pipeline=train_pipeline,
    metainfo=dict(dataset_type='sensenoise', task_name='denoising')))
val_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/test',
    metainfo=dict(dataset_type='sensenoise', task_name='denoising')))
test_dataloader = val_dataloader
