"""torchvision's MobileNetV2 carrying the weights of a TFLite ImageNet
classifier."""
import copy
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmagic.registry import MODELS
from torchvision.models import MobileNetV2
from torchvision.models.feature_extraction import create_feature_extractor

from .frozen_tflite_network import FrozenTFLiteNetwork, read_tflite_checkpoint
from .tflite_conv_loading import load_tflite_convs


@MODELS.register_module()
class ImageNetMobileNetV2(MobileNetV2, FrozenTFLiteNetwork):
    """Frozen MobileNetV2 ImageNet classifier from a TFLite file.

    torchvision's :class:`~torchvision.models.MobileNetV2` (same module
    names: ``features.0`` ... ``features.18``, ``classifier.1``) with the
    graph's weights (BatchNorm folded into convolution biases), its
    stride-2 convolutions padded like TensorFlow's "SAME", fed RGB in
    [0, 1]. It accepts any input size (global average pooling); 224 is the
    size it was trained at.

    Args:
        checkpoint (str): A MobileNetV2 ``.tflite`` classifier (uint8
            weights) or a bundled file's name. Defaults to the bundled
            ``mobilenet_v2_1.0_224_quant.tflite``.
        sha256 (str, optional): Expected SHA-256 of the file (bundled files
            are always checked).
        init_cfg (dict, optional): MMEngine initialisation config; leave it
            ``None`` to keep the pretrained weights.
    """

    def __init__(self,
                 checkpoint: str = 'mobilenet_v2_1.0_224_quant.tflite',
                 sha256: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        graph = read_tflite_checkpoint(checkpoint, sha256)
        ops = graph.operators_of('CONV_2D', 'DEPTHWISE_CONV_2D')
        first_channels = graph.tensors[ops[0].inputs[1]].shape[0]
        num_classes = graph.tensors[ops[-1].inputs[1]].shape[0]
        # MobileNetV2's __init__ reaches BaseModule's through super().
        super().__init__(
            num_classes=num_classes, width_mult=first_channels / 32)
        self.init_cfg = copy.deepcopy(init_cfg)
        load_tflite_convs(self, graph, ops, self.features[1:-1])
        self.freeze(graph)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) of RGB images (B, 3, H, W) in [0, 1];
        class 0 is "background", 1... are ImageNet's classes."""
        return super().forward(self.normalize(images))

    def feature_extractor(self, layers: Sequence[str]) -> nn.Module:
        """A module returning the feature maps of named layers.

        Built with torchvision's ``create_feature_extractor`` (it shares
        this network's frozen weights and computes nothing past the last
        layer asked for); build it once, call it on every batch.

        Args:
            layers (Sequence[str]): Module names, e.g. ``'features.6'`` (the
                stride-8 output, 32 channels), ``'features.13'`` (stride 16,
                96 channels), ``'features.17.conv.0'`` (an expansion after its
                ReLU6).

        Returns:
            nn.Module: Maps RGB images (B, 3, H, W) in [0, 1] to a dict
            ``{layer: feature map}``.
        """
        names = dict(self.named_modules())
        unknown = [layer for layer in layers if layer not in names]
        if unknown:
            raise ValueError(f'no layers named {unknown}; choose module names '
                             'of this network, e.g. features.6 or '
                             'features.13.conv.0')
        return create_feature_extractor(self, {layer: layer
                                               for layer in layers})
