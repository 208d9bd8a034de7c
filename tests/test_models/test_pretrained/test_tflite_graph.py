import dataclasses
import shutil

import numpy as np
import pytest

from mmsamdistill.models.pretrained import (BUNDLED_SHA256, TFLiteGraph,
                                            bundled_labels, bundled_weights)

MOBILENET = 'mobilenet_v2_1.0_224_quant.tflite'
DEEPLAB = 'deeplabv3_mnv2_pascal_quant.tflite'


@pytest.fixture(scope='module')
def mobilenet():
    return TFLiteGraph(bundled_weights(MOBILENET))


@pytest.fixture(scope='module')
def deeplab():
    return TFLiteGraph(bundled_weights(DEEPLAB))


def test_mobilenet_operators_in_graph_order(mobilenet):
    types = [op.type for op in mobilenet.operators]
    assert types[:3] == ['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D']
    assert types[-4:] == [
        'AVERAGE_POOL_2D', 'CONV_2D', 'RESHAPE', 'SOFTMAX'
    ]
    assert set(types) == {
        'CONV_2D', 'DEPTHWISE_CONV_2D', 'ADD', 'AVERAGE_POOL_2D', 'RESHAPE',
        'SOFTMAX'
    }
    first = mobilenet.operators[0].options
    assert first == dict(activation='RELU6', stride=(2, 2), padding='SAME',
                         dilation=(1, 1))
    assert mobilenet.operators[1].options['depth_multiplier'] == 1
    assert mobilenet.operators_of('AVERAGE_POOL_2D')[0].options[
        'filter_size'] == (7, 7)
    assert len(mobilenet.operators_of('ADD')) == 10
    assert mobilenet.input_tensor().shape == (1, 224, 224, 3)


def test_deeplab_options_show_stride_16_dilation_and_resizes(deeplab):
    convs = deeplab.operators_of('CONV_2D', 'DEPTHWISE_CONV_2D')
    strides = [op.options['stride'][0] for op in convs]
    assert np.prod(strides) == 16
    dilations = [op.options['dilation'][0] for op in convs]
    assert dilations.count(2) == 3
    for op in deeplab.operators_of('RESIZE_BILINEAR'):
        assert op.options == dict(align_corners=True,
                                  half_pixel_centers=False)
    assert deeplab.operators_of('CONCATENATION')[0].options['axis'] == 3
    assert deeplab.operators[-1].type == 'ARG_MAX'


def test_weights_and_int32_biases_are_dequantised(mobilenet):
    conv = mobilenet.operators[0]
    weight, bias = (mobilenet.tensors[i] for i in conv.inputs[1:])
    assert (weight.dtype, bias.dtype) == ('UINT8', 'INT32')
    raw = mobilenet.raw_value(weight.index)
    assert len(weight.scale) == 1  # per tensor
    expected = (raw.astype(np.float64) -
                weight.zero_point[0]) * weight.scale[0]
    value = mobilenet.value(weight.index)
    assert value.dtype == np.float32 and value.shape == (32, 3, 3, 3)
    np.testing.assert_allclose(value, expected, rtol=1e-6)
    np.testing.assert_allclose(
        mobilenet.value(bias.index),
        mobilenet.raw_value(bias.index) * bias.scale[0], rtol=1e-6)
    assert mobilenet.raw_value(conv.inputs[0]) is None  # an activation
    with pytest.raises(ValueError, match='no constant data'):
        mobilenet.value(conv.inputs[0])


def test_per_channel_scales_apply_along_the_quantized_dimension():
    graph = TFLiteGraph(bundled_weights(MOBILENET))  # altered below
    index = graph.operators[0].inputs[1]  # a (32, 3, 3, 3) uint8 weight
    scales = tuple(np.linspace(0.01, 0.32, 32))
    zero_points = tuple(range(100, 132))
    graph.tensors[index] = dataclasses.replace(
        graph.tensors[index], scale=scales, zero_point=zero_points,
        quantized_dimension=0)
    raw = graph.raw_value(index).astype(np.float64)
    for channel in (0, 17, 31):
        np.testing.assert_allclose(
            graph.value(index)[channel],
            (raw[channel] - zero_points[channel]) * scales[channel],
            rtol=1e-6)


def test_sha256_is_checked_with_a_clear_error(tmp_path):
    path = bundled_weights(DEEPLAB)
    graph = TFLiteGraph(path, sha256=BUNDLED_SHA256[DEEPLAB].upper())
    assert graph.sha256 == BUNDLED_SHA256[DEEPLAB]
    copy = tmp_path / 'damaged.tflite'
    shutil.copy(path, copy)
    with open(copy, 'r+b') as f:
        f.seek(1000)
        f.write(b'\x00\x01')
    with pytest.raises(ValueError, match='damaged or not the network'):
        TFLiteGraph(str(copy), sha256=BUNDLED_SHA256[DEEPLAB])
    not_tflite = tmp_path / 'labels.tflite'
    shutil.copy(bundled_weights('imagenet_labels.txt'), not_tflite)
    with pytest.raises(ValueError, match='not a TensorFlow Lite'):
        TFLiteGraph(str(not_tflite))


def test_bundled_files_and_labels():
    assert bundled_labels('imagenet_labels.txt')[:2] == [
        'background', 'tench, Tinca tinca'
    ]
    assert len(bundled_labels('imagenet_labels.txt')) == 1001
    voc = bundled_labels('pascal_voc_segmentation_labels.txt')
    assert len(voc) == 21 and voc[8] == 'cat' and voc[15] == 'person'
    with pytest.raises(ValueError, match='not a bundled file'):
        bundled_weights('sam_vit_h.pth')


def test_missing_bundle_says_to_pass_a_path(monkeypatch, tmp_path):
    from mmsamdistill.models.pretrained import bundled_files as module
    monkeypatch.setattr(module, 'WEIGHT_FOLDERS', (str(tmp_path), ))
    with pytest.raises(FileNotFoundError, match='pass the path'):
        module.bundled_weights(MOBILENET)


def test_an_installed_package_finds_its_own_copy(monkeypatch, tmp_path):
    import shutil

    from mmsamdistill.models.pretrained import bundled_files as module
    installed = tmp_path / 'site-packages' / 'mmsamdistill' / '.mim'
    (installed / 'weights').mkdir(parents=True)
    shutil.copy(module.bundled_weights('imagenet_labels.txt'),
                installed / 'weights')
    monkeypatch.setattr(module, 'WEIGHT_FOLDERS',
                        (str(installed / 'weights'), str(tmp_path / 'none')))
    assert module.bundled_weights('imagenet_labels.txt') == str(
        installed / 'weights' / 'imagenet_labels.txt')
