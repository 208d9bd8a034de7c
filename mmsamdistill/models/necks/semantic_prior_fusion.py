"""Attach SPF units to any generator's blocks by module path (paper Eq. 3)."""
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.model import BaseModule

from .spf_unit import SPFUnit

# Fusion points per MMagic generator: modules whose outputs are the building
# blocks' feature maps F_i. '*' stands for one path component.
FUSION_PRESETS: Dict[str, List[str]] = {
    'NAFNet': ['intro', 'encoders.*', 'middle_blks', 'decoders.*'],
    'NAFNetLocal': ['intro', 'encoders.*', 'middle_blks', 'decoders.*'],
    'Restormer': [
        'patch_embed', 'encoder_level1', 'encoder_level2', 'encoder_level3',
        'latent', 'decoder_level3', 'decoder_level2', 'decoder_level1',
        'refinement'
    ],
    'SwinIRNet': ['conv_first', 'layers.*', 'conv_after_body'],
    'Uformer': ['input_proj', 'encoders.*', 'bottleneck', 'decoders.*'],
    # The background proximal nets: their [B, Z] maps carry the scene the
    # masks describe (the rain-map nets model streaks, which they do not).
    'RCDNet': ['init_net', 'background_nets.*', 'refine_net'],
    # The kernel-prediction U-Net's levels (not its kernel map).
    'EfficientDerain': ['encoders.*', 'decoders.*'],
}


def _pattern_regex(pattern: str) -> 're.Pattern':
    parts = [
        r'[^.]+' if p == '*' else re.escape(p) for p in pattern.split('.')
    ]
    return re.compile(r'\.'.join(parts) + '$')


def _spatial_size(inputs: tuple, length: int) -> Optional[Tuple[int, int]]:
    """Find the (H, W) a token-sequence block was called with."""
    for arg in inputs:
        if (isinstance(arg, (tuple, list)) and len(arg) == 2
                and all(isinstance(v, int) for v in arg)
                and arg[0] * arg[1] == length):
            return tuple(arg)
    return None


@MODELS.register_module()
class SemanticPriorFusion(BaseModule):
    """SPF units hooked onto a generator's building blocks.

    Unit 1 fuses ``[I1, M]`` into the generator's input; unit i > 1 fuses
    ``[resize(F_{i-1}^SPF), F_i]`` and its result replaces the output of
    block i, so block i+1 consumes the fused feature. Blocks are found by
    module path and fused through forward hooks, so no generator is edited.
    Order follows execution (probed once on a dummy input), which is what
    Eq. 3's index means for U-shaped networks too. A generator that pads its
    input before its blocks declares ``pads_input = True`` and a ``pad(x)``
    method (see ``Uformer``): the masks and the guide are then padded the
    same way ("no mask" in the pad) instead of being stretched.

    Args:
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
                 fusion_points: Union[str, Sequence[str]] = 'auto',
                 mid_channels: Optional[int] = None,
                 probe_size: int = 64,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fusion_patterns = fusion_points
        self.mid_channels = mid_channels
        self.probe_size = probe_size
        self.fusion_points: List[str] = []
        self.input_unit: Optional[SPFUnit] = None
        self.units = nn.ModuleList()
        self._state: Optional[dict] = None

    def resolve(self, network: nn.Module) -> List[str]:
        """Expand ``fusion_points`` into module paths of ``network``.

        Args:
            network (nn.Module): The generator to fuse into.

        Returns:
            list[str]: Module paths, in the order given.
        """
        patterns = self.fusion_patterns
        if patterns == 'auto':
            name = type(network).__name__
            if name not in FUSION_PRESETS:
                raise ValueError(
                    f'No SPF fusion-point preset for {name}; presets exist '
                    f'for {", ".join(sorted(FUSION_PRESETS))}. Set '
                    "spf.fusion_points to module paths, e.g. ['encoders.*'].")
            patterns = FUSION_PRESETS[name]
        elif isinstance(patterns, str):
            patterns = [patterns]
        names = [n for n, _ in network.named_modules() if n]
        paths = []
        for pattern in patterns:
            regex = _pattern_regex(pattern)
            matched = [n for n in names if regex.match(n)]
            if not matched:
                shallow = [n for n in names if n.count('.') < 2]
                raise ValueError(
                    f'SPF fusion point {pattern!r} matches no module of '
                    f'{type(network).__name__}. Valid module paths include: '
                    f'{", ".join(shallow)}')
            paths += [n for n in matched if n not in paths]
        return paths

    def attach(self, network: nn.Module, in_channels: int,
               num_masks: int) -> None:
        """Build the units for ``network`` and hook them onto its blocks.

        Args:
            network (nn.Module): The generator (IR2).
            in_channels (int): Image channels of the generator's input.
            num_masks (int): Mask channels N.
        """
        if self.input_unit is not None:
            raise RuntimeError('SemanticPriorFusion is already attached')
        modules = dict(network.named_modules())
        paths = self.resolve(network)
        order, channels = self._probe(network, modules, paths, in_channels)
        self.fusion_points = order
        self.input_unit = SPFUnit(num_masks, in_channels, self.mid_channels)
        previous = in_channels
        for path in order:
            self.units.append(
                SPFUnit(previous, channels[path], self.mid_channels))
            previous = channels[path]
            hook = self._make_hook(len(self.units) - 1)
            modules[path].register_forward_hook(hook)

    def _probe(self, network: nn.Module, modules: Dict[str, nn.Module],
               paths: List[str],
               in_channels: int) -> Tuple[List[str], Dict[str, int]]:
        order, channels, handles = [], {}, []

        def record(path):

            def hook(module, inputs, output):
                if not torch.is_tensor(output) or output.dim() not in (3, 4):
                    raise TypeError(
                        f'SPF fusion point {path!r} returns '
                        f'{type(output).__name__}; fuse into a module whose '
                        'output is a (B, C, H, W) map or (B, L, C) tokens')
                if path not in channels:
                    order.append(path)
                    channels[path] = output.size(1 if output.dim() == 4 else 2)

            return hook

        for path in paths:
            handles.append(modules[path].register_forward_hook(record(path)))
        was_training = network.training
        try:
            with torch.no_grad():
                network.eval()
                param = next(network.parameters())
                network(param.new_zeros(1, in_channels, self.probe_size,
                                        self.probe_size))
        finally:
            network.train(was_training)
            for handle in handles:
                handle.remove()
        missing = [p for p in paths if p not in channels]
        if missing:
            raise ValueError(f'SPF fusion points {missing} never ran in the '
                             "generator's forward; choose executed modules")
        return order, channels

    def _make_hook(self, index: int):

        def hook(module, inputs, output):
            if self._state is None:  # IR2 called outside fuse(): no fusion
                return output
            tokens = output.dim() == 3
            if tokens:
                size = _spatial_size(inputs, output.size(1))
                if size is None:
                    raise RuntimeError(
                        f'cannot find the spatial size of the tokens output '
                        f'by {self.fusion_points[index]!r}')
                output = output.transpose(1, 2).reshape(
                    output.size(0), -1, *size)
            fused = self.units[index](self._state['guide'], output,
                                      self._state['masks'],
                                      self._state['valid'])
            self._state['guide'] = fused
            if tokens:
                fused = fused.flatten(2).transpose(1, 2)
            return fused

        return hook

    def forward(self, network: nn.Module, image: torch.Tensor,
                masks: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Run ``network`` with the semantic priors fused in.

        Args:
            network (nn.Module): The generator this module is attached to.
            image (Tensor): (B, C, H, W) IR1 output.
            masks (Tensor): (B, N, H, W) SAM masks.
            valid (Tensor): (B, N) bool validity of the masks.

        Returns:
            Tensor: IR2's output.
        """
        if self.input_unit is None:
            raise RuntimeError('call attach(network, ...) before forward')
        fused = self.input_unit(masks.to(image.dtype), image, masks, valid)
        guide = fused
        if getattr(network, 'pads_input', False):
            # The network pads its input (bottom/right) before its blocks:
            # pad the guide alike and the masks with "no mask", so the
            # priors stay on the pixels they describe.
            guide = network.pad(fused)
            pad_h = guide.size(-2) - fused.size(-2)
            pad_w = guide.size(-1) - fused.size(-1)
            masks = F.pad(masks, (0, pad_w, 0, pad_h))
        self._state = dict(guide=guide, masks=masks, valid=valid)
        try:
            return network(fused)
        finally:
            self._state = None
