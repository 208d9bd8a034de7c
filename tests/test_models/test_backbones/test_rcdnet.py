"""RCDNet: paper size, shapes, stage outputs, stage-wise loss, cascade."""
import pytest
import torch
import torch.nn.functional as F
from mmagic.registry import MODELS

from mmsamdistill.models.backbones import RCDNet
from mmsamdistill.models.backbones.rcdnet import (STAGE_OUTPUTS_ATTR,
                                                  rain_streak_kernels)
from mmsamdistill.models.losses import RCDNetLoss
from tests.helpers import TINY_GENERATORS

from .derain_checks import check_cascade, train_losses

TINY = TINY_GENERATORS['RCDNet']


def tiny(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(TINY, **kwargs))


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_full_size_matches_the_paper():
    model = RCDNet()  # S=17, N=32 kernels of 9x9, 32 aux channels, T=4
    assert model.rain_kernels.shape == (3, 32, 9, 9)
    assert len(model.map_nets) == len(model.background_nets) == 17
    assert count(model) == 2_975_186
    # The paper counts its reference modules (~3.17M): the same network
    # plus a never-called rain-map net, 15 redundant copies of the shared
    # dictionary and one unused step size.
    reference = (count(model) + count(model.map_nets[0]) +
                 15 * model.rain_kernels.numel() + 1)
    assert reference == pytest.approx(3.17e6, rel=0.01)


def test_dictionary_starts_as_unit_sum_vertical_streaks():
    kernels = rain_streak_kernels(32, 9)
    assert kernels.shape == (32, 9, 9)
    assert torch.allclose(kernels.sum((1, 2)), torch.ones(32))
    # Longer along y than along x, and longer later in the dictionary.
    spread_y = kernels.sum(2)[:, [0, -1]].sum(1)
    spread_x = kernels.sum(1)[:, [0, -1]].sum(1)
    assert (spread_y > spread_x).all()
    assert spread_y[11] > spread_y[0]


@pytest.mark.parametrize('size', [(17, 23), (16, 9)])
def test_output_has_the_input_shape(size):
    model = tiny().eval()
    x = torch.rand(2, 3, *size)
    with torch.no_grad():
        out = model(x)
    assert out.shape == x.shape
    assert not hasattr(out, STAGE_OUTPUTS_ATTR)  # eval: nothing recorded


def test_training_output_carries_every_stage():
    model = tiny(num_stages=3).train()
    x = torch.rand(2, 3, 15, 13)
    out = model(x)
    stages = getattr(out, STAGE_OUTPUTS_ATTR)
    assert len(stages['backgrounds']) == 4  # B^(0) ... B^(S)
    assert len(stages['rains']) == 3  # R^(1) ... R^(S)
    assert stages['rainy'] is x
    for image in stages['backgrounds'] + stages['rains']:
        assert image.shape == x.shape


def test_stagewise_loss_adds_the_stage_terms_and_reaches_early_stages():
    model = tiny(num_stages=3).train()
    x, gt = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    out = model(x)
    stages = getattr(out, STAGE_OUTPUTS_ATTR)
    final_only = F.mse_loss(out, gt)
    # Final terms only: the output and the last rain layer vs O - B.
    last = RCDNetLoss(stage_weight=0.)(out, gt)
    assert torch.allclose(
        last, final_only + F.mse_loss(stages['rains'][-1], x - gt))
    full = RCDNetLoss()(out, gt)
    # exact weighting: 0.1 x every background and every early rain layer
    assert torch.allclose(full, last + 0.1 * (
        sum(F.mse_loss(b, gt) for b in stages['backgrounds']) +
        sum(F.mse_loss(r, x - gt) for r in stages['rains'][:-1])))

    # The intermediate terms alone supervise the early stages directly and
    # never the final refinement.
    RCDNetLoss(final_weight=0.)(out, gt).backward()
    for module in (model.init_net, model.map_nets[0],
                   model.background_nets[0]):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in module.parameters())
    assert all(p.grad is None or not p.grad.any()
               for p in model.refine_net.parameters())


def test_rain_target_is_not_a_gradient_path_to_the_observation():
    # In IR2 the observation is SPF's fused input (IR1's output with
    # teacher_input_grad): the loss must not pull it towards gt + R.
    torch.manual_seed(0)
    model = tiny(num_stages=2).train()
    x = torch.rand(1, 3, 16, 16, requires_grad=True)
    gt = torch.rand_like(x)
    grad, = torch.autograd.grad(RCDNetLoss()(model(x), gt), x)
    # the same loss with the observation cut out of the target by hand
    out = model(x)
    getattr(out, STAGE_OUTPUTS_ATTR)['rainy'] = x.detach()
    grad_cut, = torch.autograd.grad(RCDNetLoss()(out, gt), x)
    assert torch.allclose(grad, grad_cut)


def test_stagewise_loss_explains_a_missing_stage_record():
    model = tiny().eval()
    x = torch.rand(1, 3, 16, 16)
    with pytest.raises(ValueError, match='train'):
        RCDNetLoss()(model(x), x)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='odd'):
        RCDNet(kernel_size=8)
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        tiny()(torch.rand(1, 1, 16, 16))


def test_tiny_model_learns_a_fixed_batch():
    # The 1/10-scaled dictionary and steps make RCDNet a slow starter:
    # every step lowers the loss.
    history = train_losses(TINY, dict(type='RCDNetLoss'), steps=6, lr=1e-2)
    assert all(b < a for a, b in zip(history, history[1:]))
    assert history[-1] < 0.9 * history[0]


def test_runs_in_the_cascade_with_the_stagewise_loss():
    model = check_cascade(TINY, dict(type='RCDNetLoss'))
    assert model.teacher.spf.fusion_points == [
        'init_net', 'background_nets.0', 'background_nets.1', 'refine_net'
    ]
