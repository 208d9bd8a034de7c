# Uformer+ of Table 4: Uformer-B (see the stock config) trained with the
# SAM-distillation framework; the student is the stock Uformer-B.
_base_ = [
    './uformer-b_1xb8-200e_sensenoise.py',
    '../_base_/sam_distill.py'
]
experiment_name = 'uformer-b_1xb8-200e_sensenoise_samdistill'
work_dir = f'./work_dirs/{experiment_name}'

# the paper's literal lambda_1 / lambda_2, as its tables were trained
model = dict(type='CascadeDistillRestorer', **_base_.sam_distill_paper)
train_dataloader = dict(dataset=dict(pipeline=_base_.sam_train_pipeline))
