"""Prototype pooling and the pairing of IR1's and IR2's features."""
import pytest
import torch

from mmsamdistill.models.utils import mask_prototypes, paired_features


def test_mask_prototypes_average_the_features_under_each_mask():
    feats = torch.arange(8.).view(1, 2, 2, 2)
    masks = torch.zeros(1, 2, 2, 2)
    masks[0, 0, 0] = 1  # the top row
    protos = mask_prototypes(feats, masks)
    assert protos.shape == (1, 2, 2)
    assert torch.allclose(protos[0, 0], torch.tensor([0.5, 4.5]), atol=1e-5)
    assert torch.equal(protos[0, 1], torch.zeros(2))  # empty mask: zero


def test_paired_features_checks_count_and_shapes():
    a, b = torch.zeros(1, 4, 8, 8), torch.zeros(1, 2, 8, 8)
    assert len(paired_features([a], [b], 'SGR', same_channels=False)) == 1
    with pytest.raises(ValueError, match='FeatureDistillLoss pairs features'):
        paired_features([a], [b], 'FeatureDistillLoss', same_channels=True)
    with pytest.raises(ValueError, match='same fusion points, got 1 and 0'):
        paired_features([a], [], 'SGR', same_channels=False)
    with pytest.raises(ValueError, match='enable SPF'):
        paired_features([], [], 'SGR', same_channels=False)
    with pytest.raises(ValueError, match='equal shape'):
        paired_features([a], [torch.zeros(1, 4, 4, 4)], 'SGR',
                        same_channels=False)
