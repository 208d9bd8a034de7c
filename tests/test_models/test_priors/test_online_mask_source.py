import numpy as np
import pytest
import torch
from mmengine.dataset import Compose

from mmsamdistill.models.priors import OnlineMaskSource


class IntensityBins:
    """A deterministic mask source: labels = red intensity bins."""

    def __init__(self):
        self.calls = 0

    def generate_batch(self, images):
        self.calls += len(images)
        return [(image[..., 0] // 64 + 1).astype(np.uint16) for image in images]


def test_interval_one_segments_every_batch():
    source = OnlineMaskSource(IntensityBins(), interval=1)
    images = torch.rand(3, 3, 8, 8)
    for step in range(2):
        labels = source(images, step)
    assert labels.shape == (3, 1, 8, 8) and source.generator.calls == 6
    expected = (images[:, :1] * 255).round().to(torch.uint8) // 64 + 1
    assert torch.equal(labels, expected.long())


def test_reused_masks_follow_the_view_through_crop_and_flip():
    rng = np.random.default_rng(0)
    original = rng.random((3, 32, 32)).astype(np.float32)
    rows, cols = np.meshgrid(np.arange(32), np.arange(32), indexing='ij')
    coords = np.stack([rows, cols]).astype(np.int32)

    def view(top, left, flip):
        img, crd = (original[:, top:top + 16, left:left + 16],
                    coords[:, top:top + 16, left:left + 16])
        if flip:
            img, crd = img[..., ::-1], crd[..., ::-1]
        return (torch.from_numpy(img.copy())[None],
                torch.from_numpy(crd.copy())[None])

    source = OnlineMaskSource(IntensityBins(), interval=4)
    first, first_coords = view(0, 0, False)
    source(first, 0, ['a'], first_coords)  # refresh: segments
    second, second_coords = view(8, 8, True)
    reused = source(second, 1, ['a'], second_coords)[0, 0].numpy()
    assert source.generator.calls == 1  # reused, not segmented
    fresh = IntensityBins().generate_batch(
        [(second[0].permute(1, 2, 0).numpy() * 255).round().astype(
            np.uint8)])[0]
    overlap = (second_coords[0, 0] < 16) & (second_coords[0, 1] < 16)
    assert overlap.any() and (~overlap).any()
    assert np.array_equal(reused[overlap.numpy()], fresh[overlap.numpy()])
    assert (reused[~overlap.numpy()] == 0).all()
    source(second, 4, ['a'], second_coords)  # the next refresh
    source(second, 5, ['b'], second_coords)  # a new sample: segmented
    assert source.generator.calls == 3


def test_reuse_without_coordinate_maps_says_what_to_add():
    source = OnlineMaskSource(IntensityBins(), interval=2)
    with pytest.raises(KeyError, match='GenerateCoordinateMap'):
        source(torch.rand(1, 3, 8, 8), 0)
    with pytest.raises(ValueError, match='mask_interval'):
        OnlineMaskSource(IntensityBins(), interval=0)


def test_coordinate_map_moves_with_the_images():
    keys = ['img', 'gt', 'coords']
    pipeline = Compose([
        dict(type='GenerateCoordinateMap'),
        dict(type='Flip', keys=keys, flip_ratio=1.0, direction='horizontal'),
        dict(type='RandomTransposeHW', keys=keys, transpose_ratio=1.0),
        dict(type='SetValues', dictionary=dict(scale=1)),
        dict(type='PairedRandomCropWithMasks', gt_patch_size=8,
             extra_keys=['coords']),
    ])
    gt = np.random.default_rng(0).integers(0, 255, (20, 24, 3), np.uint8)
    out = pipeline(dict(img=gt.copy(), gt=gt.copy(), img_path='x',
                        gt_path='x'))
    rows, cols = out['coords'][..., 0], out['coords'][..., 1]
    assert np.array_equal(out['gt'], gt[rows, cols])
