import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmsamdistill.models import SGRLoss, VGGFeatureExtractor
from mmsamdistill.models.losses.vgg_feature_extractor import vgg_layer_names


class _Identity(nn.Module):
    """A feature extractor that returns its input: relations by hand."""

    def forward(self, x):
        return x


def sgr_with_identity(**kwargs):
    loss = SGRLoss(network=dict(type='VGGFeatureExtractor', pretrained=None),
                   **kwargs)
    loss.network.module = _Identity()
    return loss


def two_region_masks(batch=1, size=4):
    masks = torch.zeros(batch, 2, size, size)
    masks[:, 0, :, :size // 2] = 1
    masks[:, 1, :, size // 2:] = 1
    return masks


def test_hand_computed_value_for_two_masks():
    masks = two_region_masks()
    student = torch.zeros(1, 2, 4, 4)
    student[:, 0, :, :2] = 1  # prototype of mask 0: (1, 0)
    student[:, 1, :, 2:] = 1  # prototype of mask 1: (0, 1) -> cos 0
    teacher = torch.zeros(1, 2, 4, 4)
    teacher[:, 0] = 1  # both prototypes (1, 0) -> cos 1
    teacher[:, 1, :, 2:] = 1  # mask 1: (1, 1) -> cos with (1, 0) = 1/sqrt2
    loss = sgr_with_identity(loss_weight=1.0)(student, teacher, masks)
    # pairs (0,1) and (1,0): (0 - 1/sqrt2)^2 each, over N^2 - N = 2
    assert loss.item() == pytest.approx(0.5, abs=1e-5)


def test_fewer_than_two_valid_masks_add_zero_not_nan():
    student = torch.rand(3, 3, 16, 16, requires_grad=True)
    teacher = torch.rand(3, 3, 16, 16)
    masks = torch.zeros(3, 4, 16, 16)
    masks[1, 0] = 1  # one mask; image 0 has none
    masks[2, :2] = two_region_masks(size=16)[0]  # two masks
    loss_fn = sgr_with_identity(loss_weight=1.0)
    loss = loss_fn(student, teacher, masks)
    assert torch.isfinite(loss)
    only_third = loss_fn(student[2:], teacher[2:], masks[2:])
    assert loss.item() == pytest.approx(only_third.item() / 3, rel=1e-5)
    loss.backward()
    assert torch.isfinite(student.grad).all()
    empty = loss_fn(student[:2], teacher[:2], masks[:2])
    assert empty.item() == 0.0


def test_padded_masks_are_ignored_through_valid():
    student, teacher = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
    masks = two_region_masks(size=8)
    padded = torch.cat([masks, torch.zeros(1, 3, 8, 8)], dim=1)
    loss_fn = sgr_with_identity(loss_weight=1.0)
    plain = loss_fn(student, teacher, masks)
    assert loss_fn(student, teacher, padded).item() == pytest.approx(
        plain.item(), rel=1e-4)
    valid = torch.tensor([[True, True, False, False, False]])
    padded[0, 2] = 1  # a real mask marked invalid is ignored too
    assert loss_fn(student, teacher, padded, valid).item() == pytest.approx(
        plain.item(), rel=1e-4)


def test_literal_pooling_is_zero_for_a_partition():
    student, teacher = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    masks = two_region_masks(batch=2, size=8)
    loss = sgr_with_identity(pooling='none')(student, teacher, masks)
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    overlapping = masks.clone()
    overlapping[:, 1] = 1
    literal = sgr_with_identity(pooling='none', loss_weight=1.0)(
        student, teacher, overlapping)
    masked_s = (student[:, None] * overlapping[:, :, None]).flatten(2)
    masked_t = (teacher[:, None] * overlapping[:, :, None]).flatten(2)
    cos_s = F.cosine_similarity(masked_s[:, 0], masked_s[:, 1], dim=1)
    cos_t = F.cosine_similarity(masked_t[:, 0], masked_t[:, 1], dim=1)
    assert literal.item() == pytest.approx(
        ((cos_s - cos_t)**2).mean().item(), rel=1e-4)


def test_gradient_reaches_student_only_and_vgg_stays_frozen():
    loss_fn = SGRLoss(network=dict(type='VGGFeatureExtractor', pretrained=None))
    student = torch.rand(2, 3, 32, 32, requires_grad=True)
    teacher = torch.rand(2, 3, 32, 32, requires_grad=True)
    masks = two_region_masks(batch=2, size=32)
    loss_fn(student, teacher, masks).backward()
    assert student.grad.abs().sum() > 0
    assert teacher.grad is None
    vgg = loss_fn.network.module
    assert all(p.grad is None and not p.requires_grad
               for p in vgg.parameters())
    assert not vgg.training
    assert list(loss_fn.parameters()) == []  # not in any optimizer


def test_vgg_extractor_shapes_layers_and_grayscale():
    vgg = VGGFeatureExtractor(arch='vgg19', layer='relu4_4', pretrained=None)
    assert vgg(torch.rand(1, 3, 64, 48)).shape == (1, 512, 8, 6)
    assert vgg(torch.rand(1, 1, 64, 48)).shape == (1, 512, 8, 6)
    names = vgg_layer_names(
        __import__('torchvision').models.vgg16().features)
    assert names[22] == 'relu4_3' and names[-1] == 'pool5'
    with pytest.raises(ValueError, match='relu4_3'):
        VGGFeatureExtractor(layer='relu9_9', pretrained=None)


def test_vgg_loads_a_torchvision_state_dict_file(tmp_path):
    import torchvision
    source = torchvision.models.vgg16()
    path = str(tmp_path / 'vgg16.pth')
    torch.save(source.state_dict(), path)
    vgg = VGGFeatureExtractor(pretrained=path)
    assert torch.equal(vgg.features[0].weight, source.features[0].weight)
    torch.save({'other.weight': torch.zeros(1)}, path)
    with pytest.raises(KeyError, match='not a torchvision VGG'):
        VGGFeatureExtractor(pretrained=path)


def test_is_vectorised_for_many_masks():
    # 64 masks in one call, one image each: finite and symmetric in inputs.
    labels = torch.arange(64).view(8, 8).repeat_interleave(4, 0)
    labels = labels.repeat_interleave(4, 1)
    masks = F.one_hot(labels, 64).permute(2, 0, 1)[None].float()
    x = torch.rand(1, 3, 32, 32)
    loss_fn = sgr_with_identity(loss_weight=1.0)
    assert loss_fn(x, x, masks).item() == pytest.approx(0.0, abs=1e-10)
    assert math.isfinite(loss_fn(x, torch.rand(1, 3, 32, 32), masks).item())


def test_mobilenet_v2_features_are_learned_frozen_and_serve_sgr():
    from mmsamdistill.models import MobileNetV2FeatureExtractor
    extractor = MobileNetV2FeatureExtractor(layer='features.6',
                                            input_scale=2.0)
    assert extractor(torch.rand(1, 3, 32, 48)).shape == (1, 32, 8, 12)
    assert extractor(torch.rand(1, 1, 32, 32)).shape == (1, 32, 8, 8)
    extractor.train()
    assert not extractor.training
    assert not any(p.requires_grad for p in extractor.parameters())
    loss_fn = SGRLoss(network=dict(type='MobileNetV2FeatureExtractor'),
                      loss_weight=1.0)
    student = torch.rand(2, 3, 32, 32, requires_grad=True)
    teacher = torch.rand(2, 3, 32, 32)
    masks = torch.zeros(2, 3, 32, 32)
    masks[:, 0, :16], masks[:, 1, 16:, :16], masks[:, 2, 16:, 16:] = 1, 1, 1
    value = loss_fn(student, teacher, masks)
    assert float(value) > 0
    value.backward()
    assert student.grad.abs().sum() > 0
    # learned features: the same image scores far closer than another one
    same = loss_fn(teacher.clone().requires_grad_(), teacher, masks)
    assert float(same) < 1e-6 < float(value)
    with pytest.raises(ValueError, match='1 or 3 channel'):
        extractor(torch.rand(1, 2, 32, 32))
