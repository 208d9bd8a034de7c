"""Pair IR1's and IR2's features at the same fusion points."""
from typing import List, Sequence, Tuple

import torch

__all__ = ['paired_features']


def paired_features(
        student_features: Sequence[torch.Tensor],
        teacher_features: Sequence[torch.Tensor], user: str,
        same_channels: bool) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """IR1's block outputs zipped with IR2's fused features, checked.

    The pairs exist only when IR2 has SPF on the student's architecture:
    then both record the same fusion points, in execution order.

    Args:
        student_features (Sequence[Tensor]): IR1's (B, C, H, W) outputs.
        teacher_features (Sequence[Tensor]): IR2's fused features.
        user (str): Who pairs them, for the error message.
        same_channels (bool): Whether a pair must also agree in channels
            (spatial sizes must always agree).

    Returns:
        list[tuple[Tensor, Tensor]]: The (student, teacher) pairs.

    Raises:
        ValueError: When the features do not pair up.
    """
    if not student_features or len(student_features) != len(
            teacher_features):
        raise ValueError(
            f"{user} needs IR1's and IR2's features at the same fusion "
            f'points, got {len(student_features)} and '
            f'{len(teacher_features)}; enable SPF (model.spf) on a teacher '
            "of the student's architecture")
    for student, teacher in zip(student_features, teacher_features):
        shape_s = student.shape if same_channels else student.shape[-2:]
        shape_t = teacher.shape if same_channels else teacher.shape[-2:]
        if shape_s != shape_t:
            raise ValueError(
                f'{user} pairs features of equal shape, got '
                f'{tuple(student.shape)} and {tuple(teacher.shape)}: the '
                "teacher must share the student's architecture")
    return list(zip(student_features, teacher_features))
