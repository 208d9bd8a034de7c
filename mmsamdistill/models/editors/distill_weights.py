"""When, and how strongly, the distillation terms pull the student."""
from typing import Dict, List, NamedTuple, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_world_size

__all__ = ['DISTILL_TERMS', 'DistillTerm', 'DistillWeights', 'gradient_norm']

# The restorer's distillation terms, by the names their weights use.
DISTILL_TERMS = ('spd', 'sgr', 'feature', 'views')


class DistillTerm(NamedTuple):
    """One distillation term: its value, the student tensors it acts on,
    and those on which the pixel loss's gradient is its reference (the
    same tensors, unless the term runs IR1 on other inputs)."""
    value: torch.Tensor
    student_tensors: List[torch.Tensor]
    pixel_reference: List[torch.Tensor]


class DistillWeights(nn.Module):
    """A start/ramp schedule and scale-free weights for the student's terms.

    Schedule: the distillation terms are off before ``start_iter`` (the
    teacher trains alone and overtakes the student first), then their weight
    rises linearly to 1 over ``ramp_iters``.

    Scale-free weights: with ``grad_fraction=dict(spd=0.1, ...)`` a term's
    weight is set so that its gradient has that fraction of the pixel loss's
    gradient norm, measured on the tensors the term acts on (IR1's output for
    SPD and SGR, IR1's block features for feature distillation). The ratio
    is re-measured every ``interval`` iterations and averaged over processes,
    so one config means the same pull for a PSNR-, L1-, Charbonnier- or
    MSE-trained model at any value range. The scales are buffers: they are
    saved in checkpoints and survive ``--resume``. A term not listed keeps
    its ``loss_weight`` (the paper's literal lambdas).

    With gradients disabled (``torch.no_grad()``, ``torch.inference_mode()``:
    a validation-loss hook, an evaluation script) nothing is measured: the
    terms keep their last measured scales, or their ``loss_weight`` when
    none was measured yet, and the losses are still returned.

    Args:
        start_iter (int): First iteration of distillation. Defaults to 0.
        ramp_iters (int): Iterations of the linear ramp. Defaults to 0.
        grad_fraction (dict, optional): Target gradient fraction per term
            (``spd``, ``sgr``, ``feature``, ``views``). Defaults to None
            (fixed weights).
        interval (int): Iterations between two measurements. Defaults to 10.
    """

    def __init__(self,
                 start_iter: int = 0,
                 ramp_iters: int = 0,
                 grad_fraction: Optional[Dict[str, float]] = None,
                 interval: int = 10) -> None:
        super().__init__()
        if start_iter < 0 or ramp_iters < 0:
            raise ValueError('start_iter and ramp_iters must be >= 0, got '
                             f'{start_iter} and {ramp_iters}')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.start_iter = start_iter
        self.ramp_iters = ramp_iters
        self.interval = interval
        self.grad_fraction = dict(grad_fraction or {})
        unknown = set(self.grad_fraction) - set(DISTILL_TERMS)
        if unknown:
            known = ', '.join(map(repr, DISTILL_TERMS))
            raise ValueError(f'distill_weights.grad_fraction has unknown '
                             f'terms {sorted(unknown)}; use {known}')
        for name, fraction in self.grad_fraction.items():
            if fraction is not None and fraction < 0:
                raise ValueError(f'grad_fraction.{name} must be >= 0, got '
                                 f'{fraction}')
            # -1: not measured yet, so the first active step measures.
            self.register_buffer(f'scale_{name}', torch.tensor(-1.0))

    def ramp(self, iteration: int) -> float:
        """The schedule's factor in [0, 1] at ``iteration``."""
        if iteration < self.start_iter:
            return 0.0
        if self.ramp_iters == 0:
            return 1.0
        return min(1.0, (iteration - self.start_iter + 1) / self.ramp_iters)

    def balanced(self, name: str) -> bool:
        """Whether the weight of ``name`` is scale-free."""
        return self.grad_fraction.get(name) is not None

    def due(self, name: str, iteration: int) -> bool:
        """Whether the gradient ratio of ``name`` is measured now (never
        with gradients disabled: there is no graph to measure)."""
        return self.balanced(name) and torch.is_grad_enabled() and (
            iteration % self.interval == 0
            or float(getattr(self, f'scale_{name}')) < 0)

    @torch.no_grad()
    def update(self, name: str, pixel_norm: torch.Tensor,
               term_norm: torch.Tensor) -> None:
        """Set the scale of ``name`` from measured gradient norms.

        Args:
            name (str): The term.
            pixel_norm (Tensor): Norm of the pixel loss's gradient.
            term_norm (Tensor): Norm of the (weighted) term's gradient.
        """
        ratio = torch.stack([pixel_norm, term_norm]).float()
        if get_world_size() > 1:
            all_reduce(ratio, op='mean')
        scale = getattr(self, f'scale_{name}')
        if ratio[1] > 0 and torch.isfinite(ratio).all():
            scale.fill_(self.grad_fraction[name] * ratio[0] / ratio[1])
        elif scale < 0:  # nothing to measure yet (e.g. an empty gate)
            scale.fill_(0.0)

    def weighted(self, terms: Dict[str, DistillTerm],
                 pixel_loss: torch.Tensor,
                 iteration: int) -> Dict[str, torch.Tensor]:
        """The terms as losses at this iteration's weights.

        Each term's scale is re-measured when due, then its loss is
        ``ramp * scale * value``; balanced terms also log their scale.

        Args:
            terms (dict[str, DistillTerm]): The terms at their
                ``loss_weight``, by name.
            pixel_loss (Tensor): The student's pixel loss (the reference
                gradient).
            iteration (int): The training iteration.

        Returns:
            dict[str, Tensor]: ``loss_<name>`` and ``weight_<name>`` entries.
        """
        ramp = self.ramp(iteration)
        losses = {}
        for name, term in terms.items():
            if self.due(name, iteration):
                self.update(name,
                            gradient_norm(pixel_loss, term.pixel_reference),
                            gradient_norm(term.value, term.student_tensors))
            if self.balanced(name):
                losses[f'weight_{name}'] = self.scale(name).detach()
            losses[f'loss_{name}'] = ramp * self.scale(name).to(
                term.value) * term.value
        return losses

    def scale(self, name: str) -> torch.Tensor:
        """The multiplier of ``name`` beyond its ``loss_weight``."""
        scale = getattr(self, f'scale_{name}', None)
        if not self.balanced(name) or scale < 0:  # fixed, or not measured
            return torch.tensor(1.0)
        return scale.clone()


def gradient_norm(output: torch.Tensor,
                  inputs: Sequence[torch.Tensor]) -> torch.Tensor:
    """Norm of d output / d inputs over all ``inputs`` (graph kept).

    Args:
        output (Tensor): A scalar loss.
        inputs (Sequence[Tensor]): Tensors of the graph it depends on.

    Returns:
        Tensor: The joint L2 norm (0 where ``output`` ignores ``inputs``, or
        without a graph: gradients disabled).
    """
    inputs = [t for t in inputs if t.requires_grad]
    if not output.requires_grad or not inputs:
        return output.new_zeros(())
    grads = torch.autograd.grad(
        output, list(inputs), retain_graph=True, allow_unused=True)
    squares = [g.detach().pow(2).sum() for g in grads if g is not None]
    if not squares:
        return output.new_zeros(())
    return torch.stack(squares).sum().sqrt()
