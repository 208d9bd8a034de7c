"""The stock MMagic stack trains, validates, resumes and tests via our tools."""
import json
import os.path as osp
import random
import sys

import pytest
import torch
from mmengine.config import Config

from mmsamdistill.utils import build_runner
from tests.helpers import REPO, run_tool, tiny_nafnet_config, write_config


def train(config, work_dir, *extra):
    return run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), config, '--work-dir',
        str(work_dir), *extra
    ])


@pytest.fixture(scope='module')
def trained(tmp_path_factory, demo_data):
    """A 4-iteration run of the shrunk stock NAFNet config."""
    folder = tmp_path_factory.mktemp('stock_nafnet')
    config = tiny_nafnet_config(folder, demo_data, max_iters=4)
    work_dir = folder / 'work'
    result = train(config, work_dir)
    return dict(config=config, work_dir=work_dir, log=result.stdout)


def test_train_validates_and_saves_checkpoints(trained):
    work_dir = trained['work_dir']
    assert (work_dir / 'iter_2.pth').is_file()
    assert (work_dir / 'iter_4.pth').is_file()
    assert 'Iter(val)' in trained['log']
    for metric in ('PSNR', 'SSIM'):
        assert f'{metric}: ' in trained['log']


def test_resume_restores_iteration_and_optimizer(trained, tmp_path):
    checkpoint = str(trained['work_dir'] / 'iter_2.pth')
    saved = torch.load(checkpoint, map_location='cpu', weights_only=False)
    cfg = Config.fromfile(trained['config'])
    cfg.work_dir = str(tmp_path)
    cfg.resume, cfg.load_from = True, checkpoint
    runner = build_runner(cfg)
    runner.load_or_resume()
    assert runner.iter == 2
    state = runner.optim_wrapper.optimizer.state_dict()['state']
    assert state.keys() == saved['optimizer']['state'].keys()
    for key, value in saved['optimizer']['state'].items():
        assert torch.equal(state[key]['exp_avg'], value['exp_avg'])
        assert torch.equal(state[key]['exp_avg_sq'], value['exp_avg_sq'])


def test_cli_resume_continues_the_run(trained):
    work_dir = trained['work_dir']
    result = train(trained['config'], work_dir, '--resume', '--cfg-options',
                   'train_cfg.max_iters=6')
    assert 'resumed' in result.stdout.lower()
    final = torch.load(work_dir / 'iter_6.pth', weights_only=False)
    assert final['meta']['iter'] == 6


def test_load_from_a_run_checkpoint(trained, tmp_path):
    checkpoint = str(trained['work_dir'] / 'iter_4.pth')
    result = train(trained['config'], tmp_path, '--cfg-options',
                   f'load_from={checkpoint}', 'train_cfg.max_iters=2')
    assert 'Load checkpoint from' in result.stdout
    assert (tmp_path / 'iter_2.pth').is_file()


def test_test_tool_writes_metrics(trained, tmp_path):
    out = tmp_path / 'metrics.json'
    run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'test.py'), trained['config'],
        str(trained['work_dir'] / 'iter_4.pth'), '--work-dir',
        str(tmp_path), '--out',
        str(out)
    ])
    metrics = json.loads(out.read_text())
    assert {'MAE', 'PSNR', 'SSIM'} <= set(metrics)
    assert 5 < metrics['PSNR'] < 60


def test_auto_scale_lr_is_applied(demo_data, tmp_path):
    # batch 2 on 1 process against a base of 8: the lr is scaled by 1/4.
    config = tiny_nafnet_config(
        tmp_path, demo_data, max_iters=2,
        extra='auto_scale_lr = dict(base_batch_size=8)\n')
    train(config, tmp_path / 'work', '--auto-scale-lr')
    saved = torch.load(tmp_path / 'work' / 'iter_2.pth', weights_only=False)
    base_lr = Config.fromfile(config).optim_wrapper.optimizer.lr
    group = saved['optimizer']['param_groups'][0]
    assert group['initial_lr'] == pytest.approx(base_lr / 4)


def test_auto_scale_lr_without_base_batch_size_says_how(demo_data, tmp_path):
    config = tiny_nafnet_config(tmp_path, demo_data, max_iters=2)
    with pytest.raises(AssertionError, match='base_batch_size'):
        train(config, tmp_path / 'work', '--auto-scale-lr')


def test_dist_train_runs_two_cpu_processes(demo_data, tmp_path):
    config = tiny_nafnet_config(tmp_path, demo_data, max_iters=2)
    result = run_tool(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), config, '2',
         '--work-dir', str(tmp_path / 'work')],
        env=dict(PORT=str(random.randint(20000, 40000))))
    assert 'Distributed training: True' in result.stdout
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()


def test_custom_imports_registers_components(tmp_path):
    config = write_config(
        tmp_path, 'uses_custom_imports.py', """
        custom_imports = dict(imports=['mmsamdistill'])
        loss = dict(type='SPDLoss', loss_weight=0.5)
        """)
    # A fresh interpreter: only the config's custom_imports brings us in.
    script = (
        'import sys\n'
        'from mmengine.config import Config\n'
        'from mmagic.registry import MODELS\n'
        "assert 'mmsamdistill' not in sys.modules\n"
        f'cfg = Config.fromfile({config!r})\n'
        'loss = MODELS.build(cfg.loss)\n'
        'print(type(loss).__module__, loss.loss_weight)\n')
    result = run_tool([sys.executable, '-c', script])
    assert 'mmsamdistill.models.losses.spd_loss 0.5' in result.stdout


def test_test_tool_refuses_a_crafted_checkpoint(trained, tmp_path):
    import subprocess

    from tests.test_engine.test_checkpoint_loading import crafted_checkpoint
    marker = str(tmp_path / 'payload_ran')
    evil = crafted_checkpoint(tmp_path / 'evil.pth', marker)
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'),
         trained['config'], evil, '--work-dir', str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'Refused to load' in result.stderr and 'mkdir' in result.stderr
    assert 'export_student' not in result.stderr
    assert not osp.exists(marker)


def test_test_tool_fails_on_a_checkpoint_of_another_width(trained, tmp_path):
    import subprocess
    wide = tiny_nafnet_config(tmp_path, str(tmp_path), max_iters=2)
    with open(wide, 'a') as f:
        f.write("model = dict(generator=dict(mid_channels=16))\n")
    cfg = Config.fromfile(wide)
    cfg.work_dir = str(tmp_path / 'wide')
    runner = build_runner(cfg)
    checkpoint = str(tmp_path / 'wide.pth')
    torch.save(dict(state_dict=runner.model.state_dict()), checkpoint)
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'),
         trained['config'], checkpoint, '--work-dir', str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'of another shape: generator.' in result.stderr
    assert 'Iter(test)' not in result.stdout  # nothing was scored


def test_help_says_checkpoints_load_weights_only(monkeypatch, capsys):
    import runpy
    for tool in ('train.py', 'test.py', 'export_student.py'):
        monkeypatch.setattr(sys, 'argv', [tool, '--help'])
        with pytest.raises(SystemExit):
            runpy.run_path(osp.join(REPO, 'tools', tool),
                           run_name='__main__')
        assert 'weights-only' in ' '.join(capsys.readouterr().out.split())
