"""The demo's plumbing: grids, overlays, loss curves, runners, statistics."""
import json
import os.path as osp
import runpy
import sys

import cv2
import numpy as np
import pytest
from mmsamdistill_demo import (DemoData, budget_options, data_options,
                               label_map_overlay, mask_source,
                               plot_loss_curves, read_scalars,
                               read_validation, run_train_test, t_interval,
                               t_quantile, to_cfg_options)
from mmsamdistill_demo.experiment import SETTINGS_FILE, config_digest

from mmsamdistill.apis import save_restoration_grid
from tests.helpers import REPO


def test_overlay_colours_masks_and_keeps_uncovered_pixels():
    image = np.full((8, 8, 3), 100, np.uint8)
    labels = np.zeros((8, 8), np.uint16)
    labels[:, 4:] = 1
    overlay = label_map_overlay(image, labels, alpha=1.0)
    assert (overlay[:, :3] == 100).all()  # label 0 and away from the edge
    assert not (overlay[:, 5:] == 100).all()
    assert (overlay[:, 4] == 255).all()  # the mask border is drawn
    # a label map at another size is resized to the image
    small = label_map_overlay(np.zeros((16, 16, 3), np.uint8), labels)
    assert small.shape == (16, 16, 3)


def test_grid_layout_and_shape_check(tmp_path):
    panels = [(f'p{i}', np.full((10, 12, 3), 40 * i, np.uint8))
              for i in range(3)]
    path = str(tmp_path / 'grid.png')
    save_restoration_grid(path, panels, scale=2)
    grid = cv2.imread(path)
    # 3 panels of 24 px wide (scale 2) plus 2 separators of 4 px, title bar
    assert grid.shape == (24 + 20, 3 * 24 + 2 * 4, 3)
    assert (grid[24:, 28:52] == 40).all()  # second panel's pixels
    with pytest.raises(ValueError, match='share one shape'):
        save_restoration_grid(path, [('a', np.zeros((4, 4, 3), np.uint8)),
                                     ('b', np.zeros((5, 4, 3), np.uint8))])


def test_loss_curves_read_the_newest_training_log(tmp_path):
    old = tmp_path / '20260101_000000' / 'vis_data'
    new = tmp_path / '20260102_000000' / 'vis_data'
    test_run = tmp_path / '20260103_000000' / 'vis_data'
    for folder in (old, new, test_run):
        folder.mkdir(parents=True)
    (old / 'scalars.json').write_text(json.dumps(dict(loss=9., step=1)))
    (new / 'scalars.json').write_text('\n'.join(
        json.dumps(dict(loss=2. / s, loss_spd=0.1, lr=1e-3, step=s))
        for s in (1, 2, 3)))
    (test_run / 'scalars.json').write_text(json.dumps(dict(PSNR=30., step=0)))
    series = read_scalars(str(tmp_path))
    assert series['loss'] == [(1, 2.), (2, 1.), (3, 2. / 3)]
    assert 'lr' not in series
    out = str(tmp_path / 'curves.png')
    plot_loss_curves(out, [('pixel', [('loss', series['loss'])]),
                           ('terms', [('spd', series['loss_spd'])])],
                     log_scale=[False, True])
    assert cv2.imread(out) is not None
    with pytest.raises(FileNotFoundError, match='no training losses'):
        read_scalars(str(tmp_path / '20260103_000000'))


def test_mask_source_choice(tmp_path):
    name, args = mask_source()
    assert name == 'segmenter_classes'
    assert args[:2] == ['--generator', 'segmenter']
    assert mask_source(prior='felzenszwalb') == ('felzenszwalb',
                                                 ['--generator',
                                                  'felzenszwalb'])
    assert mask_source(prior='slic')[0] == 'slic'
    with pytest.raises(FileNotFoundError, match='does not exist'):
        mask_source(str(tmp_path / 'missing.pth'))
    ckpt = tmp_path / 'sam.pth'
    ckpt.write_bytes(b'')
    name, args = mask_source(str(ckpt), 'vit_t')
    assert name == 'sam_vit_t' and f'checkpoint={ckpt}' in args
    with pytest.raises(ValueError, match='prior must be one of'):
        mask_source(prior='pspnet')


def test_finished_runs_are_reused_only_with_equal_settings(tmp_path):
    settings = dict(config='c.py', cfg_options=['randomness.seed=1'],
                    work_dir=str(tmp_path), checkpoint='x.pth',
                    metrics=dict(PSNR=30.), train_seconds=1.,
                    test_seconds=1.)
    with open(osp.join(tmp_path, SETTINGS_FILE), 'w') as f:
        json.dump(settings, f)
    run = run_train_test('c.py', str(tmp_path), ['randomness.seed=1'],
                         python='/nonexistent/python')
    assert run.metrics == dict(PSNR=30.)
    # other settings rerun (and fail here: the interpreter does not exist)
    with pytest.raises(FileNotFoundError):
        run_train_test('c.py', str(tmp_path), ['randomness.seed=2'],
                       python='/nonexistent/python')


def test_an_edited_config_is_not_reused(tmp_path):
    base = tmp_path / 'base.py'
    base.write_text('lr = 1\n')
    config = tmp_path / 'child.py'
    config.write_text("_base_ = './base.py'\nwidth = 8\n")
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    settings = dict(config=str(config), config_digest=config_digest(
        str(config)), cfg_options=[], test=True, work_dir=str(run_dir),
        checkpoint='x.pth', metrics=dict(PSNR=30.), train_seconds=1.,
        test_seconds=1.)
    (run_dir / SETTINGS_FILE).write_text(json.dumps(settings))
    assert run_train_test(str(config), str(run_dir), [],
                          python='/nonexistent/python').metrics
    base.write_text('lr = 2\n')  # an edit in a base counts too
    with pytest.raises(FileNotFoundError):
        run_train_test(str(config), str(run_dir), [],
                       python='/nonexistent/python')


def test_validation_records_come_from_the_training_log(tmp_path):
    train = tmp_path / '20260101_000000' / 'vis_data'
    test_run = tmp_path / '20260102_000000' / 'vis_data'
    train.mkdir(parents=True)
    test_run.mkdir(parents=True)
    (train / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in [
        dict(lr=1e-3, loss=1., step=1), dict(PSNR=20., step=1),
        dict(lr=1e-3, loss=.5, step=2), {'PSNR': 21., 'teacher/PSNR': 22.,
                                         'step': 2}]))
    (test_run / 'scalars.json').write_text(json.dumps(dict(PSNR=30.)))
    records = read_validation(str(tmp_path))
    assert [r['PSNR'] for r in records] == [20., 21.]
    assert records[-1]['teacher/PSNR'] == 22.
    assert read_validation(str(tmp_path / 'none')) == []


def test_t_interval_matches_the_textbook_formula():
    # t_{0.975, 2} = 4.302653 (tables); mean 2, s = 1, n = 3
    assert t_quantile(0.975, 2) == pytest.approx(4.302653, abs=1e-6)
    interval = t_interval([1., 2., 3.])
    half = 4.302653 * 1. / np.sqrt(3)
    assert interval.mean == pytest.approx(2.)
    assert interval.std == pytest.approx(1.)
    assert (interval.low, interval.high) == (
        pytest.approx(2 - half, abs=1e-5), pytest.approx(2 + half, abs=1e-5))
    assert not interval.excludes_zero()  # 2 ± 2.48
    assert t_interval([0.3, 0.4, 0.5]).excludes_zero()
    assert t_interval([-0.3, -0.4, -0.5]).excludes_zero()
    # 90 %: t_{0.95, 4} = 2.131847
    wide = t_interval([0.1, 0.3, 0.2, 0.4, 0.0], confidence=0.9)
    assert wide.half_width == pytest.approx(
        2.131847 * np.std([0.1, 0.3, 0.2, 0.4, 0.0], ddof=1) / np.sqrt(5),
        abs=1e-6)
    single = t_interval([0.5])
    assert single.low is None and 'no interval' in single.format()
    assert '95 % CI' in interval.format(3, ' dB')
    with pytest.raises(ValueError):
        t_interval([])


def test_cfg_options_from_row_dicts():
    assert to_cfg_options({
        'model.spd_loss': None,
        'model.spd_loss.gate': 'pixel',
        'model.spd_loss.loss_weight': 0.005,
        'model.x': True,
        'model.sizes': [1, 2],
        'model.feature_loss': dict(type='FeatureDistillLoss', weight=1),
    }) == [
        'model.spd_loss=None', 'model.spd_loss.gate=pixel',
        'model.spd_loss.loss_weight=0.005', 'model.x=True',
        'model.sizes=[1,2]', 'model.feature_loss._delete_=True',
        'model.feature_loss.type=FeatureDistillLoss',
        'model.feature_loss.weight=1'
    ]
    with pytest.raises(ValueError, match='cfg-options'):
        to_cfg_options({'a': 'two words'})
    # what mmengine makes of them: a dict replaces even a None part
    from mmengine import Config
    from mmengine.config import DictAction
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(['--cfg-options', *to_cfg_options({
        'model.feature_loss': dict(type='FeatureDistillLoss'),
        'model.spd_loss': None})]).cfg_options
    cfg = Config(dict(model=dict(feature_loss=None, spd_loss=dict(type='S'))))
    cfg.merge_from_dict(options)
    assert cfg.model.feature_loss == dict(type='FeatureDistillLoss')
    assert cfg.model.spd_loss is None


def test_budget_and_data_overrides_find_the_pipeline_steps(tmp_path):
    assert budget_options(None) == []
    assert budget_options(8, 4) == [
        'train_cfg.max_iters=8', 'train_cfg.val_interval=4',
        'param_scheduler.T_max=8', 'default_hooks.checkpoint.interval=8']
    data = DemoData(str(tmp_path), 'blur', 'slic', 3, 2)
    stock = data_options('configs/demo/nafnet_tiny_demo_rain.py', data)
    assert f'train_dataloader.dataset.data_root={tmp_path}/train' in stock
    assert 'train_dataloader.dataset.pipeline.1.kind=blur' in stock
    assert 'test_dataloader.dataset.data_prefix.img=lq_blur' in stock
    assert not any('mask_root' in o for o in stock)
    distill = data_options(
        'configs/demo/nafnet_tiny_demo_rain_samdistill.py', data)
    assert ('train_dataloader.dataset.pipeline.0.mask_root='
            f'{tmp_path}/train/masks_slic') in distill  # WithSAMMasks
    assert ('train_dataloader.dataset.pipeline.0.pipeline.1.kind=blur'
            ) in distill
    # test loader 0: masks of the degraded input; loader 1: of the GT
    assert ('test_dataloader.0.dataset.pipeline.2.mask_root='
            f'{tmp_path}/test/masks_slic_lq_blur') in distill
    assert ('test_dataloader.1.dataset.pipeline.2.mask_root='
            f'{tmp_path}/test/masks_slic_gt') in distill
    assert ('val_dataloader.dataset.pipeline.2.image_root='
            f'{tmp_path}/test/lq_blur') in distill
    # the overrides reach the transforms WithSAMMasks wraps
    from mmengine import Config
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/demo/nafnet_tiny_demo_rain_samdistill.py'))
    cfg.merge_from_dict(dict(o.split('=', 1) for o in distill))
    wrapper = cfg.train_dataloader.dataset.pipeline[0]
    assert wrapper.pipeline[1].kind == 'blur'
    assert wrapper.mask_root == f'{tmp_path}/train/masks_slic'


def test_every_ablation_row_builds_a_model():
    import argparse

    from mmagic.registry import MODELS
    from mmengine import Config
    from mmengine.config import DictAction
    from mmsamdistill_demo.masks import PRIORS
    ablation_demo = runpy.run_path(
        osp.join(REPO, 'tools', 'analysis_tools', 'ablation_demo.py'))
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    rows = ablation_demo['ROWS']
    assert list(rows.values())[0] is None  # the baseline
    for name, overrides in rows.items():
        if overrides is None:
            continue
        overrides = dict(overrides)
        assert overrides.pop(ablation_demo['PRIOR_KEY'],
                             'segmenter_classes') in PRIORS
        cfg = Config.fromfile(
            osp.join(REPO, 'configs/demo/nafnet_tiny_demo_rain_samdistill.py'))
        options = to_cfg_options(overrides)
        if options:  # {} is the config as it is
            cfg.merge_from_dict(
                parser.parse_args(['--cfg-options', *options]).cfg_options)
        for key, value in overrides.items():  # the override took effect
            node = cfg
            for part in key.split('.'):
                node = node[part] if node is not None else None
            assert node == value, (name, key)
        network = (cfg.model.get('sgr_loss') or {}).get('network')
        if network and network.type == 'VGGFeatureExtractor':
            network.pretrained = None  # nothing to download in tests
        MODELS.build(cfg.model)


def test_progress_is_read_from_mmengine_log_lines():
    from mmsamdistill_demo.progress import parse_progress
    line = ('12/06 00:30:01 - mmengine - INFO - Iter(train) [  50/1000]  '
            'base_lr: 5.0000e-04 lr: 5.0000e-04  eta: 0:01:23  time: 0.0841')
    progress = parse_progress(line)
    assert (progress.mode, progress.done, progress.total,
            progress.eta) == ('train', 50, 1000, '0:01:23')
    progress = parse_progress(
        'Epoch(train) [2][ 50/100]  lr: 1e-04  eta: 1 day, 2:03:04  time: 1')
    assert (progress.done, progress.total, progress.eta) == (
        50, 100, '1 day, 2:03:04')
    progress = parse_progress('Iter(test) [10/33]    eta: 0:00:03')
    assert (progress.mode, progress.done, progress.total) == ('test', 10, 33)
    assert parse_progress('Iter(val) [3/3]').eta is None
    assert parse_progress('loss: 0.1 eta: 0:00:01') is None


def test_runs_show_progress_on_the_console_and_keep_the_log(tmp_path,
                                                             capsys):
    from mmsamdistill_demo.progress import run_logged
    script = ('import time\n'
              'print("loading, FutureWarning: noise")\n'
              'for i in range(1, 4):\n'
              '    print(f"Iter(train) [{i}/3]  eta: 0:00:0{3 - i}  loss: 1")'
              '\n    time.sleep(0.05)\n'
              'print("bar\\r50%\\r100%")\n')
    log = tmp_path / 'tools.log'
    code = run_logged([sys.executable, '-c', script], str(log),
                      'demo/rain/seed0/stock train')
    assert code == 0
    console = capsys.readouterr().out.splitlines()
    # not a terminal: the first line, the last iteration, the end
    assert console[0] == 'demo/rain/seed0/stock train: iter 1/3, eta 0:00:02'
    assert console[1] == 'demo/rain/seed0/stock train: iter 3/3, eta 0:00:00'
    assert console[2].startswith('demo/rain/seed0/stock train: done in ')
    assert len(console) == 3 and 'FutureWarning' not in '\n'.join(console)
    text = log.read_bytes().decode()  # no newline translation
    assert text.startswith('$ ') and 'loading, FutureWarning' in text
    assert 'Iter(train) [2/3]' in text and 'bar\r50%\r100%' in text
    failing = run_logged([sys.executable, '-c', 'raise SystemExit(3)'],
                         str(log), 'x test')
    assert failing == 3
    assert 'x test: failed (exit code 3)' in capsys.readouterr().out
