# Cityscapes-syn 200 mm (paper Table 2), made by
#     python tools/dataset_converters/prepare_cityscapes_syn.py --intensity 200
# See ./cityscapes_syn.py.
_base_ = './cityscapes_syn.py'
data_root = './data/cityscapes_syn_200mm'
train_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/train',
    metainfo=dict(dataset_type='cityscapes_syn_200mm')))
val_dataloader = dict(dataset=dict(
    data_root=f'{data_root}/test',
    metainfo=dict(dataset_type='cityscapes_syn_200mm')))
test_dataloader = val_dataloader
