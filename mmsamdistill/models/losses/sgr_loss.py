"""Semantic-Guided Relation loss (paper Eqs. 5-7)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

from ..utils import FrozenNetwork, resize_masks

_POOLINGS = ('avg', 'none')


@MODELS.register_module()
class SGRLoss(nn.Module):
    """Match the mask-to-mask relations of VGG features of student and teacher.

    For each image, every SAM mask ``m_n`` gives a prototype ``p_n``: the
    masked average of the frozen VGG features. ``R[n1, n2] = cos(p_n1, p_n2)``
    is computed for the student's and the (detached) teacher's output, and the
    loss is ``sum_{n1 != n2} (R1 - R2)^2 / (N^2 - N)`` over the image's valid
    masks, averaged over the batch. Images with fewer than two valid masks add
    0. Everything is batched: no Python loop over masks or images.

    ``pooling='none'`` is the paper's literal formula: the cosine between whole
    masked feature maps. For non-overlapping masks (SAM label maps) it is 0
    for every pair and the loss is identically 0; it is kept for ablations.

    Args:
        loss_weight (float): Weight (the paper's lambda_2). Defaults to 200.
        vgg (dict): Config of the frozen feature extractor. Defaults to
            VGG16 up to relu4_3 with torchvision's ImageNet weights.
        pooling (str): ``'avg'`` (prototypes) or ``'none'`` (literal).
            Defaults to ``'avg'``.
        eps (float): Guards the masked averages and the norms.
            Defaults to 1e-6.
    """

    def __init__(self,
                 loss_weight: float = 200.0,
                 vgg: Optional[dict] = None,
                 pooling: str = 'avg',
                 eps: float = 1e-6) -> None:
        super().__init__()
        if pooling not in _POOLINGS:
            raise ValueError(f'pooling must be one of {_POOLINGS}, '
                             f'got {pooling!r}')
        self.loss_weight = loss_weight
        self.pooling = pooling
        self.eps = eps
        vgg = vgg or dict(type='VGGFeatureExtractor')
        self.vgg = FrozenNetwork(MODELS.build(vgg))

    def relation(self, feats: torch.Tensor,
                 masks: torch.Tensor) -> torch.Tensor:
        """Cosine relation between masks of one feature map.

        Args:
            feats (Tensor): (B, C, h, w) features.
            masks (Tensor): (B, N, h, w) masks at the feature size.

        Returns:
            Tensor: (B, N, N) cosine similarities.
        """
        if self.pooling == 'avg':
            area = masks.sum(dim=(2, 3)).unsqueeze(-1)
            protos = torch.einsum('bnhw,bchw->bnc', masks, feats)
            protos = F.normalize(protos / (area + self.eps), dim=-1,
                                 eps=self.eps)
            return protos @ protos.transpose(1, 2)
        # Literal: <F*m1, F*m2> = sum_hw |F|^2 m1 m2, without (B,N,C,h,w).
        energy = feats.pow(2).sum(dim=1).flatten(1)
        flat = masks.flatten(2)
        dots = torch.einsum('bnk,bk,bmk->bnm', flat, energy, flat)
        norms = dots.diagonal(dim1=1, dim2=2).clamp(min=0).sqrt()
        return dots / (norms.unsqueeze(2) * norms.unsqueeze(1) + self.eps)

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                masks: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the weighted SGR loss.

        Args:
            student (Tensor): IR1's output, (B, 3, H, W) in [0, 1].
            teacher (Tensor): IR2's output, same shape; detached here.
            masks (Tensor): (B, N, H, W) masks with values in {0, 1}.
            valid (Tensor, optional): (B, N) bool; ``None`` marks the
                non-empty masks valid.

        Returns:
            Tensor: The weighted scalar loss.
        """
        if masks.dim() != 4 or masks.size(0) != student.size(0):
            raise ValueError('masks must be (B, N, H, W) with the images\' '
                             f'batch size, got {tuple(masks.shape)}')
        if valid is None:
            valid = masks.flatten(2).amax(dim=2) > 0
        feat_s = self.vgg(student)
        with torch.no_grad():
            feat_t = self.vgg(teacher.detach())
        small = resize_masks(masks, feat_s.shape[-2:]).to(feat_s.dtype)
        diff = (self.relation(feat_s, small) -
                self.relation(feat_t, small)).pow(2)
        valid = valid.to(diff.dtype)
        pairs = valid.unsqueeze(2) * valid.unsqueeze(1)
        pairs = pairs * (1 - torch.eye(pairs.size(-1), device=pairs.device,
                                       dtype=pairs.dtype))
        count = pairs.sum(dim=(1, 2))
        per_image = (diff * pairs).sum(dim=(1, 2)) / count.clamp(min=1)
        return self.loss_weight * per_image.mean()
