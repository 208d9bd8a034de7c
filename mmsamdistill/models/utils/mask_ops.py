"""Tensor operations on SAM masks, shared by the losses, SPF and restorer.

The label-map file format lives in :mod:`mmsamdistill.datasets.label_map_io`;
here its loaded maps become mask channels.
"""
from typing import Tuple

import torch
import torch.nn.functional as F

__all__ = ['label_map_to_masks', 'mask_prototypes', 'resize_masks']


def mask_prototypes(feats: torch.Tensor, masks: torch.Tensor,
                    eps: float = 1e-6) -> torch.Tensor:
    """The masked average of the features under each mask (a prototype).

    Args:
        feats (Tensor): (B, C, H, W) features.
        masks (Tensor): (B, N, H, W) masks at the features' size.
        eps (float): Guards the division for empty masks. Defaults to 1e-6.

    Returns:
        Tensor: (B, N, C) prototypes (zero for empty masks).
    """
    area = masks.sum(dim=(2, 3)).unsqueeze(-1)
    return torch.einsum('bnhw,bchw->bnc', masks, feats) / (area + eps)


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


def label_map_to_masks(labels: torch.Tensor,
                       num_masks: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Turn label maps into a fixed number of one-hot mask channels.

    Labels are ranked per image by their area in this (cropped) sample; the
    ``num_masks - 1`` largest each get a channel and the rest are merged into
    the last one, so batches stack whatever the number of SAM masks. Label 0
    means "not covered by any mask" and gets no channel.

    Args:
        labels (Tensor): (B, 1, H, W) or (B, H, W) integer label maps.
        num_masks (int): Number of output channels N (>= 1).

    Returns:
        tuple[Tensor, Tensor]: (B, N, H, W) float masks in {0, 1} and the
        (B, N) bool validity of each channel (non-empty).
    """
    if num_masks < 1:
        raise ValueError(f'num_masks must be >= 1, got {num_masks}')
    if labels.dim() == 4:
        if labels.size(1) != 1:
            raise ValueError('label maps must have one channel, got shape '
                             f'{tuple(labels.shape)}')
        labels = labels[:, 0]
    labels = labels.long()
    batch = labels.size(0)
    flat = labels.flatten(1)
    num_labels = int(flat.max()) + 1 if flat.numel() else 1
    area = torch.zeros(batch, num_labels, device=labels.device)
    area.scatter_add_(1, flat, torch.ones_like(flat, dtype=area.dtype))
    area[:, 0] = -1  # uncovered pixels sort last and get no channel
    order = area.argsort(dim=1, descending=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(num_labels, device=labels.device)
                  .expand(batch, -1).contiguous())
    channel = rank.clamp(max=num_masks - 1)
    channel[:, 0] = num_masks  # a spare channel, dropped below
    pixel_channel = channel.gather(1, flat).view_as(labels)
    masks = F.one_hot(pixel_channel, num_masks + 1)[..., :num_masks]
    masks = masks.permute(0, 3, 1, 2).float()
    valid = masks.flatten(2).amax(dim=2) > 0
    return masks, valid
