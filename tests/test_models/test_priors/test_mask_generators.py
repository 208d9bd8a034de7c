import numpy as np
import pytest
import torch
from mmagic.registry import MODELS
from skimage import data

from mmsamdistill.models import SAM2MaskGenerator, SAMMaskGenerator
from tests.helpers import TINY_SAM_OPTIONS


@pytest.fixture(scope='module')
def photo():
    return np.ascontiguousarray(data.astronaut()[::4, ::4])  # 128 x 128 RGB


@pytest.mark.parametrize('name', ['FelzenszwalbMaskGenerator',
                                  'SLICMaskGenerator'])
def test_classical_sources_give_largest_first_label_maps(name, photo):
    generator = MODELS.build(dict(type=name))
    label_map = generator(photo)
    assert label_map.shape == photo.shape[:2]
    assert label_map.dtype == np.uint16
    areas = np.bincount(label_map.ravel())[1:]
    assert len(areas) > 4 and (np.diff(areas) <= 0).all()
    assert generator.settings()['source'] in ('felzenszwalb', 'slic')


def test_max_side_segments_small_and_returns_full_size(photo):
    generator = MODELS.build(
        dict(type='FelzenszwalbMaskGenerator', max_side=64))
    label_map = generator(photo)
    assert label_map.shape == photo.shape[:2]
    assert generator.settings()['max_side'] == 64


def test_bgr_or_float_input_is_refused_with_the_reason(photo):
    generator = MODELS.build(dict(type='FelzenszwalbMaskGenerator'))
    with pytest.raises(ValueError, match='RGB uint8'):
        generator(photo.astype(np.float32))


def test_tiny_sam_loads_like_a_release_and_segments(tiny_sam_checkpoint,
                                                    photo):
    generator = SAMMaskGenerator(checkpoint=tiny_sam_checkpoint,
                                 **TINY_SAM_OPTIONS)
    saved = torch.load(tiny_sam_checkpoint, weights_only=True)
    loaded = generator.sam.mask_decoder.state_dict()
    key = 'iou_prediction_head.layers.0.weight'
    assert torch.equal(loaded[key], saved[f'mask_decoder.{key}'])
    label_map = generator(photo)
    assert label_map.shape == photo.shape[:2] and label_map.dtype == np.uint16
    assert label_map.max() > 0
    settings = generator.settings()
    assert settings['checkpoint'] == 'sam_tiny.pth'
    assert len(settings['checkpoint_sha256']) == 16
    assert settings['points_per_side'] == 4


def test_batched_embeddings_match_one_by_one(tiny_sam_checkpoint, photo):
    generator = SAMMaskGenerator(checkpoint=tiny_sam_checkpoint,
                                 encoder_batch_size=2, **TINY_SAM_OPTIONS)
    images = [photo, np.ascontiguousarray(photo[:, ::-1])]
    batched = generator.embed(images)
    single = torch.cat([generator.embed([image]) for image in images])
    assert torch.allclose(batched, single, atol=1e-5)
    label_maps = generator.generate_batch(images)
    assert [m.shape for m in label_maps] == [photo.shape[:2]] * 2
    assert all(m.max() > 0 for m in label_maps)


def test_sam_settings_are_checked(tiny_sam_checkpoint):
    with pytest.raises(TypeError, match='points_per_sid'):
        SAMMaskGenerator(model_type='tiny_test', points_per_sid=8)
    with pytest.raises(ValueError, match='vit_h'):
        SAMMaskGenerator(model_type='vit_x')


def test_sam2_without_the_package_says_how_to_get_it(tmp_path):
    try:
        import sam2  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match='pip install sam2'):
            SAM2MaskGenerator('configs/sam2.1/sam2.1_hiera_t.yaml',
                              str(tmp_path / 'none.pt'))
    else:
        with pytest.raises(FileNotFoundError, match='none.pt'):
            SAM2MaskGenerator('configs/sam2.1/sam2.1_hiera_t.yaml',
                              str(tmp_path / 'none.pt'))
