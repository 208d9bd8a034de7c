"""The demo, the paired-seed and the ablation tools end to end, tiny budget.

One module-scoped demo run (seed 0) is shared: the paired-seed tool reuses
its runs for seed 0 and the ablation its stage A, as they do for real.
"""
import glob
import json
import os
import os.path as osp
import re
import sys

import cv2
import pytest

from tests.helpers import run_tool

TINY = ['--stage-a-iters', '2', '--finetune-iters', '2', '--vgg', 'none']
LOGGING = ['--cfg-options', 'default_hooks.logger.interval=1']


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp('demo')
    data_root, work_dir = str(root / 'data'), str(root / 'work')
    result = run_tool([
        sys.executable, 'tools/demo/samdistill_demo.py', '--data-root',
        data_root, '--work-dir', work_dir, '--stage-a-root', work_dir,
        '--grids', '2', *TINY, *LOGGING
    ])
    return data_root, work_dir, result.stdout


def test_demo_compares_stock_and_distilled(demo):
    data_root, work_dir, stdout = demo
    assert 'PSNR gain of the distilled student' in stdout
    # one console line per run with its progress; the detail stays in logs
    assert re.search(r'stage_a_\w+ train: iter 2/2', stdout)
    assert ' test: test ' in stdout and ': done in ' in stdout
    assert 'FutureWarning' not in stdout and 'Iter(train)' not in stdout
    out = osp.join(work_dir, 'rain')
    with open(osp.join(out, 'results.json')) as f:
        results = json.load(f)
    # the student is the stock network: same parameters and cost
    assert results['stock_params'] == results['distilled_params'] > 0
    assert results['gain_db'] == pytest.approx(
        results['distilled_psnr'] - results['stock_psnr'])
    # the default prior: the bundled learned segmenter's class masks
    assert results['mask_source'] == 'segmenter_classes'
    assert results['num_test_images'] >= 32
    # IR2 scored through the config's test pipeline, with both mask sets
    assert results['teacher_psnr_lq_masks'] > 0
    assert results['teacher_psnr_gt_masks'] > 0
    assert results['stage_a_psnr'] > 0  # its last validation
    # masks of the clean training tiles, the degraded and the clean test set
    for folder in ('train/masks_segmenter_classes',
                   'test/masks_segmenter_classes_gt',
                   'test/masks_segmenter_classes_lq_rain'):
        assert glob.glob(osp.join(data_root, folder, '*.png')), folder
    assert not osp.exists(osp.join(data_root, 'train', 'lq'))
    grids = sorted(glob.glob(osp.join(out, 'grids', '*.png')))
    assert len(grids) == 2
    assert cv2.imread(grids[0]).shape[1] == 5 * 256 + 4 * 4  # 5 panels, x2
    assert cv2.imread(osp.join(out, 'loss_curves.png')) is not None
    with open(osp.join(out, 'results.md')) as f:
        table = f.read()
    assert '| stock, continued |' in table and '| distilled (IR1) |' in table
    assert 'IR2, masks of the degraded input' in table


def test_paired_seeds_reuses_runs_and_reports_an_interval(demo):
    data_root, work_dir, _ = demo
    seed0 = glob.glob(osp.join(work_dir, 'rain', 'seed0', '*',
                               'run_settings.json'))
    mtimes = {p: os.stat(p).st_mtime_ns for p in seed0}
    result = run_tool([
        sys.executable, 'tools/analysis_tools/paired_seeds.py', '--seeds',
        '0', '1', '--data-root', data_root, '--work-dir', work_dir,
        '--stage-a-root', work_dir, *TINY, *LOGGING
    ])
    # seed 0 came from the demo's runs, untouched
    assert {p: os.stat(p).st_mtime_ns for p in seed0} == mtimes
    assert 'Mean paired gain' in result.stdout and '95 % CI' in result.stdout
    with open(osp.join(work_dir, 'rain', 'paired_seeds.json')) as f:
        report = json.load(f)
    assert [s['seed'] for s in report['seeds']] == [0, 1]
    gains = [s['gain_db'] for s in report['seeds']]
    assert report['gain']['mean'] == pytest.approx(sum(gains) / 2)
    assert report['gain']['n'] == 2 and report['gain']['low'] is not None
    assert report['num_test_images'] >= 32
    assert report['teacher_lead']['n'] == 2
    with open(osp.join(work_dir, 'rain', 'paired_seeds.md')) as f:
        assert 'IR2 − IR1' in f.read()


def test_ablation_pairs_rows_on_one_stage_a(demo, tmp_path):
    data_root, stage_a_root, _ = demo
    work_dir = str(tmp_path / 'ablation')
    run_tool([
        sys.executable, 'tools/analysis_tools/ablation_demo.py',
        '--data-root', data_root, '--work-dir', work_dir, '--stage-a-root',
        stage_a_root, '--seeds', '0', '--rows', '1', '2', *TINY, *LOGGING
    ])
    with open(osp.join(work_dir, 'rain', 'ablation.json')) as f:
        results = json.load(f)['results']
    no_spf, felzenszwalb = ('cascade, no SPF, no distillation',
                            'teacher only, Felzenszwalb masks')
    assert list(results) == ['stock continued', no_spf, felzenszwalb]
    stock = results['stock continued']['0']
    # Without distillation IR1 gets exactly the stock gradient: same start,
    # data order and crops make it the same model.
    for row in (no_spf, felzenszwalb):
        assert results[row]['0']['PSNR'] == pytest.approx(stock['PSNR'],
                                                          abs=1e-3)
        assert results[row]['0']['teacher/PSNR'] > 0
    assert 'teacher/PSNR' not in stock
    # the row's own prior: its masks were made for it
    assert glob.glob(osp.join(data_root, 'train', 'masks_felzenszwalb', '*'))
    with open(osp.join(work_dir, 'rain', 'ablation.md')) as f:
        table = f.read()
    assert '| stock continued | ' in table and 'IR2 PSNR' in table
    assert f'| {felzenszwalb} |' in table
