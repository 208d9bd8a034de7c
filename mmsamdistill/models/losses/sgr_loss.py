"""Semantic-Guided Relation loss (paper Eqs. 5-7)."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

from ..utils import (FrozenNetwork, mask_prototypes, paired_features,
                     resize_masks)

_POOLINGS = ('avg', 'none')
_FEATURES = ('network', 'cascade')


@MODELS.register_module()
class SGRLoss(nn.Module):
    """Match the mask-to-mask relations of student's and teacher's features.

    For each image, every SAM mask ``m_n`` gives a prototype ``p_n``: the
    masked average of a frozen feature network's features (the paper's
    ImageNet VGG16 relu4_3, or any registered network that maps [0, 1] RGB
    images to a (B, C, h, w) map, e.g. ``MobileNetV2FeatureExtractor``). ``R[n1, n2] = cos(p_n1, p_n2)``
    is computed for the student's and the (detached) teacher's output, and the
    loss is ``sum_{n1 != n2} (R1 - R2)^2 / (N^2 - N)`` over the image's valid
    masks, averaged over the batch. Images with fewer than two valid masks add
    0. Everything is batched: no Python loop over masks or images.

    ``features='cascade'`` computes the same relation on the cascade's own
    features instead of a frozen network: IR1's block outputs against IR2's
    SPF-fused outputs at the same fusion points, averaged over the points.
    It needs no pretrained weights and costs a few einsums.

    ``pooling='none'`` is the paper's literal formula: the cosine between whole
    masked feature maps. For non-overlapping masks (SAM label maps) it is 0
    for every pair and the loss is identically 0; it is kept for ablations.

    Args:
        loss_weight (float): Weight (the paper's lambda_2). Defaults to 200.
        network (dict): Config of the frozen feature network, which takes
            [0, 1] RGB images and normalises them itself. Defaults to VGG16
            up to relu4_3 with torchvision's ImageNet weights (the paper).
        features (str): ``'network'`` (the frozen network above) or
            ``'cascade'``. Defaults to ``'network'``.
        input_scale (float): Resize factor of the images before the
            network; < 1
            trades accuracy for cost on large crops. Defaults to 1.
        pooling (str): ``'avg'`` (prototypes) or ``'none'`` (literal).
            Defaults to ``'avg'``.
        eps (float): Guards the masked averages and the norms.
            Defaults to 1e-6.
    """

    def __init__(self,
                 loss_weight: float = 200.0,
                 network: Optional[dict] = None,
                 pooling: str = 'avg',
                 features: str = 'network',
                 input_scale: float = 1.0,
                 eps: float = 1e-6) -> None:
        super().__init__()
        if pooling not in _POOLINGS:
            raise ValueError(f'pooling must be one of {_POOLINGS}, '
                             f'got {pooling!r}')
        if features not in _FEATURES:
            raise ValueError(f'features must be one of {_FEATURES}, '
                             f'got {features!r}')
        if not 0 < input_scale <= 1:
            raise ValueError(f'input_scale must be in (0, 1], got '
                             f'{input_scale}')
        self.loss_weight = loss_weight
        self.pooling = pooling
        self.features = features
        self.input_scale = input_scale
        self.eps = eps
        self.network = None
        if features == 'network':
            network = network or dict(type='VGGFeatureExtractor')
            self.network = FrozenNetwork(MODELS.build(network))

    def network_features(self, images: torch.Tensor) -> torch.Tensor:
        """Frozen-network features of (B, C, H, W) images in [0, 1] (gray
        repeated)."""
        if images.size(1) == 1:
            images = images.expand(-1, 3, -1, -1)
        if self.input_scale != 1:
            images = F.interpolate(
                images, scale_factor=self.input_scale, mode='bilinear',
                align_corners=False, antialias=True)
        return self.network(images)

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
            protos = F.normalize(
                mask_prototypes(feats, masks, self.eps), dim=-1, eps=self.eps)
            return protos @ protos.transpose(1, 2)
        # Literal: <F*m1, F*m2> = sum_hw |F|^2 m1 m2, without (B,N,C,h,w).
        energy = feats.pow(2).sum(dim=1).flatten(1)
        flat = masks.flatten(2)
        dots = torch.einsum('bnk,bk,bmk->bnm', flat, energy, flat)
        norms = dots.diagonal(dim1=1, dim2=2).clamp(min=0).sqrt()
        return dots / (norms.unsqueeze(2) * norms.unsqueeze(1) + self.eps)

    def relation_gap(self, feat_s: torch.Tensor, feat_t: torch.Tensor,
                     masks: torch.Tensor) -> torch.Tensor:
        """Squared relation differences of one pair of feature maps.

        Args:
            feat_s (Tensor): (B, C, h, w) student features.
            feat_t (Tensor): (B, C', h, w) teacher features (detached here).
            masks (Tensor): (B, N, H, W) masks of any size.

        Returns:
            Tensor: (B, N, N) squared differences.
        """
        small = resize_masks(masks, feat_s.shape[-2:]).to(feat_s.dtype)
        return (self.relation(feat_s, small) -
                self.relation(feat_t.detach(), small)).pow(2)

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                masks: torch.Tensor,
                valid: Optional[torch.Tensor] = None,
                student_features: Sequence[torch.Tensor] = (),
                teacher_features: Sequence[torch.Tensor] = ()
                ) -> torch.Tensor:
        """Compute the weighted SGR loss.

        Args:
            student (Tensor): IR1's output, (B, 3, H, W) in [0, 1].
            teacher (Tensor): IR2's output, same shape; detached here.
            masks (Tensor): (B, N, H, W) masks with values in {0, 1}.
            valid (Tensor, optional): (B, N) bool; ``None`` marks the
                non-empty masks valid.
            student_features (Sequence[Tensor]): IR1's block features
                (``features='cascade'``).
            teacher_features (Sequence[Tensor]): IR2's fused features at
                the same fusion points (``features='cascade'``).

        Returns:
            Tensor: The weighted scalar loss.
        """
        if masks.dim() != 4 or masks.size(0) != student.size(0):
            raise ValueError('masks must be (B, N, H, W) with the images\' '
                             f'batch size, got {tuple(masks.shape)}')
        if valid is None:
            valid = masks.flatten(2).amax(dim=2) > 0
        if self.features == 'network':
            with torch.no_grad():
                feat_t = self.network_features(teacher.detach())
            diff = self.relation_gap(
                self.network_features(student), feat_t, masks)
        else:
            pairs = paired_features(student_features, teacher_features,
                                    "SGRLoss(features='cascade')",
                                    same_channels=False)
            diff = sum(self.relation_gap(s, t, masks)
                       for s, t in pairs) / len(pairs)
        valid = valid.to(diff.dtype)
        pairs = valid.unsqueeze(2) * valid.unsqueeze(1)
        pairs = pairs * (1 - torch.eye(pairs.size(-1), device=pairs.device,
                                       dtype=pairs.dtype))
        count = pairs.sum(dim=(1, 2))
        per_image = (diff * pairs).sum(dim=(1, 2)) / count.clamp(min=1)
        return self.loss_weight * per_image.mean()
