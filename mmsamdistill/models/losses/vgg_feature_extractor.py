"""A frozen torchvision VGG trunk that gives semantic features at 1/8 scale."""
from typing import List, Optional

import torch
import torch.nn as nn
import torchvision
from mmagic.registry import MODELS

from ...engine.checkpoint_loading import load_state_dict_file

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def vgg_layer_names(features: nn.Sequential) -> List[str]:
    """Name each module of a torchvision VGG ``features`` trunk.

    Args:
        features (nn.Sequential): ``torchvision.models.vggXX().features``.

    Returns:
        list[str]: ``conv1_1, relu1_1, ..., pool1, conv2_1, ...``.
    """
    names, block, index = [], 1, 1
    for module in features:
        if isinstance(module, nn.Conv2d):
            names.append(f'conv{block}_{index}')
        elif isinstance(module, nn.ReLU):
            names.append(f'relu{block}_{index}')
            index += 1
        elif isinstance(module, nn.MaxPool2d):
            names.append(f'pool{block}')
            block, index = block + 1, 1
        else:
            raise TypeError(f'unexpected VGG layer {module}')
    return names


@MODELS.register_module()
class VGGFeatureExtractor(nn.Module):
    """Frozen VGG16/VGG19 features up to ``layer``, ImageNet-normalised.

    The module is always in eval mode and its parameters never require
    gradients, so it adds nothing to the optimizer.

    Args:
        arch (str): ``'vgg16'`` or ``'vgg19'``. Defaults to ``'vgg16'``.
        layer (str): Last layer kept, e.g. ``'relu4_3'`` (vgg16) or
            ``'relu4_4'`` (vgg19): 512 channels at 1/8 of the input size.
            Defaults to ``'relu4_3'``.
        pretrained (str, optional): ``'torchvision://vgg16'`` style name,
            a URL or a file path of a torchvision VGG state dict (loaded
            weights-only). ``None`` keeps random weights (tests only).
            Defaults to ``'torchvision://vgg16'``.
    """

    def __init__(self,
                 arch: str = 'vgg16',
                 layer: str = 'relu4_3',
                 pretrained: Optional[str] = 'torchvision://vgg16') -> None:
        super().__init__()
        if arch not in ('vgg16', 'vgg19'):
            raise ValueError(f"arch must be 'vgg16' or 'vgg19', got {arch!r}")
        trunk = getattr(torchvision.models, arch)(weights=None).features
        names = vgg_layer_names(trunk)
        if layer not in names:
            raise ValueError(f'{arch} has no layer {layer!r}; choose one of '
                             f'{", ".join(names)}')
        self.features = trunk[:names.index(layer) + 1]
        self.layer = layer
        self.register_buffer(
            'mean', torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1),
            persistent=False)
        self.register_buffer(
            'std', torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1),
            persistent=False)
        if pretrained is not None:
            self.load_pretrained(pretrained)
        self.requires_grad_(False)
        self.eval()

    def load_pretrained(self, pretrained: str) -> None:
        """Load the trunk's weights from a torchvision VGG state dict.

        Weights-only, also for ``torchvision://`` names and URLs: the file
        is downloaded once into torch hub's cache (or found there) and read
        by :func:`~mmsamdistill.engine.load_checkpoint_file`, never by
        ``torch.hub``'s full unpickler.

        Args:
            pretrained (str): ``torchvision://vgg16``, URL or file path.
        """
        state = load_state_dict_file(pretrained)
        own = self.state_dict()
        wanted = {k: v for k, v in state.items() if k in own}
        missing = sorted(set(own) - set(wanted))
        if missing:
            raise KeyError(f'{pretrained} is not a torchvision VGG state dict '
                           f'for these layers: missing {missing[:4]}')
        self.load_state_dict(wanted)

    def train(self, mode: bool = True) -> 'VGGFeatureExtractor':
        """Stay in eval mode: the extractor is frozen."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Extract features.

        Args:
            images (Tensor): (B, 3 or 1, H, W) images in [0, 1]; grayscale
                inputs are repeated to three channels.

        Returns:
            Tensor: (B, C, H', W') features (512 x H/8 x W/8 for relu4_x).
        """
        if images.size(1) == 1:
            images = images.expand(-1, 3, -1, -1)
        elif images.size(1) != 3:
            raise ValueError('VGG features need 1 or 3 channel images, got '
                             f'{images.size(1)} channels')
        return self.features((images - self.mean) / self.std)

    def extra_repr(self) -> str:
        return f'layer={self.layer}'
