import numpy as np
import pytest
import torch
import torch.nn as nn
from mmagic.registry import MODELS

from mmsamdistill.models import PascalDeepLabV3
from tests.test_models.test_pretrained.litert_reference import (
    as_batch, reference_output, resized_photo)

CHECKPOINTS = ('deeplabv3_mnv2_pascal_quant.tflite',
               'deeplabv3_mnv2_dm05_pascal_quant.tflite')


@pytest.fixture(scope='module', params=CHECKPOINTS)
def segmenter(request):
    return request.param, MODELS.build(
        dict(type='PascalDeepLabV3', checkpoint=request.param))


@pytest.mark.parametrize('photo,classes', [('chelsea', {0, 8}),
                                           ('astronaut', {0, 15})])
def test_labels_agree_with_litert(segmenter, photo, classes):
    checkpoint, network = segmenter
    image = resized_photo(photo, 513)
    reference = reference_output(checkpoint, image)
    with torch.no_grad():
        logits = network(as_batch(image))
    assert logits.shape == (1, 21, 513, 513)
    labels = logits[0].argmax(0).numpy()
    assert (labels == reference).mean() >= 0.98
    found = set(np.flatnonzero(np.bincount(labels.ravel()) > 0.01 *
                               labels.size))
    assert classes <= found  # background, cat / person


def test_disagreements_are_near_ties(segmenter):
    """On coffee (table / background borders) LiteRT's 8-bit activations
    flip ambiguous pixels; where the float logits decide clearly, the two
    agree."""
    checkpoint, network = segmenter
    image = resized_photo('coffee', 513)
    reference = reference_output(checkpoint, image)
    with torch.no_grad():
        logits = network(as_batch(image))[0]
    top2 = logits.topk(2, dim=0).values
    clear = (top2[0] - top2[1] > 0.5).numpy()
    assert clear.mean() > 0.6
    labels = logits.argmax(0).numpy()
    assert (labels[clear] == reference[clear]).mean() >= 0.999


def test_structure_read_from_the_graph(segmenter):
    checkpoint, network = segmenter
    width = 1.0 if 'dm05' not in checkpoint else 0.5
    assert network.features[0][0].out_channels == 32 * width
    assert network.features[-1].out_channels == 320 * width
    # output stride 16: the last stride-2 block runs at stride 1 ...
    assert network.features[14].conv[1][0].stride == (1, 1)
    # ... and the blocks after it are dilated
    for block in network.features[15:]:
        assert block.conv[1][0].dilation == (2, 2)
        assert block.conv[1][0].padding == (2, 2)
    assert network.align_corners is True
    assert isinstance(network.aspp.project[1], nn.Identity)


def test_any_input_size_gives_logits_at_that_size(segmenter):
    _, network = segmenter
    with torch.no_grad():
        logits = network(torch.rand(2, 3, 130, 97))
    assert logits.shape == (2, 21, 130, 97)


def test_frozen_eval_and_differentiable(segmenter):
    _, network = segmenter
    nn.ModuleList([network]).train()
    assert not any(m.training for m in network.modules())  # dropout off
    assert not any(p.requires_grad for p in network.parameters())
    image = torch.rand(1, 3, 65, 65, requires_grad=True)
    network(image)[:, 8].mean().backward()
    assert image.grad.abs().sum() > 0


def test_a_classifier_file_is_refused_with_the_reason():
    with pytest.raises(ValueError, match='not a DeepLabV3-MobileNetV2'):
        PascalDeepLabV3('mobilenet_v2_1.0_224_quant.tflite')
