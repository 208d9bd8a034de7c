import copy

import pytest
import torch
import torch.nn as nn
from mmagic.registry import MODELS

from mmsamdistill.models import FUSION_PRESETS, SemanticPriorFusion, SPFUnit
from mmsamdistill.models.necks import (SemanticSelectionAttention,
                                      recorded_features,
                                      resolve_fusion_points)
from mmsamdistill.models.editors.teacher_config import same_size_teacher
from tests.helpers import TINY_GENERATORS


def random_masks(batch=2, num=4, size=32):
    labels = torch.randint(0, num, (batch, size, size))
    masks = torch.nn.functional.one_hot(labels, num).permute(0, 3, 1, 2)
    return masks.float(), torch.ones(batch, num, dtype=torch.bool)


def test_unit_keeps_the_feature_shape_whatever_the_guide_size():
    unit = SPFUnit(guide_channels=5, feat_channels=12)
    masks, valid = random_masks(size=8)  # the caller resizes them once
    feat = torch.rand(2, 12, 8, 8)
    out = unit(torch.rand(2, 5, 16, 16), feat, masks, valid)
    assert out.shape == feat.shape


def test_attention_without_valid_masks_is_finite():
    attention = SemanticSelectionAttention(8)
    masks, valid = random_masks(size=8)
    valid[0] = False
    out = attention(torch.rand(2, 8, 8, 8), masks, valid)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize('arch', sorted(FUSION_PRESETS))
def test_presets_fuse_every_block_and_train_every_unit(arch):
    assert arch in TINY_GENERATORS, 'every preset needs a tested generator'
    torch.manual_seed(0)
    # SPF fuses into IR2, a same-size network (SR generators at scale 1)
    teacher, _ = same_size_teacher(copy.deepcopy(TINY_GENERATORS[arch]))
    network = MODELS.build(teacher).eval()
    spf = SemanticPriorFusion(network, image_channels=3, num_masks=4)
    assert len(spf.units) == len(spf.fusion_points) >= 2
    assert not any(k.startswith('network') for k in spf.state_dict())
    image = torch.rand(2, 3, 32, 32)
    masks, valid = random_masks()
    plain = network(image)
    fused, features = spf(image, masks, valid)  # eval: no drop-path
    assert torch.equal(fused, plain)  # every unit starts as a no-op
    assert len(features) == len(spf.fusion_points)
    for unit in [spf.input_unit, *spf.units]:
        torch.nn.init.normal_(unit.proj.weight, std=0.1)
    fused, _ = spf(image, masks, valid)
    assert fused.shape == plain.shape == image.shape
    assert not torch.allclose(fused, plain)
    # Outside spf(...) the hooks pass through: the generator is untouched.
    assert torch.equal(network(image), plain)
    fused.square().mean().backward()
    for unit in [spf.input_unit, *spf.units]:
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in unit.parameters())


def test_patterns_expand_to_one_path_component():
    network = MODELS.build(copy.deepcopy(TINY_GENERATORS['NAFNet']))
    assert resolve_fusion_points(network, ['encoders.*', 'ending']) == [
        'encoders.0', 'encoders.1', 'ending'
    ]


def test_unknown_fusion_point_lists_valid_names():
    network = MODELS.build(copy.deepcopy(TINY_GENERATORS['NAFNet']))
    with pytest.raises(ValueError, match='encoders.0') as error:
        SemanticPriorFusion(network, 3, 4, fusion_points=['encoder.0'])
    assert 'middle_blks' in str(error.value)


def test_unknown_architecture_needs_explicit_points():
    with pytest.raises(ValueError, match='fusion_points'):
        SemanticPriorFusion(nn.Conv2d(3, 3, 3, padding=1), 3, 4)


def test_a_wrong_channel_count_names_the_setting():
    network = MODELS.build(copy.deepcopy(TINY_GENERATORS['NAFNet']))
    with pytest.raises(RuntimeError, match='image_channels'):
        SemanticPriorFusion(network, image_channels=1, num_masks=4)


def test_recorded_features_leave_no_hooks():
    network = MODELS.build(copy.deepcopy(TINY_GENERATORS['NAFNet']))
    paths = resolve_fusion_points(network, 'auto')
    with recorded_features(network, paths) as features:
        network(torch.rand(1, 3, 32, 32))
    assert len(features) == len(paths)
    network(torch.rand(1, 3, 32, 32))
    assert len(features) == len(paths)


def test_spf_hooks_exist_only_during_its_forward():
    network = MODELS.build(copy.deepcopy(TINY_GENERATORS['NAFNet']))
    spf = SemanticPriorFusion(network, image_channels=3, num_masks=4)
    for unit in [spf.input_unit, *spf.units]:
        torch.nn.init.normal_(unit.proj.weight, std=0.1)
    hooked = [m for m in network.modules() if m._forward_hooks]
    assert not hooked  # the probe and the constructor leave none behind
    image = torch.rand(1, 3, 32, 32)
    masks = (torch.rand(1, 4, 32, 32) > 0.5).float()
    valid = torch.ones(1, 4, dtype=torch.bool)
    with torch.no_grad():
        fused, features = spf(image, masks, valid)
        bare = network(image)
    assert not any(m._forward_hooks for m in network.modules())
    assert len(features) == len(spf.fusion_points)
    assert not torch.allclose(fused, bare)  # the units act inside forward
    with torch.no_grad():  # and a bare call runs the network unfused
        assert torch.equal(network(image), bare)


def test_block_hooks_replace_outputs_in_their_layout():
    from mmsamdistill.models.necks import block_hooks
    network = MODELS.build(copy.deepcopy(TINY_GENERATORS['Uformer']))
    paths = resolve_fusion_points(network, ['bottleneck'])
    seen = []

    def zero(path, feature):
        seen.append((path, feature.dim()))
        return torch.zeros_like(feature)

    image = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        bare = network(image)
        with block_hooks(network, paths, zero):
            changed = network(image)
    assert seen == [('bottleneck', 4)]  # tokens arrive as a (B, C, H, W) map
    assert not torch.allclose(bare, changed)
