import numpy as np
import pytest
import torch

from mmsamdistill.datasets import (masks_to_label_map, read_label_map,
                                   read_sidecar, write_label_map,
                                   write_sidecar)
from mmsamdistill.models.utils import label_map_to_masks


def test_label_map_paints_largest_first_so_small_masks_survive():
    big = np.ones((4, 4), bool)
    small = np.zeros((4, 4), bool)
    small[0, 0] = True
    label_map = masks_to_label_map([small, big])
    assert label_map.dtype == np.uint16
    assert label_map[0, 0] == 2 and (label_map[1:] == 1).all()
    assert (masks_to_label_map([], shape=(2, 3)) == 0).all()


def test_roundtrip_is_lossless_and_atomic(tmp_path):
    label_map = np.arange(300 * 4, dtype=np.uint16).reshape(30, 40)
    path = str(tmp_path / 'sub' / 'a.png')
    write_label_map(path, label_map)
    assert np.array_equal(read_label_map(path), label_map)
    assert sorted(p.name for p in (tmp_path / 'sub').iterdir()) == ['a.png']
    write_sidecar(str(tmp_path), dict(source='felzenszwalb', scale=50))
    assert read_sidecar(str(tmp_path)) == dict(
        source='felzenszwalb', scale=50)
    assert read_sidecar(str(tmp_path / 'sub')) is None


def test_missing_mask_names_the_file_and_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.png') as error:
        read_label_map(str(tmp_path / 'nope.png'))
    assert 'generate_sam_masks.py' in str(error.value)


def test_label_maps_become_fixed_channels_largest_first():
    labels = torch.tensor([[[0, 1, 1, 1], [2, 2, 3, 4], [4, 4, 4, 4]]])
    # areas: 4 -> 5 px, 1 -> 3 px, 2 -> 2 px, 3 -> 1 px; 0 is uncovered
    masks, valid = label_map_to_masks(labels, num_masks=3)
    assert masks.shape == (1, 3, 3, 4) and valid.tolist() == [[True] * 3]
    assert torch.equal(masks[0, 0], (labels[0] == 4).float())
    assert torch.equal(masks[0, 1], (labels[0] == 1).float())
    merged = ((labels[0] == 2) | (labels[0] == 3)).float()
    assert torch.equal(masks[0, 2], merged)
    assert masks[0, :, 0, 0].sum() == 0  # uncovered pixel: no channel
    masks, valid = label_map_to_masks(labels, num_masks=6)
    assert valid.tolist() == [[True, True, True, True, False, False]]
    empty, valid = label_map_to_masks(torch.zeros(2, 1, 4, 4), 3)
    assert empty.sum() == 0 and not valid.any()
