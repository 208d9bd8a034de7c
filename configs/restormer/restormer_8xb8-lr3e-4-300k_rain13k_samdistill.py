# MMagic's Restormer deraining config is test-only: ../_base_/
# train_paired_images.py adds the training part (the Restormer paper's
# schedule, in MMagic's conventions) on Rain13k
# (data/Rain13k/train/{input,target}), then the SAM distillation (README
# "Converting any MMagic restoration config"), validated on Rain100H.
_base_ = [
    'mmagic::restormer/restormer_official_rain13k.py',
    '../_base_/train_paired_images.py', '../_base_/sam_distill.py'
]
experiment_name = 'restormer_8xb8-lr3e-4-300k_rain13k_samdistill'
work_dir = f'./work_dirs/{experiment_name}'

custom_imports = dict(imports=['mmsamdistill'])
# the framework's defaults, spelled out (model = dict(type=
# 'CascadeDistillRestorer') alone gives the same)
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)
train_dataloader = dict(dataset=dict(
    data_root='./data/Rain13k/train',
    pipeline=[dict(type='WithSAMMasks',
                   pipeline=_base_.train_dataloader.dataset.pipeline)]))

val_dataloader = _base_.rain100h_dataloader
val_evaluator = _base_.rain100h_evaluator
val_cfg = dict(type='MultiValLoop')
default_hooks = dict(checkpoint=dict(save_best='Rain100H/PSNR'))
