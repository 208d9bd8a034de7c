"""A NaN loss or weight stops training before it is checkpointed."""
import glob
import os.path as osp
import sys
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmsamdistill.engine import NonFiniteCheckHook, NonFiniteLossError
from tests.helpers import REPO, tiny_nafnet_config


def fake_runner(model=None, iteration=0, optim_wrapper=None):
    return SimpleNamespace(
        model=model or nn.Linear(2, 2), iter=iteration,
        optim_wrapper=optim_wrapper or SimpleNamespace(),
        logger=SimpleNamespace(warning=lambda message: None))


@pytest.mark.parametrize('term', ['loss_recon1', 'loss_recon2', 'loss_spd',
                                  'loss_sgr', 'loss'])
def test_non_finite_loss_terms_are_named_with_the_iteration(term):
    hook = NonFiniteCheckHook()
    outputs = dict(loss=torch.tensor(1.0), loss_recon1=torch.tensor(0.5),
                   loss_recon2=torch.tensor(0.4), loss_spd=torch.tensor(0.1),
                   loss_sgr=torch.tensor(0.2))
    hook.after_train_iter(fake_runner(), 0, outputs=outputs)  # all finite
    outputs[term] = torch.tensor(float('nan'))
    with pytest.raises(NonFiniteLossError,
                       match=rf'iteration 7: {term}=nan'):
        hook.after_train_iter(fake_runner(iteration=6), 0, outputs=outputs)


def test_non_finite_weights_are_named():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    hook = NonFiniteCheckHook()
    hook.after_train_iter(fake_runner(model), 0, outputs=dict(loss=1.0))
    with torch.no_grad():
        model[1].bias[0] = float('inf')
    with pytest.raises(NonFiniteLossError,
                       match=r'after iteration 3.*1\.bias'):
        hook.after_train_iter(fake_runner(model, 2), 0,
                              outputs=dict(loss=1.0))


def test_amp_skipped_steps_are_tolerated_up_to_a_limit():
    from mmengine.optim import AmpOptimWrapper
    wrapper = AmpOptimWrapper.__new__(AmpOptimWrapper)
    runner = fake_runner(optim_wrapper=wrapper)
    hook = NonFiniteCheckHook(max_amp_skips=3)
    nan = dict(loss=torch.tensor(float('inf')))
    hook.after_train_iter(runner, 0, outputs=nan)  # the scaler skipped it
    hook.after_train_iter(runner, 0, outputs=nan)
    with pytest.raises(NonFiniteLossError, match='loss=inf'):
        hook.after_train_iter(runner, 0, outputs=nan)


def test_the_hook_runs_before_logger_ema_and_checkpoint_hooks():
    from mmengine.hooks import CheckpointHook, EMAHook, LoggerHook
    from mmengine.runner.priority import get_priority
    ours = get_priority(NonFiniteCheckHook.priority)
    for hook in (CheckpointHook, EMAHook, LoggerHook):
        assert ours < get_priority(hook.priority)


def test_huge_learning_rate_stops_training_without_a_nan_checkpoint(
        demo_data, tmp_path):
    import subprocess
    config = tiny_nafnet_config(tmp_path, demo_data, max_iters=8)
    work_dir = tmp_path / 'work'
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
         '--work-dir', str(work_dir), '--cfg-options',
         'optim_wrapper.optimizer.lr=1e12',
         'default_hooks.checkpoint.interval=1'],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0, result.stdout[-3000:]
    assert 'NonFiniteLossError' in result.stderr
    assert 'Non-finite' in result.stderr and 'iteration' in result.stderr
    assert ('loss=' in result.stderr or 'weights after' in result.stderr)
    checkpoints = glob.glob(str(work_dir / '*.pth'))
    for path in checkpoints:
        state = torch.load(path, weights_only=True)['state_dict']
        bad = [k for k, v in state.items()
               if v.is_floating_point() and not torch.isfinite(v).all()]
        assert not bad, f'{path} holds non-finite {bad[:3]}'
    last = work_dir / 'last_checkpoint'
    if last.exists():
        assert osp.isfile(last.read_text().strip())
        assert last.read_text().strip() in checkpoints
