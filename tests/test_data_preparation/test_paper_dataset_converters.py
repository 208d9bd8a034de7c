"""The paper's datasets: released trees -> unified layout -> config pipelines.

Each test builds a few-image fake tree in a dataset's released layout, runs
the converter, and feeds the result through the dataset's base config.
"""
import copy
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmagic.registry import DATASETS
from mmengine.config import Config

from mmsamdistill.data_preparation import (PAPER_DATASETS,
                                           prepare_paper_dataset)
from mmsamdistill.data_preparation.paper_dataset_converters import \
    MANIFEST_NAME
from mmsamdistill.datasets import write_label_map
from tests.helpers import REPO, run_tool

CONTRACT_NAMES = {
    'data_root', 'num_train_images', 'crop_size', 'train_pipeline',
    'sam_train_pipeline', 'test_pipeline', 'train_dataloader',
    'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator'
}
DERAINING = ('rain200l', 'rain200h', 'did', 'ddn')


def write_image(root, relative, shape, seed, level=128):
    """A random colour image around ``level``; returns its relative path."""
    rng = np.random.default_rng(seed)
    image = np.clip(rng.normal(level, 20, shape + (3, )), 0, 255)
    path = osp.join(root, relative)
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, image.astype(np.uint8))
    return relative


def rain200_tree(root, size, heaviness):
    """rain_data_<split>_<heaviness>/{norain/norain-<i>.png,
    rain/X2/norain-<i>x2.png}: 3 train and 2 test pairs."""
    expected = {}
    for split, count in (('train', 3), ('test', 2)):
        folder = f'rain_data_{split}_{heaviness}'
        for i in range(1, count + 1):
            gt = write_image(root, f'{folder}/norain/norain-{i}.png',
                             (size, size), i)
            lq = write_image(root, f'{folder}/rain/X2/norain-{i}x2.png',
                             (size, size), 100 + i)
            expected[(split, f'norain-{i}.png')] = (lq, gt)
    return expected


def did_tree(root, size):
    """DID-MDN-datasets/{DID-MDN-training/Rain_*/train2018new,DID-MDN-test}
    with rainy (bright, left) | clean (dark, right) side by side."""
    expected = {}
    folders = [('train', f'{d.lower()}_',
                f'DID-MDN-training/Rain_{d}/train2018new')
               for d in ('Heavy', 'Medium', 'Light')]
    folders.append(('test', '', 'DID-MDN-test'))
    for n, (split, prefix, folder) in enumerate(folders):
        for i in range(2 if split == 'test' else 1):
            rel = f'DID-MDN-datasets/{folder}/{i}.jpg'
            pair = np.concatenate(
                [np.full((size, size, 3), 200, np.uint8),
                 np.full((size, size, 3), 40, np.uint8)], axis=1)
            pair[::7] = 10 * n  # some structure, so halves differ per file
            os.makedirs(osp.dirname(osp.join(root, rel)), exist_ok=True)
            assert cv2.imwrite(osp.join(root, rel), pair)
            expected[(split, f'{prefix}{i}.png')] = (rel, rel)
    return expected


def ddn_tree(root, size):
    """{training,testing}/{rainy_image/<i>_<k>.jpg, ground_truth/<i>.jpg}:
    2 clean x 3 rainy versions for training, 1 x 2 for testing."""
    expected = {}
    for split, released, scenes, versions in (('train', 'training', 2, 3),
                                              ('test', 'testing', 1, 2)):
        for i in range(1, scenes + 1):
            gt = write_image(root, f'{released}/ground_truth/{i}.jpg',
                             (size, size), i)
            for k in range(1, versions + 1):
                lq = write_image(root,
                                 f'{released}/rainy_image/{i}_{k}.jpg',
                                 (size, size), 10 * i + k)
                expected[(split, f'{i}_{k}.jpg')] = (lq, gt)
    return expected


def gopro_tree(root, size):
    """{train,test}/<seq>/{blur,blur_gamma,sharp}/<frame>.png."""
    expected = {}
    for split, seqs in (('train', ('GOPR0372_07_00', 'GOPR0374_11_00')),
                        ('test', ('GOPR0384_11_00', ))):
        for s, seq in enumerate(seqs):
            for frame in ('000047', '000048'):
                lq = write_image(root, f'{split}/{seq}/blur/{frame}.png',
                                 (size, size), s)
                write_image(root, f'{split}/{seq}/blur_gamma/{frame}.png',
                            (size, size), 50 + s)
                gt = write_image(root, f'{split}/{seq}/sharp/{frame}.png',
                                 (size, size), 90 + s)
                expected[(split, f'{seq}_{frame}.png')] = (lq, gt)
    return expected


def sensenoise_tree(root, size):
    """{train,test}/{noisy,clean}/<name>.png, the layout users arrange."""
    expected = {}
    for split, count in (('train', 3), ('test', 1)):
        for i in range(count):
            name = f'scene{i:03d}.png'
            lq = write_image(root, f'{split}/noisy/{name}', (size, size), i)
            gt = write_image(root, f'{split}/clean/{name}', (size, size),
                             20 + i)
            expected[(split, name)] = (lq, gt)
    return expected


TREES = dict(
    rain200l=lambda root, size: rain200_tree(root, size, 'Light'),
    rain200h=lambda root, size: rain200_tree(root, size, 'Heavy'),
    did=did_tree,
    ddn=ddn_tree,
    gopro=gopro_tree,
    sensenoise=sensenoise_tree)


def load_config(name):
    return Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', f'{name}.py'))


def retarget(value, old, new):
    """``value`` with every path under ``old`` moved under ``new``."""
    if isinstance(value, dict):
        return {k: retarget(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [retarget(v, old, new) for v in value]
    if isinstance(value, str) and value.startswith(old):
        return new + value[len(old):]
    return value


def listing(out):
    return {(split, role): sorted(os.listdir(osp.join(out, split, role)))
            for split in ('train', 'test') for role in ('lq', 'gt')}


def check_layout(name, src, out, expected):
    """lq/gt share names, and each entry is the right released image."""
    for split in ('train', 'test'):
        names = sorted(n for s, n in expected if s == split)
        assert sorted(os.listdir(osp.join(out, split, 'lq'))) == names
        assert sorted(os.listdir(osp.join(out, split, 'gt'))) == names
    for (split, file), (lq, gt) in expected.items():
        lq_out = osp.join(out, split, 'lq', file)
        gt_out = osp.join(out, split, 'gt', file)
        if name == 'did':  # two new files: rainy left half, clean right
            pair = cv2.imread(osp.join(src, lq))
            width = pair.shape[1] // 2
            assert np.array_equal(cv2.imread(lq_out), pair[:, :width])
            assert np.array_equal(cv2.imread(gt_out), pair[:, width:])
            assert cv2.imread(lq_out).mean() > cv2.imread(gt_out).mean()
        else:
            assert osp.islink(lq_out) and osp.islink(gt_out)
            assert osp.realpath(lq_out) == osp.realpath(osp.join(src, lq))
            assert osp.realpath(gt_out) == osp.realpath(osp.join(src, gt))


def write_masks(out):
    """Block label maps for the training gt, where LoadSAMMask looks."""
    for file in os.listdir(osp.join(out, 'train', 'gt')):
        h, w = cv2.imread(osp.join(out, 'train', 'gt', file)).shape[:2]
        labels = (np.arange(h)[:, None] // 16 * 20 +
                  np.arange(w)[None] // 16 + 1).astype(np.uint16)
        write_label_map(
            osp.join(out, 'train', 'sam_masks',
                     osp.splitext(file)[0] + '.png'), labels)


def check_config(name, out, expected):
    cfg = load_config(name)
    assert set(cfg.keys()) == CONTRACT_NAMES
    assert cfg.data_root == f'./data/{name}'
    official = PAPER_DATASETS[name].official_counts
    if official is not None:
        assert cfg.num_train_images == official['train']
    loader = cfg.train_dataloader
    assert loader.batch_size == 8
    assert loader.sampler.type == 'InfiniteSampler'
    assert loader.dataset.data_prefix == dict(img='lq', gt='gt')
    metrics = {m.type: m for m in cfg.val_evaluator}
    assert {'PSNR', 'SSIM'} <= set(metrics)
    assert all('prefix' not in m for m in metrics.values())
    if name in DERAINING:
        assert metrics['PSNR'].get('convert_to') == 'Y'

    write_masks(out)
    crop = cfg.crop_size
    n_train = sum(s == 'train' for s, _ in expected)
    for key in ('train_pipeline', 'sam_train_pipeline'):
        dataset_cfg = retarget(
            copy.deepcopy(cfg.train_dataloader.dataset), cfg.data_root, out)
        dataset_cfg['pipeline'] = retarget(cfg[key], cfg.data_root, out)
        dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) == n_train
        sample = dataset[0]
        assert sample['inputs'].shape == (3, crop, crop)
        assert sample['data_samples'].gt_img.shape == (3, crop, crop)
        if key == 'sam_train_pipeline':
            mask = sample['data_samples'].sam_mask
            assert mask.shape == (1, crop, crop)
            assert int(mask.min()) >= 1  # real labels, not an empty map
        else:
            assert 'sam_mask' not in sample['data_samples']
    test_cfg = retarget(
        copy.deepcopy(cfg.test_dataloader.dataset), cfg.data_root, out)
    dataset = DATASETS.build(test_cfg)
    assert len(dataset) == sum(s == 'test' for s, _ in expected)
    sample = dataset[0]
    gt = cv2.imread(osp.join(out, 'test', 'gt', sorted(
        n for s, n in expected if s == 'test')[0]))
    assert sample['inputs'].shape == (3, ) + gt.shape[:2]
    assert sample['data_samples'].gt_img.shape == (3, ) + gt.shape[:2]


@pytest.mark.parametrize('name', sorted(PAPER_DATASETS))
def test_convert_and_load_with_config(tmp_path, name):
    size = load_config(name).crop_size + 4  # the crop must really crop
    src, out = str(tmp_path / 'raw'), str(tmp_path / name)
    expected = TREES[name](src, size)

    summary = prepare_paper_dataset(name, src, out)

    counts = {s: sum(k[0] == s for k in expected) for s in ('train', 'test')}
    assert summary['counts'] == counts
    assert summary['written'] == 2 * len(expected)
    check_layout(name, src, out, expected)
    check_config(name, out, expected)


def test_ddn_versions_share_their_clean_image(tmp_path):
    src, out = str(tmp_path / 'raw'), str(tmp_path / 'ddn')
    ddn_tree(src, 16)
    prepare_paper_dataset('ddn', src, out)
    targets = {
        file: osp.realpath(osp.join(out, 'train', 'gt', file))
        for file in os.listdir(osp.join(out, 'train', 'gt'))
    }
    clean = osp.realpath(osp.join(src, 'training', 'ground_truth', '1.jpg'))
    assert [f for f, t in sorted(targets.items())
            if t == clean] == ['1_1.jpg', '1_2.jpg', '1_3.jpg']


def test_cli_copies(tmp_path):
    src, out = str(tmp_path / 'raw'), str(tmp_path / 'gopro')
    expected = gopro_tree(src, 16)
    result = run_tool([
        sys.executable, 'tools/dataset_converters/prepare_paper_dataset.py',
        '--dataset', 'gopro', '--src', src, '--out', out, '--copy'
    ])
    assert 'train: 4 pairs  (the full release has 2103' in result.stdout
    assert 'test: 2 pairs' in result.stdout
    for (split, file), (lq, gt) in expected.items():
        copied = osp.join(out, split, 'gt', file)
        assert osp.isfile(copied) and not osp.islink(copied)
        with open(copied, 'rb') as a, open(osp.join(src, gt), 'rb') as b:
            assert a.read() == b.read()
    with open(osp.join(out, MANIFEST_NAME)) as f:
        manifest = json.load(f)
    assert manifest['mode'] == 'copy' and manifest['complete']


def test_wrong_source_tree_names_the_expected_folder(tmp_path):
    src = str(tmp_path / 'raw')
    rain200_tree(src, 16, 'Heavy')  # a Rain200H tree given as Rain200L
    with pytest.raises(FileNotFoundError, match='rain_data_train_Light'):
        prepare_paper_dataset('rain200l', src, str(tmp_path / 'out'))
    with pytest.raises(FileNotFoundError, match='rainy_image'):
        prepare_paper_dataset('ddn', src, str(tmp_path / 'out'))
    os.remove(osp.join(src, 'rain_data_test_Heavy', 'norain', 'norain-2.png'))
    with pytest.raises(ValueError, match='no partner.*e.g. norain-2'):
        prepare_paper_dataset('rain200h', src, str(tmp_path / 'out'))
    assert not osp.exists(tmp_path / 'out')  # nothing written on failure


def test_rerun_is_idempotent_and_other_outputs_are_protected(tmp_path):
    src, out = str(tmp_path / 'raw'), str(tmp_path / 'did')
    expected = did_tree(src, 16)
    foreign = write_image(out, 'train/blur/x.png', (8, 8), 0)  # not ours
    first = prepare_paper_dataset('did', src, out)
    before = listing(out)
    stale = osp.join(out, 'train', 'lq', 'leftover.png')
    os.symlink(osp.join(src, 'missing.png'), stale)

    again = prepare_paper_dataset('did', src, out)

    assert again['written'] == 0 and again['removed'] == 1
    assert again['skipped'] == first['written'] == 2 * len(expected)
    assert listing(out) == before
    assert osp.isfile(osp.join(out, foreign))
    unmanaged = str(tmp_path / 'unmanaged')
    write_image(unmanaged, 'train/lq/x.png', (8, 8), 0)
    with pytest.raises(FileExistsError, match='not made by this converter'):
        prepare_paper_dataset('did', src, unmanaged)
    other = str(tmp_path / 'raw_ddn')
    ddn_tree(other, 16)
    with pytest.raises(FileExistsError, match='--overwrite'):
        prepare_paper_dataset('ddn', other, out)
    prepare_paper_dataset('ddn', other, out, overwrite=True)
    assert listing(out)[('test', 'gt')] == ['1_1.jpg', '1_2.jpg']
