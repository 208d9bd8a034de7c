"""The demo data: split by photo, deterministic, reused."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmsamdistill.data_preparation import (DEMO_TEST_PHOTOS,
                                           DEMO_TRAIN_PHOTOS, build_demo_data)


def tile_photo_name(tile_name: str) -> str:
    """The photo of a tile named ``<photo>_<row>_<col>.png``."""
    return osp.splitext(tile_name)[0].rsplit('_', 2)[0]


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo_data'))
    return root, build_demo_data(root, ('rain', 'noise'))


def test_test_tiles_never_share_a_photo_with_training(built):
    root, meta = built
    assert not set(DEMO_TRAIN_PHOTOS) & set(DEMO_TEST_PHOTOS)
    train = {tile_photo_name(n) for n in os.listdir(f'{root}/train/gt')}
    test = {tile_photo_name(n) for n in os.listdir(f'{root}/test/gt')}
    assert train <= set(DEMO_TRAIN_PHOTOS) and test == set(DEMO_TEST_PHOTOS)
    assert not train & test
    assert meta['num_images']['test'] >= 32
    assert meta['num_images']['train'] >= 100
    assert sorted(os.listdir(f'{root}/test/gt')) == meta['tiles']['test']
    # no degraded training inputs: they are synthesised on the fly
    assert sorted(os.listdir(f'{root}/train')) == ['gt']
    image = cv2.imread(osp.join(root, 'test', 'gt', meta['tiles']['test'][0]))
    assert image.shape == (128, 128, 3)
    with pytest.raises(ValueError, match='in both splits'):
        build_demo_data(root, train_photos=('coffee', ),
                        test_photos=('coffee', ))


def test_fixed_test_degradations_are_deterministic_and_reused(built, tmp_path):
    root, meta = built
    assert sorted(meta['test_lq']) == ['noise', 'rain']
    names = meta['tiles']['test']
    assert sorted(os.listdir(f'{root}/test/lq_rain')) == names
    first = cv2.imread(f'{root}/test/lq_rain/{names[0]}')
    mtime = os.stat(f'{root}/test/lq_rain/{names[0]}').st_mtime_ns
    # asked again (and for blur too): rain is reused as is, blur is added
    again = build_demo_data(root, ('rain', 'blur'))
    assert os.stat(f'{root}/test/lq_rain/{names[0]}').st_mtime_ns == mtime
    assert sorted(again['test_lq']) == ['blur', 'noise', 'rain']
    # another machine (a fresh build) writes the same files
    other = str(tmp_path / 'other')
    build_demo_data(other, ('rain', ))
    assert np.array_equal(cv2.imread(f'{other}/test/lq_rain/{names[0]}'),
                          first)
    # tiles differ in their degradation parameters
    params = meta['test_lq']['rain']['params']
    assert len({p['angle'] for p in params.values()}) == len(names)
