"""Feature distillation from IR2's SPF-fused blocks into IR1's blocks."""
from typing import Sequence

import torch
import torch.nn as nn
from mmagic.registry import MODELS

from ..utils import paired_features


@MODELS.register_module()
class FeatureDistillLoss(nn.Module):
    """Pull IR1's block features towards IR2's SPF-fused ones.

    IR1 and IR2 share the architecture, so their fusion points pair up: the
    student's output of block i is matched to the teacher's fused feature
    ``F_i^SPF`` (detached), where the semantic priors enter IR2. Each pair's
    squared error is divided by the teacher feature's mean square, so every
    block counts alike whatever its activation scale, and the per-block
    terms are averaged.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        eps (float): Guards the normalisation. Defaults to 1e-6.
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-6) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(self, student_features: Sequence[torch.Tensor],
                teacher_features: Sequence[torch.Tensor]) -> torch.Tensor:
        """Compute the weighted loss.

        Args:
            student_features (Sequence[Tensor]): IR1's (B, C, H, W) block
                outputs, in execution order.
            teacher_features (Sequence[Tensor]): IR2's fused features at
                the same points, same shapes.

        Returns:
            Tensor: The weighted scalar loss.
        """
        terms = []
        for student, teacher in paired_features(
                student_features, teacher_features, 'FeatureDistillLoss',
                same_channels=True):
            teacher = teacher.detach()
            scale = teacher.pow(2).mean() + self.eps
            terms.append((student - teacher).pow(2).mean() / scale)
        return self.loss_weight * torch.stack(terms).mean()
