import pytest
import torch

from mmsamdistill.models import SPDLoss


def test_matches_hand_computed_smooth_l1():
    student = torch.tensor([[[[0.0, 0.5], [2.0, -1.0]]]])
    teacher = torch.tensor([[[[0.0, 0.0], [0.0, 1.0]]]])
    # |d| = 0, .5, 2, 2 -> 0, .5*.25, 2-.5, 2-.5 (beta 1) -> mean 0.78125
    loss = SPDLoss(loss_weight=2.0)(student, teacher)
    assert loss.item() == pytest.approx(2.0 * 0.78125)


def test_teacher_gets_no_gradient():
    student = torch.rand(2, 3, 4, 4, requires_grad=True)
    teacher = torch.rand(2, 3, 4, 4, requires_grad=True)
    SPDLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match='reduction'):
        SPDLoss(reduction='avg')
    with pytest.raises(ValueError, match='same shape'):
        SPDLoss()(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5))
