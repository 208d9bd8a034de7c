"""A differentiable SSIM loss (Wang et al., TIP 2004)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS


def gaussian_window(size: int, sigma: float) -> torch.Tensor:
    """Normalised 2-D Gaussian window, (size, size)."""
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-coords**2 / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim(pred: torch.Tensor,
         target: torch.Tensor,
         window: torch.Tensor,
         data_range: float = 1.0) -> torch.Tensor:
    """Mean SSIM of each image, over channels and valid window positions.

    Local statistics are Gaussian-weighted; windows that would cross the
    border are left out (no padding), as in the original definition.

    Args:
        pred (Tensor): (B, C, H, W) images.
        target (Tensor): (B, C, H, W) images.
        window (Tensor): (k, k) normalised window.
        data_range (float): Dynamic range of the images. Defaults to 1.

    Returns:
        Tensor: (B,) mean SSIM per image.
    """
    c = pred.size(1)
    weight = window.to(pred).expand(c, 1, *window.shape)

    def blur(x):
        return F.conv2d(x, weight, groups=c)

    c1, c2 = (0.01 * data_range)**2, (0.03 * data_range)**2
    mu_p, mu_t = blur(pred), blur(target)
    var_p = blur(pred * pred) - mu_p**2
    var_t = blur(target * target) - mu_t**2
    cov = blur(pred * target) - mu_p * mu_t
    ssim_map = ((2 * mu_p * mu_t + c1) * (2 * cov + c2)) / (
        (mu_p**2 + mu_t**2 + c1) * (var_p + var_t + c2))
    return ssim_map.flatten(1).mean(1)


@MODELS.register_module()
class SSIMLoss(nn.Module):
    """``loss_weight * (1 - SSIM(pred, target))``, averaged over the batch.

    Maximising SSIM as a loss is what EfficientDeRain trains with (next to
    L1, see ``CompositeLoss``); ``1 - SSIM`` has the gradient of ``-SSIM``
    and is >= 0.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.
        window_size (int): Side of the Gaussian window. Defaults to 11.
        sigma (float): Its standard deviation. Defaults to 1.5.
        data_range (float): Dynamic range of the images (1 for MMagic's
            ``DataPreprocessor(std=255)`` outputs). Defaults to 1.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 window_size: int = 11,
                 sigma: float = 1.5,
                 data_range: float = 1.0) -> None:
        super().__init__()
        if window_size < 1 or window_size % 2 == 0:
            raise ValueError('window_size must be a positive odd number, got '
                             f'{window_size}')
        self.loss_weight = loss_weight
        self.data_range = data_range
        self.register_buffer(
            'window', gaussian_window(window_size, sigma), persistent=False)

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): (B, C, H, W) predictions.
            target (Tensor): (B, C, H, W) ground truth.
            weight (Tensor, optional): Unsupported; must be None (the
                signature matches MMagic's pixel losses).

        Returns:
            Tensor: The weighted scalar loss.
        """
        if weight is not None:
            raise ValueError('SSIMLoss does not support element weights')
        size = self.window.size(0)
        if min(pred.shape[-2:]) < size:
            raise ValueError(f'SSIMLoss needs images of at least {size}x'
                             f'{size} pixels, got {tuple(pred.shape[-2:])}; '
                             'use a smaller window_size or larger crops')
        value = ssim(pred, target, self.window, self.data_range)
        return self.loss_weight * (1 - value.mean())
