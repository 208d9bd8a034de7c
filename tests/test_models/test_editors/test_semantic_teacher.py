"""SemanticTeacher: IR2 as one part (identity start, student copy, EMA)."""
import copy

import pytest
import torch
from mmagic.registry import MODELS

from mmsamdistill.models import SemanticTeacher
from tests.helpers import TINY_GENERATORS


def teacher(arch='NAFNet', **kwargs):
    torch.manual_seed(0)
    return SemanticTeacher(
        network=copy.deepcopy(TINY_GENERATORS[arch]), image_channels=3,
        num_masks=4, **kwargs)


def inputs():
    image = torch.rand(2, 3, 32, 32)
    masks = (torch.rand(2, 4, 32, 32) > 0.5).float()
    return image, masks, torch.ones(2, 4, dtype=torch.bool)


@pytest.mark.parametrize('arch,init,layer,gate', [
    ('NAFNet', 'auto', 'ending', False),
    ('NAFNet', 'gate', None, True),
    ('EfficientDerain', 'auto', None, True),
    ('NAFNet', 'none', None, False),
])
def test_identity_start_is_chosen_in_one_place(arch, init, layer, gate):
    model = teacher(arch, identity_init=init)
    assert model.output_layer == layer
    assert (model.gate is not None) == gate
    if init != 'none':
        image, masks, valid = inputs()
        with torch.no_grad():
            assert torch.allclose(model(image, masks, valid)[0], image,
                                  atol=1e-6)


def test_init_weights_restarts_the_identity():
    model = teacher()
    torch.nn.init.normal_(model.network.ending.weight)
    torch.nn.init.normal_(model.spf.units[0].proj.weight)
    model.init_weights()
    image, masks, valid = inputs()
    with torch.no_grad():
        assert torch.allclose(model(image, masks, valid)[0], image, atol=1e-6)


def test_zero_output_needs_a_residual_output_layer():
    with pytest.raises(ValueError, match="use 'gate' for EfficientDerain"):
        teacher('EfficientDerain', identity_init='zero_output')
    with pytest.raises(ValueError, match='teacher_init must be one of'):
        teacher(identity_init='zeros')


def test_state_from_student_copies_all_but_the_zeroed_output():
    model = teacher()
    student = MODELS.build(copy.deepcopy(TINY_GENERATORS['NAFNet']))
    state, message = model.state_from_student(student.state_dict())
    assert set(state) == {'network.' + k for k in student.state_dict()}
    assert torch.equal(state['network.intro.weight'], student.intro.weight)
    assert not state['network.ending.weight'].any()
    assert "zeroed 'ending'" in message
    model.load_state_dict(state, strict=False)
    image, masks, valid = inputs()
    with torch.no_grad():
        assert torch.allclose(model(image, masks, valid)[0], image, atol=1e-6)


def test_target_uses_the_average_and_no_gradient():
    model = teacher(identity_init='gate', ema_decay=0.5)
    model.update_average()  # copies the weights
    with torch.no_grad():
        model.gate.fill_(1.0)
    image, masks, valid = inputs()
    live, _ = model(image, masks, valid)
    target, _ = model.target(image, masks, valid)
    assert not target.requires_grad
    assert torch.allclose(target, image, atol=1e-6)  # the averaged gate is 0
    assert not torch.allclose(live, image)
    assert float(model.gate.mean()) == 1.0  # live weights restored
