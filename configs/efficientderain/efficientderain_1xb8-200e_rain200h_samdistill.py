# Efficientderain+ of Table 1 on Rain200H (25.31 dB / 0.8479): the stock
# config trained with the SAM-distillation framework; the student is the
# stock model. IR2 is a copy with SPF units on its kernel-prediction U-Net.
_base_ = [
    './efficientderain_1xb8-200e_rain200h.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'efficientderain_1xb8-200e_rain200h_samdistill'
work_dir = f'./work_dirs/{experiment_name}'

# the paper's literal lambda_1 / lambda_2, as its tables were trained
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill_paper)
train_dataloader = dict(dataset=dict(pipeline=_base_.sam_train_pipeline))
