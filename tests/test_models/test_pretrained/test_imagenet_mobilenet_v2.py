import numpy as np
import pytest
import torch
import torch.nn as nn
from mmagic.registry import MODELS
from mmengine.model import BaseModule

from mmsamdistill.models import ImageNetMobileNetV2
from mmsamdistill.models.pretrained import bundled_labels
from tests.test_models.test_pretrained.litert_reference import (
    as_batch, reference_output, resized_photo)

CHECKPOINT = 'mobilenet_v2_1.0_224_quant.tflite'


@pytest.fixture(scope='module')
def network():
    return MODELS.build(dict(type='ImageNetMobileNetV2'))


@pytest.mark.parametrize('photo,expected', [('chelsea', 'Egyptian cat'),
                                            ('coffee', 'espresso'),
                                            ('rocket', 'missile'),
                                            ('astronaut', None)])
def test_top1_class_is_litert_s(network, photo, expected):
    image = resized_photo(photo, 224)
    reference = reference_output(CHECKPOINT, image)
    with torch.no_grad():
        probabilities = network(as_batch(image))[0].softmax(0).numpy()
    assert probabilities.argmax() == reference.argmax()
    labels = bundled_labels('imagenet_labels.txt')
    if expected is not None:
        assert labels[probabilities.argmax()] == expected
    # LiteRT's uint8 softmax has steps of 1/256
    top = reference.argmax()
    assert abs(probabilities[top] - reference[top] / 256) < 0.05


def test_is_torchvision_mobilenet_v2_with_folded_batchnorm(network):
    from torchvision.models import MobileNetV2
    assert isinstance(network, MobileNetV2) and isinstance(
        network, BaseModule)
    names = dict(network.named_modules())
    assert isinstance(names['features.0.0'], nn.Conv2d)
    assert isinstance(names['features.0.1'], nn.Identity)  # folded BN
    assert names['features.0.0'].bias is not None
    assert isinstance(names['classifier.1'], nn.Linear)
    assert names['classifier.1'].out_features == 1001
    # stride 2, TF "SAME": nothing before an even-sized image, one after
    assert names['features.0.0'].padding == (0, 0)
    assert names['features.2.conv.1.0'].padding == (0, 0)  # depthwise s2
    assert names['features.1.conv.0.0'].padding == (1, 1)  # s1: symmetric


def test_tensorflow_same_padding_is_asymmetric_and_size_free(network):
    conv = network.features[0][0]
    image = torch.rand(1, 3, 10, 11)
    out = conv(image)
    assert out.shape[-2:] == (5, 6)  # ceil(size / 2)
    # even height: pad 0 before, 1 after; odd width: 1 and 1
    padded = torch.nn.functional.pad(image, (1, 1, 0, 1))
    expected = torch.nn.functional.conv2d(padded, conv.weight, conv.bias,
                                          stride=2)
    torch.testing.assert_close(out, expected)
    logits = network(torch.rand(2, 3, 97, 130))
    assert logits.shape == (2, 1001)


def test_frozen_and_eval_even_under_a_training_parent(network):
    parent = nn.Sequential(network)
    parent.train()
    assert not network.training
    assert not any(m.training for m in network.modules())
    assert not any(p.requires_grad for p in network.parameters())
    image = torch.rand(1, 3, 64, 64)
    torch.testing.assert_close(network(image), network(image))  # no dropout


def test_gradients_reach_the_input(network):
    image = torch.rand(1, 3, 96, 96, requires_grad=True)
    network(image)[0, 286].backward()
    assert image.grad is not None and image.grad.abs().sum() > 0
    assert all(p.grad is None for p in network.parameters())


def test_init_weights_keeps_the_pretrained_weights(network):
    image = torch.rand(1, 3, 64, 64)
    before = network(image)
    network.init_weights()
    torch.testing.assert_close(network(image), before)


def test_feature_extractor_returns_named_layers(network):
    extractor = network.feature_extractor(['features.6', 'features.13',
                                           'features.17.conv.0'])
    image = torch.rand(2, 3, 224, 224, requires_grad=True)
    features = extractor(image)
    assert features['features.6'].shape == (2, 32, 28, 28)
    assert features['features.13'].shape == (2, 96, 14, 14)
    assert features['features.17.conv.0'].shape == (2, 960, 7, 7)
    assert features['features.17.conv.0'].min() >= 0  # after ReLU6
    features['features.13'].mean().backward()
    assert image.grad.abs().sum() > 0
    # the same maps as the whole network computes
    seen = {}
    hook = network.features[6].register_forward_hook(
        lambda module, args, out: seen.setdefault('out', out))
    network(image)
    hook.remove()
    torch.testing.assert_close(features['features.6'], seen['out'])
    with pytest.raises(ValueError, match='no layers named'):
        network.feature_extractor(['relu4_3'])


def test_bad_input_is_refused_with_the_expected_layout(network):
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        network(torch.rand(3, 64, 64))


def test_a_segmenter_file_is_refused_with_the_mismatch():
    with pytest.raises(ValueError, match='convolutions but the network'):
        ImageNetMobileNetV2('deeplabv3_mnv2_pascal_quant.tflite')


def test_normalisation_is_the_graph_input_quantisation(network):
    # uint8 q -> (q - 128) / 128, the graph's input quantisation
    pixels = torch.tensor([0.0, 128 / 255, 1.0]).view(1, 3, 1, 1)
    np.testing.assert_allclose(
        network.normalize(pixels).flatten().numpy(),
        [-1.0, 0.0, 127 / 128], atol=1e-6)
