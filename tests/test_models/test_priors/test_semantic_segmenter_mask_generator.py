import numpy as np
import pytest
import torch
from mmagic.registry import MODELS
from skimage import data

from mmsamdistill.models import SemanticSegmenterMaskGenerator
from mmsamdistill.models.pretrained import BUNDLED_SHA256

CAT = 8  # PASCAL VOC


@pytest.fixture(scope='module')
def chelsea():
    return data.chelsea()  # 300 x 451 RGB


@pytest.fixture(scope='module')
def generator():
    torch.set_num_threads(1)
    return MODELS.build(
        dict(type='SemanticSegmenterMaskGenerator', device='cpu'))


def test_classes_of_chelsea_are_mostly_one_cat_region(generator, chelsea):
    label_map = generator(chelsea)
    assert label_map.shape == chelsea.shape[:2]
    assert label_map.dtype == np.uint16
    areas = np.bincount(label_map.ravel())[1:]
    assert (np.diff(areas) <= 0).all()  # ranked by area
    assert areas[0] > 0.8 * label_map.size
    classes = generator.class_map(chelsea)
    assert np.all(classes[label_map == 1] == CAT)
    # one mask per class region: as many labels as classes found
    assert len(areas) == len(np.unique(classes))


def test_settings_record_what_changes_the_masks(generator):
    settings = generator.settings()
    assert settings['source'] == 'segmenter'
    assert settings['form'] == 'classes' and settings['input_size'] == 513
    assert settings['checkpoint'] == 'deeplabv3_mnv2_pascal_quant.tflite'
    assert settings['checkpoint_sha256'] == BUNDLED_SHA256[
        'deeplabv3_mnv2_pascal_quant.tflite']
    assert 'scale' not in settings  # Felzenszwalb is not used


def test_classes_by_segments_split_each_class(generator, chelsea):
    by_segments = SemanticSegmenterMaskGenerator(
        form='classes_by_segments', scale=300, device='cpu')
    split = by_segments(chelsea)
    classes = generator(chelsea)
    assert len(np.unique(split)) >= len(np.unique(classes))
    assert len(np.unique(split)) > 5
    for label in np.unique(split):  # each segment lies in one class region
        assert len(np.unique(classes[split == label])) == 1
    settings = by_segments.settings()
    assert settings['form'] == 'classes_by_segments'
    assert (settings['scale'], settings['sigma'],
            settings['min_size']) == (300, 0.8, 50)


def test_half_width_network_and_native_size(chelsea):
    generator = SemanticSegmenterMaskGenerator(
        checkpoint='deeplabv3_mnv2_dm05_pascal_quant.tflite',
        input_size=None, device='cpu')
    small = np.ascontiguousarray(chelsea[::2, ::2])
    label_map = generator(small)
    assert label_map.shape == small.shape[:2]
    assert np.all(generator.class_map(small)[label_map == 1] == CAT)
    assert generator.settings()['input_size'] is None


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='form must be one of'):
        SemanticSegmenterMaskGenerator(form='instances', device='cpu')
    with pytest.raises(ValueError, match='input_size must be'):
        SemanticSegmenterMaskGenerator(input_size=8, device='cpu')
