"""Distillation on new views of the degraded inputs, which have no ground
truth: the teacher labels them."""
from typing import NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

_CONFIDENCES = (None, 'consistency')


class View(NamedTuple):
    """One geometric view of a batch: a zoom-out, then flips/transpose.

    ``size`` is the view's (H, W); flips and the transpose act after the
    resize.
    """
    size: Tuple[int, int]
    flip_h: bool
    flip_w: bool
    transpose: bool


@MODELS.register_module()
class ViewDistillLoss(nn.Module):
    """Smooth-L1 from IR1 to the teacher on inputs without ground truth.

    Each step draws one view of the batch's degraded inputs (zoomed out by
    a factor in ``zoom``, randomly flipped and transposed) and its masks
    (moved alike, nearest). No ground truth exists for a view, so the
    teacher (IR2 on IR1's view output, with the view's masks) is the
    target, as in distillation on unlabelled or re-scaled data. The
    ground-truth gate of SPD cannot apply; instead ``confidence=
    'consistency'`` weights each pixel by how well the teacher agrees with
    itself across views: its restoration of the view against the view of
    its restoration of the original, ``w = exp(-d / mean(d))``.

    Views are drawn from the loss's own random generator (``seed``), so the
    stock and the distilled runs of one seed see the same data.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        zoom (tuple[float, float]): Range of the zoom-out factor; (1, 1)
            keeps the size. Defaults to (0.5, 1.0).
        dihedral (bool): Also flip and transpose. Defaults to True.
        confidence (str, optional): ``None`` or ``'consistency'``.
            Defaults to 'consistency'.
        beta (float): Smooth-L1 threshold. Defaults to 1.0.
        size_divisor (int): View sizes are multiples of it (networks with
            down-sampling stages need it). Defaults to 8.
        seed (int): Seed of the view generator. Defaults to 0.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 zoom: Tuple[float, float] = (0.5, 1.0),
                 dihedral: bool = True,
                 confidence: Optional[str] = 'consistency',
                 beta: float = 1.0,
                 size_divisor: int = 8,
                 seed: int = 0) -> None:
        super().__init__()
        if not 0 < zoom[0] <= zoom[1] <= 1:
            raise ValueError('zoom must be a range within (0, 1], e.g. '
                             f'(0.5, 1.0); got {zoom}')
        if confidence not in _CONFIDENCES:
            raise ValueError(f'confidence must be one of {_CONFIDENCES}, '
                             f'got {confidence!r}')
        if size_divisor < 1:
            raise ValueError(f'size_divisor must be >= 1, got {size_divisor}')
        self.loss_weight = loss_weight
        self.zoom = tuple(zoom)
        self.dihedral = dihedral
        self.confidence = confidence
        self.beta = beta
        self.size_divisor = size_divisor
        self.generator = torch.Generator().manual_seed(seed)

    def sample_view(self, size: Tuple[int, int]) -> View:
        """Draw a view of images of ``size`` (H, W)."""
        draws = torch.rand(4, generator=self.generator).tolist()
        factor = self.zoom[0] + draws[0] * (self.zoom[1] - self.zoom[0])
        div = self.size_divisor
        view_size = tuple(
            max(div, int(round(side * factor / div)) * div) if factor < 1
            else side for side in size)
        flips = [d < 0.5 and self.dihedral for d in draws[1:]]
        return View(view_size, *flips)

    @staticmethod
    def view_of(view: View, images: torch.Tensor,
              mode: str = 'area') -> torch.Tensor:
        """``images`` (B, C, H, W) seen through ``view``.

        Args:
            view (View): The view.
            images (Tensor): Images or masks.
            mode (str): ``'area'`` for images, ``'nearest'`` for masks.

        Returns:
            Tensor: The view, (B, C, *view.size) (transposed if drawn).
        """
        if tuple(images.shape[-2:]) != view.size:
            images = F.interpolate(images, size=view.size, mode=mode)
        if view.flip_h:
            images = images.flip(-2)
        if view.flip_w:
            images = images.flip(-1)
        if view.transpose:
            images = images.transpose(-2, -1)
        return images

    def weights(self, teacher_view: torch.Tensor,
                view_of_teacher: torch.Tensor) -> Optional[torch.Tensor]:
        """Per-pixel confidence of the teacher's target, or None.

        Args:
            teacher_view (Tensor): The teacher's restoration of the view.
            view_of_teacher (Tensor): The view of the teacher's restoration
                of the original input.

        Returns:
            Tensor, optional: (B, 1, h, w) weights in (0, 1], mean-scaled.
        """
        if self.confidence is None:
            return None
        with torch.no_grad():
            gap = (teacher_view - view_of_teacher).abs().sum(
                dim=1, keepdim=True)
            return torch.exp(-gap / gap.mean().clamp(min=1e-8))

    def forward(self,
                student_view: torch.Tensor,
                teacher_view: torch.Tensor,
                weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The weighted smooth-L1 from IR1's to the teacher's view output.

        Args:
            student_view (Tensor): IR1's restoration of the view.
            teacher_view (Tensor): The teacher's; detached here.
            weights (Tensor, optional): Per-pixel weights (:meth:`weights`).

        Returns:
            Tensor: The weighted scalar loss.
        """
        if student_view.shape != teacher_view.shape:
            raise ValueError('student and teacher views differ in shape: '
                             f'{tuple(student_view.shape)} and '
                             f'{tuple(teacher_view.shape)}')
        loss = F.smooth_l1_loss(
            student_view, teacher_view.detach(), beta=self.beta,
            reduction='none')
        if weights is not None:
            loss = loss * weights
        return self.loss_weight * loss.mean()
