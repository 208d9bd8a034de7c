"""Soft class probabilities of a learned segmenter as SPF's prior channels."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

from ..utils import FrozenNetwork


@MODELS.register_module()
class SegmenterProbabilityPrior(nn.Module):
    """Per-class probability maps of IR1's output from a frozen segmenter.

    Instead of a partition into masks, each prior channel is one class's
    probability (a soft mask), so every pixel carries the segmenter's
    learned belief, also on crops where its arg-max is a single class. SPF
    and SGR take soft masks as they take hard ones (masked averages become
    probability-weighted averages). The channels are the segmenter's
    classes in its order, so the restorer's ``num_masks`` must equal
    :attr:`num_channels`. Computed online from IR1's detached output, so
    IR2 has its prior at test time too.

    Args:
        segmenter (dict): Config of a frozen segmenter that takes RGB images
            in [0, 1] and returns (B, K, H, W) class logits, e.g.
            ``dict(type='PascalDeepLabV3')`` (21 PASCAL VOC classes).
        num_channels (int): K, the segmenter's classes. Defaults to 21.
        input_scale (float): Resize factor before the segmenter: learned
            segmenters expect objects at their training scale, and training
            crops are small. Defaults to 2.
        temperature (float): Softmax temperature (> 1 softens).
            Defaults to 1.
        min_mass (float): A channel whose mean probability over the image
            is below this is marked invalid (an absent class).
            Defaults to 1e-3.
    """

    def __init__(self,
                 segmenter: dict,
                 num_channels: int = 21,
                 input_scale: float = 2.0,
                 temperature: float = 1.0,
                 min_mass: float = 1e-3) -> None:
        super().__init__()
        if input_scale <= 0 or temperature <= 0:
            raise ValueError('input_scale and temperature must be > 0, got '
                             f'{input_scale} and {temperature}')
        self.segmenter = FrozenNetwork(MODELS.build(segmenter))
        self.num_channels = num_channels
        self.input_scale = input_scale
        self.temperature = temperature
        self.min_mass = min_mass

    @torch.no_grad()
    def forward(self, images: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Class probabilities of (B, C, H, W) images in [0, 1].

        Args:
            images (Tensor): RGB (or gray, repeated) images.

        Returns:
            tuple[Tensor, Tensor]: (B, K, H, W) probabilities and (B, K)
            bool validity.
        """
        images = images.detach().clamp(0, 1)
        if images.size(1) == 1:
            images = images.expand(-1, 3, -1, -1)
        size = images.shape[-2:]
        if self.input_scale != 1:
            images = F.interpolate(images, scale_factor=self.input_scale,
                                   mode='bilinear', align_corners=False)
        logits = self.segmenter(images)
        if logits.size(1) != self.num_channels:
            raise ValueError(
                f'the segmenter returns {logits.size(1)} classes, the prior '
                f'was configured for num_channels={self.num_channels}')
        probabilities = F.softmax(logits / self.temperature, dim=1)
        if tuple(probabilities.shape[-2:]) != tuple(size):
            probabilities = F.interpolate(probabilities, size=size,
                                          mode='bilinear',
                                          align_corners=False)
        valid = probabilities.mean(dim=(2, 3)) >= self.min_mass
        return probabilities, valid
