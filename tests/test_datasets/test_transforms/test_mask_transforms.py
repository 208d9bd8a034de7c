"""The SAM label map moves with img and gt through the training pipeline."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmagic.registry import TRANSFORMS
from mmengine.dataset import Compose

from mmsamdistill.datasets import write_label_map, write_sidecar

PALETTE = np.random.default_rng(0).permutation(256)[:64]


def synthetic_sample(folder, name='pic', shape=(48, 40)):
    """An image whose colour encodes its region label, and that label map."""
    rng = np.random.default_rng(1)
    blocks = rng.integers(1, 64, (shape[0] // 8, shape[1] // 8))
    labels = np.kron(blocks, np.ones((8, 8), int)).astype(np.uint16)
    image = np.stack([PALETTE[labels]] * 3, axis=-1).astype(np.uint8)
    for sub in ('gt', 'lq'):
        path = osp.join(folder, sub, f'{name}.png')
        os.makedirs(osp.dirname(path), exist_ok=True)
        cv2.imwrite(path, image)
    write_label_map(osp.join(folder, 'masks', f'{name}.png'), labels)
    return dict(
        img_path=osp.join(folder, 'lq', f'{name}.png'),
        gt_path=osp.join(folder, 'gt', f'{name}.png'))


def pipeline(folder, **mask_kwargs):
    keys = ['img', 'gt', 'sam_mask']
    return Compose([
        dict(type='LoadImageFromFile', key='img'),
        dict(type='LoadImageFromFile', key='gt'),
        dict(type='LoadSAMMask', mask_root=osp.join(folder, 'masks'),
             image_root=osp.join(folder, 'gt'), **mask_kwargs),
        dict(type='SetValues', dictionary=dict(scale=1)),
        dict(type='Flip', keys=keys, flip_ratio=0.5, direction='horizontal'),
        dict(type='Flip', keys=keys, flip_ratio=0.5, direction='vertical'),
        dict(type='RandomTransposeHW', keys=keys, transpose_ratio=0.5),
        dict(type='PairedRandomCropWithMasks', gt_patch_size=24),
        dict(type='PackInputs', data_keys=['sam_mask']),
    ])


def test_crop_flip_transpose_keep_img_gt_and_mask_aligned(tmp_path):
    sample = synthetic_sample(str(tmp_path))
    transform = pipeline(str(tmp_path))
    decode = {int(c): label for label, c in enumerate(PALETTE)}
    seen = set()
    for seed in range(24):
        np.random.seed(seed)
        packed = transform(dict(sample))
        gt = packed['data_samples'].gt_img[0].numpy()
        mask = packed['data_samples'].sam_mask[0].numpy()
        assert packed['inputs'].shape == (3, 24, 24)
        assert np.array_equal(packed['inputs'][0].numpy(), gt)
        assert mask.shape == (24, 24)
        assert np.array_equal(np.vectorize(decode.get)(gt), mask)
        seen.add(mask.tobytes())
    assert len(seen) > 12  # the augmentations really varied


def test_missing_mask_is_an_error_unless_empty_is_asked(tmp_path):
    sample = synthetic_sample(str(tmp_path))
    sample['gt_path'] = sample['gt_path'].replace('pic', 'other')
    cv2.imwrite(sample['gt_path'], np.zeros((48, 40, 3), np.uint8))
    with pytest.raises(FileNotFoundError, match='other.png'):
        pipeline(str(tmp_path))(dict(sample))
    packed = pipeline(str(tmp_path), on_missing='empty')(dict(sample))
    assert packed['data_samples'].sam_mask.sum() == 0


def test_stale_masks_are_detected(tmp_path):
    sample = synthetic_sample(str(tmp_path))
    write_sidecar(str(tmp_path / 'masks'), dict(source='sam', model='vit_b'))
    with pytest.raises(ValueError, match="model: cache has 'vit_b'"):
        pipeline(str(tmp_path), expected_meta=dict(model='vit_h'))(
            dict(sample))
    write_label_map(str(tmp_path / 'masks' / 'pic.png'),
                    np.zeros((10, 10), np.uint16))
    with pytest.raises(ValueError, match='stale'):
        pipeline(str(tmp_path))(dict(sample))


def test_crop_rejects_extra_keys_of_another_size():
    crop = TRANSFORMS.build(
        dict(type='PairedRandomCropWithMasks', gt_patch_size=8))
    results = dict(img=np.zeros((16, 16, 3)), gt=np.zeros((16, 16, 3)),
                   sam_mask=np.zeros((12, 12, 1)), scale=1,
                   img_path='a', gt_path='b')
    with pytest.raises(ValueError, match='sam_mask'):
        crop(results)
