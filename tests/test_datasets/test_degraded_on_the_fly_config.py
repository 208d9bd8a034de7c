"""configs/_base_/train_degraded_on_the_fly.py: training pairs from clean
images only, degraded per sample as MMagic's DFWB training pipelines do."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
from mmagic.registry import DATASETS
from mmengine.config import Config
from skimage import data as skdata

from mmsamdistill.datasets import write_label_map
from tests.helpers import REPO, write_config

BASE = osp.join(REPO, 'configs', '_base_', 'train_degraded_on_the_fly.py')


@pytest.fixture(scope='module')
def clean_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp('clean')
    photo = skdata.astronaut()[..., ::-1]  # BGR for cv2
    for i in range(2):
        cv2.imwrite(str(folder / f'im{i}.png'),
                    photo[60 * i:60 * i + 160, 150:310])
    return str(folder)


def first_sample(tmp_path, folder, pipeline: str, before: str = ''):
    """The first training sample of a child of the base that trains with
    ``pipeline`` (an expression) after the lines ``before``."""
    config = write_config(tmp_path, 'child.py', f"""
        _base_ = [{BASE!r}]
        """ + before + f"""
        train_dataloader = dict(dataset=dict(
            data_root={folder!r}, pipeline={pipeline}))
        """)
    cfg = Config.fromfile(config)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == 2  # every clean image once, read as img and gt
    sample = dataset[0]
    img = sample['inputs'].numpy().astype(float)
    gt = sample['data_samples'].gt_img.numpy().astype(float)
    return img, gt


def test_gaussian_noise_is_drawn_on_the_clean_crop(tmp_path, clean_folder):
    img, gt = first_sample(tmp_path, clean_folder,
                           '_base_.train_pipeline_gaussian_noise')
    assert img.shape == gt.shape == (3, 128, 128)
    residual = img - gt
    # sigma 15 on the 0-255 scale (clipping at 0 and 255 trims it a little)
    assert 13 < residual.std() < 15.5 and abs(residual.mean()) < 1
    img2, _ = first_sample(tmp_path, clean_folder,
                           '_base_.train_pipeline_gaussian_noise')
    assert not np.array_equal(img, img2)  # a fresh draw per sample


def test_noise_level_is_a_line_of_the_child(tmp_path, clean_folder):
    img, gt = first_sample(
        tmp_path, clean_folder, '_base_.train_pipeline_gaussian_noise', """
        [t.params.update(gaussian_sigma=[40, 40])
         for t in _base_.train_pipeline_gaussian_noise
         if t.type == 'RandomNoise']
        """)
    assert 33 < (img - gt).std() < 41


def test_jpeg_and_grayscale_variants(tmp_path, clean_folder):
    img, gt = first_sample(tmp_path, clean_folder,
                           '_base_.train_pipeline_jpeg')
    assert img.shape == (3, 128, 128)
    mse = ((img - gt)**2).mean()
    assert 20 < 10 * np.log10(255**2 / mse) < 35  # quality 10 artefacts
    for pipeline in ('train_pipeline_jpeg_gray',
                     'train_pipeline_gaussian_noise_gray'):
        img, gt = first_sample(tmp_path, clean_folder, '_base_.' + pipeline)
        assert img.shape == gt.shape == (1, 128, 128), pipeline
        assert not np.array_equal(img, gt)


def test_sam_masks_follow_the_geometry_of_the_degraded_pipeline(
        tmp_path, clean_folder):
    """WithSAMMasks takes these pipelines as they are: the degradation is
    photometric (img only), the crop, flips and transpose move the masks
    with the gt."""
    for path in glob.glob(osp.join(clean_folder, '*.png')):
        blue = cv2.imread(path)[..., 0]
        write_label_map(
            osp.join(clean_folder + '_sam_masks', osp.basename(path)),
            (blue > 128).astype(np.uint16) + 1)
    config = write_config(tmp_path, 'child.py', f"""
        _base_ = [{BASE!r}]
        train_dataloader = dict(dataset=dict(
            data_root={clean_folder!r}, pipeline=[dict(
                type='WithSAMMasks',
                pipeline=_base_.train_pipeline_gaussian_noise)]))
        """)
    cfg = Config.fromfile(config)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    for index in range(len(dataset)):
        sample = dataset[index]
        gt = sample['data_samples'].gt_img.numpy()  # RGB
        masks = np.asarray(sample['data_samples'].sam_mask).reshape(
            gt.shape[1:])
        assert np.array_equal(masks, (gt[2] > 128) + 1)
