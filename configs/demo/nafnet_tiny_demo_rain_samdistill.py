# Stage B of the demo, distilled arm: the stage-A stock model upgraded with
# SAM-prior distillation: same network, seed, data order, crops and
# iterations as nafnet_tiny_demo_rain_finetune.py (the stock arm), started
# from the same stage-A checkpoint (load_from; IR2 is initialised from the
# loaded student), so the two test results compare like for like.
# Masks: `bash tools/run_demo.sh` (or make_demo_dataset.py --masks PRIOR)
# writes them; without a SAM checkpoint they come from the learned segmenter
# bundled in weights/ (DeepLabV3-MobileNetV2 trained on PASCAL VOC: one mask
# per predicted class), through tools/misc/generate_sam_masks.py:
#   train/masks_segmenter_classes  of the clean training tiles (the training
#                                  inputs are synthesised on the fly, so the
#                                  clean tiles' masks are the cache)
#   test/masks_segmenter_classes_lq_rain  of the degraded test inputs: what
#                                  IR2 sees at test time (the val/test
#                                  pipeline)
#   test/masks_segmenter_classes_gt  of the test ground truths (privileged
#                                  information; the second test loader)
# The demo tools point these folders at the prior they run (--prior).
_base_ = ['./nafnet_tiny_demo_rain_finetune.py', '../_base_/sam_distill.py']
experiment_name = 'nafnet_tiny_demo_rain_samdistill'
work_dir = f'./work_dirs/{experiment_name}'
mask_source_name = 'segmenter_classes'
mask_root = f'{_base_.data_root}/train/masks_{mask_source_name}'
test_lq = f'lq_{_base_.degradation}'

# The framework defaults, with the demo's choices: the teacher first -- IR2
# (a copy of the loaded stage-A student, starting as the identity) trains
# alone for the first half of the fine-tune, then the distillation ramps in
# -- and the transfer on learned knowledge: gated SPD, SGR on the bundled
# ImageNet MobileNetV2's features (VGG16 would cost several times the tiny
# model's step, and its weights cannot be fetched offline), and an EMA
# teacher. Teacher-labelled views (model.view_loss) are left out: they add
# a second student pass per step (README, ablation).
model = dict(
    type='CascadeDistillRestorer',
    **dict(
        _base_.sam_distill,
        sgr_loss=dict(
            type='SGRLoss', loss_weight=1.0, features='network',
            network=dict(type='MobileNetV2FeatureExtractor',
                         layer='features.13')),
        teacher_ema=0.99,
        distill_weights=dict(
            _base_.sam_distill.distill_weights,
            start_iter=_base_.finetune_iters // 2,
            ramp_iters=_base_.finetune_iters // 10)))

# The stock pipeline with the masks of the clean tiles loaded after the
# ground truth and moved by the same flips, transposes and crop (identical
# random draws, identical batches).
train_dataloader = dict(dataset=dict(pipeline=[dict(
    type='WithSAMMasks', pipeline=_base_.train_pipeline, mask_root=mask_root,
    image_root=f'{_base_.data_root}/train/gt')]))


# Val/test: the stock inputs plus masks, so the restorer also returns IR2's
# restoration (teacher_pred_img). The stock metrics keep scoring IR1 (the
# network that ships) under their usual names; IR2 is scored under prefixes.
def _test_pipeline(masks_of):
    image_key, folder = dict(lq=('img', test_lq), gt=('gt', 'gt'))[masks_of]
    name = f'masks_{mask_source_name}_{folder}'
    return [
        dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
        dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
        dict(type='LoadSAMMask', mask_root=f'{_base_.data_root}/test/{name}',
             image_root=f'{_base_.data_root}/test/{folder}',
             image_key=image_key, on_missing='error'),
        dict(type='PackInputs', data_keys=[_base_.sam_mask_key])
    ]


def _test_loader(masks_of):
    return dict(
        num_workers=1, persistent_workers=False, drop_last=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            type='BasicImageDataset', metainfo=_base_.demo_metainfo,
            data_root=f'{_base_.data_root}/test',
            data_prefix=dict(gt='gt', img=test_lq),
            pipeline=_test_pipeline(masks_of)))


def _teacher_metrics(prefix):
    return [
        dict(type='PSNR', pred_key='teacher_pred_img', prefix=prefix),
        dict(type='SSIM', pred_key='teacher_pred_img', prefix=prefix)
    ]


student_metrics = [dict(type='MAE'), dict(type='PSNR'), dict(type='SSIM')]
# IR2 with the masks of its input, as a deployed teacher would have them.
val_dataloader = _test_loader('lq')
val_evaluator = student_metrics + _teacher_metrics('teacher')
# Test: the same, plus IR2 given the ground truths' masks (privileged
# information: what the training masks were made from).
test_dataloader = [_test_loader('lq'), _test_loader('gt')]
test_evaluator = [
    student_metrics + _teacher_metrics('teacher'),
    _teacher_metrics('teacher_gt_masks')
]
test_cfg = dict(type='MultiTestLoop')
