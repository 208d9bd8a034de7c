"""tools/train.py under faults: wrong or crafted checkpoints, SIGTERM, two
runs on one work_dir."""
import glob
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.helpers import REPO, run_tool, tiny_nafnet_config
from tests.test_engine.test_checkpoint_loading import crafted_checkpoint

TRAIN = osp.join(REPO, 'tools', 'train.py')


def train(*args, timeout=600):
    return subprocess.run([sys.executable, TRAIN, *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope='module')
def config(tmp_path_factory, demo_data):
    return tiny_nafnet_config(tmp_path_factory.mktemp('train_faults'),
                              demo_data, max_iters=2)


@pytest.mark.parametrize('how', ['load_from', 'resume'])
def test_a_crafted_checkpoint_is_refused_with_the_fix(config, tmp_path, how):
    marker = str(tmp_path / 'payload_ran')
    evil = crafted_checkpoint(tmp_path / 'evil.pth', marker)
    args = (['--cfg-options', f'load_from={evil}'] if how == 'load_from'
            else ['--resume', evil])
    result = train(config, '--work-dir', tmp_path / 'work', *args)
    assert result.returncode == 1
    assert f'error: Refused to load {evil}' in result.stderr
    assert 'weights_only=False' in result.stderr  # the fix for a trusted file
    assert 'Traceback' not in result.stderr
    assert not osp.exists(marker)


def test_a_truncated_checkpoint_names_the_file(config, tmp_path):
    whole = tmp_path / 'whole.pth'
    torch.save(dict(state_dict={'generator.x': torch.zeros(1000)}), whole)
    broken = tmp_path / 'iter_4.pth'
    broken.write_bytes(whole.read_bytes()[:2000])
    result = train(config, '--work-dir', tmp_path / 'work', '--resume',
                   broken)
    assert result.returncode == 1
    assert f'Refused to load {broken}: it is not a readable checkpoint' in \
        result.stderr
    assert 'Traceback' not in result.stderr


def test_a_load_from_of_another_width_stops(config, tmp_path):
    wide = tiny_nafnet_config(tmp_path, str(tmp_path), extra=(
        'model = dict(generator=dict(mid_channels=16))\n'))
    from mmengine.config import Config

    from mmsamdistill.utils import build_runner
    cfg = Config.fromfile(wide)
    cfg.work_dir = str(tmp_path / 'wide')
    checkpoint = str(tmp_path / 'wide.pth')
    torch.save(dict(state_dict=build_runner(cfg).model.state_dict()),
               checkpoint)
    result = train(config, '--work-dir', tmp_path / 'work', '--cfg-options',
                   f'load_from={checkpoint}')
    assert result.returncode == 1
    assert f'error: load_from {checkpoint}:' in result.stderr
    assert 'allow_partial_load' in result.stderr
    assert 'Traceback' not in result.stderr
    assert not glob.glob(str(tmp_path / 'work' / '*.pth'))


def test_sigterm_stops_cleanly_and_a_second_run_is_refused(
        demo_data, tmp_path):
    config = tiny_nafnet_config(tmp_path, demo_data, max_iters=10000)
    work = tmp_path / 'work'
    first = subprocess.Popen(
        [sys.executable, TRAIN, config, '--work-dir', str(work)], cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        while not (work / 'iter_2.pth').exists() and time.time() < deadline:
            time.sleep(0.2)
        assert (work / 'iter_2.pth').exists(), 'the first run did not train'
        second = train(config, '--work-dir', work)
        assert second.returncode == 1
        assert f'error: {work} is in use by another training (process ' \
            f'{first.pid}' in second.stderr
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 128 + signal.SIGTERM
    assert 'Training stopped by SIGTERM at iteration' in stderr
    assert 'Traceback' not in stderr
    last = open(work / 'last_checkpoint').read().strip()
    assert f'the last complete one is {last}' in stderr
    assert f'{config} --work-dir {work} --resume' in stderr
    assert not glob.glob(str(work / '.*'))  # no temp file, no lock
    for checkpoint in glob.glob(str(work / 'iter_*.pth')):
        torch.load(checkpoint, weights_only=False)  # all complete
    done = torch.load(last, weights_only=False)['meta']['iter']
    resumed = run_tool([sys.executable, TRAIN, config, '--work-dir',
                        str(work), '--resume', '--cfg-options',
                        f'train_cfg.max_iters={done + 2}'])
    assert 'resumed' in resumed.stdout.lower()
    assert osp.isfile(work / f'iter_{done + 2}.pth')
    os.remove(config)
