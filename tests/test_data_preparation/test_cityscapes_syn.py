"""Cityscapes-syn converter on a fake release tree, and its test pipeline."""
import json
import os
import os.path as osp
import re
import runpy
import sys

import cv2
import numpy as np
import pytest
from mmagic.registry import DATASETS
from mmengine.config import Config

from mmsamdistill.data_preparation import (list_cityscapes_syn,
                                           prepare_cityscapes_syn)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools/dataset_converters/prepare_cityscapes_syn.py')
# (Cityscapes split, city, stem)
FRAMES = [('train', 'aachen', 'aachen_000000_000019'),
          ('train', 'bochum', 'bochum_000000_000313'),
          ('val', 'frankfurt', 'frankfurt_000000_000294')]


def _write(path, image):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, image)


def make_release(root, intensity=100, size=(8, 16), rain_size=None):
    """Fake weather_cityscapes + Cityscapes trees in their released layout.

    Returns (rain_root, cityscapes_root, {stem: (rainy, clean, label)}).
    """
    rng = np.random.default_rng(0)
    rain_root = osp.join(root, 'weather_datasets')
    cityscapes = osp.join(root, 'cityscapes')
    content = {}
    for split, city, stem in FRAMES:
        clean = rng.integers(0, 256, size + (3, ), dtype=np.uint8)
        rainy = rng.integers(0, 256, (rain_size or size) + (3, ),
                             dtype=np.uint8)
        label = rng.integers(0, 19, size).astype(np.uint8)
        label[0] = 255
        rain_dir = osp.join(rain_root, 'weather_cityscapes', 'leftImg8bit',
                            split, 'rain', f'{intensity}mm')
        _write(osp.join(rain_dir, 'rainy_image', city,
                        f'{stem}_leftImg8bit.png'), rainy)
        _write(osp.join(rain_dir, 'rainy_mask', city,
                        f'{stem}_leftImg8bit.png'), rainy[..., 0])
        _write(osp.join(cityscapes, 'leftImg8bit', split, city,
                        f'{stem}_leftImg8bit.png'), clean)
        gt_dir = osp.join(cityscapes, 'gtFine', split, city)
        _write(osp.join(gt_dir, f'{stem}_gtFine_labelTrainIds.png'), label)
        _write(osp.join(gt_dir, f'{stem}_gtFine_labelIds.png'), label + 7)
        content[stem] = (rainy, clean, label)
    return rain_root, cityscapes, content


def test_layout_links_and_idempotence(tmp_path):
    rain_root, cityscapes, content = make_release(str(tmp_path))
    out = str(tmp_path / 'out')
    summary = prepare_cityscapes_syn(rain_root, cityscapes, out, 100)
    assert summary['counts'] == {'train': 2, 'test': 1}
    assert (summary['written'], summary['skipped']) == (9, 0)
    stem = 'frankfurt_000000_000294'
    for role, index in (('lq', 0), ('gt', 1), ('seg', 2)):
        path = osp.join(out, 'test', role, stem + '.png')
        assert osp.islink(path)
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        assert np.array_equal(image, content[stem][index])
    assert sorted(os.listdir(osp.join(out, 'train', 'lq'))) == [
        'aachen_000000_000019.png', 'bochum_000000_000313.png'
    ]
    with open(osp.join(out, 'cityscapes_syn.json')) as f:
        assert json.load(f)['complete']

    again = prepare_cityscapes_syn(rain_root, cityscapes, out, 100)
    assert (again['written'], again['skipped']) == (0, 9)
    # another source is refused, then replaced on request
    make_release(str(tmp_path), intensity=200)
    with pytest.raises(FileExistsError, match='--overwrite'):
        prepare_cityscapes_syn(rain_root, cityscapes, out, 200)
    copied = prepare_cityscapes_syn(rain_root, cityscapes, out, 200,
                                    copy=True, overwrite=True,
                                    splits=['test'])
    assert copied['counts'] == {'test': 1}
    assert not osp.exists(osp.join(out, 'train', 'lq'))
    assert not osp.islink(osp.join(out, 'test', 'gt', stem + '.png'))


def test_clear_errors_for_other_trees(tmp_path):
    rain_root, cityscapes, _ = make_release(str(tmp_path))
    expected = osp.join(str(tmp_path / 'elsewhere'), 'leftImg8bit', 'train',
                        'rain', '100mm', 'rainy_image')
    with pytest.raises(FileNotFoundError, match=re.escape(expected)):
        list_cityscapes_syn(str(tmp_path / 'elsewhere'), cityscapes, 100)
    with pytest.raises(FileNotFoundError, match='dev-kit'):
        list_cityscapes_syn(rain_root, cityscapes, 25, splits=['test'])
    with pytest.raises(FileNotFoundError, match='gtFine'):
        list_cityscapes_syn(rain_root, str(tmp_path), 100)
    os.remove(osp.join(cityscapes, 'gtFine', 'val', 'frankfurt',
                       'frankfurt_000000_000294_gtFine_labelTrainIds.png'))
    with pytest.raises(FileNotFoundError, match='csCreateTrainIdLabelImgs'):
        list_cityscapes_syn(rain_root, cityscapes, 100)
    # the command line tool reports the error without a traceback
    argv = [TOOL, '--rain-root', rain_root, '--cityscapes-root', cityscapes,
            '--intensity', '100', '--out', str(tmp_path / 'out')]
    old_argv, sys.argv = sys.argv, argv
    try:
        with pytest.raises(SystemExit, match='labelTrainIds'):
            runpy.run_path(TOOL, run_name='__main__')
    finally:
        sys.argv = old_argv


def test_rain_rendered_smaller(tmp_path):
    rain_root, cityscapes, content = make_release(
        str(tmp_path), size=(8, 16), rain_size=(4, 8))
    out = str(tmp_path / 'out')
    with pytest.raises(ValueError, match='--resize-to-lq'):
        prepare_cityscapes_syn(rain_root, cityscapes, out, 100)
    assert not osp.exists(out)  # nothing written before the check
    prepare_cityscapes_syn(rain_root, cityscapes, out, 100,
                           resize_to_lq=True)
    stem = 'aachen_000000_000019'
    seg = cv2.imread(osp.join(out, 'train', 'seg', stem + '.png'),
                     cv2.IMREAD_UNCHANGED)
    gt = cv2.imread(osp.join(out, 'train', 'gt', stem + '.png'))
    assert seg.shape == (4, 8) and gt.shape == (4, 8, 3)
    assert set(np.unique(seg)) <= set(np.unique(content[stem][2]))
    assert osp.islink(osp.join(out, 'train', 'lq', stem + '.png'))


def test_sample_through_the_config_test_pipeline(tmp_path):
    rain_root, cityscapes, content = make_release(str(tmp_path))
    out = str(tmp_path / 'out')
    prepare_cityscapes_syn(rain_root, cityscapes, out, 100)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/cityscapes_syn_100mm.py'))
    assert cfg.num_train_images == 2975
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.data_root = osp.join(out, 'test')
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 1
    sample = dataset[0]
    rainy, clean, label = content['frankfurt_000000_000294']
    assert np.array_equal(sample['inputs'].permute(1, 2, 0).numpy(),
                          rainy[..., ::-1])  # loaded as RGB
    data = sample['data_samples']
    assert np.array_equal(data.gt_img.permute(1, 2, 0).numpy(),
                          clean[..., ::-1])
    assert data.gt_seg.shape == (1, ) + label.shape
    assert np.array_equal(data.gt_seg[0].numpy(), label)
