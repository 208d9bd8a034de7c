# DDN's Rain1400 (Fu et al., CVPR 2017): 14 rainy versions of each clean
# image; 12600 training pairs (900 scenes) and 1400 test pairs (100 scenes).
# The paper says 1,200 DDN test images; the release has 1400 (as RCDNet's
# README also counts), which this config tests on. Laid out by
#     python tools/dataset_converters/prepare_paper_dataset.py \
#         --dataset ddn --src RAW_ROOT --out data/ddn
# as data/ddn/{train,test}/{lq,gt}/<i>_<k>.jpg, each gt entry pointing at the
# shared clean image <i>.jpg.
_base_ = './deraining.py'
data_root = './data/ddn'
num_train_images = 12600
train_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/train', metainfo=dict(dataset_type='ddn')))
val_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/test', metainfo=dict(dataset_type='ddn')))
test_dataloader = val_dataloader
