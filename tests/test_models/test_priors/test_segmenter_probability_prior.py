"""SegmenterProbabilityPrior: soft class maps as prior channels."""
import copy

import pytest
import torch
import torch.nn as nn
from mmagic.registry import MODELS
from mmagic.structures import DataSample

from mmsamdistill.models.priors import SegmenterProbabilityPrior
from tests.helpers import TINY_GENERATORS


class TinySegmenter(nn.Module):
    """Three 'classes' from the colour channels: a stand-in segmenter."""

    def __init__(self):
        super().__init__()
        self.head = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            self.head.weight.copy_(10 * torch.eye(3).view(3, 3, 1, 1))
            self.head.bias.zero_()

    def forward(self, images):
        self.last_size = tuple(images.shape[-2:])
        return self.head(images)


if 'TinySegmenter' not in MODELS.module_dict:
    MODELS.register_module(module=TinySegmenter)


def test_probabilities_sum_to_one_follow_the_image_and_mark_absent_classes():
    prior = SegmenterProbabilityPrior(
        dict(type='TinySegmenter'), num_channels=3, input_scale=2.0,
        min_mass=0.2)
    images = torch.zeros(2, 3, 8, 8)
    images[0, 0] = 1.0  # red: class 0 everywhere
    images[1, 1, :, :4] = 1.0  # half green, half black (uniform)
    probs, valid = prior(images)
    assert probs.shape == (2, 3, 8, 8)
    assert torch.allclose(probs.sum(dim=1), torch.ones(2, 8, 8), atol=1e-5)
    assert prior.segmenter.module.last_size == (16, 16)  # input_scale
    assert float(probs[0, 0].min()) > 0.99
    assert valid[0].tolist() == [True, False, False]
    assert valid[1, 1]
    gray = prior(torch.rand(1, 1, 8, 8))[0]
    assert gray.shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match='num_channels=4'):
        SegmenterProbabilityPrior(dict(type='TinySegmenter'),
                                  num_channels=4)(images)


def _restorer(**kwargs):
    torch.manual_seed(0)
    cfg = dict(
        type='CascadeDistillRestorer',
        generator=copy.deepcopy(TINY_GENERATORS['NAFNet']),
        pixel_loss=dict(type='L1Loss'),
        sgr_loss=None,
        num_masks=3,
        mask_source=dict(type='SegmenterProbabilityPrior',
                         segmenter=dict(type='TinySegmenter'),
                         num_channels=3),
        data_preprocessor=dict(
            type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_the_restorer_trains_and_scores_ir2_with_the_soft_prior():
    model = _restorer()
    samples = [DataSample(gt_img=torch.randint(0, 256, (3, 16, 16),
                                               dtype=torch.uint8))
               for _ in range(2)]
    data = model.data_preprocessor(
        dict(inputs=[s.gt_img.clone() for s in samples],
             data_samples=samples), training=True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert {'loss_recon1', 'loss_recon2', 'loss_spd'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    masks, valid = model.batch_masks(data['inputs'], data['data_samples'])
    assert masks.shape == (2, 3, 16, 16) and valid.shape == (2, 3)
    # no cached masks in the batch: the prior comes from IR1's output
    out = model(data['inputs'], data['data_samples'], mode='predict')
    assert all('teacher_pred_img' in sample.output for sample in out)


def test_num_masks_must_match_the_classes():
    with pytest.raises(ValueError, match='set num_masks=3'):
        _restorer(num_masks=16)
