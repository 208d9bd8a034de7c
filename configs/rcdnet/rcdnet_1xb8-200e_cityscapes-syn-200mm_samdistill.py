# RCDNet+ of Table 2 on Cityscapes-syn 200 mm (33.04 dB / 0.9787): the stock
# config trained with the SAM-distillation framework; the student is the
# stock model. IR2, a copy with SPF units on its background proximal nets, is
# supervised by the same stage-wise loss.
_base_ = [
    './rcdnet_1xb8-200e_cityscapes-syn-200mm.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'rcdnet_1xb8-200e_cityscapes-syn-200mm_samdistill'
work_dir = f'./work_dirs/{experiment_name}'

# the paper's literal lambda_1 / lambda_2, as its tables were trained
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill_paper)
train_dataloader = dict(dataset=dict(pipeline=_base_.sam_train_pipeline))
