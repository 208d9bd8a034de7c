"""CascadeDistillRestorer: losses, gradient routing and the IR1-only paths."""
import copy

import pytest
import torch
from mmagic.registry import MODELS
from mmagic.structures import DataSample
from mmengine.optim import build_optim_wrapper

from tests.helpers import TINY_GENERATORS

VGG = dict(type='VGGFeatureExtractor', pretrained=None)


def build(arch='NAFNet', **kwargs):
    torch.manual_seed(0)
    cfg = dict(
        type='CascadeDistillRestorer',
        generator=copy.deepcopy(TINY_GENERATORS[arch]),
        pixel_loss=dict(type='L1Loss'),
        sgr_loss=dict(type='SGRLoss', vgg=VGG),
        num_masks=4,
        data_preprocessor=dict(
            type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(model, size=32, num=2):
    torch.manual_seed(1)
    samples = []
    for _ in range(num):
        gt = torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
        labels = torch.randint(0, 6, (1, size, size), dtype=torch.int32)
        samples.append(DataSample(gt_img=gt, sam_mask=labels))
    inputs = [s.gt_img.clone() for s in samples]
    data = model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), training=True)
    return data['inputs'], data['data_samples']


def grads(module):
    return [p.grad for p in module.parameters()]


def test_loss_mode_returns_the_four_losses():
    model = build()
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {
        'loss_recon1', 'loss_recon2', 'loss_spd', 'loss_sgr'
    }
    assert all(torch.isfinite(v) for v in losses.values())


def test_distillation_terms_never_reach_ir2_or_spf():
    model = build()
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    (losses['loss_spd'] + losses['loss_sgr']).backward()
    assert all(g is None for g in grads(model.teacher_generator))
    assert all(g is None for g in grads(model.spf))
    assert any(g is not None and g.abs().sum() > 0
               for g in grads(model.generator))


@pytest.mark.parametrize('teacher_input_grad', [False, True])
def test_recon2_trains_ir2_and_every_spf_unit(teacher_input_grad):
    model = build(teacher_input_grad=teacher_input_grad)
    inputs, samples = batch(model)
    model(inputs, samples, mode='loss')['loss_recon2'].backward()
    for unit in [model.spf.input_unit, *model.spf.units]:
        assert any(g is not None and g.abs().sum() > 0 for g in grads(unit))
    assert any(g is not None for g in grads(model.teacher_generator))
    reached_ir1 = any(g is not None for g in grads(model.generator))
    assert reached_ir1 == teacher_input_grad


def test_vgg_is_frozen_and_outside_the_optimizer():
    model = build()
    wrapper = build_optim_wrapper(
        model, dict(type='OptimWrapper', optimizer=dict(type='Adam')))
    in_optimizer = {
        id(p)
        for group in wrapper.optimizer.param_groups for p in group['params']
    }
    vgg = model.sgr_loss.vgg.module
    assert not any(id(p) in in_optimizer for p in vgg.parameters())
    assert not any(k.startswith('sgr_loss') for k in model.state_dict())
    inputs, samples = batch(model)
    model(inputs, samples, mode='loss')['loss_sgr'].backward()
    assert all(p.grad is None for p in vgg.parameters())


def test_tensor_and_predict_modes_run_ir1_only():
    model = build().eval()
    inputs, samples = batch(model)
    calls = []
    model.teacher_generator.register_forward_hook(
        lambda *args: calls.append(1))
    with torch.no_grad():
        out = model(inputs, mode='tensor')
        assert torch.equal(out, model.generator(inputs))
        predictions = model(inputs, samples, mode='predict')
    assert len(predictions) == 2 and 'pred_img' in predictions[0].output
    assert calls == []


def test_ablations_build_without_spf_or_losses():
    model = build(spf=None, sgr_loss=None, spd_loss=None)
    inputs, samples = batch(model)
    assert set(model(inputs, samples, mode='loss')) == {
        'loss_recon1', 'loss_recon2'
    }
    # SGR alone still reads the masks (for the relation), without SPF.
    model = build(spf=None)
    assert 'loss_sgr' in model(inputs, samples, mode='loss')


def test_a_batch_without_masks_says_how_to_add_them():
    model = build()
    inputs, samples = batch(model)
    del samples.sam_mask
    with pytest.raises(KeyError, match='LoadSAMMask'):
        model(inputs, samples, mode='loss')


def test_masks_of_the_low_resolution_input_are_resized():
    model = build()
    inputs, samples = batch(model)
    samples.sam_mask = samples.sam_mask[..., ::2, ::2]
    losses = model(inputs, samples, mode='loss')
    assert torch.isfinite(losses['loss_sgr'])


def test_online_classical_source_segments_ir1_output():
    model = build(mask_source=dict(type='FelzenszwalbMaskGenerator',
                                   min_size=20))
    inputs, samples = batch(model)
    del samples.sam_mask  # online: no cache needed
    losses = model(inputs, samples, mode='loss')
    assert torch.isfinite(losses['loss_sgr']) and losses['loss_sgr'] > 0
    with pytest.raises(ValueError, match='mask generator config'):
        build(mask_source='sam')
