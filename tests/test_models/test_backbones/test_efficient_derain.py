"""EfficientDerain: size, shapes, pixel-wise dilated filtering, cascade."""
import pytest
import torch
from mmagic.registry import MODELS

from mmsamdistill.models.backbones import EfficientDerain
from mmsamdistill.models.backbones.efficient_derain import \
    pixelwise_dilated_filter
from tests.helpers import TINY_GENERATORS

from .derain_checks import check_cascade, train_losses

TINY = TINY_GENERATORS['EfficientDerain']
PAPER_LOSS = dict(
    type='CompositeLoss',
    losses=[dict(type='L1Loss'),
            dict(type='SSIMLoss', loss_weight=0.2)])


def tiny():
    torch.manual_seed(0)
    return MODELS.build(dict(TINY))


def test_full_size_matches_the_released_architecture():
    model = EfficientDerain()
    # 3 colours x 3x3 taps per pixel, 4 dilation rates fused by a 3x3 conv.
    assert model.kernel_head.out_channels == 27
    assert model.fusion.in_channels == 12 and model.dilations == (1, 2, 3, 4)
    # Sum of the KPN's conv layers (the paper reports no parameter count).
    assert sum(p.numel() for p in model.parameters()) == 27_395_406


@pytest.mark.parametrize('size', [(19, 23), (16, 17)])
def test_output_has_the_input_shape(size):
    x = torch.rand(2, 3, *size)
    with torch.no_grad():
        assert tiny()(x).shape == x.shape


def test_too_small_inputs_are_refused():
    with pytest.raises(ValueError, match='at least 16x16'):
        tiny()(torch.rand(1, 3, 15, 32))


def taps(*weights):
    """(1, 1, 9, H, W) kernels, the same 3x3 taps at every pixel."""
    return torch.tensor(weights, dtype=torch.float32).view(1, 1, 9, 1, 1)


@pytest.mark.parametrize('dilation', [1, 2, 3, 4])
def test_identity_kernel_returns_the_input(dilation):
    image = torch.rand(2, 3, 9, 11)
    kernels = torch.zeros(2, 3, 9, 9, 11)
    kernels[:, :, 4] = 1  # centre tap
    out = pixelwise_dilated_filter(image, kernels, dilation)
    assert torch.equal(out, image)


def test_dilation_two_reads_pixels_two_apart():
    image = torch.arange(80, dtype=torch.float32).view(1, 1, 8, 10)
    # Top-left tap only: out(y, x) = image(y - 2, x - 2), zero outside.
    kernels = taps(1, 0, 0, 0, 0, 0, 0, 0, 0).expand(1, 1, 9, 8, 10)
    out = pixelwise_dilated_filter(image, kernels, 2)
    assert out[0, 0, 5, 7] == image[0, 0, 3, 5] == 35
    assert out[0, 0, 1, 7] == 0 and out[0, 0, 5, 1] == 0

    # A full kernel, different at every pixel: one value by hand.
    torch.manual_seed(0)
    kernels = torch.rand(1, 1, 9, 8, 10)
    out = pixelwise_dilated_filter(image, kernels, 2)
    y, x = 4, 6
    k = kernels[0, 0, :, y, x].view(3, 3)
    hand = sum(k[i, j] * image[0, 0, y + 2 * (i - 1), x + 2 * (j - 1)]
               for i in range(3) for j in range(3))
    assert torch.isclose(out[0, 0, y, x], hand)
    # At the border the taps outside the image read zero.
    k = kernels[0, 0, :, 0, 0].view(3, 3)
    hand = sum(k[i, j] * image[0, 0, 2 * (i - 1), 2 * (j - 1)]
               for i in (1, 2) for j in (1, 2))
    assert torch.isclose(out[0, 0, 0, 0], hand)


def test_filtering_refuses_mismatched_kernels():
    with pytest.raises(ValueError, match=r'\(B, C, k\*k, H, W\)'):
        pixelwise_dilated_filter(
            torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8, 8), 1)


def test_tiny_model_learns_a_fixed_batch():
    history = train_losses(TINY, PAPER_LOSS, steps=6)
    assert history[-1] < 0.7 * history[0]


def test_runs_in_the_cascade():
    model = check_cascade(TINY, PAPER_LOSS)
    assert model.teacher.spf.fusion_points == [
        *(f'encoders.{i}' for i in range(5)),
        *(f'decoders.{i}' for i in range(3))
    ]
