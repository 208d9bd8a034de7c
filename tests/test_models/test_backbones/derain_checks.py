"""Checks shared by the deraining backbones' tests: training and cascade."""
import copy

import torch
from mmagic.registry import MODELS
from mmagic.structures import DataSample
from mmengine.optim import build_optim_wrapper

from tests.helpers import activate_teacher

PREPROCESSOR = dict(type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3)


def make_data(size=24, num=2, seed=1):
    """A fixed rainy/clean batch (streaks added to smooth images)."""
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(num, 3, 1, 1, generator=g) * 200
    ramp = torch.linspace(0, 40, size).view(1, 1, 1, size)
    gt = (base + ramp).expand(num, 3, size, size)
    streaks = (torch.rand(num, 1, 1, size, generator=g) > 0.8).float() * 50
    lq = (gt + streaks).clamp(0, 255)
    labels = torch.randint(0, 5, (num, 1, size, size), generator=g)
    samples = [
        DataSample(gt_img=gt[i].to(torch.uint8), sam_mask=labels[i].int())
        for i in range(num)
    ]
    return dict(
        inputs=[lq[i].to(torch.uint8) for i in range(num)],
        data_samples=samples)


def train_losses(generator, pixel_loss, steps=8, size=24, lr=2e-3):
    """Train a BaseEditModel on one fixed batch; return its total losses."""
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='BaseEditModel',
            generator=copy.deepcopy(generator),
            pixel_loss=pixel_loss,
            data_preprocessor=PREPROCESSOR))
    wrapper = build_optim_wrapper(
        model, dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=lr)))
    data = make_data(size)
    history = []
    for _ in range(steps):
        log = model.train_step(copy.deepcopy(data), wrapper)
        history.append(log['loss'].item())
    return history


def build_cascade(generator, pixel_loss, probe_size=32):
    """A CascadeDistillRestorer around ``generator`` (random VGG)."""
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='CascadeDistillRestorer',
            generator=copy.deepcopy(generator),
            pixel_loss=pixel_loss,
            spf=dict(type='SemanticPriorFusion', probe_size=probe_size),
            sgr_loss=dict(
                type='SGRLoss',
                network=dict(type='VGGFeatureExtractor', pretrained=None)),
            num_masks=4,
            data_preprocessor=PREPROCESSOR))


def check_cascade(generator, pixel_loss, size=24):
    """One loss step with masks, SPF gradients, and IR1-only tensor mode.

    Returns:
        CascadeDistillRestorer: The model, for architecture-specific checks.
    """
    model = build_cascade(generator, pixel_loss)
    data = model.data_preprocessor(make_data(size), training=True)
    with torch.no_grad():  # identity at initialisation
        student = model.generator(data['inputs'])
        masks, valid = model.batch_masks(student, data['data_samples'])
        assert torch.equal(model.teacher(student, masks, valid)[0],
                           student)
    activate_teacher(model)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert {k for k in losses if k.startswith('loss_')} == {
        'loss_recon1', 'loss_recon2', 'loss_spd', 'loss_sgr'
    }
    assert all(torch.isfinite(v) for v in losses.values())
    losses['loss_recon2'].backward()
    for unit in [model.teacher.spf.input_unit, *model.teacher.spf.units]:
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in unit.parameters())
    assert all(p.grad is None for p in model.generator.parameters())

    model.eval()
    calls = []
    model.teacher.network.register_forward_hook(
        lambda *args: calls.append(1))
    with torch.no_grad():
        out = model(data['inputs'], mode='tensor')
        assert torch.equal(out, model.generator(data['inputs']))
    assert out.shape == data['inputs'].shape and calls == []

    # the validation path of tools/train.py / tools/test.py: predict mode,
    # the preprocessor's destructuring, one restored image per sample; IR2
    # is scored too because the batch carries masks
    outputs = model.val_step(make_data(size))
    assert len(outputs) == 2 and calls == [1]
    for sample in outputs:
        for key in ('pred_img', 'teacher_pred_img'):
            image = sample.output.get(key)
            assert image.shape == (3, size, size)
            assert torch.isfinite(image).all()
    return model
