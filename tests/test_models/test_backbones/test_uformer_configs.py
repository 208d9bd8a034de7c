"""The Uformer configs of the paper's Tables 3 (GoPro) and 4 (SenseNoise)."""
import os.path as osp

import pytest
import torch
from mmagic.models.base_models import BaseEditModel
from mmagic.registry import MODELS
from mmengine import Config

from mmsamdistill.models import CascadeDistillRestorer
from tests.helpers import REPO

CONFIG_DIR = osp.join(REPO, 'configs', 'uformer')
FUSED = [
    'input_proj', 'encoders.0', 'encoders.1', 'encoders.2', 'encoders.3',
    'bottleneck', 'decoders.0', 'decoders.1', 'decoders.2', 'decoders.3'
]


def load(name):
    return Config.fromfile(osp.join(CONFIG_DIR, name + '.py'))


def num_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('dataset', ['gopro', 'sensenoise'])
def test_stock_and_distilled_configs_build_the_same_student(dataset):
    stock_name = f'uformer-b_1xb8-200e_{dataset}'
    stock_cfg, plus_cfg = load(stock_name), load(stock_name + '_samdistill')
    for cfg, name in [(stock_cfg, stock_name),
                      (plus_cfg, stock_name + '_samdistill')]:
        assert cfg.experiment_name == name
        assert cfg.work_dir == f'./work_dirs/{name}'
        assert cfg.custom_imports.imports == ['mmsamdistill']
        # The paper's schedule: 200 epochs of batch 8, Adam 1e-4.
        assert cfg.train_cfg.max_iters == 200 * cfg.num_train_images // 8
        assert cfg.train_dataloader.batch_size == 8
        assert cfg.optim_wrapper.optimizer.type == 'Adam'
        assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert plus_cfg.train_dataloader.dataset.pipeline == \
        plus_cfg.sam_train_pipeline
    assert stock_cfg.train_dataloader.dataset.pipeline == \
        stock_cfg.train_pipeline

    # Full-size models are built on the meta device: every constructor runs,
    # and SPF's probe runs IR2's forward on shapes only, in seconds.
    with torch.device('meta'):
        stock = MODELS.build(stock_cfg.model)
    assert type(stock) is BaseEditModel
    assert type(stock.pixel_loss).__name__ == 'CharbonnierLoss'
    assert stock.pixel_loss.eps == 1e-6  # Uformer's (1e-3)^2
    # Uformer-B, the paper's 50.88M parameters.
    assert num_params(stock.generator) == 50_880_946

    plus_cfg.model.sgr_loss.network.pretrained = None  # no download in tests
    with torch.device('meta'):
        plus = MODELS.build(plus_cfg.model)
    assert isinstance(plus, CascadeDistillRestorer)
    assert num_params(plus.generator) == num_params(stock.generator)
    # The student's weights load into the stock model as they are.
    assert plus.generator.state_dict().keys() == \
        stock.generator.state_dict().keys()
    assert type(plus.pixel_loss) is type(stock.pixel_loss)
    assert plus.teacher.spf.fusion_points == FUSED
