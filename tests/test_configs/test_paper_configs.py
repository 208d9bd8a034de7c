"""The paper's per-dataset configs are their model, dataset, schedule and
runtime bases plus a name (and the distilled ones the stock config plus the
SAM distillation): each resolves to what its bases say and builds its
datasets."""
import os.path as osp

import pytest
from mmagic.registry import DATASETS
from mmengine import Config

from mmsamdistill.datasets.transforms import WithSAMMasks
from tests.helpers import REPO

DERAINING = ['rain200l', 'rain200h', 'did', 'ddn', 'cityscapes-syn-100mm',
             'cityscapes-syn-200mm']
# config folder, model base, datasets of the paper's tables
PAPER = [('rcdnet', 'rcdnet', DERAINING),
         ('efficientderain', 'efficientderain', DERAINING),
         ('uformer', 'uformer-b', ['gopro', 'sensenoise'])]
CONFIGS = [(folder, base, dataset) for folder, base, datasets in PAPER
           for dataset in datasets]
SCHEDULE = 'schedules/adam-lr1e-4_bs8_200e.py'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def base(path):
    return Config.fromfile(osp.join(REPO, 'configs', '_base_', path))


@pytest.mark.parametrize('folder, model, dataset', CONFIGS)
def test_stock_config_is_its_bases_and_a_name(folder, model, dataset):
    name = f'{model}_1xb8-200e_{dataset}'
    cfg = Config.fromfile(osp.join(REPO, 'configs', folder, name + '.py'))
    data = base(f"datasets/{dataset.replace('-', '_')}.py")
    assert cfg.experiment_name == name
    assert cfg.work_dir == f'./work_dirs/{name}'
    assert cfg.model == base(f'models/{model}.py').model
    assert cfg.custom_imports.imports == ['mmsamdistill']
    for key in LOADERS + ('val_evaluator', 'test_evaluator'):
        assert cfg[key] == data[key], key
    assert cfg.optim_wrapper == base(SCHEDULE).optim_wrapper
    assert cfg.train_cfg.max_iters == 200 * data.num_train_images // 8
    assert 'default_hooks' in cfg  # MMagic's runtime
    for key in LOADERS:  # the datasets build (their files are not read)
        dataset_cfg = dict(cfg[key].dataset, lazy_init=True)
        assert DATASETS.build(dataset_cfg).data_root == \
            cfg[key].dataset.data_root


@pytest.mark.parametrize('folder, model, dataset', CONFIGS)
def test_distilled_config_is_the_stock_one_with_masks(folder, model, dataset):
    name = f'{model}_1xb8-200e_{dataset}'
    stock = Config.fromfile(osp.join(REPO, 'configs', folder, name + '.py'))
    plus = Config.fromfile(
        osp.join(REPO, 'configs', folder, name + '_samdistill.py'))
    assert plus.experiment_name == name + '_samdistill'
    assert plus.model.type == 'CascadeDistillRestorer'
    assert plus.model.spd_loss.loss_weight == 0.005  # the paper's lambda_1
    for key in ('train_cfg', 'optim_wrapper', 'val_dataloader',
                'test_evaluator'):
        assert plus[key] == stock[key], key
    dataset_cfg = dict(plus.train_dataloader.dataset, lazy_init=True)
    wrapper, = DATASETS.build(dataset_cfg).pipeline.transforms
    assert isinstance(wrapper, WithSAMMasks)
    assert [t['type'] for t in wrapper.pipeline][1:3] == [
        'LoadImageFromFile', 'LoadSAMMask']
