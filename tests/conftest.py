"""Shared fixtures: tiny data generated on the fly."""
import pytest
from mmagic.utils import register_all_modules

from mmsamdistill.datasets.demo_dataset import build_demo_dataset

# Unit tests build components directly, as configs do with default_scope.
register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A 64-pixel paired deraining dataset: 28 train and 8 test pairs."""
    root = str(tmp_path_factory.mktemp('demo_rain'))
    build_demo_dataset(root, 'rain', patch_size=64)
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
