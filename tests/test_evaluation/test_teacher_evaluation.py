"""IR2 scored next to IR1 through a config's own test pipeline and metrics."""
import copy

import pytest
import torch
from mmagic.registry import METRICS, MODELS
from mmengine.config import Config

from mmsamdistill.evaluation import add_teacher_evaluation
from tests.helpers import TINY_GENERATORS, activate_teacher
from tests.test_models.test_backbones.derain_checks import (PREPROCESSOR,
                                                            make_data)


def cascade_config():
    return Config(
        dict(
            model=dict(
                type='CascadeDistillRestorer',
                generator=copy.deepcopy(TINY_GENERATORS['NAFNet']),
                pixel_loss=dict(type='L1Loss'),
                sgr_loss=None,
                num_masks=4,
                data_preprocessor=PREPROCESSOR),
            test_dataloader=dict(dataset=dict(pipeline=[
                dict(type='LoadImageFromFile', key='img'),
                dict(type='LoadImageFromFile', key='gt'),
                dict(type='PackInputs')
            ])),
            test_evaluator=[
                dict(type='PSNR', crop_border=2),
                dict(type='SSIM'),
                dict(type='PairedFID', prefix='x'),
            ]))


def test_the_test_pipeline_loads_masks_and_metrics_score_the_teacher():
    cfg = add_teacher_evaluation(cascade_config(), mask_root='/masks')
    pipeline = cfg.test_dataloader.dataset.pipeline
    types = [t['type'] for t in pipeline]
    assert types.index('LoadSAMMask') == types.index('LoadImageFromFile') + 1
    assert pipeline[1]['image_key'] == 'img'
    assert pipeline[1]['mask_root'] == '/masks'
    assert pipeline[-1]['data_keys'] == ['sam_mask']
    teacher = [m for m in cfg.test_evaluator if m.get('prefix') == 'teacher']
    assert teacher == [
        dict(type='PSNR', crop_border=2, pred_key='teacher_pred_img',
             prefix='teacher'),
        dict(type='SSIM', pred_key='teacher_pred_img', prefix='teacher')
    ]


def test_teacher_metrics_read_ir2_and_the_stock_names_stay_ir1():
    cfg = cascade_config()
    model = MODELS.build(cfg.model).eval()
    activate_teacher(model)
    outputs = model.val_step(make_data(24))
    scores = {}
    for metric_cfg in (dict(type='PSNR'),
                       dict(type='PSNR', pred_key='teacher_pred_img',
                            prefix='teacher')):
        metric = METRICS.build(metric_cfg)
        metric.size = len(outputs)
        metric.process([], [o.to_dict() for o in outputs])
        scores.update(metric.evaluate())
    assert set(scores) == {'PSNR', 'teacher/PSNR'}
    assert scores['PSNR'] != pytest.approx(scores['teacher/PSNR'])
    with torch.no_grad():
        student = model(**model.data_preprocessor(make_data(24)),
                        mode='tensor')
    assert torch.isfinite(student).all()


def test_only_a_cascade_config_has_a_teacher():
    cfg = cascade_config()
    cfg.model.type = 'BaseEditModel'
    with pytest.raises(ValueError, match='CascadeDistillRestorer'):
        add_teacher_evaluation(cfg)
