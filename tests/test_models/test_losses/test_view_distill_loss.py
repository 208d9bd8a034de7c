"""ViewDistillLoss: views, their masks, the confidence weight, the loss."""
import pytest
import torch

from mmsamdistill.models import ViewDistillLoss
from mmsamdistill.models.losses.view_distill_loss import View


def test_views_are_zoomed_out_multiples_of_the_divisor_and_seeded():
    loss = ViewDistillLoss(zoom=(0.5, 0.75), size_divisor=8, seed=3)
    views = [loss.sample_view((64, 48)) for _ in range(20)]
    for view in views:
        h, w = view.size
        assert h % 8 == 0 and w % 8 == 0
        assert 24 <= h <= 48 and 16 <= w <= 40
    again = ViewDistillLoss(zoom=(0.5, 0.75), size_divisor=8, seed=3)
    assert [again.sample_view((64, 48)) for _ in range(20)] == views
    assert len({v.transpose for v in views}) == 2  # dihedral draws vary


def test_view_of_moves_images_and_masks_alike():
    labels = torch.zeros(1, 1, 8, 8)
    labels[..., :4, :2] = 1  # top-left block
    view = View((4, 4), flip_h=True, flip_w=False, transpose=True)
    moved = ViewDistillLoss.view_of(view, labels, 'nearest')
    expected = torch.zeros(1, 1, 4, 4)
    expected[..., 0, 2:] = 1  # flipped to the bottom, then transposed
    assert torch.equal(moved, expected)
    image = torch.arange(16.).view(1, 1, 4, 4)
    same = View((4, 4), False, False, False)
    assert torch.equal(ViewDistillLoss.view_of(same, image), image)


def test_consistency_weights_trust_where_the_teacher_agrees_with_itself():
    loss = ViewDistillLoss(confidence='consistency')
    teacher_view = torch.zeros(1, 3, 2, 2)
    view_of_teacher = torch.zeros(1, 3, 2, 2)
    view_of_teacher[..., 0, 0] = 1.0
    weights = loss.weights(teacher_view, view_of_teacher)
    assert weights.shape == (1, 1, 2, 2)
    assert float(weights[0, 0, 0, 0]) < float(weights[0, 0, 1, 1]) == 1.0
    assert ViewDistillLoss(confidence=None).weights(
        teacher_view, view_of_teacher) is None


def test_loss_moves_only_the_student_towards_the_teacher():
    loss = ViewDistillLoss(loss_weight=2.0, confidence=None)
    student = torch.zeros(1, 3, 4, 4, requires_grad=True)
    teacher = torch.full((1, 3, 4, 4), 0.5, requires_grad=True)
    value = loss(student, teacher)
    assert float(value) == pytest.approx(2.0 * 0.5 * 0.25)
    value.backward()
    assert teacher.grad is None and float(student.grad.sum()) < 0
    with pytest.raises(ValueError, match='shape'):
        loss(student, teacher[..., :2])
    with pytest.raises(ValueError, match='zoom'):
        ViewDistillLoss(zoom=(0.8, 0.5))
