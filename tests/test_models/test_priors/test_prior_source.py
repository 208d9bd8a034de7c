"""PriorSource: cached, online or soft prior channels, and its errors."""
import pytest
import torch
from mmagic.structures import DataSample

from mmsamdistill.models import PriorSource


def source(kind='cache', **kwargs):
    args = dict(num_masks=3, mask_key='sam_mask', coords_key='coords',
                mask_interval=1)
    args.update(kwargs)
    return PriorSource(kind, **args)


def test_cached_label_maps_become_channels_at_the_output_size():
    labels = torch.tensor([[[1, 1], [2, 0]]])
    samples = DataSample.stack([DataSample(sam_mask=labels)])
    masks, valid = source()(torch.rand(1, 3, 4, 4), samples, 0)
    assert masks.shape == (1, 3, 4, 4)  # nearest-resized to IR1's output
    assert valid.tolist() == [[True, True, False]]
    assert source().available(samples)
    assert not source().available(DataSample.stack([DataSample()]))


def test_a_batch_without_masks_says_how_to_load_them():
    samples = DataSample.stack([DataSample(gt_img=torch.zeros(3, 2, 2))])
    with pytest.raises(KeyError, match='WithSAMMasks'):
        source()(torch.rand(1, 3, 2, 2), samples, 0)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="mask_source must be 'cache'"):
        source('sam')
    with pytest.raises(ValueError, match='mask_interval applies to online'):
        source(mask_interval=5)
    with pytest.raises(ValueError, match='num_masks must be >= 1'):
        source(num_masks=0)
