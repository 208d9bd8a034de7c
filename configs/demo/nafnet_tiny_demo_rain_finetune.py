# Stage B of the demo, stock arm: the stage-A model (nafnet_tiny_demo_rain.py)
# trained further with its own pixel loss, the baseline the distilled model
# must beat at an equal budget. Start it from the stage-A checkpoint:
#     python tools/train.py configs/demo/nafnet_tiny_demo_rain_finetune.py \
#         --cfg-options load_from=work_dirs/<stage A>/iter_3000.pth
# (load_from loads the weights only: a fresh optimizer and schedule).
_base_ = './nafnet_tiny_demo_rain.py'
experiment_name = 'nafnet_tiny_demo_rain_finetune'
work_dir = f'./work_dirs/{experiment_name}'
finetune_iters = 1000
load_from = None  # the stage-A checkpoint

train_cfg = dict(max_iters=finetune_iters, val_interval=finetune_iters // 4)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = dict(T_max=finetune_iters)
default_hooks = dict(checkpoint=dict(interval=finetune_iters))
