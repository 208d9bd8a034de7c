"""RCDNet (Wang et al., CVPR 2020), written from the paper's description.

"A Model-driven Deep Neural Network for Single Image Rain Removal" models a
rainy image as ``O = B + sum_n C_n (*) M_n``: a background ``B`` plus rain
maps ``M`` (N channels) convolved with a dictionary of rain kernels ``C``
(N kernels per colour channel). Proximal gradient descent on this model
alternates two updates, and RCDNet unfolds S of them into a network:

* rain maps: ``M <- proxNet_M(M - eta_M * C^T (*) (C (*) M - (O - B)))``,
* background: ``[B, Z] <- proxNet_B([(1 - eta_B) B + eta_B (O - C (*) M),
  Z])``, where ``Z`` are auxiliary channels that carry the background's
  features from stage to stage,

with learnable step sizes ``eta`` per stage, the dictionary ``C`` shared by
all stages, and proximal networks of ``T`` residual blocks (conv-BN-ReLU-
conv-BN, ReLU after the sum; the rain-map networks end with a learnable
per-channel soft threshold, which keeps the maps sparse). ``B^(0)`` and
``Z^(0)`` come from a learned initialisation: ``proxNet_B`` applied to the
rainy image concatenated with a learnable 3x3 filtering of it (``C_z``,
started as a mean filter); the first rain maps come from the thresholded
residual ``relu(O - B^(0) - tau)`` through a separate initial dictionary.
A final ``proxNet_B`` refines the last stage's ``[B, Z]``.

Sizes (paper and reference implementation): S = 17 stages, N = 32 kernels
of 9 x 9, 32 auxiliary channels, T = 4 residual blocks. The dictionary is
started from rain-streak-like kernels (vertical anisotropic Gaussians of
growing length, normalised to unit sum). The network works in the 0-255
range its thresholds and step sizes were calibrated for: inputs in [0, 1]
(MMagic's ``DataPreprocessor(std=255)``) are scaled by ``pixel_range`` and
the outputs scaled back.

The model has 2,975,186 parameters. The paper's ~3.17M is the count of the
reference implementation's modules, which also hold a proximal net that its
forward never calls and one copy of the shared dictionary per stage (16
copies, one used); without those the two architectures are the same.

Stage-wise supervision. RCDNet is trained with deep supervision over all
stages (see :class:`mmsamdistill.models.losses.RCDNetLoss`). ``forward``
returns only the final background, so ``BaseEditModel``, MMagic's tools and
``CascadeDistillRestorer`` use RCDNet like any generator. In training mode
it also attaches the stage estimates to that returned tensor, under the
attribute named by :data:`STAGE_OUTPUTS_ATTR`: the stage outputs then live
exactly as long as the output they belong to (no state is kept on the
module between iterations), and a pixel loss that receives the output also
receives its stages. This is what lets the same ``RCDNetLoss`` supervise
both IR1 and IR2 in the cascade (each output carries its own network's
stages) without any change to the restorer. (Keeping the stages on the
module instead would hold the last graph alive between iterations and
leave a loss to guess which network produced which output.) In IR2 the
observation ``O`` is SPF's fused input, so its rain layers are supervised
towards that input minus the ground truth. An op that copies the output
(e.g. ``.float()`` of a half tensor) drops the attribute; ``RCDNetLoss``
then raises instead of silently supervising the output alone.
"""
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.model import BaseModule

# Attribute of RCDNet's training output that holds its stage estimates.
STAGE_OUTPUTS_ATTR = 'rcdnet_stages'

# Kernels and step sizes enter the updates divided by 10, which slows their
# effective learning rate (the reference implementation's calibration).
_UPDATE_SCALE = 0.1


def rain_streak_kernels(num_kernels: int, size: int) -> torch.Tensor:
    """A dictionary of rain-streak-like kernels to start ``C`` from.

    Each kernel is a vertical anisotropic Gaussian, flattened inside a small
    central core and normalised to unit sum. The first ~3/8 are thin and
    the rest wider; lengths grow along the dictionary so it covers short
    and long streaks.

    Args:
        num_kernels (int): Number of kernels N.
        size (int): Kernel side (odd).

    Returns:
        Tensor: (N, size, size) kernels.
    """
    half = (size - 1) // 2
    coords = torch.arange(-half, half + 1, dtype=torch.float32)
    y, x = torch.meshgrid(coords, coords, indexing='ij')
    num_thin = round(num_kernels * 3 / 8)
    kernels = []
    for i in range(1, num_kernels + 1):
        thin = i <= num_thin
        length = (2.5 if thin else 2.0) + 0.25 * i
        core, std = (0.1, 0.25) if thin else (0.2, 0.5)
        core = round(half * core)
        # Distances beyond the flat core, streak stretched along y.
        dx = x.sign() * (x.abs().clamp(min=core) - core)
        dy = y.sign() * (y.abs().clamp(min=core) - core) / length
        kernel = torch.exp(-(dx**2 + dy**2) / (2 * std**2))
        kernels.append(kernel / kernel.sum())
    return torch.stack(kernels)


class ProximalNet(nn.Module):
    """A proximal operator learned as T residual blocks.

    Block: ``x <- relu(x + BN(conv(relu(BN(conv(x))))))``. With a
    ``threshold``, a learnable per-channel soft threshold
    ``relu(x - tau)`` follows (the rain maps' sparsity prior).

    Args:
        channels (int): Channels in and out.
        num_blocks (int): Residual blocks T.
        threshold (float, optional): Initial soft threshold; ``None`` for
            none. Defaults to None.
    """

    def __init__(self,
                 channels: int,
                 num_blocks: int,
                 threshold: Optional[float] = None) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([
            nn.Sequential(
                nn.Conv2d(channels, channels, 3, padding=1),
                nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
                nn.Conv2d(channels, channels, 3, padding=1),
                nn.BatchNorm2d(channels)) for _ in range(num_blocks)
        ])
        self.threshold = None
        if threshold is not None:
            self.threshold = nn.Parameter(
                torch.full((1, channels, 1, 1), float(threshold)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the blocks (and the threshold)."""
        for block in self.blocks:
            x = F.relu(x + block(x))
        if self.threshold is not None:
            x = F.relu(x - self.threshold)
        return x


@MODELS.register_module()
class RCDNet(BaseModule):
    """Rain convolutional dictionary network (see the module docstring).

    Args:
        in_channels (int): Image channels. Defaults to 3.
        num_stages (int): Unfolded stages S. Defaults to 17.
        num_maps (int): Rain maps / dictionary kernels N. Defaults to 32.
        num_aux (int): Auxiliary background channels Z. Defaults to 32.
        num_blocks (int): Residual blocks T per proximal net. Defaults to 4.
        kernel_size (int): Side of the rain kernels (odd). Defaults to 9.
        pixel_range (float): Scale of the working range: inputs are
            multiplied by it and outputs divided. Use 255 for [0, 1] inputs
            (the initial thresholds assume 0-255 intensities) and 1 for
            0-255 inputs. Defaults to 255.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 num_stages: int = 17,
                 num_maps: int = 32,
                 num_aux: int = 32,
                 num_blocks: int = 4,
                 kernel_size: int = 9,
                 pixel_range: float = 255.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_stages < 1:
            raise ValueError(f'num_stages must be >= 1, got {num_stages}')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError('kernel_size must be a positive odd number '
                             f'(same-size convolutions), got {kernel_size}')
        if pixel_range <= 0:
            raise ValueError(f'pixel_range must be > 0, got {pixel_range}')
        self.in_channels = in_channels
        self.num_stages = num_stages
        self.pixel_range = float(pixel_range)

        # C is (image channels, N, k, k): conv2d maps N rain maps to the
        # rain layer, conv_transpose2d is its adjoint C^T.
        kernels = rain_streak_kernels(num_maps, kernel_size)
        kernels = kernels.unsqueeze(0).repeat(in_channels, 1, 1, 1)
        self.rain_kernels = nn.Parameter(kernels.clone())
        self.init_rain_kernels = nn.Parameter(kernels)
        self.aux_filter = nn.Parameter(
            torch.full((num_aux, in_channels, 3, 3), 1 / 9))
        self.rain_threshold = nn.Parameter(torch.tensor(1.))
        self.map_steps = nn.Parameter(torch.ones(num_stages - 1))
        self.background_steps = nn.Parameter(torch.full((num_stages, ), 5.))

        bz = in_channels + num_aux
        self.init_net = ProximalNet(bz, num_blocks)
        self.map_nets = nn.ModuleList([
            ProximalNet(num_maps, num_blocks, threshold=0.5)
            for _ in range(num_stages)
        ])
        self.background_nets = nn.ModuleList(
            [ProximalNet(bz, num_blocks) for _ in range(num_stages)])
        self.refine_net = ProximalNet(bz, num_blocks)

    def _synthesise(self, maps: torch.Tensor) -> torch.Tensor:
        """Rain layer ``C (*) M``."""
        kernels = self.rain_kernels * _UPDATE_SCALE
        return F.conv2d(maps, kernels, padding=kernels.size(-1) // 2)

    def _analyse(self, layer: torch.Tensor,
                 kernels: torch.Tensor) -> torch.Tensor:
        """Adjoint ``C^T (*) layer``: an image-size layer to N maps."""
        kernels = kernels * _UPDATE_SCALE
        return F.conv_transpose2d(
            layer, kernels, padding=kernels.size(-1) // 2)

    def _background_step(self, stage: int, background: torch.Tensor,
                         aux: torch.Tensor, rainy: torch.Tensor,
                         rain: torch.Tensor) -> torch.Tensor:
        """Gradient step on ``||O - B - R||^2`` in B, then proxNet_B."""
        eta = self.background_steps[stage] * _UPDATE_SCALE
        moved = (1 - eta) * background + eta * (rainy - rain)
        return self.background_nets[stage](torch.cat([moved, aux], dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Derain ``x``.

        Args:
            x (Tensor): (B, C, H, W) rainy images, any H and W.

        Returns:
            Tensor: (B, C, H, W) final background estimate. In training
            mode it carries the stage estimates under
            :data:`STAGE_OUTPUTS_ATTR`: a dict with ``backgrounds`` (the
            S + 1 estimates ``B^(0)`` ... ``B^(S)`` before the final
            refinement), ``rains`` (the S rain layers ``R^(1)`` ...
            ``R^(S)``) and ``rainy`` (``x``), all in ``x``'s range.
        """
        if x.dim() != 4 or x.size(1) != self.in_channels:
            raise ValueError(f'RCDNet expects (B, {self.in_channels}, H, W) '
                             f'images, got shape {tuple(x.shape)}')
        c = self.in_channels
        rainy = x * self.pixel_range
        aux = F.conv2d(rainy, self.aux_filter, padding=1)
        bz = self.init_net(torch.cat([rainy, aux], dim=1))
        background, aux = bz[:, :c], bz[:, c:]
        backgrounds: List[torch.Tensor] = [background]
        rains: List[torch.Tensor] = []

        # Stage 1 starts from M = 0: the maps come from the sparse residual.
        residual = F.relu(rainy - background - self.rain_threshold)
        maps = self.map_nets[0](
            self._analyse(residual, self.init_rain_kernels))
        rain = self._synthesise(maps)
        for stage in range(self.num_stages):
            if stage:
                misfit = rain - (rainy - background)
                eta = self.map_steps[stage - 1] * _UPDATE_SCALE
                maps = self.map_nets[stage](
                    maps - eta * self._analyse(misfit, self.rain_kernels))
                rain = self._synthesise(maps)
            bz = self._background_step(stage, background, aux, rainy, rain)
            background, aux = bz[:, :c], bz[:, c:]
            rains.append(rain)
            backgrounds.append(background)

        out = self.refine_net(bz)[:, :c] / self.pixel_range
        if self.training:
            setattr(
                out, STAGE_OUTPUTS_ATTR,
                dict(
                    backgrounds=[b / self.pixel_range for b in backgrounds],
                    rains=[r / self.pixel_range for r in rains],
                    rainy=x))
        return out


__all__ = ['RCDNet', 'STAGE_OUTPUTS_ATTR', 'rain_streak_kernels']
