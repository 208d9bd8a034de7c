"""SPF units hooked onto a generator's blocks by module path (paper Eq. 3)."""
import contextlib
import re
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.model import BaseModule

from ..utils import resize_masks
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


def resolve_fusion_points(network: nn.Module,
                          patterns: Union[str, Sequence[str]]) -> List[str]:
    """Expand fusion-point patterns into module paths of ``network``.

    Args:
        network (nn.Module): The generator.
        patterns (str | Sequence[str]): ``'auto'`` (the preset of the
            generator's class) or module paths with ``'*'`` for one
            path component.

    Returns:
        list[str]: Module paths, in the order given.
    """
    if patterns == 'auto':
        name = type(network).__name__
        if name not in FUSION_PRESETS:
            raise ValueError(
                f'No SPF fusion-point preset for {name}; presets exist for '
                f'{", ".join(sorted(FUSION_PRESETS))}. Set '
                "spf=dict(fusion_points=[...]) in the model config to module "
                "paths of the generator, e.g. ['encoders.*'].")
        patterns = FUSION_PRESETS[name]
    elif isinstance(patterns, str):
        patterns = [patterns]
    names = [n for n, _ in network.named_modules() if n]
    paths: List[str] = []
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


def _spatial_size(inputs: tuple, length: int) -> Optional[Tuple[int, int]]:
    """Find the (H, W) a token-sequence block was called with."""
    for arg in inputs:
        if (isinstance(arg, (tuple, list)) and len(arg) == 2
                and all(isinstance(v, int) for v in arg)
                and arg[0] * arg[1] == length):
            return tuple(arg)
    return None


def as_feature_map(output: torch.Tensor, inputs: tuple,
                   path: str) -> torch.Tensor:
    """A block's output as a (B, C, H, W) map ((B, L, C) tokens reshaped).

    Args:
        output (Tensor): The block's output.
        inputs (tuple): The block's positional inputs (hold the token
            grid's size for transformer blocks).
        path (str): The block's module path, for error messages.

    Returns:
        Tensor: (B, C, H, W) features.
    """
    if not torch.is_tensor(output) or output.dim() not in (3, 4):
        raise TypeError(
            f'SPF fusion point {path!r} returns {type(output).__name__}; '
            'fuse into a module whose output is a (B, C, H, W) map or '
            '(B, L, C) tokens')
    if output.dim() == 4:
        return output
    size = _spatial_size(inputs, output.size(1))
    if size is None:
        raise RuntimeError(
            f'cannot find the spatial size of the tokens output by {path!r}')
    return output.transpose(1, 2).reshape(output.size(0), -1, *size)


def _like_output(feature: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
    """``feature`` in the layout of ``output`` (tokens stay tokens)."""
    if output.dim() == 3:
        return feature.flatten(2).transpose(1, 2)
    return feature


@contextlib.contextmanager
def recorded_features(network: nn.Module,
                      paths: Sequence[str]) -> Iterator[List[torch.Tensor]]:
    """Collect the feature maps of ``paths`` during the forwards inside.

    The hooks exist only inside the block, so the network is untouched
    outside it (the student stays the stock model).

    Args:
        network (nn.Module): The network to record.
        paths (Sequence[str]): Module paths, e.g. ``SemanticPriorFusion``'s
            ``fusion_points``.

    Yields:
        list[Tensor]: Filled in execution order with (B, C, H, W) maps.
    """
    modules = dict(network.named_modules())
    features: List[torch.Tensor] = []
    handles = [
        modules[path].register_forward_hook(
            lambda m, i, o, path=path: features.append(
                as_feature_map(o, i, path))) for path in paths
    ]
    try:
        yield features
    finally:
        for handle in handles:
            handle.remove()


@MODELS.register_module()
class SemanticPriorFusion(BaseModule):
    """SPF units hooked onto the building blocks of the network they fuse.

    Unit 1 fuses ``[I1, M]`` into the network's input; unit i > 1 fuses
    ``[resize(F_{i-1}^SPF), F_i]`` and its result replaces the output of
    block i, so block i+1 consumes the fused feature. Blocks are found by
    module path and fused through forward hooks, so no generator is edited.
    Order follows execution (probed once on a dummy input), which is what
    Eq. 3's index means for U-shaped networks too. Every unit starts as a
    no-op (zero-initialised output projection), so at initialisation the
    fused network computes exactly what the bare network computes.

    The network is not a submodule: its parameters belong to its owner (the
    restorer's ``teacher_generator``), so they appear once in state dicts
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
        modules = dict(network.named_modules())
        paths = resolve_fusion_points(network, fusion_points)
        self.fusion_points, channels = self._probe(
            network, modules, paths, image_channels, probe_size)
        self.input_unit = SPFUnit(num_masks, image_channels, mid_channels)
        self.units = nn.ModuleList()
        previous = image_channels
        for index, path in enumerate(self.fusion_points):
            self.units.append(SPFUnit(previous, channels[path], mid_channels))
            previous = channels[path]
            modules[path].register_forward_hook(self._make_hook(index))
        self._state: Optional[dict] = None

    def zero_outputs(self) -> None:
        """Make every unit a no-op again (as at construction)."""
        for unit in [self.input_unit, *self.units]:
            unit.zero_output()

    @staticmethod
    def _probe(network: nn.Module, modules: Dict[str, nn.Module],
               paths: List[str], image_channels: int,
               probe_size: int) -> Tuple[List[str], Dict[str, int]]:
        param = next(network.parameters())
        was_training = network.training
        try:
            with torch.no_grad():
                network.eval()
                order, channels, handles = [], {}, []
                for path in paths:

                    def record(module, inputs, output, path=path):
                        if path not in channels:
                            order.append(path)
                            channels[path] = as_feature_map(
                                output, inputs, path).size(1)

                    handles.append(
                        modules[path].register_forward_hook(record))
                try:
                    network(
                        param.new_zeros(1, image_channels, probe_size,
                                        probe_size))
                except RuntimeError as err:
                    raise RuntimeError(
                        f'SPF could not probe {type(network).__name__} with '
                        f'a ({image_channels}, {probe_size}, {probe_size}) '
                        'input; check the model\'s image_channels (or the '
                        'preprocessor\'s mean/std length) and '
                        f'spf.probe_size. Underlying error: {err}') from err
                finally:
                    for handle in handles:
                        handle.remove()
        finally:
            network.train(was_training)
        missing = [p for p in paths if p not in channels]
        if missing:
            raise ValueError(f'SPF fusion points {missing} never ran in the '
                             "generator's forward; choose executed modules")
        return order, channels

    def _make_hook(self, index: int):

        def hook(module, inputs, output):
            if self._state is None:  # network called outside forward()
                return output
            feature = as_feature_map(output, inputs, self.fusion_points[index])
            fused = self.units[index](self._state['guide'], feature,
                                      self._masks_at(feature.shape[-2:]),
                                      self._state['valid'])
            self._state['guide'] = fused
            self._state['features'].append(fused)
            return _like_output(fused, output)

        return hook

    def _masks_at(self, size: Tuple[int, int]) -> torch.Tensor:
        """The call's masks at ``size``, resized once per size and call."""
        cache = self._state['resized']
        key = tuple(size)
        if key not in cache:
            cache[key] = resize_masks(self._state['masks'], key).to(
                self._state['guide'].dtype)
        return cache[key]

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
        self._state = dict(
            guide=guide, masks=masks, valid=valid, resized={}, features=[])
        try:
            return self.network(fused), self._state['features']
        finally:
            self._state = None
