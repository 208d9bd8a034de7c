"""DeepLabV3 on MobileNetV2 carrying the weights of a TFLite PASCAL VOC
segmenter."""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from torchvision.models import MobileNetV2
from torchvision.models.segmentation.deeplabv3 import ASPP

from .frozen_tflite_network import FrozenTFLiteNetwork, read_tflite_checkpoint
from .tflite_conv_loading import load_tflite_convs
from .tflite_graph import TFLiteGraph, TFLiteOperator


def _source_conv(graph: TFLiteGraph, tensor: int) -> TFLiteOperator:
    """The convolution a tensor comes from, through resizes and
    requantisations."""
    op = graph.producer(tensor)
    while op is not None and op.type in ('RESIZE_BILINEAR', 'QUANTIZE'):
        op = graph.producer(op.inputs[0])
    if op is None or op.type != 'CONV_2D':
        raise ValueError(f'{graph.path}: tensor {tensor} does not come from '
                         'a convolution')
    return op


def _head_ops(
        graph: TFLiteGraph) -> Tuple[List[TFLiteOperator], List[str]]:
    """The head's convolutions in torchvision ``ASPP`` order (1x1 branch,
    image-pooling branch, projection, then the logits) and the graph's
    concatenation order of the two branches; checks that the graph has the
    DeepLabV3 head without atrous branches that this module builds."""
    pools = graph.operators_of('AVERAGE_POOL_2D')
    concats = graph.operators_of('CONCATENATION')
    convs = graph.operators_of('CONV_2D', 'DEPTHWISE_CONV_2D')
    head = [op for op in convs if op.index > pools[0].index] if pools else []
    if len(pools) != 1 or len(concats) != 1 or len(head) != 4:
        raise ValueError(
            f'{graph.path} is not a DeepLabV3-MobileNetV2 graph with an '
            'image-pooling and a 1x1 branch (found '
            f'{len(pools)} pools, {len(concats)} concatenations, '
            f'{len(head)} convolutions after the pool)')
    pooled = pools[0].outputs[0]
    branch_order = [
        'pooling' if _source_conv(graph, t).inputs[0] == pooled else '1x1'
        for t in concats[0].inputs
    ]
    if sorted(branch_order) != ['1x1', 'pooling']:
        raise ValueError(f'{graph.path}: the concatenation joins '
                         f'{branch_order}, expected a 1x1 and a pooling '
                         'branch')
    by_branch = {
        name: _source_conv(graph, t)
        for name, t in zip(branch_order, concats[0].inputs)
    }
    projection, logits = [op for op in head if op not in by_branch.values()]
    return [by_branch['1x1'], by_branch['pooling'], projection, logits
            ], branch_order


@MODELS.register_module()
class PascalDeepLabV3(FrozenTFLiteNetwork):
    """Frozen DeepLabV3-MobileNetV2 PASCAL VOC segmenter from a TFLite file.

    The graph (read from the file): MobileNetV2's ``features`` up to the
    320-channel block (its last stride-2 block runs at stride 1 and the
    three after it use dilation 2: output stride 16), then DeepLabV3's head
    without atrous branches: a 1x1 conv branch and an image-pooling branch
    (global average, 1x1 conv), concatenated, projected by a 1x1 conv, and
    1x1 conv logits resized bilinearly (``align_corners`` as the graph says)
    to the input size. Built from torchvision's MobileNetV2 ``features``
    (``features.0`` ... ``features.17``) and DeepLabV3 ``ASPP`` (no atrous
    rates) with BatchNorm folded into biases. Fed RGB in [0, 1], any size
    (the graph is fixed to 513 x 513, the size it was trained at).

    Args:
        checkpoint (str): A DeepLabV3-MobileNetV2 ``.tflite`` segmenter
            (uint8 weights, any depth multiplier) or a bundled file's name.
            Defaults to the bundled ``deeplabv3_mnv2_pascal_quant.tflite``;
            ``deeplabv3_mnv2_dm05_pascal_quant.tflite`` is the half-width
            one.
        sha256 (str, optional): Expected SHA-256 of the file (bundled files
            are always checked).
        init_cfg (dict, optional): MMEngine initialisation config; leave it
            ``None`` to keep the pretrained weights.
    """

    def __init__(self,
                 checkpoint: str = 'deeplabv3_mnv2_pascal_quant.tflite',
                 sha256: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        graph = read_tflite_checkpoint(checkpoint, sha256)
        head_ops, branch_order = _head_ops(graph)
        backbone_ops = [
            op for op in graph.operators_of('CONV_2D', 'DEPTHWISE_CONV_2D')
            if op.index < head_ops[0].index and op.index < head_ops[1].index
        ]
        first_channels = graph.tensors[backbone_ops[0].inputs[1]].shape[0]
        # TF's DeepLab does not round reduced widths to multiples of 8.
        self.features = MobileNetV2(
            width_mult=first_channels / 32, round_nearest=1).features[:-1]
        channels = graph.tensors[head_ops[0].inputs[1]].shape
        self.aspp = ASPP(channels[3], [], channels[0])
        num_classes = graph.tensors[head_ops[3].inputs[1]].shape[0]
        self.classifier = nn.Conv2d(channels[0], num_classes, 1)
        load_tflite_convs(self, graph, backbone_ops + head_ops,
                          self.features[1:])
        # torchvision concatenates [1x1, pooling]; the graph may not.
        weight = self.aspp.project[0].weight
        parts = dict(zip(branch_order, weight.chunk(2, dim=1)))
        self.aspp.project[0].weight = nn.Parameter(
            torch.cat([parts['1x1'], parts['pooling']], dim=1))
        resize = graph.operators_of('RESIZE_BILINEAR')[-1].options
        if resize['align_corners'] == resize['half_pixel_centers']:
            raise NotImplementedError(
                f'{graph.path} resizes with align_corners='
                f"{resize['align_corners']} and half_pixel_centers="
                f"{resize['half_pixel_centers']}, which F.interpolate lacks")
        self.align_corners = resize['align_corners']
        self.freeze(graph)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits (B, num_classes, H, W) of RGB images (B, 3, H, W) in
        [0, 1]; class 0 is background (PASCAL VOC's 20 classes follow)."""
        logits = self.classifier(self.aspp(self.features(
            self.normalize(images))))
        return F.interpolate(
            logits,
            size=images.shape[-2:],
            mode='bilinear',
            align_corners=self.align_corners)
