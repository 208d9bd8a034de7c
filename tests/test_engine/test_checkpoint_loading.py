"""Weights-only loading everywhere, mmengine's own checkpoints included."""
import os
import os.path as osp
import pickle
import runpy
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

import mmsamdistill  # noqa: F401  registers the allow-list
from mmsamdistill.engine import checkpoint_path, load_checkpoint_file
from mmsamdistill.engine.checkpoint_loading import hub_cache_path
from mmsamdistill.utils import build_runner
from tests.helpers import REPO, tiny_nafnet_config

# What mmengine 0.10.7 / MMagic 1.2.0 store beyond torch's default
# weights-only set (numpy 1.x names), found by saving real checkpoints.
MMENGINE_GLOBALS = {
    'builtins.getattr',  # HistoryBuffer's statistics methods, protocol 2
    'mmengine.logging.history_buffer.HistoryBuffer',
    'numpy.core.multiarray._reconstruct', 'numpy.core.multiarray.scalar',
    'numpy.dtype', 'numpy.ndarray'
}


class Payload:
    """Unpickling this calls os.mkdir: code run by merely loading a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker, )


def crafted_checkpoint(path, marker, mmengine_like=True):
    """A file that looks like a checkpoint and runs os.mkdir(marker)."""
    state = nn.Linear(2, 2).state_dict()
    if mmengine_like:
        content = dict(state_dict=state, meta=dict(iter=2, x=Payload(marker)),
                       message_hub=dict(log=HistoryBuffer([1.0], [1])))
    else:
        content = dict(state, x=Payload(marker))
    torch.save(content, str(path))
    return str(path)


def stock_config(folder, data_root, max_iters=2, extra=''):
    path = tiny_nafnet_config(folder, data_root, max_iters=max_iters)
    with open(path, 'a', encoding='utf-8') as f:
        f.write(extra)
    return path


@pytest.fixture(scope='module')
def run(tmp_path_factory, demo_data):
    """A real 2-iteration run: best checkpoint, two schedulers, AMP off."""
    folder = tmp_path_factory.mktemp('mmengine_run')
    config = stock_config(folder, demo_data, extra="""
default_hooks = dict(checkpoint=dict(
    interval=2, out_dir=None, save_best='PSNR', rule='greater'))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[1], by_epoch=False),
    dict(type='CosineAnnealingLR', T_max=2, by_epoch=False)]
""")
    cfg = Config.fromfile(config)
    cfg.work_dir = str(folder / 'work')
    Runner.from_cfg(cfg).train()
    return dict(config=config, work_dir=folder / 'work')


def unsafe_globals_without_the_package(path):
    """torch's view of a checkpoint in a fresh interpreter."""
    script = ('import sys, torch\n'
              f'print(sorted(torch.serialization.'
              f'get_unsafe_globals_in_checkpoint({path!r})))\n'
              "assert 'mmsamdistill' not in sys.modules\n")
    out = subprocess.run([sys.executable, '-c', script], capture_output=True,
                         text=True, check=True, cwd=REPO).stdout
    return set(eval(out.strip().splitlines()[-1]))


def test_mmengine_checkpoints_need_exactly_the_allow_list(run):
    for name in ('iter_2.pth', 'best_PSNR_iter_2.pth'):
        path = str(run['work_dir'] / name)
        assert unsafe_globals_without_the_package(path) <= MMENGINE_GLOBALS
        # with the package imported nothing is unsafe any more ...
        assert torch.serialization.get_unsafe_globals_in_checkpoint(
            path) == []
        # ... and torch's plain weights-only load reads everything
        loaded = torch.load(path, weights_only=True)
        buffer = loaded['message_hub']['log_scalars']['train/loss']
        assert isinstance(buffer, HistoryBuffer)
        assert np.isfinite(buffer.mean())
        assert load_checkpoint_file(path)['meta']['iter'] == 2
    best = load_checkpoint_file(str(run['work_dir'] / 'best_PSNR_iter_2.pth'))
    assert isinstance(best['message_hub']['runtime_info']['best_score'],
                      np.floating)
    assert unsafe_globals_without_the_package(
        str(run['work_dir'] / 'iter_2.pth')) == MMENGINE_GLOBALS


def test_resume_and_load_from_with_our_runner(run, tmp_path):
    checkpoint = str(run['work_dir'] / 'iter_2.pth')
    saved = torch.load(checkpoint, weights_only=True)
    cfg = Config.fromfile(run['config'])
    cfg.work_dir = str(tmp_path)
    cfg.resume, cfg.load_from = True, checkpoint
    runner = build_runner(cfg)
    assert type(runner) is Runner  # stock mmengine, no trust exception
    runner.load_or_resume()
    assert runner.iter == 2
    state = runner.optim_wrapper.optimizer.state_dict()['state']
    for key, value in saved['optimizer']['state'].items():
        assert torch.equal(state[key]['exp_avg'], value['exp_avg'])


def test_getattr_is_only_the_history_buffer_lookup(tmp_path):

    class Gadget:

        def __reduce__(self):
            return getattr, (np.ndarray, 'tofile')

    path = str(tmp_path / 'gadget.pth')
    torch.save(dict(x=Gadget()), path)
    with pytest.raises(pickle.UnpicklingError, match='refuses getattr'):
        torch.load(path, weights_only=True)
    with pytest.raises(pickle.UnpicklingError, match='Refused to load'):
        load_checkpoint_file(path)


def test_crafted_pickle_is_refused_on_every_loading_path(tmp_path, run):
    from mmsamdistill.apis.run_checkpoint import load_run_checkpoint
    from mmsamdistill.apis.student_inference import StudentRestorer
    from mmsamdistill.evaluation.metrics.weights_loading import \
        load_pretrained
    marker = str(tmp_path / 'payload_ran')
    evil = crafted_checkpoint(tmp_path / 'evil.pth', marker)
    plain = crafted_checkpoint(tmp_path / 'evil_weights.pth', marker, False)
    model = nn.Linear(2, 2)
    for path in (evil, plain):
        with pytest.raises(pickle.UnpicklingError) as error:
            load_checkpoint_file(path)
        message = str(error.value)
        assert 'Refused to load' in message and 'mkdir' in message
        assert 'export_student' not in message  # no tool that refuses too
        assert 'weights_only=False' in message  # the way that does work
        for load in (lambda: CheckpointLoader.load_checkpoint(path),
                     lambda: load_checkpoint(model, path),
                     lambda: load_run_checkpoint(model, path),
                     lambda: load_pretrained(model, path),
                     lambda: StudentRestorer(run['config'], path)):
            with pytest.raises(pickle.UnpicklingError):
                load()
    # mmengine's resume and load_from of the stock Runner
    for resume in (True, False):
        cfg = Config.fromfile(run['config'])
        cfg.work_dir = str(tmp_path / f'work_{resume}')
        cfg.resume, cfg.load_from = resume, evil
        with pytest.raises(pickle.UnpicklingError):
            build_runner(cfg).load_or_resume()
    # export_student
    tool = runpy.run_path(osp.join(REPO, 'tools', 'export_student.py'))
    with pytest.raises(pickle.UnpicklingError):
        tool['export_student'](evil, str(tmp_path / 'out.pth'))
    assert not osp.exists(marker)
    assert not osp.exists(tmp_path / 'out.pth')


def test_vgg_from_the_torch_hub_cache_loads_weights_only(
        tmp_path, monkeypatch):
    from mmsamdistill.models.losses.vgg_feature_extractor import \
        VGGFeatureExtractor
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    # where mmengine's torchvision:// name is downloaded to
    from mmengine.runner.checkpoint import get_torchvision_models
    cached = hub_cache_path(get_torchvision_models()['vgg16'])
    assert cached.startswith(str(tmp_path / 'torch_home'))
    os.makedirs(osp.dirname(cached))
    marker = str(tmp_path / 'payload_ran')
    crafted_checkpoint(cached, marker, mmengine_like=False)
    with pytest.raises(pickle.UnpicklingError, match='Refused'):
        VGGFeatureExtractor(layer='relu1_2', pretrained='torchvision://vgg16')
    assert not osp.exists(marker)
    # a genuine torchvision state dict in the cache loads, no download
    import torchvision
    vgg = torchvision.models.vgg16(weights=None)
    torch.save(vgg.state_dict(), cached)
    extractor = VGGFeatureExtractor(
        layer='relu1_2', pretrained='torchvision://vgg16')
    assert torch.equal(extractor.features[0].weight, vgg.features[0].weight)


def test_sam_checkpoint_file_and_url_load_weights_only(
        tiny_sam_checkpoint, tmp_path, monkeypatch):
    from mmsamdistill.models.priors import SAMMaskGenerator
    marker = str(tmp_path / 'payload_ran')
    evil = crafted_checkpoint(tmp_path / 'sam_evil.pth', marker, False)
    with pytest.raises(pickle.UnpicklingError, match='Refused'):
        SAMMaskGenerator(model_type='tiny_test', checkpoint=evil,
                         device='cpu')
    # a URL is downloaded into torch hub's cache, then loaded weights-only
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    served = {'http://example.com/sam_evil.pth': evil,
              'http://example.com/sam_tiny.pth': tiny_sam_checkpoint}
    monkeypatch.setattr(
        torch.hub, 'download_url_to_file',
        lambda url, dst, *a, **k: os.link(served[url], dst))
    with pytest.raises(pickle.UnpicklingError, match='Refused'):
        SAMMaskGenerator(model_type='tiny_test', device='cpu',
                         checkpoint='http://example.com/sam_evil.pth')
    assert not osp.exists(marker)
    generator = SAMMaskGenerator(
        model_type='tiny_test', device='cpu',
        checkpoint='http://example.com/sam_tiny.pth')
    assert checkpoint_path('http://example.com/sam_tiny.pth').startswith(
        str(tmp_path / 'torch_home'))
    assert generator.settings()['checkpoint_sha256']


def test_plain_weights_load_weights_only(tmp_path):
    path = str(tmp_path / 'weights.pth')
    source, target = nn.Linear(2, 2), nn.Linear(2, 2)
    torch.save(dict(state_dict=source.state_dict()), path)
    load_checkpoint(target, path)
    assert torch.equal(source.weight, target.weight)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        load_checkpoint_file(str(tmp_path / 'nowhere.pth'))
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nowhere.pth'))


def test_mmengine_local_scheme_is_untouched():
    from mmengine.runner.checkpoint import load_from_local
    assert CheckpointLoader._get_checkpoint_loader('x.pth') is load_from_local


def test_stock_project_with_custom_imports_trains_resumes_and_loads(
        demo_data, tmp_path):
    """Only custom_imports added: plain Runner.from_cfg keeps working."""
    config = stock_config(tmp_path, demo_data, max_iters=2, extra="""
custom_imports = dict(imports=['mmsamdistill'])
""")
    script = f"""
import os, sys
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
assert 'mmsamdistill' not in sys.modules
work = {str(tmp_path / 'work')!r}

def config(**changes):
    cfg = Config.fromfile({config!r})
    cfg.work_dir = work
    cfg.merge_from_dict(changes)
    return cfg

Runner.from_cfg(config()).train()
assert 'mmsamdistill' in sys.modules
runner = Runner.from_cfg(config(resume=True, **{{'train_cfg.max_iters': 4}}))
runner.train()
assert runner.iter == 4, runner.iter
cfg = config(load_from=os.path.join(work, 'iter_4.pth'))
cfg.work_dir = work + '_load_from'
cfg.runner_type = 'Runner'
RUNNERS.build(cfg).train()
print('stock runner ok')
"""
    result = subprocess.run([sys.executable, '-c', script], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert 'stock runner ok' in result.stdout
    assert 'Load checkpoint from' in result.stdout + result.stderr
    assert 'resumed' in (result.stdout + result.stderr).lower()


def test_torch_force_no_weights_only_load_keeps_its_meaning(tmp_path):
    """torch's escape hatch still reaches stock mmengine; ours never opens."""
    import fractions
    path = str(tmp_path / 'iter_1.pth')
    torch.save(dict(state_dict={}, meta=dict(ratio=fractions.Fraction(1, 3))),
               path)
    script = f"""
import pickle
import mmsamdistill
from mmengine.runner.checkpoint import _load_checkpoint
from mmsamdistill.engine import load_checkpoint_file
print('mmengine', _load_checkpoint({path!r})['meta']['ratio'])
try:
    load_checkpoint_file({path!r})
except pickle.UnpicklingError:
    print('ours refused')
"""

    def run(**env):
        return subprocess.run(
            [sys.executable, '-c', script], cwd=REPO, capture_output=True,
            text=True, env=dict(os.environ, **env), timeout=300)

    forced = run(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1')
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert 'mmengine 1/3' in forced.stdout and 'ours refused' in forced.stdout
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected' in forced.stderr
    default = run()
    assert default.returncode != 0
    assert 'Weights only load failed' in default.stderr
