"""The Semantic Prior Fusion unit (paper Fig. 3)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS

from ..utils import mask_prototypes


class SemanticSelectionAttention(nn.Module):
    """Re-weight features by their affinity to per-mask semantic prototypes.

    Each valid mask pools a prototype from the features; every pixel takes a
    dot product with the prototypes, softmax-selects among them and turns the
    selected semantics into a per-channel gate on its own features.

    Args:
        channels (int): Feature channels.
        eps (float): Guards the masked averages. Defaults to 1e-6.
    """

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.query = nn.Conv2d(channels, channels, 1)
        self.gate = nn.Conv2d(channels, channels, 1)
        self.scale = channels**-0.5
        self.eps = eps

    def forward(self, feats: torch.Tensor, masks: torch.Tensor,
                valid: torch.Tensor) -> torch.Tensor:
        """Apply the attention.

        Args:
            feats (Tensor): (B, C, H, W) fused features.
            masks (Tensor): (B, N, H, W) masks at the feature size.
            valid (Tensor): (B, N) bool validity of the masks.

        Returns:
            Tensor: (B, C, H, W) re-weighted features.
        """
        protos = mask_prototypes(feats, masks, self.eps)
        scores = torch.einsum('bnc,bchw->bnhw', protos,
                              self.query(feats)) * self.scale
        scores = scores.masked_fill(~valid[:, :, None, None], float('-inf'))
        # An image without valid masks selects nothing (and gets no NaN).
        attn = torch.nan_to_num(scores.softmax(dim=1), nan=0.0)
        selected = torch.einsum('bnhw,bnc->bchw', attn, protos)
        return feats * torch.sigmoid(self.gate(selected))


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 conv + GELU, the unit's feature-mixing block."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.GELU())


@MODELS.register_module()
class SPFUnit(nn.Module):
    """Fuse a guide (previous SPF output, or SAM masks) into a feature map.

    ``out = feature + proj(SSA(conv(conv([resize(guide), feature]))))``:
    the guide is resized to the feature's size, concatenated, mixed by two
    conv blocks, re-weighted by Semantic Selection Attention with the masks,
    and projected back to the feature's channels. The result has the
    feature's shape, so it can replace a block's output. The projection is
    zero-initialised (as ControlNet's zero convolutions): a new unit returns
    ``feature`` unchanged, so adding SPF never makes the network worse at
    the start, and the unit learns how much prior to inject.

    Args:
        guide_channels (int): Channels of the guide.
        feat_channels (int): Channels of the fused feature (and the output).
        mid_channels (int, optional): Width of the conv blocks. Defaults to
            the feature's width clamped to [16, 32]: wider units cost much
            and buy little over a bottleneck (see the README's benchmark).
    """

    def __init__(self,
                 guide_channels: int,
                 feat_channels: int,
                 mid_channels: Optional[int] = None) -> None:
        super().__init__()
        mid_channels = mid_channels or min(max(feat_channels, 16), 32)
        self.fuse = nn.Sequential(
            conv_block(guide_channels + feat_channels, mid_channels),
            conv_block(mid_channels, mid_channels))
        self.attention = SemanticSelectionAttention(mid_channels)
        self.proj = nn.Conv2d(mid_channels, feat_channels, 1)
        self.zero_output()

    def zero_output(self) -> None:
        """Zero the output projection: the unit returns its feature."""
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, guide: torch.Tensor, feat: torch.Tensor,
                masks: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Fuse ``guide`` into ``feat``.

        Args:
            guide (Tensor): (B, Cg, h, w) guide of any spatial size.
            feat (Tensor): (B, Cf, H, W) feature to refine.
            masks (Tensor): (B, N, H, W) masks at the feature's size.
            valid (Tensor): (B, N) bool validity of the masks.

        Returns:
            Tensor: (B, Cf, H, W), the refined feature.
        """
        size: Tuple[int, int] = tuple(feat.shape[-2:])
        if tuple(guide.shape[-2:]) != size:
            guide = F.interpolate(
                guide, size=size, mode='bilinear', align_corners=False)
        fused = self.fuse(torch.cat([guide.to(feat.dtype), feat], dim=1))
        fused = self.attention(fused, masks, valid)
        return feat + self.proj(fused)
