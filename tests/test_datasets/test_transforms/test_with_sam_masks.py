"""WithSAMMasks: any stock train pipeline, masks added, nothing else known."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmagic.datasets.transforms import PairedRandomCrop
from mmagic.registry import DATASETS, TRANSFORMS
from mmengine.config import Config

from mmsamdistill.datasets import write_label_map, write_sidecar
from mmsamdistill.datasets.label_map_io import dataset_folder
from mmsamdistill.datasets.transforms import add_sam_masks
from mmsamdistill.utils import resolve_config_path

NAFNET = 'mmagic::nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py'
LOAD = [dict(type='LoadImageFromFile', key='img'),
        dict(type='LoadImageFromFile', key='gt')]
PACK = [dict(type='PackInputs')]


def stock_pipeline(config):
    return Config.fromfile(
        resolve_config_path(config)).train_dataloader.dataset.pipeline


def test_stock_pipeline_gets_loading_moves_crop_and_packing():
    stock = stock_pipeline(NAFNET)
    before = [dict(t) for t in stock]
    out = add_sam_masks(stock)
    assert [dict(t) for t in stock] == before  # a copy is edited
    types = [t['type'] for t in out]
    assert types == [
        'LoadImageFromFile', 'LoadImageFromFile', 'LoadSAMMask', 'SetValues',
        'Flip', 'Flip', 'RandomTransposeHW', 'PairedRandomCropWithMasks',
        'PackInputs'
    ]
    assert out[2]['image_key'] == 'gt' and out[2]['key'] == 'sam_mask'
    for t in out[4:7]:
        assert t['keys'] == ['img', 'gt', 'sam_mask']
    assert out[7]['gt_patch_size'] == 256
    assert out[7]['extra_keys'] == ['sam_mask']
    assert out[8]['data_keys'] == ['sam_mask']
    # LoadSAMMask arguments pass through, the loader can be another one
    out = add_sam_masks(stock, mask_root='m', on_missing='empty')
    assert out[2]['mask_root'] == 'm' and out[2]['on_missing'] == 'empty'
    out = add_sam_masks(stock, key='coords', loader=dict(
        type='GenerateCoordinateMap', key='coords', ref_key='gt'))
    assert out[2]['type'] == 'GenerateCoordinateMap'
    assert out[7]['extra_keys'] == ['coords']


def test_degradations_stay_and_deterministic_geometry_is_repeated():
    pipeline = LOAD + [
        dict(type='RandomNoise', keys=['img'], params=dict()),
        dict(type='ColorJitter', keys=['gt'], brightness=0.1),
        dict(type='CopyValues', src_keys=['gt'], dst_keys=['img']),
        dict(type='ModCrop', key='gt'),
        dict(type='Resize', keys=['img', 'gt'], scale=0.5),
        dict(type='Crop', keys=['img', 'gt'], crop_size=(8, 8),
             random_crop=False),
        dict(type='RandomApply', transforms=[
            dict(type='Flip', keys=['img', 'gt'])]),
    ] + PACK
    out = add_sam_masks(pipeline)
    types = [t['type'] for t in out]
    assert types[3:6] == ['RandomNoise', 'ColorJitter', 'CopyValues']
    assert out[4]['keys'] == ['gt']  # colour never touches the masks
    assert out[6:8] == [dict(type='ModCrop', key='gt'),
                        dict(type='ModCrop', key='sam_mask')]
    assert out[9] == dict(type='Resize', keys=['sam_mask'], scale=0.5,
                          output_keys=['sam_mask'], interpolation='nearest')
    assert out[10]['keys'] == ['img', 'gt', 'sam_mask']
    assert out[11]['transforms'][0]['keys'] == ['img', 'gt', 'sam_mask']


@pytest.mark.parametrize('transform, why', [
    (dict(type='RandomRotation', keys=['img', 'gt'], degrees=10),
     'bilinear'),
    (dict(type='Crop', keys=['img', 'gt'], crop_size=(8, 8)),
     'separate crop'),
    (dict(type='MyWarp', keys=['gt']), 'does not know'),
])
def test_transforms_masks_cannot_follow_are_named(transform, why):
    with pytest.raises(ValueError, match=why) as err:
        add_sam_masks(LOAD + [transform] + PACK)
    assert transform['type'] in str(err.value)
    assert 'geometric=' in str(err.value)


def test_own_transforms_are_declared():
    warp = dict(type='MyWarp', keys=['img', 'gt'])
    out = add_sam_masks(LOAD + [warp] + PACK, geometric=['MyWarp'])
    assert out[3]['keys'] == ['img', 'gt', 'sam_mask']
    out = add_sam_masks(LOAD + [warp] + PACK, photometric=['MyWarp'])
    assert out[3] == warp
    # not touching the gt, an unknown transform is left alone
    assert add_sam_masks(LOAD + [dict(type='X', keys=['img'])] + PACK)[3] == \
        dict(type='X', keys=['img'])


def test_pipelines_it_cannot_convert():
    with pytest.raises(ValueError, match="LoadImageFromFile\\(key='gt'\\)"):
        add_sam_masks(LOAD[:1] + PACK)
    with pytest.raises(ValueError, match='PackInputs'):
        add_sam_masks(LOAD)
    with pytest.raises(ValueError, match='already adds'):
        add_sam_masks(add_sam_masks(LOAD + PACK))


def test_dataset_folder_is_the_path_minus_the_key():
    assert dataset_folder('data/x/gt/sub/a.png', 'sub/a') == 'data/x/gt'
    assert dataset_folder('data/DFWB/a.png', 'a') == 'data/DFWB'
    assert dataset_folder('data/x/gt/a_x4.png', 'a') == 'data/x/gt'
    assert dataset_folder('a.png', 'a') == '.'


def coded_pair(root, key, gt_size, scale):
    """A gt whose colour encodes each pixel's position, its lq and the label
    map of that position; returns nothing (files under ``root``)."""
    rows, cols = np.meshgrid(np.arange(gt_size), np.arange(gt_size),
                             indexing='ij')
    # blue, green: the position; red: the lq pixel's (constant per block)
    block = (rows // scale * (gt_size // scale) + cols // scale) % 251
    gt = np.stack([rows * 4, cols * 4, block], -1)
    lq = gt[::scale, ::scale]
    labels = (rows * gt_size + cols + 1).astype(np.uint16)
    for folder, image in (('gt', gt), ('lq', lq)):
        path = osp.join(root, folder, key + '.png')
        os.makedirs(osp.dirname(path), exist_ok=True)
        cv2.imwrite(path, image.astype(np.uint8))
    write_label_map(osp.join(root, 'gt_sam_masks', key + '.png'), labels)


@pytest.mark.parametrize('scale', [1, 2])
def test_masks_stay_aligned_through_a_stock_style_pipeline(tmp_path, scale):
    root, size = str(tmp_path / 'data'), 48
    keys = ['sub/a', 'b']  # nested dataset keys: the mask mirrors them
    for key in keys:
        coded_pair(root, key, size, scale)
    with open(osp.join(root, 'meta.txt'), 'w') as f:
        f.write(''.join(f'{k}.png\n' for k in keys))
    write_sidecar(osp.join(root, 'gt_sam_masks'), dict(source='coded'))
    stock = [
        dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
        dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
        dict(type='SetValues', dictionary=dict(scale=scale)),
        dict(type='Flip', keys=['img', 'gt'], direction='horizontal'),
        dict(type='Flip', keys=['img', 'gt'], direction='vertical'),
        dict(type='RandomTransposeHW', keys=['img', 'gt']),
        dict(type='PairedRandomCrop', gt_patch_size=16),
        dict(type='PackInputs')
    ]
    dataset = DATASETS.build(dict(
        type='BasicImageDataset', data_root=root, ann_file='meta.txt',
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=[dict(type='WithSAMMasks', pipeline=stock,
                       expected_meta=dict(source='coded'))]))
    seen = set()
    for seed in range(12):
        np.random.seed(seed)
        sample = dataset[seed % 2]
        gt = sample['data_samples'].gt_img.numpy().astype(int)
        mask = sample['data_samples'].sam_mask[0].numpy()
        lq = sample['inputs'].numpy().astype(int)
        assert gt.shape[1:] == mask.shape == (16, 16)
        # written BGR (rows in blue), loaded RGB
        assert np.array_equal(mask, gt[2] // 4 * size + gt[1] // 4 + 1)
        assert np.array_equal(lq[0], gt[0, ::scale, ::scale])
        seen.add(mask.tobytes())
    assert len(seen) > 6
    assert 'PairedRandomCropWithMasks' in repr(dataset.pipeline)


def test_crop_draws_its_own_window(monkeypatch):
    """The masks never depend on replaying PairedRandomCrop's draws; a
    seeded run still crops where MMagic 1.2.0's crop does."""
    results = dict(img=np.random.rand(20, 24, 3), scale=2)
    results['gt'] = np.random.rand(40, 48, 3)
    results['sam_mask'] = np.arange(40 * 48).reshape(40, 48, 1)
    np.random.seed(3)
    stock = PairedRandomCrop(gt_patch_size=16).transform(
        {k: v.copy() if hasattr(v, 'copy') else v
         for k, v in results.items()})

    def no_replay(*args, **kwargs):
        raise AssertionError('PairedRandomCrop.transform was called')

    monkeypatch.setattr(PairedRandomCrop, 'transform', no_replay)
    crop = TRANSFORMS.build(
        dict(type='PairedRandomCropWithMasks', gt_patch_size=16))
    np.random.seed(3)
    ours = crop.transform(dict(results))
    assert np.array_equal(ours['gt'], stock['gt'])
    assert np.array_equal(ours['img'], stock['img'])
    top, left = divmod(int(ours['sam_mask'][0, 0, 0]), 48)
    assert np.array_equal(ours['gt'], results['gt'][top:top + 16,
                                                    left:left + 16])


def test_the_paper_bases_run_the_converted_pipeline():
    from tests.helpers import REPO
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/gopro.py'))
    wrapper = TRANSFORMS.build(cfg.sam_train_pipeline[0])
    types = [t['type'] for t in wrapper.pipeline]
    assert types[2] == 'LoadSAMMask' and 'PairedRandomCropWithMasks' in types
    assert wrapper.pipeline[4]['gt_patch_size'] == 256
    assert [type(t).__name__ for t in wrapper.transforms] == types


def test_declared_and_scoped_transforms_follow_the_table():
    # a declared transform with one `key` is repeated on the masks
    out = add_sam_masks(LOAD + [dict(type='MyPad', key='gt')] + PACK,
                        geometric=['MyPad'])
    assert out[3:5] == [dict(type='MyPad', key='gt'),
                        dict(type='MyPad', key='sam_mask')]
    with pytest.raises(ValueError, match="no 'keys' or 'key'"):
        add_sam_masks(LOAD + [dict(type='MyPad', gt_key='gt')] + PACK,
                      geometric=['MyPad'])
    # scoped names and classes are looked up by their registered name
    out = add_sam_masks(LOAD + [dict(type='mmagic.Flip', keys=['gt'])] +
                        [dict(type=TRANSFORMS.get('PackInputs'))])
    assert out[3]['keys'] == ['gt', 'sam_mask']
    assert out[4]['data_keys'] == ['sam_mask']
    # CropLike follows a crop of the gt only
    like = dict(type='CropLike', target_key='gt', reference_key='img')
    assert add_sam_masks(LOAD + [like] + PACK)[4] == dict(
        like, target_key='sam_mask')
    with pytest.raises(ValueError, match='does not know'):
        add_sam_masks(LOAD + [dict(like, target_key='img',
                                   reference_key='gt')] + PACK)
    with pytest.raises(ValueError, match='output_keys'):
        add_sam_masks(LOAD + [dict(type='Resize', keys=['gt'],
                                   output_keys=['gt_small'])] + PACK)
