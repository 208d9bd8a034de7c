"""SPF units hooked onto a generator's blocks by module path (paper Eq. 3)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.model import BaseModule

from ..utils import resize_masks
from .fusion_points import block_hooks, resolve_fusion_points
from .spf_unit import SPFUnit

__all__ = ['SemanticPriorFusion']


@MODELS.register_module()
class SemanticPriorFusion(BaseModule):
    """SPF units hooked onto the building blocks of the network they fuse.

    Unit 1 fuses ``[I1, M]`` into the network's input; unit i > 1 fuses
    ``[resize(F_{i-1}^SPF), F_i]`` and its result replaces the output of
    block i, so block i+1 consumes the fused feature. Blocks are found by
    module path and fused through forward hooks that exist only while
    :meth:`forward` runs (``block_hooks``), so no generator is edited and a
    bare call of the network runs it unfused. Order follows execution (probed once on a dummy input), which is what
    Eq. 3's index means for U-shaped networks too. Every unit starts as a
    no-op (zero-initialised output projection), so at initialisation the
    fused network computes exactly what the bare network computes.

    The network is not a submodule: its parameters belong to its owner (the
    ``SemanticTeacher``), so they appear once in state dicts
    and optimizers. A network that pads its input before its blocks
    declares ``pads_input = True`` and a ``pad(x)`` method (see
    ``Uformer``): the masks and the guide are then padded the same way ("no
    mask" in the pad) instead of being stretched.

    Args:
        network (nn.Module): The generator to fuse into (IR2).
        image_channels (int): Channels of the network's input image.
        num_masks (int): Mask channels N.
        fusion_points (str | Sequence[str]): ``'auto'`` (the preset of the
            generator's class, see ``FUSION_PRESETS``) or module paths, with
            ``'*'`` matching one path component (``'encoders.*'``).
            Defaults to ``'auto'``.
        mid_channels (int, optional): Width of each unit's conv blocks.
            Defaults to each fused feature's width clamped to [16, 32].
        probe_size (int): Side of the dummy input used to read the blocks'
            channels and order. Defaults to 64.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 network: nn.Module,
                 image_channels: int,
                 num_masks: int,
                 fusion_points: Union[str, Sequence[str]] = 'auto',
                 mid_channels: Optional[int] = None,
                 probe_size: int = 64,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.__dict__['network'] = network  # see the class docstring
        paths = resolve_fusion_points(network, fusion_points)
        self.fusion_points, channels = self._probe(network, paths,
                                                   image_channels, probe_size)
        self.input_unit = SPFUnit(num_masks, image_channels, mid_channels)
        self.units = nn.ModuleList()
        previous = image_channels
        for path in self.fusion_points:
            self.units.append(SPFUnit(previous, channels[path], mid_channels))
            previous = channels[path]

    def zero_outputs(self) -> None:
        """Make every unit a no-op again (as at construction)."""
        for unit in [self.input_unit, *self.units]:
            unit.zero_output()

    @staticmethod
    def _probe(network: nn.Module, paths: List[str], image_channels: int,
               probe_size: int) -> Tuple[List[str], Dict[str, int]]:
        """The fusion points in execution order and their channels, read
        from one forward of a dummy input."""
        order: List[str] = []
        channels: Dict[str, int] = {}

        def record(path: str, feature: torch.Tensor) -> None:
            if path not in channels:
                order.append(path)
                channels[path] = feature.size(1)

        param = next(network.parameters())
        was_training = network.training
        network.eval()
        try:
            with torch.no_grad(), block_hooks(network, paths, record):
                network(
                    param.new_zeros(1, image_channels, probe_size,
                                    probe_size))
        except RuntimeError as err:
            raise RuntimeError(
                f'SPF could not probe {type(network).__name__} with a '
                f'({image_channels}, {probe_size}, {probe_size}) input; '
                "check the model's image_channels (or the preprocessor's "
                'mean/std length) and spf.probe_size. Underlying error: '
                f'{err}') from err
        finally:
            network.train(was_training)
        missing = [p for p in paths if p not in channels]
        if missing:
            raise ValueError(f'SPF fusion points {missing} never ran in the '
                             "generator's forward; choose executed modules")
        return order, channels

    def forward(self, image: torch.Tensor, masks: torch.Tensor,
                valid: torch.Tensor
                ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Run the network with the semantic priors fused in.

        Args:
            image (Tensor): (B, C, H, W) IR1 output.
            masks (Tensor): (B, N, H, W) SAM masks.
            valid (Tensor): (B, N) bool validity of the masks.

        Returns:
            tuple[Tensor, list[Tensor]]: The network's output and the fused
            feature map of every fusion point, in execution order.
        """
        masks = masks.to(image.dtype)
        fused = self.input_unit(masks, image, masks, valid)
        guide = fused
        if getattr(self.network, 'pads_input', False):
            # The network pads its input (bottom/right) before its blocks:
            # pad the guide alike and the masks with "no mask", so the
            # priors stay on the pixels they describe.
            guide = self.network.pad(fused)
            pad_h = guide.size(-2) - fused.size(-2)
            pad_w = guide.size(-1) - fused.size(-1)
            masks = F.pad(masks, (0, pad_w, 0, pad_h))
        units = dict(zip(self.fusion_points, self.units))
        resized: Dict[Tuple[int, int], torch.Tensor] = {}
        features: List[torch.Tensor] = []

        def fuse(path: str, feature: torch.Tensor) -> torch.Tensor:
            # Each unit takes the previous unit's output as its guide.
            nonlocal guide
            size = tuple(feature.shape[-2:])
            if size not in resized:  # masks resized once per size and call
                resized[size] = resize_masks(masks, size).to(guide.dtype)
            guide = units[path](guide, feature, resized[size], valid)
            features.append(guide)
            return guide

        with block_hooks(self.network, self.fusion_points, fuse):
            return self.network(fused), features
