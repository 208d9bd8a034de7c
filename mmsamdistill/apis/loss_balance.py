"""How much each student loss term actually pushes IR1.

The paper's weights (lambda_1 = 0.005, lambda_2 = 200) were set for its
models' pixel losses; the same weights next to another pixel loss (NAFNet's
PSNR loss is a log of the MSE) or another value range can make a term
vanish or dominate. This measures, on real batches, each term's gradient
on IR1's output and whether the teacher is better than the student at all
(distillation can only help when it is).
"""
from typing import Dict

import torch
from mmagic.structures import DataSample


def student_loss_balance(model, inputs: torch.Tensor,
                         data_samples: DataSample) -> Dict[str, float]:
    """Values and gradient norms of the student's loss terms on one batch.

    Args:
        model (CascadeDistillRestorer): The cascade (any training state).
        inputs (Tensor): Preprocessed degraded batch.
        data_samples (DataSample): Preprocessed stacked samples (gt, masks).

    Returns:
        dict[str, float]: ``<term>`` (weighted value) and ``<term>_grad``
        (norm of its gradient w.r.t. IR1's output) for ``recon1``, ``spd``
        and ``sgr`` (those enabled), plus ``student_mse`` and
        ``teacher_mse`` against the ground truth.
    """
    gt = data_samples.gt_img
    with torch.no_grad():
        student = model.generator(inputs)
    student.requires_grad_(True)
    masks = valid = None
    if model.needs_masks():
        masks, valid = model.batch_masks(student.detach(), data_samples)
    with torch.no_grad():
        teacher = model.forward_teacher(student.detach(), masks, valid)
    terms = dict(recon1=model.pixel_loss(student, gt))
    if model.spd_loss is not None:
        terms['spd'] = model.spd_loss(student, teacher)
    if model.sgr_loss is not None:
        terms['sgr'] = model.sgr_loss(
            model.to_rgb_unit_range(student, data_samples),
            model.to_rgb_unit_range(teacher, data_samples), masks, valid)
    result = {}
    for name, value in terms.items():
        grad, = torch.autograd.grad(value, student, allow_unused=True)
        result[name] = float(value)
        result[f'{name}_grad'] = 0. if grad is None else float(grad.norm())
    result['student_mse'] = float(((student.detach() - gt)**2).mean())
    result['teacher_mse'] = float(((teacher - gt)**2).mean())
    return result
