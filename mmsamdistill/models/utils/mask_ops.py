"""Tensor operations on SAM masks, shared by the losses, SPF and restorer.

The label-map format itself (files, and label maps to N mask channels,
:func:`label_map_to_masks`) lives in :mod:`mmsamdistill.datasets.label_map_io`.
"""
from typing import Tuple

import torch
import torch.nn.functional as F

from ...datasets.label_map_io import label_map_to_masks

__all__ = ['label_map_to_masks', 'resize_masks']


def resize_masks(masks: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """Resize (B, N, H, W) masks to ``size``, keeping soft coverage.

    Shrinking averages over each target cell (``area``) so that small masks
    keep a weight instead of vanishing as under nearest sampling; enlarging
    is nearest so that masks stay binary.

    Args:
        masks (Tensor): (B, N, H, W) masks, values in [0, 1].
        size (tuple[int, int]): Target (H', W').

    Returns:
        Tensor: (B, N, H', W') float masks.
    """
    masks = masks.float()
    if tuple(masks.shape[-2:]) == tuple(size):
        return masks
    if size[0] <= masks.size(-2) and size[1] <= masks.size(-1):
        return F.adaptive_avg_pool2d(masks, size)
    return F.interpolate(masks, size=size, mode='nearest')
