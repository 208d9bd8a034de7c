"""The Table 1 / 2 configs of RCDNet and EfficientDerain load and build.

Every config is loaded; per algorithm the six stock (and the six ``+``)
configs must hold the same ``model``, so one build of each stands for all
six (full-size builds are the slow part on CPU).
"""
import os.path as osp

import pytest
from mmagic.registry import MODELS, TRANSFORMS
from mmengine import Config

from mmsamdistill.models import CascadeDistillRestorer
from tests.helpers import REPO

DATASETS = [
    'rain200l', 'rain200h', 'did', 'ddn', 'cityscapes-syn-100mm',
    'cityscapes-syn-200mm'
]
ALGOS = dict(
    rcdnet=dict(generator='RCDNet', loss='RCDNetLoss', params=2_975_186),
    efficientderain=dict(
        generator='EfficientDerain', loss='CompositeLoss',
        params=27_395_406))


def load(algo, dataset, plus):
    name = f'{algo}_1xb8-200e_{dataset}' + ('_samdistill' if plus else '')
    cfg = Config.fromfile(osp.join(REPO, 'configs', algo, name + '.py'))
    assert cfg.experiment_name == name
    assert cfg.work_dir == f'./work_dirs/{name}'
    assert cfg.custom_imports['imports'] == ['mmsamdistill']
    assert cfg.train_cfg.max_iters == 200 * cfg.num_train_images // 8
    return cfg


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('algo', sorted(ALGOS))
def test_configs_load_and_the_plus_student_is_the_stock_model(algo):
    expected = ALGOS[algo]
    stock = [load(algo, ds, plus=False) for ds in DATASETS]
    plus = [load(algo, ds, plus=True) for ds in DATASETS]
    assert all(cfg.model == stock[0].model for cfg in stock)
    assert all(cfg.model == plus[0].model for cfg in plus)
    for cfg in plus:
        wrapper, = cfg.train_dataloader.dataset.pipeline
        pipeline = [t['type'] for t in TRANSFORMS.build(wrapper).pipeline]
        assert 'LoadSAMMask' in pipeline
        assert 'PairedRandomCropWithMasks' in pipeline

    stock_model = MODELS.build(stock[0].model)
    assert type(stock_model).__name__ == 'BaseEditModel'
    assert type(stock_model.generator).__name__ == expected['generator']
    assert type(stock_model.pixel_loss).__name__ == expected['loss']
    assert count(stock_model.generator) == expected['params']

    model_cfg = plus[0].model
    model_cfg.sgr_loss.network.pretrained = None  # no download in tests
    model_cfg.spf.probe_size = 16  # the smallest size both nets take
    model = MODELS.build(model_cfg)
    assert isinstance(model, CascadeDistillRestorer)
    assert type(model.generator) is type(stock_model.generator)
    assert count(model.generator) == count(stock_model.generator)
    assert type(model.pixel_loss).__name__ == expected['loss']
    assert len(model.teacher.spf.units) == len(model.teacher.spf.fusion_points) > 0
