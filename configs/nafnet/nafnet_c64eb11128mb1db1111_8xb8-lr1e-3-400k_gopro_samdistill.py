# MMagic's NAFNet GoPro deblurring config, trained with the SAM distillation
# (README "Converting any MMagic restoration config"). Masks: SAM label maps
# of the sharp images, next to them in data/gopro/train/sharp_sam_masks:
#     python tools/misc/generate_sam_masks.py --dataset-config THIS_CONFIG \
#         --generator sam --options checkpoint=checkpoints/sam_vit_h.pth
_base_ = [
    'mmagic::nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro_samdistill'
work_dir = f'./work_dirs/{experiment_name}'

custom_imports = dict(imports=['mmsamdistill'])
# the framework's defaults, spelled out (model = dict(type=
# 'CascadeDistillRestorer') alone gives the same)
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)
train_dataloader = dict(dataset=dict(pipeline=[dict(
    type='WithSAMMasks', pipeline=_base_.train_dataloader.dataset.pipeline)]))

auto_scale_lr = dict(base_batch_size=64)  # 8 GPUs x 8 samples
