# The paper's deraining sets: ./paired_image.py scored on the Y channel, as in
# MMagic's deraining configs, with 64 x 64 patches (RCDNet, the paper's
# deraining baseline).
_base_ = './paired_image.py'
train_dataloader = dict(dataset=dict(metainfo=dict(task_name='deraining')))
val_dataloader = dict(dataset=dict(metainfo=dict(task_name='deraining')))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PSNR', convert_to='Y'),
    dict(type='SSIM', convert_to='Y'),
]
test_evaluator = val_evaluator + [dict(type='PairedFID')]
