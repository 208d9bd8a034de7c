"""RCDNet's stage-wise training objective (Wang et al., CVPR 2020)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

from ..backbones.rcdnet import STAGE_OUTPUTS_ATTR


@MODELS.register_module()
class RCDNetLoss(nn.Module):
    """Deep supervision of every unfolded stage of :class:`RCDNet`.

    ``L = sum_s lambda_s ||B^(s) - B||^2 + sum_s gamma_s ||O - B - R^(s)||^2``
    (mean squared errors): every background estimate ``B^(s)`` is pulled
    towards the ground truth ``B`` and every rain layer ``R^(s)`` towards the
    true rain ``O - B``. The final background and the last rain layer weigh
    ``final_weight`` (1 in the paper), the intermediate ones
    ``stage_weight`` (0.1). The stage estimates are the ones RCDNet attaches
    to its training output (see ``STAGE_OUTPUTS_ATTR``), so this loss is a
    drop-in ``pixel_loss`` for ``BaseEditModel`` and for both networks of
    ``CascadeDistillRestorer``: it is called with the generator's output and
    finds that output's own stages on it.

    Args:
        loss_weight (float): Weight of the whole objective. Defaults to 1.
        stage_weight (float): Weight of each intermediate stage's terms
            (``B^(0)`` ... ``B^(S)`` before the final refinement, ``R^(1)``
            ... ``R^(S-1)``). Defaults to 0.1.
        final_weight (float): Weight of the output and of ``R^(S)``.
            Defaults to 1.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 stage_weight: float = 0.1,
                 final_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.stage_weight = stage_weight
        self.final_weight = final_weight

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Compute the objective.

        Args:
            pred (Tensor): RCDNet's training output, (B, C, H, W), carrying
                its stage estimates.
            target (Tensor): Ground-truth backgrounds, same shape.
            weight (Tensor, optional): Unsupported; must be None (the
                signature matches MMagic's pixel losses).

        Returns:
            Tensor: The weighted scalar loss.
        """
        if weight is not None:
            raise ValueError('RCDNetLoss does not support element weights')
        stages = getattr(pred, STAGE_OUTPUTS_ATTR, None)
        if stages is None:
            raise ValueError(
                'RCDNetLoss needs the stage estimates that RCDNet attaches '
                f'to its output ({STAGE_OUTPUTS_ATTR!r}) in training mode; '
                "use it as the pixel_loss of an RCDNet generator in train() "
                "mode, or use dict(type='MSELoss') to supervise the output "
                'only')
        # A target, not a path for gradients: in IR2 the observation is
        # SPF's fused input (and IR1's output with teacher_input_grad).
        rain_target = stages['rainy'].detach() - target
        *early_rains, last_rain = stages['rains']
        loss = self.final_weight * (
            F.mse_loss(pred, target) + F.mse_loss(last_rain, rain_target))
        intermediate = sum(
            F.mse_loss(b, target) for b in stages['backgrounds']) + sum(
                F.mse_loss(r, rain_target) for r in early_rains)
        return self.loss_weight * (loss + self.stage_weight * intermediate)
