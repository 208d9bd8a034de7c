"""Shared fixtures: tiny data generated on the fly."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmagic.utils import register_all_modules

from mmsamdistill.data_preparation import SKIMAGE_PHOTOS, load_skimage_photo
from mmsamdistill.datasets.transforms.synthesize_degradation import \
    synthesize_degradation

# Unit tests build components directly, as configs do with default_scope.
register_all_modules(init_default_scope=True)

TEST_PHOTOS = ('chelsea', 'rocket')


def write_paired_rain_set(root: str, tile: int = 64, seed: int = 0) -> None:
    """Write ``root/{train,test}/{gt,lq}/<photo>_<i>.png``.

    Each photo of ``SKIMAGE_PHOTOS`` is resized so its short side is two
    tiles; its top-left 2x2 tiles are the clean images, each degraded once
    with rain. ``TEST_PHOTOS`` go to the test split.
    """
    rng = np.random.default_rng(seed)
    for name in SKIMAGE_PHOTOS:
        split = 'test' if name in TEST_PHOTOS else 'train'
        photo = load_skimage_photo(name)
        h, w = photo.shape[:2]
        scale = 2 * tile / min(h, w)
        photo = cv2.resize(
            photo, (max(2 * tile, round(w * scale)),
                    max(2 * tile, round(h * scale))),
            interpolation=cv2.INTER_AREA)
        for index in range(4):
            top, left = (index // 2) * tile, (index % 2) * tile
            gt = photo[top:top + tile, left:left + tile]
            lq, _ = synthesize_degradation(gt, 'rain', rng)
            for sub, image in (('gt', gt), ('lq', lq)):
                os.makedirs(osp.join(root, split, sub), exist_ok=True)
                assert cv2.imwrite(
                    osp.join(root, split, sub, f'{name}_{index}.png'), image)


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A 64-pixel paired deraining dataset: 28 train and 8 test pairs."""
    root = str(tmp_path_factory.mktemp('demo_rain'))
    write_paired_rain_set(root)
    return root


@pytest.fixture(scope='session')
def demo_masks(demo_data):
    """Content-derived label maps of the demo train gt images.

    Felzenszwalb segments stand in for SAM: the test needs masks that follow
    the images, not SAM's quality.
    """
    import glob
    import os.path as osp

    import cv2
    from skimage.segmentation import felzenszwalb

    from mmsamdistill.datasets import masks_to_label_map, write_label_map
    mask_root = osp.join(demo_data, 'train_masks')
    for path in sorted(glob.glob(osp.join(demo_data, 'train', 'gt', '*'))):
        segments = felzenszwalb(
            cv2.imread(path)[..., ::-1], scale=50, sigma=0.5, min_size=20)
        label_map = masks_to_label_map(
            [segments == k for k in range(segments.max() + 1)])
        write_label_map(
            osp.join(mask_root, osp.splitext(osp.basename(path))[0] + '.png'),
            label_map)
    return mask_root


@pytest.fixture
def tiny_sam_checkpoint(tmp_path, monkeypatch):
    """Register the tiny SAM and save its random weights like a release."""
    import torch
    from segment_anything import sam_model_registry

    from tests.helpers import build_tiny_sam
    monkeypatch.setitem(sam_model_registry, 'tiny_test', build_tiny_sam)
    torch.manual_seed(0)
    path = str(tmp_path / 'sam_tiny.pth')
    torch.save(build_tiny_sam().state_dict(), path)
    return path
