"""Put a TFLite graph's convolutions into a torch network, in order.

The graphs keep BatchNorm folded into each convolution (a bias) and pad
"SAME" the TensorFlow way; torchvision's networks have bias-free
convolutions followed by BatchNorm and pad symmetrically. Each graph
convolution is matched with the next ``nn.Conv2d`` / ``nn.Linear`` of the
module (in ``named_modules`` order, which is forward order for
torchvision's MobileNetV2 and DeepLabV3 heads); its BatchNorm becomes an
``nn.Identity`` (names of the other modules stay as torchvision has them).
"""
import math
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .tflite_graph import TFLiteGraph, TFLiteOperator

#: The torch activation that follows a convolution -> TFLite's fused name.
_ACTIVATIONS = {nn.ReLU6: 'RELU6', nn.ReLU: 'RELU'}


def pad_like_tensorflow_same(conv: nn.Conv2d,
                             inputs: Tuple[torch.Tensor]) -> Tuple[
                                 torch.Tensor]:
    """Forward pre-hook: zero-pad the input as TensorFlow's "SAME" does.

    TensorFlow puts the odd pixel of the padding after the image (for a
    stride-2 3x3 convolution of an even size: none before, one after),
    which no symmetric ``padding`` of ``nn.Conv2d`` reproduces. A hook keeps
    the module a plain ``nn.Conv2d`` (its name, weights and FX leaf status
    unchanged) and works for any input size.
    """
    images = inputs[0]
    pads = []
    for size, kernel, stride, dilation in zip(images.shape[-2:],
                                              conv.kernel_size, conv.stride,
                                              conv.dilation):
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size,
                    0)
        pads.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = pads
    return (F.pad(images, (left, right, top, bottom)), ) + inputs[1:]


def _set_geometry(conv: nn.Conv2d, op: TFLiteOperator) -> None:
    """Stride, dilation and padding of ``conv`` as the graph has them."""
    conv.stride = tuple(op.options['stride'])
    conv.dilation = tuple(op.options['dilation'])
    spans = [(k - 1) * d for k, d in zip(conv.kernel_size, conv.dilation)]
    if op.options['padding'] == 'VALID':
        conv.padding = (0, 0)
    elif conv.stride == (1, 1) and all(span % 2 == 0 for span in spans):
        conv.padding = tuple(span // 2 for span in spans)  # symmetric
    else:
        conv.padding = (0, 0)
        conv.register_forward_pre_hook(pad_like_tensorflow_same)


def _following_activation(parent: nn.Module, index: int) -> str:
    """TFLite name of the activation after position ``index`` of a
    Sequential (past a BatchNorm), ``'NONE'`` if there is none."""
    children = list(parent) if isinstance(parent, nn.Sequential) else []
    for child in children[index + 1:index + 3]:
        if type(child) in _ACTIVATIONS:
            return _ACTIVATIONS[type(child)]
        if not isinstance(child, nn.BatchNorm2d):
            break
    return 'NONE'


def _torch_layers(module: nn.Module) -> List[Tuple[str, nn.Module]]:
    """The module's ``nn.Conv2d`` and ``nn.Linear`` in forward order."""
    return [(name, m) for name, m in module.named_modules()
            if isinstance(m, (nn.Conv2d, nn.Linear))]


def load_tflite_convs(module: nn.Module, graph: TFLiteGraph,
                      ops: Sequence[TFLiteOperator],
                      blocks: Sequence[nn.Module]) -> None:
    """Copy the graph's convolutions into the module's layers, in order.

    Each op (``CONV_2D`` or ``DEPTHWISE_CONV_2D``) gives its dequantised
    weight and bias to the next ``nn.Conv2d`` (or ``nn.Linear``, for a 1x1
    convolution on a pooled vector) of ``module``; the convolution takes
    the op's stride, dilation and padding, a BatchNorm right after it
    becomes ``nn.Identity`` (the graph folded it into the bias), and the
    activation that follows must be the op's fused one. The convolutions
    do not show where the skip connections are: the graph must add as many
    residuals (``ADD`` ops) as ``blocks`` have.

    Args:
        module (nn.Module): The torch network (modified in place).
        graph (TFLiteGraph): The graph holding the weights.
        ops (Sequence[TFLiteOperator]): Its convolutions, in forward order.
        blocks (Sequence[nn.Module]): The network's MobileNetV2 inverted
            residual blocks (``use_res_connect`` says which add their
            input).

    Raises:
        ValueError: The layers do not match the graph (count, shape, kind,
            activation or residual additions), with the first difference.
    """
    layers = _torch_layers(module)
    if len(layers) != len(ops):
        raise ValueError(f'{graph.path} has {len(ops)} convolutions but the '
                         f'network has {len(layers)} layers to fill')
    for (name, layer), op in zip(layers, ops):
        where = f'{graph.path} op {op.index} ({op.type}) -> {name}'
        weight = torch.from_numpy(graph.value(op.inputs[1]))
        # TFLite stores OHWI (convolutions) or 1HWC (depthwise).
        if op.type == 'DEPTHWISE_CONV_2D':
            weight = weight.permute(3, 0, 1, 2)
            depthwise = True
        else:
            weight = weight.permute(0, 3, 1, 2)
            depthwise = False
        if isinstance(layer, nn.Linear):
            if weight.shape[2:] != (1, 1):
                raise ValueError(f'{where}: only a 1x1 convolution maps '
                                 'onto nn.Linear')
            weight = weight.flatten(1)
        elif depthwise != (layer.groups == layer.in_channels > 1):
            raise ValueError(f'{where}: depthwise in one, not the other')
        if weight.shape != layer.weight.shape:
            raise ValueError(f'{where}: weight {tuple(weight.shape)} vs '
                             f'{tuple(layer.weight.shape)}')
        parent_name, _, child = name.rpartition('.')
        parent = module.get_submodule(parent_name)
        if child.isdigit():
            activation = _following_activation(parent, int(child))
            norm = list(parent)[int(child) + 1:int(child) + 2]
            if norm and isinstance(norm[0], nn.BatchNorm2d):
                parent[int(child) + 1] = nn.Identity()
        else:
            activation = 'NONE'
        if activation != op.options['activation']:
            raise ValueError(f'{where}: fused activation '
                             f"{op.options['activation']} vs {activation}")
        layer.weight = nn.Parameter(weight.contiguous())
        layer.bias = nn.Parameter(torch.from_numpy(graph.value(op.inputs[2])))
        if isinstance(layer, nn.Conv2d):
            _set_geometry(layer, op)
    residuals = sum(block.use_res_connect for block in blocks)
    adds = len(graph.operators_of('ADD'))
    if residuals != adds:
        raise ValueError(f'{graph.path} has {adds} residual additions, '
                         f'MobileNetV2 {residuals}')
