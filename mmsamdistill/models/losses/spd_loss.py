"""Semantic Priors Distillation loss (paper Eq. 4)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

_REDUCTIONS = ('none', 'mean', 'sum')
_GATES = (None, 'pixel', 'sample')


@MODELS.register_module()
class SPDLoss(nn.Module):
    """Smooth-L1 between the student's output and the detached teacher's.

    The teacher (IR2, fed with SAM masks) is detached inside the loss, so the
    distillation only ever moves the student (IR1). With a ``gate`` the
    student is pulled only where the teacher is closer to the ground truth
    than the student is (per pixel, or per sample): distilling a teacher's
    errors can only hurt. :meth:`gate_mask` gives that gate (the restorer
    logs its mean).

    Args:
        loss_weight (float): Weight of the loss (the paper's lambda_1).
            Defaults to 0.005.
        beta (float): Smooth-L1 threshold between the L2 and L1 regimes.
            Defaults to 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        gate (str, optional): ``None`` (the paper), ``'pixel'`` or
            ``'sample'``. Defaults to None.
    """

    def __init__(self,
                 loss_weight: float = 0.005,
                 beta: float = 1.0,
                 reduction: str = 'mean',
                 gate: Optional[str] = None) -> None:
        super().__init__()
        if gate not in _GATES:
            raise ValueError(f'gate must be one of {_GATES}, got {gate!r}')
        if reduction not in _REDUCTIONS:
            raise ValueError(f'reduction must be one of {_REDUCTIONS}, '
                             f'got {reduction!r}')
        if beta < 0:
            raise ValueError(f'beta must be >= 0, got {beta}')
        self.loss_weight = loss_weight
        self.beta = beta
        self.reduction = reduction
        self.gate = gate

    def gate_mask(self, student: torch.Tensor, teacher: torch.Tensor,
                  gt: torch.Tensor) -> torch.Tensor:
        """Where the teacher is closer to ``gt`` than the student.

        Args:
            student (Tensor): IR1's output, (B, C, H, W).
            teacher (Tensor): IR2's output.
            gt (Tensor): The ground truth.

        Returns:
            Tensor: (B, 1, H, W) (pixel) or (B, 1, 1, 1) (sample) float mask.
        """
        with torch.no_grad():
            err_s = (student - gt).abs().sum(dim=1, keepdim=True)
            err_t = (teacher - gt).abs().sum(dim=1, keepdim=True)
            if self.gate == 'sample':
                err_s = err_s.mean(dim=(2, 3), keepdim=True)
                err_t = err_t.mean(dim=(2, 3), keepdim=True)
            return (err_t < err_s).to(student.dtype)

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                gt: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the weighted smooth-L1 distance.

        Args:
            student (Tensor): IR1's output, (B, C, H, W).
            teacher (Tensor): IR2's output of the same shape.
            gt (Tensor, optional): The ground truth; needed by a gate.

        Returns:
            Tensor: The weighted loss (a scalar unless ``reduction='none'``).
        """
        if student.shape != teacher.shape:
            raise ValueError('student and teacher must have the same shape, '
                             f'got {tuple(student.shape)} and '
                             f'{tuple(teacher.shape)}')
        loss = F.smooth_l1_loss(
            student, teacher.detach(), beta=self.beta, reduction='none')
        if self.gate is not None:
            if gt is None:
                raise ValueError(f'SPDLoss(gate={self.gate!r}) needs gt')
            mask = self.gate_mask(student, teacher, gt)
            loss = loss * mask
        if self.reduction == 'mean':
            loss = loss.mean()
        elif self.reduction == 'sum':
            loss = loss.sum()
        return self.loss_weight * loss
