# The paper's schedule (Sec. 4.3): Adam (0.9, 0.999), lr 1e-4, batch 8,
# 200 epochs. MMagic trains restoration models by iterations, so each config
# sets the iteration equivalent, 200 * len(train set) / 8:
#     train_cfg = dict(max_iters=...)
# Checkpoints, logging and save_best='PSNR' come from MMagic's
# default_runtime.py (a base may not redefine its default_hooks).
train_cfg = dict(type='IterBasedTrainLoop', max_iters=None, val_interval=5000)
val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')

optim_wrapper = dict(
    constructor='DefaultOptimWrapperConstructor',
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))

randomness = dict(seed=10, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=8)
