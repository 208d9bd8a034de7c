"""SSIMLoss and CompositeLoss (EfficientDeRain's L1 + 0.2 * SSIM)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.metrics import structural_similarity

from mmsamdistill.models.losses import CompositeLoss, SSIMLoss


def test_ssim_matches_scikit_image():
    torch.manual_seed(0)
    pred, target = torch.rand(2, 3, 24, 20), torch.rand(2, 3, 24, 20)
    target = (0.7 * pred + 0.3 * target)  # correlated, SSIM well above 0
    loss = SSIMLoss(loss_weight=1.0)(pred, target)
    reference = np.mean([
        structural_similarity(
            p.permute(1, 2, 0).numpy(),
            t.permute(1, 2, 0).numpy(),
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=1.0,
            channel_axis=2) for p, t in zip(pred, target)
    ])
    assert loss.item() == pytest.approx(1 - reference, abs=1e-5)


def test_ssim_loss_is_zero_on_identical_images_and_differentiable():
    pred = torch.rand(1, 3, 16, 16, requires_grad=True)
    assert SSIMLoss()(pred, pred.detach()).abs().item() < 1e-6
    SSIMLoss(loss_weight=0.2)(pred, torch.rand(1, 3, 16, 16)).backward()
    assert pred.grad.abs().sum() > 0


def test_ssim_loss_refuses_images_smaller_than_its_window():
    with pytest.raises(ValueError, match='at least 11x11'):
        SSIMLoss()(torch.rand(1, 3, 8, 32), torch.rand(1, 3, 8, 32))


def test_composite_sums_its_weighted_parts():
    pred, target = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    loss = CompositeLoss([
        dict(type='L1Loss'),
        dict(type='SSIMLoss', loss_weight=0.2)
    ])(pred, target)
    expected = F.l1_loss(pred, target) + 0.2 * SSIMLoss()(pred, target)
    assert torch.allclose(loss, expected)
    with pytest.raises(ValueError, match='at least one'):
        CompositeLoss([])
