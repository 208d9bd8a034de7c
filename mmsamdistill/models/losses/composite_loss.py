"""A pixel loss made of several weighted pixel losses."""
from typing import Sequence

import torch
import torch.nn as nn
from mmagic.registry import MODELS


@MODELS.register_module()
class CompositeLoss(nn.Module):
    """Sum of pixel losses, each called with ``(pred, target)``.

    Lets a model whose paper trains with a mix (e.g. EfficientDeRain's
    ``L1 + 0.2 * SSIM``) use it where MMagic expects one ``pixel_loss``;
    each part keeps its own ``loss_weight``.

    Args:
        losses (Sequence[dict]): Configs of the parts.
    """

    def __init__(self, losses: Sequence[dict]) -> None:
        super().__init__()
        if not losses:
            raise ValueError('CompositeLoss needs at least one loss config, '
                             "e.g. losses=[dict(type='L1Loss')]")
        self.losses = nn.ModuleList([MODELS.build(cfg) for cfg in losses])

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                **kwargs) -> torch.Tensor:
        """Sum the parts.

        Args:
            pred (Tensor): Predictions.
            target (Tensor): Ground truth.
            **kwargs: Passed to every part (e.g. ``weight``).

        Returns:
            Tensor: The summed loss.
        """
        return sum(loss(pred, target, **kwargs) for loss in self.losses)
