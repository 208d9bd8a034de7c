"""Broken data stops a run at its start, naming the files and the fix."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmagic.registry import DATASETS
from mmengine.config import Config

from mmsamdistill.datasets import write_label_map
from mmsamdistill.datasets.data_check import (DataCheckError, check_dataset,
                                              check_data_folders)
from tests.helpers import tiny_nafnet_config


@pytest.fixture
def data(demo_data, tmp_path):
    """A private copy of the demo test pairs (8 x 64 px)."""
    root = tmp_path / 'data'
    shutil.copytree(osp.join(demo_data, 'test'), root / 'train')
    return root


def train_dataset(data, tmp_path, pipeline=None):
    cfg = Config.fromfile(tiny_nafnet_config(tmp_path, str(data)))
    dataset = cfg.train_dataloader.dataset
    if pipeline is not None:
        dataset.pipeline = pipeline
    return DATASETS.build(dataset)


def files(data, role):
    return sorted(str(p) for p in (data / 'train' / role).iterdir())


def test_clean_data_passes(data, tmp_path):
    assert check_dataset(train_dataset(data, tmp_path)) == []


def test_a_truncated_image_is_named(data, tmp_path):
    broken = files(data, 'lq')[3]
    content = open(broken, 'rb').read()
    open(broken, 'wb').write(content[:len(content) // 2])
    with pytest.raises(DataCheckError) as error:
        check_dataset(train_dataset(data, tmp_path), 'train_dataloader')
    assert f'1 truncated: {broken}' in str(error.value)
    assert 're-export' in str(error.value)


def test_an_unreadable_file_is_named(data, tmp_path):
    broken = files(data, 'gt')[0]
    open(broken, 'wb').write(b'not an image at all')
    with pytest.raises(DataCheckError, match=f'not a readable image.*'
                       f'{osp.basename(broken)}'):
        check_dataset(train_dataset(data, tmp_path))


def test_pairs_of_different_sizes_are_named(data, tmp_path):
    lq = files(data, 'lq')[2]
    cv2.imwrite(lq, cv2.imread(lq)[:60, :60])
    with pytest.raises(DataCheckError) as error:
        check_dataset(train_dataset(data, tmp_path))
    assert 'LQ/GT pairs of different sizes' in str(error.value)
    assert lq in str(error.value)


def test_an_empty_folder_says_where_it_looked(data, tmp_path):
    for role in ('lq', 'gt'):
        shutil.rmtree(data / 'train' / role)
        os.makedirs(data / 'train' / role)
    cfg = Config.fromfile(tiny_nafnet_config(tmp_path, str(data)))
    with pytest.raises(FileNotFoundError,
                       match='data folder .*train/gt is empty'):
        check_data_folders(cfg, ['train_dataloader'])


def test_a_dataset_without_samples_is_refused(data, tmp_path):
    class Empty:
        data_root, data_prefix = str(data), dict(gt='gt')

        def __len__(self):
            return 0

    with pytest.raises(DataCheckError, match='has no samples.*data/gt'):
        check_dataset(Empty())


def test_a_misspelt_folder_suggests_the_right_one(data, tmp_path):
    config = tiny_nafnet_config(tmp_path, str(data))
    cfg = Config.fromfile(config)
    cfg.train_dataloader.dataset.data_root = str(data / 'trian')
    with pytest.raises(FileNotFoundError) as error:
        check_data_folders(cfg, ['train_dataloader'])
    assert 'trian/gt does not exist' in str(error.value)
    assert f"Did you mean {str(data / 'train')!r}" in str(error.value)


def test_alpha_and_16_bit_images_load_as_8_bit_rgb(data, tmp_path):
    rgba, deep = files(data, 'gt')[:2]
    image = cv2.imread(rgba)
    cv2.imwrite(rgba, np.dstack([image, np.full(image.shape[:2], 7,
                                                np.uint8)]))
    cv2.imwrite(deep, cv2.imread(deep).astype(np.uint16) * 257)
    dataset = train_dataset(data, tmp_path)
    notes = ' '.join(check_dataset(dataset))
    assert 'with an alpha channel' in notes and rgba in notes
    assert '16-bit' in notes and deep in notes
    # the documented behaviour: the stock pipeline reads 8-bit 3-channel
    pipeline = [dict(type='LoadImageFromFile', key='gt')]
    for sample in train_dataset(data, tmp_path, pipeline):
        assert sample['gt'].shape == (64, 64, 3)
        assert sample['gt'].dtype == np.uint8
    strict = [dict(type='LoadImageFromFile', key='gt',
                   color_type='unchanged')]
    with pytest.raises(DataCheckError, match="color_type='unchanged'"):
        check_dataset(train_dataset(data, tmp_path, strict))


def test_a_mask_cache_of_other_images_is_refused(data, tmp_path):
    masks = tmp_path / 'masks'
    for path in files(data, 'gt')[:6]:  # two missing, one of another size
        write_label_map(str(masks / osp.basename(path)),
                        np.ones((64, 64), np.uint16))
    write_label_map(str(masks / osp.basename(files(data, 'gt')[0])),
                    np.ones((32, 48), np.uint16))
    pipeline = [
        dict(type='LoadImageFromFile', key='gt'),
        dict(type='LoadSAMMask', mask_root=str(masks)),
    ]
    with pytest.raises(DataCheckError) as error:
        check_dataset(train_dataset(data, tmp_path, pipeline))
    message = str(error.value)
    assert '2 SAM masks missing' in message
    assert 'do not fit their image (e.g. 32x48, its image is 64x64)' in \
        message
    assert 'generate_sam_masks.py' in message


def test_folders_nobody_reads_need_not_exist():
    from mmsamdistill.datasets.data_check import dataset_folders
    # the inputs are synthesised from the gt: the stock 'img' prefix that
    # the config inherits is never read
    dataset = dict(data_root='root', data_prefix=dict(gt='gt', img='blur'),
                   pipeline=[dict(type='LoadImageFromFile', key='gt'),
                             dict(type='SynthesizeDegradation')])
    assert dataset_folders(dataset) == ['root/gt']
    wrapped = dict(dataset, pipeline=[dict(
        type='WithSAMMasks', pipeline=[dict(type='LoadImageFromFile',
                                            key='img')])])
    assert dataset_folders(wrapped) == ['root/blur', 'root/gt']
    assert dataset_folders(dict(dataset, pipeline=None)) == [
        'root/blur', 'root/gt']


def test_images_the_pipeline_never_loads_are_not_checked(data, tmp_path):
    # inputs synthesised from the gt: the 'img' paths are never read
    shutil.rmtree(data / 'train' / 'lq')
    dataset = train_dataset(data, tmp_path, pipeline=[
        dict(type='LoadImageFromFile', key='gt'),
        dict(type='SynthesizeDegradation', kind='noise'),
        dict(type='PackInputs')])
    assert check_dataset(dataset) == []
