"""Frozen ImageNet MobileNetV2 features for relation losses (SGR)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

from ..pretrained import ImageNetMobileNetV2


@MODELS.register_module()
class MobileNetV2FeatureExtractor(nn.Module):
    """The feature map of one layer of a frozen ImageNet MobileNetV2.

    A cheaper stand-in for VGG16 in SGR: the network's learned ImageNet
    features at ``layer``, from RGB images in [0, 1] (the network applies
    its own normalisation). Restoration crops are small, so the images can
    be enlarged first to bring objects nearer the scale the classifier was
    trained at (224-pixel photos).

    Args:
        layer (str): A module name of torchvision's MobileNetV2, e.g.
            ``'features.6'`` (stride 8, 32 channels) or ``'features.13'``
            (stride 16, 96 channels). Defaults to ``'features.13'``.
        checkpoint (str): The classifier's ``.tflite`` file or a bundled
            file's name. Defaults to the bundled ImageNet MobileNetV2.
        input_scale (float): Resize factor of the images before the
            network. Defaults to 2.
    """

    def __init__(self,
                 layer: str = 'features.13',
                 checkpoint: str = 'mobilenet_v2_1.0_224_quant.tflite',
                 input_scale: float = 2.0) -> None:
        super().__init__()
        if input_scale <= 0:
            raise ValueError(f'input_scale must be > 0, got {input_scale}')
        self.layer = layer
        self.input_scale = input_scale
        self.extractor = ImageNetMobileNetV2(checkpoint).feature_extractor(
            [layer])
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> 'MobileNetV2FeatureExtractor':
        """Stay in eval mode: the extractor is frozen."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Features (B, C, h, w) of (B, 3 or 1, H, W) images in [0, 1]."""
        if images.size(1) == 1:
            images = images.expand(-1, 3, -1, -1)
        elif images.size(1) != 3:
            raise ValueError('MobileNetV2 features need 1 or 3 channel '
                             f'images, got {images.size(1)} channels')
        if self.input_scale != 1:
            images = F.interpolate(images, scale_factor=self.input_scale,
                                   mode='bilinear', align_corners=False)
        return self.extractor(images)[self.layer]

    def extra_repr(self) -> str:
        return f'layer={self.layer}, input_scale={self.input_scale}'
