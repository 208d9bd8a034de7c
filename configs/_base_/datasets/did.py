# DID-MDN's data set (Zhang & Patel, CVPR 2018): 12000 training pairs
# (4000 each of heavy, medium and light rain) and 1200 test pairs. The
# release stores each pair side by side in one picture (rainy left, clean
# right); the converter
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset did --src RAW_ROOT --out data/did
# splits them into data/did/train/{lq,gt}/<density>_<i>.png and
# data/did/test/{lq,gt}/<i>.png.
_base_ = './deraining.py'
data_root = './data/did'
num_train_images = 12000
train_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/train', metainfo=dict(dataset_type='did')))
val_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/test', metainfo=dict(dataset_type='did')))
test_dataloader = val_dataloader
