"""CascadeDistillRestorer: losses, gradient routing and the IR1-only paths."""
import copy

import pytest
import torch
from mmagic.registry import MODELS
from mmagic.structures import DataSample
from mmengine.optim import build_optim_wrapper

from mmsamdistill.models import FUSION_PRESETS
from mmsamdistill.models.editors.semantic_teacher import \
    RESIDUAL_OUTPUT_LAYERS
from tests.helpers import TINY_GENERATORS, activate_teacher

VGG = dict(type='VGGFeatureExtractor', pretrained=None)


def build(arch='NAFNet', **kwargs):
    torch.manual_seed(0)
    cfg = dict(
        type='CascadeDistillRestorer',
        generator=copy.deepcopy(TINY_GENERATORS[arch]),
        pixel_loss=dict(type='L1Loss'),
        sgr_loss=dict(type='SGRLoss', network=VGG),
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


def loss_keys(losses):
    return {k for k in losses if k.startswith('loss_')}


def test_loss_mode_returns_the_four_losses():
    model = build()
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    assert loss_keys(losses) == {
        'loss_recon1', 'loss_recon2', 'loss_spd', 'loss_sgr'
    }
    assert all(torch.isfinite(v) for v in losses.values())


def test_distillation_terms_never_reach_ir2_or_spf():
    model = build()
    activate_teacher(model)
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    (losses['loss_spd'] + losses['loss_sgr']).backward()
    assert all(g is None for g in grads(model.teacher.network))
    assert all(g is None for g in grads(model.teacher.spf))
    assert any(g is not None and g.abs().sum() > 0
               for g in grads(model.generator))


@pytest.mark.parametrize('teacher_input_grad', [False, True])
def test_recon2_trains_ir2_and_every_spf_unit(teacher_input_grad):
    model = build(teacher_input_grad=teacher_input_grad)
    activate_teacher(model)
    inputs, samples = batch(model)
    model(inputs, samples, mode='loss')['loss_recon2'].backward()
    for unit in [model.teacher.spf.input_unit, *model.teacher.spf.units]:
        assert any(g is not None and g.abs().sum() > 0 for g in grads(unit))
    assert any(g is not None for g in grads(model.teacher.network))
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
    vgg = model.sgr_loss.network.module
    assert not any(id(p) in in_optimizer for p in vgg.parameters())
    assert not any(k.startswith('sgr_loss') for k in model.state_dict())
    inputs, samples = batch(model)
    model(inputs, samples, mode='loss')['loss_sgr'].backward()
    assert all(p.grad is None for p in vgg.parameters())


def test_tensor_and_predict_modes_run_ir1_only():
    model = build().eval()
    inputs, samples = batch(model)
    calls = []
    model.teacher.network.register_forward_hook(
        lambda *args: calls.append(1))
    del samples.sam_mask  # with masks, predict also scores IR2 (below)
    with torch.no_grad():
        out = model(inputs, mode='tensor')
        assert torch.equal(out, model.generator(inputs))
        predictions = model(inputs, samples, mode='predict')
    assert len(predictions) == 2 and 'pred_img' in predictions[0].output
    assert 'teacher_pred_img' not in predictions[0].output
    assert calls == []


def test_predict_with_masks_adds_the_teacher_under_its_own_key():
    model = build().eval()
    activate_teacher(model)
    inputs, samples = batch(model)
    with torch.no_grad():
        student = model(inputs, samples.clone(), mode='predict')
        both = model(inputs, samples, mode='predict')
    for alone, pair in zip(student, both):
        assert torch.equal(alone.output.pred_img, pair.output.pred_img)
        assert pair.output.teacher_pred_img.shape == alone.output.pred_img.shape
        assert not torch.equal(pair.output.teacher_pred_img,
                               pair.output.pred_img)


@pytest.mark.parametrize('arch', sorted(FUSION_PRESETS))
@pytest.mark.parametrize('init', ['auto', 'gate'])
@pytest.mark.parametrize('with_spf', [True, False])
def test_the_teacher_starts_as_the_identity(arch, init, with_spf):
    spf = dict(type='SemanticPriorFusion', probe_size=32) if with_spf \
        else None
    model = build(arch, spf=spf, sgr_loss=None, teacher_init=init,
                  pixel_loss=dict(type='L1Loss'))
    assert (model.teacher.gate is None) == (
        init == 'auto' and arch in RESIDUAL_OUTPUT_LAYERS)
    inputs, samples = batch(model)
    model.train()
    student = model.generator(inputs)
    masks, valid = model.batch_masks(student, samples)
    teacher, _ = model.teacher(student.detach(), masks, valid)
    assert torch.equal(teacher, student.detach())


@pytest.mark.parametrize('arch', ['NAFNet', 'RRDBNet', 'RCDNet'])
def test_the_runners_weight_init_keeps_the_teacher_the_identity(arch):
    model = build(arch, sgr_loss=None, pixel_loss=dict(type='L1Loss'))
    activate_teacher(model)  # as if a generator's init_weights re-drew it
    model.init_weights()  # what mmengine's runner calls before load_from
    inputs, samples = batch(model)
    with torch.no_grad():
        student = model.generator(inputs)
        masks, valid = model.batch_masks(student, samples)
        teacher, _ = model.teacher(student, masks, valid)
    assert torch.equal(teacher, student)


def test_zero_output_needs_a_residual_generator():
    with pytest.raises(ValueError, match="'gate'"):
        build('RCDNet', teacher_init='zero_output', sgr_loss=None)


def test_spf_units_start_as_no_ops():
    model = build(teacher_init='none')
    model.eval()
    inputs, samples = batch(model)
    with torch.no_grad():
        student = model.generator(inputs)
        masks, valid = model.batch_masks(student, samples)
        fused, features = model.teacher.spf(student, masks, valid)
        assert torch.equal(fused, model.teacher.network(student))
    assert len(features) == len(model.teacher.spf.fusion_points)


def test_a_stock_checkpoint_initialises_both_networks():
    stock = MODELS.build(dict(
        type='BaseEditModel', generator=copy.deepcopy(
            TINY_GENERATORS['NAFNet']), pixel_loss=dict(type='L1Loss')))
    model = build()
    from mmengine.runner.checkpoint import load_state_dict
    load_state_dict(model, stock.state_dict(), strict=False)
    assert model.teacher.output_layer == 'ending'
    for name, value in stock.generator.state_dict().items():
        assert torch.equal(model.generator.state_dict()[name], value)
        teacher = model.teacher.network.state_dict()[name]
        if name.startswith('ending.'):  # zeroed: IR2 starts as identity
            assert not teacher.any()
        else:
            assert torch.equal(teacher, value)
    # a cascade checkpoint keeps its own teacher
    trained = build()
    torch.nn.init.constant_(trained.teacher.network.ending.weight, 0.5)
    model.load_state_dict(trained.state_dict())
    assert torch.equal(model.teacher.network.ending.weight,
                       trained.teacher.network.ending.weight)


def test_schedule_delays_and_ramps_the_distillation():
    model = build(distill_weights=dict(start_iter=2, ramp_iters=2))
    inputs, samples = batch(model)
    ramps = []
    from mmengine.logging import MessageHub
    hub = MessageHub.get_current_instance()
    for iteration in range(5):  # as the runner's RuntimeInfoHook sets it
        hub.update_info('iter', iteration)
        losses = model(inputs, samples, mode='loss')
        ramps.append(float(losses['distill_ramp']))
        assert ('loss_spd' in losses) == (ramps[-1] > 0)
    assert ramps == [0, 0, 0.5, 1, 1]


def test_schedule_reads_the_runner_iteration():
    from mmengine.logging import MessageHub
    model = build(distill_weights=dict(start_iter=10))
    inputs, samples = batch(model)
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 12)  # as after --resume at iteration 12
    try:
        assert 'loss_spd' in model(inputs, samples, mode='loss')
    finally:
        hub.update_info('iter', None)


@pytest.mark.parametrize('pixel_loss', [
    dict(type='L1Loss'), dict(type='MSELoss', loss_weight=1000.),
    dict(type='PSNRLoss'), dict(type='CharbonnierLoss')])
def test_scale_free_weights_give_the_target_gradient_share(pixel_loss):
    from mmsamdistill.models.editors.distill_weights import gradient_norm
    model = build(
        pixel_loss=pixel_loss,
        feature_loss=dict(type='FeatureDistillLoss'),
        distill_weights=dict(
            grad_fraction=dict(spd=0.1, sgr=0.05, feature=0.2)))
    activate_teacher(model)
    inputs, samples = batch(model)
    torch.manual_seed(3)
    losses = model(inputs, samples, mode='loss')
    out = model.cascade(inputs, samples, features=True)
    recon1 = model.pixel_loss(out.student, samples.gt_img)
    terms = model.distillation_terms(inputs, out, samples.gt_img, samples)
    for name, fraction in (('spd', 0.1), ('sgr', 0.05), ('feature', 0.2)):
        term = terms[name]
        share = (losses[f'weight_{name}'] *
                 gradient_norm(term.value, term.student_tensors) /
                 gradient_norm(recon1, term.pixel_reference))
        assert share == pytest.approx(fraction, rel=1e-3)


def test_gated_spd_distils_only_where_the_teacher_is_better():
    from mmsamdistill.models import SPDLoss
    loss = SPDLoss(loss_weight=1.0, gate='pixel')
    gt = torch.zeros(1, 3, 2, 2)
    student = torch.full((1, 3, 2, 2), 0.5, requires_grad=True)
    teacher = torch.tensor([0.1, 0.9]).repeat(2).view(1, 1, 2, 2).expand(
        1, 3, 2, 2)
    loss(student, teacher, gt).backward()
    assert float(loss.gate_mask(student, teacher, gt).mean()) == 0.5
    moved = student.grad.abs().sum(dim=1)[0] > 0
    assert moved.tolist() == [[True, False], [True, False]]
    with pytest.raises(ValueError, match='gt'):
        loss(student, teacher)


def test_cascade_feature_losses_need_no_vgg():
    model = build(sgr_loss=dict(type='SGRLoss', features='cascade'),
                  feature_loss=dict(type='FeatureDistillLoss'))
    assert model.sgr_loss.network is None
    activate_teacher(model)
    inputs, samples = batch(model)
    losses = model(inputs, samples, mode='loss')
    assert losses['loss_sgr'] > 0 and losses['loss_feature'] > 0
    (losses['loss_sgr'] + losses['loss_feature']).backward()
    assert all(p.grad is None for p in model.teacher.network.parameters())
    assert any(p.grad is not None for p in model.generator.parameters())


def test_ablations_build_without_spf_or_losses():
    model = build(spf=None, sgr_loss=None, spd_loss=None)
    inputs, samples = batch(model)
    assert loss_keys(model(inputs, samples, mode='loss')) == {
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
    activate_teacher(model)  # an identity teacher has no relation gap
    inputs, samples = batch(model)
    del samples.sam_mask  # online: no cache needed
    losses = model(inputs, samples, mode='loss')
    assert torch.isfinite(losses['loss_sgr']) and losses['loss_sgr'] > 0
    with pytest.raises(ValueError, match='mask generator config'):
        build(mask_source='sam')


def test_ema_teacher_gives_the_targets_and_tracks_the_teacher():
    model = build(teacher_ema=0.5, sgr_loss=None)
    activate_teacher(model)
    inputs, samples = batch(model)
    ema = model.teacher.ema
    assert ema.names == list(dict(model.teacher.named_parameters()))
    assert all(n.split('.')[0] in ('network', 'spf', 'gate')
               for n in ema.names)
    model(inputs, samples, mode='loss')  # first update copies the teacher
    assert int(ema.num_updates) == 1
    live = model.cascade(inputs, samples)
    target = model.with_target_teacher(live)
    assert torch.allclose(target.teacher, live.teacher)
    with torch.no_grad():  # the teacher moves; the average follows halfway
        for param in dict(model.teacher.named_parameters()).values():
            param.add_(0.01)
    model(inputs, samples, mode='loss')
    moved = model.cascade(inputs, samples)
    averaged = model.with_target_teacher(moved)
    assert not torch.allclose(averaged.teacher, moved.teacher)
    # the live weights are back after the target's forward
    assert torch.equal(model.cascade(inputs, samples).teacher, moved.teacher)
    assert any(k.startswith('teacher.ema.') for k in model.state_dict())


def test_view_distillation_moves_only_the_student_and_is_balanced():
    from mmsamdistill.models.editors.distill_weights import gradient_norm
    model = build(
        sgr_loss=None, spd_loss=None,
        view_loss=dict(type='ViewDistillLoss', zoom=(0.5, 0.75)),
        distill_weights=dict(grad_fraction=dict(views=0.1)))
    activate_teacher(model)
    inputs, samples = batch(model)
    model.view_loss.generator.manual_seed(0)
    losses = model(inputs, samples, mode='loss')
    assert loss_keys(losses) == {'loss_recon1', 'loss_recon2', 'loss_views'}
    model.zero_grad()
    losses['loss_views'].backward()
    assert all(g is None or not g.any()
               for g in grads(model.teacher.network))
    assert any(g is not None and g.any() for g in grads(model.generator))
    out = model.cascade(inputs, samples)
    recon1 = model.pixel_loss(out.student, samples.gt_img)
    model.view_loss.generator.manual_seed(0)
    term = model.distillation_terms(inputs, out, samples.gt_img,
                                    samples)['views']
    assert term.student_tensors[0].shape[-1] < inputs.shape[-1]  # zoomed
    share = (losses['weight_views'] *
             gradient_norm(term.value, term.student_tensors) /
             gradient_norm(recon1, term.pixel_reference))
    assert float(share) == pytest.approx(0.1, rel=1e-3)  # the same view


def test_view_loss_keeps_nn_module_behaviour():
    # the runner moves models with Module.apply: the loss must not shadow it
    model = build(view_loss=dict(type='ViewDistillLoss'), sgr_loss=None)
    model.to('cpu')
    model.apply(lambda m: None)
