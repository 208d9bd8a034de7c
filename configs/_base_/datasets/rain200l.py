# Rain200L (Yang et al., CVPR 2017, JORDER; the updated release with 1800
# training and 200 test pairs), laid out by
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset rain200l --src RAW_ROOT --out data/rain200l
# as data/rain200l/{train,test}/{lq,gt}/norain-<i>.png.
_base_ = './deraining.py'
data_root = './data/rain200l'
num_train_images = 1800
train_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/train', metainfo=dict(dataset_type='rain200l')))
val_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/test', metainfo=dict(dataset_type='rain200l')))
test_dataloader = val_dataloader
