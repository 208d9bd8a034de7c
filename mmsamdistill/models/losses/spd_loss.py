"""Semantic Priors Distillation loss (paper Eq. 4)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

_REDUCTIONS = ('none', 'mean', 'sum')


@MODELS.register_module()
class SPDLoss(nn.Module):
    """Smooth-L1 between the student's output and the detached teacher's.

    The teacher (IR2, fed with SAM masks) is detached inside the loss, so the
    distillation only ever moves the student (IR1).

    Args:
        loss_weight (float): Weight of the loss (the paper's lambda_1).
            Defaults to 0.005.
        beta (float): Smooth-L1 threshold between the L2 and L1 regimes.
            Defaults to 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
    """

    def __init__(self,
                 loss_weight: float = 0.005,
                 beta: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f'reduction must be one of {_REDUCTIONS}, '
                             f'got {reduction!r}')
        if beta < 0:
            raise ValueError(f'beta must be >= 0, got {beta}')
        self.loss_weight = loss_weight
        self.beta = beta
        self.reduction = reduction

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the weighted smooth-L1 distance.

        Args:
            student (Tensor): IR1's output, (B, C, H, W).
            teacher (Tensor): IR2's output of the same shape.

        Returns:
            Tensor: The weighted loss (a scalar unless ``reduction='none'``).
        """
        if student.shape != teacher.shape:
            raise ValueError('student and teacher must have the same shape, '
                             f'got {tuple(student.shape)} and '
                             f'{tuple(teacher.shape)}')
        loss = F.smooth_l1_loss(
            student, teacher.detach(), beta=self.beta,
            reduction=self.reduction)
        return self.loss_weight * loss
