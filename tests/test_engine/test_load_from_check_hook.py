"""LoadFromCheckHook: a load_from that does not fit the student stops."""
import glob
import os.path as osp

import pytest
import torch

from mmsamdistill.engine import CheckpointMismatchError, LoadFromCheckHook
from tests.test_engine.run_fixtures import config_in, log_text, runner_of

WIDE = 'model = dict(generator=dict(mid_channels=16))\n'


@pytest.fixture(scope='module')
def configs(tmp_path_factory, demo_data):
    folder = tmp_path_factory.mktemp('load_from')
    config = config_in(folder / 'narrow', demo_data, max_iters=1)
    wide = config_in(folder / 'wide', demo_data, max_iters=1, extra=WIDE)
    checkpoint = str(folder / 'wide.pth')
    model = runner_of(wide, folder / 'wide_work').model
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return dict(config=config, wide=checkpoint)


def train_from(config, checkpoint, work_dir, **changes):
    runner = runner_of(config, work_dir, load_from=checkpoint, **changes)
    runner.register_hook(LoadFromCheckHook())
    runner.train()


def test_a_checkpoint_of_another_width_stops_the_run(configs, tmp_path):
    with pytest.raises(CheckpointMismatchError) as error:
        train_from(configs['config'], configs['wide'], tmp_path)
    message = str(error.value)
    assert configs['wide'] in message
    assert 'tensors of the model match' in message
    assert 'of another shape: generator.' in message
    assert 'allow_partial_load = True' in message
    assert not glob.glob(osp.join(str(tmp_path), '*.pth'))  # nothing trained


def test_a_checkpoint_without_generator_weights_matches_none(
        configs, tmp_path):
    checkpoint = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=dict(
        backbone=torch.zeros(3), head=torch.zeros(2))), checkpoint)
    with pytest.raises(CheckpointMismatchError,
                       match=r'0 of \d+ generator\. tensors'):
        train_from(configs['config'], checkpoint, tmp_path / 'work')


def test_an_intended_partial_load_trains_and_says_so(configs, tmp_path):
    train_from(configs['config'], configs['wide'], tmp_path,
               allow_partial_load=True)
    assert osp.isfile(tmp_path / 'iter_1.pth')
    assert 'PARTIAL LOAD (allow_partial_load=True)' in log_text(tmp_path)


def test_a_matching_checkpoint_loads_silently(configs, tmp_path):
    own = str(tmp_path / 'own.pth')
    model = runner_of(configs['config'], tmp_path / 'a').model
    torch.save(dict(state_dict=model.state_dict()), own)
    train_from(configs['config'], own, tmp_path / 'b')
    assert 'PARTIAL LOAD' not in log_text(tmp_path / 'b')
