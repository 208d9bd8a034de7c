"""EfficientDeRain (Guo et al., AAAI 2021), written from the paper.

"EfficientDeRain: Learning Pixel-wise Dilation Filtering for High-Efficiency
Single-Image Deraining" derains by filtering, not by regressing pixels: a
kernel prediction network (KPN) predicts, for every pixel and colour
channel, a k x k kernel (k = 3); the rainy image is filtered with these
pixel-wise kernels at several dilation rates (1, 2, 3, 4), so that the
same learned kernel covers rain streaks of several scales; a 3x3 conv fuses
the filtered images into the derained one.

The KPN is a U-Net (as released by the authors): five encoder levels of
three 3x3 conv + ReLU layers (64, 128, 256, 512, 512 channels), 2x2 average
pooling between levels, and three decoder levels that upsample bilinearly,
concatenate the encoder feature of the same level and apply the same
three-conv block (512, 256, then C * k^2 kernel channels at half
resolution); a bilinear upsampling and a 1x1 conv give the full-resolution
kernel map. The model has 27,395,406 parameters, as the authors' released
model (we found no count in the paper, which reports run times). Weights
start from PyTorch's default initialisation, not the release's Xavier-normal
with gain 0.02 (set ``init_cfg`` for that).

Upsampling goes to the skip feature's exact size, so any input of at least
16 x 16 pixels works (odd sizes too).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.model import BaseModule


def pixelwise_dilated_filter(image: torch.Tensor, kernels: torch.Tensor,
                             dilation: int) -> torch.Tensor:
    """Filter every pixel with its own kernel, dilated.

    ``out[b, c, y, x] = sum_{i, j} kernels[b, c, i * k + j, y, x] *
    image[b, c, y + (i - k // 2) * d, x + (j - k // 2) * d]``, zero outside
    the image. Vectorised with ``F.unfold``.

    Args:
        image (Tensor): (B, C, H, W) images.
        kernels (Tensor): (B, C, k * k, H, W) per-pixel kernels, taps in
            row-major order.
        dilation (int): Dilation rate d.

    Returns:
        Tensor: (B, C, H, W) filtered images.
    """
    b, c, h, w = image.shape
    taps = kernels.size(2)
    k = int(round(taps**0.5))
    if k * k != taps or k % 2 == 0 or kernels.shape != (b, c, taps, h, w):
        raise ValueError(
            'kernels must be (B, C, k*k, H, W) with an odd k and the '
            f'image\'s B, C, H, W {tuple(image.shape)}; got '
            f'{tuple(kernels.shape)}')
    patches = F.unfold(
        image, k, dilation=dilation, padding=dilation * (k // 2))
    return (patches.view(b, c, taps, h, w) * kernels).sum(2)


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """Three 3x3 conv + ReLU layers, the KPN's building block."""
    layers = []
    for i in range(3):
        layers += [
            nn.Conv2d(in_channels if i == 0 else out_channels, out_channels,
                      3, padding=1),
            nn.ReLU(inplace=True)
        ]
    return nn.Sequential(*layers)


@MODELS.register_module()
class EfficientDerain(BaseModule):
    """Pixel-wise dilation filtering with a kernel prediction U-Net.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        kernel_size (int): Side k of the per-pixel kernels (odd).
            Defaults to 3.
        dilations (Sequence[int]): Dilation rates of the filtering.
            Defaults to (1, 2, 3, 4).
        channels (Sequence[int]): Widths of the five encoder levels.
            Defaults to (64, 128, 256, 512, 512).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 kernel_size: int = 3,
                 dilations: Sequence[int] = (1, 2, 3, 4),
                 channels: Sequence[int] = (64, 128, 256, 512, 512),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError('kernel_size must be a positive odd number, got '
                             f'{kernel_size}')
        if not dilations or min(dilations) < 1:
            raise ValueError(
                f'dilations must be positive integers, got {dilations}')
        if len(channels) != 5:
            raise ValueError('channels must give the widths of the 5 encoder '
                             f'levels, got {channels}')
        self.in_channels = in_channels
        self.kernel_size = kernel_size
        self.dilations = tuple(dilations)
        kernel_channels = in_channels * kernel_size**2

        self.encoders = nn.ModuleList()
        previous = in_channels
        for width in channels:
            self.encoders.append(conv_block(previous, width))
            previous = width
        # Decoder levels 3, 2, 1 (the full-resolution level has no decoder:
        # the kernel map is upsampled from level 1).
        self.decoders = nn.ModuleList()
        for level in (3, 2, 1):
            width = channels[level] if level > 1 else kernel_channels
            self.decoders.append(
                conv_block(channels[level] + previous, width))
            previous = width
        self.kernel_head = nn.Conv2d(kernel_channels, kernel_channels, 1)
        self.fusion = nn.Conv2d(
            in_channels * len(self.dilations), in_channels, 3, padding=1)
        self.min_size = 2**(len(channels) - 1)

    def predict_kernels(self, x: torch.Tensor) -> torch.Tensor:
        """Run the KPN.

        Args:
            x (Tensor): (B, C, H, W) rainy images.

        Returns:
            Tensor: (B, C, k * k, H, W) per-pixel kernels.
        """
        feats: List[torch.Tensor] = []
        h = x
        for i, encoder in enumerate(self.encoders):
            h = encoder(F.avg_pool2d(h, 2) if i else h)
            feats.append(h)
        for decoder, skip in zip(self.decoders, feats[3:0:-1]):
            h = F.interpolate(
                h, size=skip.shape[-2:], mode='bilinear', align_corners=False)
            h = decoder(torch.cat([skip, h], dim=1))
        h = F.interpolate(
            h, size=x.shape[-2:], mode='bilinear', align_corners=False)
        b, c, height, width = x.shape
        return self.kernel_head(h).view(b, c, self.kernel_size**2, height,
                                        width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Derain ``x``.

        Args:
            x (Tensor): (B, C, H, W) rainy images, H, W >= 16.

        Returns:
            Tensor: (B, C, H, W) derained images.
        """
        if x.dim() != 4 or x.size(1) != self.in_channels:
            raise ValueError(
                f'EfficientDerain expects (B, {self.in_channels}, H, W) '
                f'images, got shape {tuple(x.shape)}')
        if min(x.shape[-2:]) < self.min_size:
            raise ValueError(
                f'EfficientDerain needs images of at least {self.min_size}x'
                f'{self.min_size} pixels (its U-Net pools 4 times), got '
                f'{tuple(x.shape[-2:])}; pad or crop larger')
        kernels = self.predict_kernels(x)
        filtered = [
            pixelwise_dilated_filter(x, kernels, d) for d in self.dilations
        ]
        return self.fusion(torch.cat(filtered, dim=1))


__all__ = ['EfficientDerain', 'pixelwise_dilated_filter']
