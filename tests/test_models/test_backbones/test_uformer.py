"""Uformer: the paper's sizes, any input size, training, and the cascade."""
import copy

import pytest
import torch
from mmagic.registry import MODELS
from mmagic.structures import DataSample

from mmsamdistill.models import FUSION_PRESETS
from mmsamdistill.models.backbones.uformer import (LeWinBlock, Uformer,
                                                   shifted_window_mask)
from tests.helpers import TINY_GENERATORS, activate_teacher

TINY = TINY_GENERATORS['Uformer']


def num_params(module):
    return sum(p.numel() for p in module.parameters())


# Uformer paper (CVPR 2022), Table 1: Uformer-T/S/B parameters. Built on
# the meta device: the full structure without allocating or initialising it.
@pytest.mark.parametrize('arch,millions',
                         [('T', 5.23), ('S', 20.63), ('B', 50.88)])
def test_full_sizes_match_the_papers_parameter_counts(arch, millions):
    with torch.device('meta'):
        model = MODELS.build(dict(type='Uformer', arch=arch))
    assert round(num_params(model) / 1e6, 2) == millions


def test_modulator_adds_one_window_bias_per_decoder_block():
    with torch.device('meta'):
        plain = Uformer(arch='T')
        modulated = Uformer(arch='T', modulator=True)
    # 8x8 windows; decoder widths 16C, 8C, 4C, 2C with C = 16, 2 blocks each.
    extra = 64 * 2 * (256 + 128 + 64 + 32)
    assert num_params(modulated) - num_params(plain) == extra
    assert not any('modulator' in n for n, _ in plain.named_parameters())


def test_overrides_take_precedence_over_the_preset():
    model = Uformer(arch='B', embed_dim=8, depths=[1] * 9, win_size=4)
    assert model.embed_dim == 8 and model.depths == [1] * 9
    assert len(model.decoders[0].blocks) == 1
    assert model.decoders[0].blocks[0].modulator.shape == (16, 128)


@pytest.mark.parametrize('kwargs,match', [
    (dict(arch='L'), 'arch'),
    (dict(depths=[2] * 8), '9 depths'),
    (dict(embed_dim=12, num_heads=[8] * 9), 'divisible'),
    (dict(pad_mode='circular'), 'pad_mode'),
])
def test_bad_sizes_say_what_to_change(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Uformer(**kwargs)


@pytest.mark.parametrize('size', [(37, 45), (64, 64), (5, 70)])
def test_any_input_size_is_padded_and_cropped_back(size):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(TINY)).eval()
    x = torch.rand(2, 3, *size)
    with torch.no_grad():
        out = model(x)
    assert out.shape == x.shape and torch.isfinite(out).all()


def test_output_is_input_plus_the_projection():
    model = MODELS.build(copy.deepcopy(TINY)).eval()
    torch.nn.init.zeros_(model.output_proj.weight)
    torch.nn.init.zeros_(model.output_proj.bias)
    x = torch.rand(1, 3, 20, 24)
    with torch.no_grad():
        assert torch.equal(model(x), x)


def test_shifted_windows_attend_within_their_shifted_region():
    torch.manual_seed(0)
    win = 4
    block = LeWinBlock(dim=8, num_heads=2, win_size=win, shift=True).eval()
    block.mlp.forward = lambda x, hw: torch.zeros_like(x)  # attention only
    stage_mask = shifted_window_mask((8, 8), win, win // 2, 'cpu')
    x = torch.rand(1, 64, 8)
    moved = x.clone()
    moved[0, 0, 0] += 1.  # pixel (0, 0), one channel (LayerNorm'd)
    with torch.no_grad():
        delta = (block(moved, (8, 8), stage_mask) -
                 block(x, (8, 8), stage_mask)).abs().sum(-1).view(8, 8)
    # Shifted by 2, pixel (0, 0) shares its window with the bottom-right
    # corner, but the mask keeps it with the top-left 2x2 corner only.
    changed = delta > 1e-6
    expected = torch.zeros(8, 8, dtype=torch.bool)
    expected[:2, :2] = True
    assert torch.equal(changed, expected)
    # Unshifted, the whole top-left 4x4 window sees the change.
    block.shift = False
    with torch.no_grad():
        delta = (block(moved, (8, 8)) - block(x, (8, 8))).abs().sum(-1)
    expected = torch.zeros(8, 8, dtype=torch.bool)
    expected[:4, :4] = True
    assert torch.equal(delta.view(8, 8) > 1e-6, expected)


def test_tiny_uformer_fits_a_fixed_batch():
    torch.manual_seed(0)
    # 2x2 windows: 32-pixel images need no padding; the first and last
    # stages have a shifted block.
    model = MODELS.build(
        dict(TINY, win_size=2, depths=[2, 1, 1, 1, 1, 1, 1, 1, 2]))
    loss_fn = MODELS.build(dict(type='CharbonnierLoss', eps=1e-6))
    gt = torch.rand(2, 3, 32, 32)
    lq = 0.6 * gt + 0.3  # low contrast, brightened
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(6):
        loss = loss_fn(model(lq), gt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


def cascade():
    torch.manual_seed(0)
    # SGR only reads the output images, whatever the generator; it is left
    # out to keep the test fast (tests/test_models/test_editors covers it).
    return MODELS.build(
        dict(
            type='CascadeDistillRestorer',
            generator=copy.deepcopy(TINY),
            pixel_loss=dict(type='CharbonnierLoss', eps=1e-6),
            sgr_loss=None,
            num_masks=4,
            data_preprocessor=dict(
                type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3)))


def batch(model, size=32):
    torch.manual_seed(1)
    samples = [
        DataSample(
            gt_img=torch.randint(0, 256, (3, size, size), dtype=torch.uint8),
            sam_mask=torch.randint(0, 6, (1, size, size), dtype=torch.int32))
        for _ in range(2)
    ]
    data = model.data_preprocessor(
        dict(inputs=[s.gt_img.clone() for s in samples],
             data_samples=samples),
        training=True)
    return data['inputs'], data['data_samples']


def test_cascade_fuses_every_stage_and_trains_every_spf_unit():
    model = cascade()
    assert model.teacher.spf.fusion_points == [
        'input_proj', 'encoders.0', 'encoders.1', 'encoders.2', 'encoders.3',
        'bottleneck', 'decoders.0', 'decoders.1', 'decoders.2', 'decoders.3'
    ]
    assert FUSION_PRESETS['Uformer'] == [
        'input_proj', 'encoders.*', 'bottleneck', 'decoders.*'
    ]
    inputs, samples = batch(model)
    activate_teacher(model)
    losses = model(inputs, samples, mode='loss')
    assert {k for k in losses if k.startswith('loss_')} == {
        'loss_recon1', 'loss_recon2', 'loss_spd'
    }
    assert all(torch.isfinite(v) for v in losses.values())
    losses['loss_recon2'].backward()
    for unit in [model.teacher.spf.input_unit, *model.teacher.spf.units]:
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in unit.parameters())
    assert all(p.grad is None for p in model.generator.parameters())


def test_cascade_predicts_with_ir1_only():
    model = cascade().eval()
    inputs, samples = batch(model, size=24)
    calls = []
    model.teacher.network.register_forward_hook(
        lambda *args: calls.append(1))
    del samples.sam_mask  # with masks, predict also scores IR2
    with torch.no_grad():
        out = model(inputs, mode='tensor')
        assert torch.equal(out, model.generator(inputs))
        predictions = model(inputs, samples, mode='predict')
    assert out.shape == inputs.shape
    assert len(predictions) == 2 and 'pred_img' in predictions[0].output
    assert calls == []


def test_cascade_pads_masks_like_the_padded_input():
    # 24 px is padded to 32 by the tiny Uformer (16 x window 2): the masks
    # must sit on the same pixels of the padded grid, "no mask" in the pad.
    model = cascade()
    inputs, samples = batch(model, size=24)
    student = model.generator(inputs)
    masks, valid = model.batch_masks(student, samples)
    seen = []
    model.teacher.spf.units[0].register_forward_pre_hook(
        lambda module, args: seen.append(args))
    model.teacher(student.detach(), masks, valid)
    guide, feature, unit_masks, _ = seen[0]
    assert feature.shape[-2:] == guide.shape[-2:] == (32, 32)
    assert unit_masks.shape[-2:] == (32, 32)
    assert torch.equal(unit_masks[..., :24, :24], masks)
    assert not unit_masks[..., 24:, :].any()
    assert not unit_masks[..., :, 24:].any()
