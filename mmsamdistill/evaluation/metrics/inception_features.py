"""Pool3 features of the Inception-v3 that FID is defined with."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

from .weights_loading import load_pretrained

# The TensorFlow Inception (2015-12-05) of the FID paper, ported by
# pytorch-fid; MMagic's 'PyTorch'-style FID downloads the same file.
PYTORCH_FID_INCEPTION = (
    'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/'
    'pt_inception-2015-12-05-6726825d.pth')


@MODELS.register_module()
class FIDInceptionFeatures(nn.Module):
    """2048-d pool3 features of the FID Inception-v3, as pytorch-fid computes.

    The network is MMagic's FID variant of torchvision's Inception-v3
    (``mmagic.evaluation.functional.fid_inception.fid_inception_v3``), whose
    layout matches pytorch-fid's weight file. Inputs are resized to 299x299
    (bilinear) and scaled to [-1, 1], the classifier is dropped. Frozen.

    Args:
        pretrained (str, optional): Weights (URL or path; loaded
            weights-only). Defaults to pytorch-fid's file. None keeps random
            weights (tests only).
    """

    def __init__(self, pretrained: Optional[str] = PYTORCH_FID_INCEPTION):
        super().__init__()
        from mmagic.evaluation.functional.fid_inception import \
            fid_inception_v3
        network = fid_inception_v3(False)
        if pretrained is not None:
            load_pretrained(network, pretrained)
        network.fc = nn.Identity()  # pool3 features, not the 1008 logits
        self.network = network
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> 'FIDInceptionFeatures':
        """Stay in eval mode: the extractor is frozen."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Extract features.

        Args:
            images (Tensor): (B, 3, H, W) RGB images in [0, 1].

        Returns:
            Tensor: (B, 2048) features.
        """
        images = F.interpolate(
            images, size=(299, 299), mode='bilinear', align_corners=False)
        return self.network(2 * images - 1)
