"""DistillWeights: loss mode without gradients, batches without masks."""
import pytest
import torch
from mmagic.structures import DataSample

from tests.test_models.test_editors.test_cascade_distill_restorer import (
    batch, build, loss_keys)

NO_GRAD = [torch.no_grad, torch.inference_mode]


@pytest.mark.parametrize('context', NO_GRAD)
def test_loss_mode_without_gradients_uses_the_configured_weights(context):
    model = build()
    inputs, samples = batch(model)
    with context():
        losses = model(inputs, samples, mode='loss')
    assert loss_keys(losses) == {
        'loss_recon1', 'loss_recon2', 'loss_spd', 'loss_sgr'
    }
    assert all(torch.isfinite(v) for v in losses.values())
    # nothing measured yet: each term at its loss_weight (scale 1)
    assert float(losses['weight_spd']) == 1.0
    assert float(model.distill_weights.scale_spd) == -1.0  # still unmeasured


@pytest.mark.parametrize('context', NO_GRAD)
def test_loss_mode_without_gradients_keeps_the_measured_weights(context):
    model = build()
    inputs, samples = batch(model)
    measured = model(inputs, samples, mode='loss')
    scales = {k: float(v) for k, v in measured.items()
              if k.startswith('weight_')}
    assert scales and all(v != 1.0 for v in scales.values())
    with context():
        again = model(inputs, samples, mode='loss')
    assert {k: float(again[k]) for k in scales} == scales
    assert float(again['loss_spd']) == pytest.approx(
        float(measured['loss_spd']), rel=1e-5)


def test_a_batch_whose_masks_are_all_empty_trains():
    """No SAM mask anywhere (on_missing='empty', a flat image): the losses
    and every gradient stay finite."""
    model = build()
    torch.manual_seed(1)
    empty = [
        DataSample(gt_img=torch.randint(0, 256, (3, 32, 32),
                                        dtype=torch.uint8),
                   sam_mask=torch.zeros((1, 32, 32), dtype=torch.int32))
        for _ in range(2)
    ]
    data = model.data_preprocessor(
        dict(inputs=[s.gt_img.clone() for s in empty], data_samples=empty),
        training=True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert all(torch.isfinite(v).all() for v in losses.values())
    total = sum(v for k, v in losses.items() if k.startswith('loss_'))
    total.backward()
    for name, param in model.named_parameters():
        if param.grad is not None:
            assert torch.isfinite(param.grad).all(), name
