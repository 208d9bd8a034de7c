"""Fusion points: the generator blocks whose outputs SPF fuses and the
losses compare, and the one scoped mechanism that reaches them.

A fusion point is a module path of a generator whose output is a building
block's feature map ``F_i``. :func:`block_hooks` runs a function on those
outputs (and may replace them) only inside a ``with`` block, so whatever a
call needs (masks, the previous unit's guide, a list to record into) is
passed to it in that call and nothing stays on the network afterwards.
"""
import contextlib
import re
from typing import (Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple, Union)

import torch
import torch.nn as nn

__all__ = [
    'FUSION_PRESETS', 'as_feature_map', 'block_hooks', 'recorded_features',
    'resolve_fusion_points'
]

# Fusion points per generator ('*' stands for one path component).
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
    # The same-size teachers of super-resolution models (see
    # ``teacher_config.SR_TEACHERS``): their residual trunks.
    'EDSRNet': ['conv_first', 'body.*'],
    'RRDBNet': ['conv_first', 'body.*'],
    'SRCNNNet': ['conv1', 'conv2'],
}

# Called with a fusion point's path and its (B, C, H, W) output; a returned
# map replaces the block's output.
BlockFunction = Callable[[str, torch.Tensor], Optional[torch.Tensor]]


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
def block_hooks(network: nn.Module, paths: Sequence[str],
                function: BlockFunction) -> Iterator[None]:
    """Run ``function`` on the outputs of ``paths`` during the forwards
    inside the block.

    The hooks exist only inside the block, so the network is untouched
    outside it (the student stays the stock model, and a bare call of the
    teacher's network runs it without fusion).

    Args:
        network (nn.Module): The network.
        paths (Sequence[str]): Module paths (fusion points).
        function (Callable): Called as ``function(path, feature)`` with the
            block's output as a (B, C, H, W) map; a returned map replaces
            the block's output (in its layout), ``None`` keeps it.
    """
    modules = dict(network.named_modules())

    def hook(module, inputs, output, path):
        result = function(path, as_feature_map(output, inputs, path))
        return None if result is None else _like_output(result, output)

    handles = [
        modules[path].register_forward_hook(
            lambda m, i, o, path=path: hook(m, i, o, path)) for path in paths
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextlib.contextmanager
def recorded_features(network: nn.Module,
                      paths: Sequence[str]) -> Iterator[List[torch.Tensor]]:
    """Collect the feature maps of ``paths`` during the forwards inside.

    Args:
        network (nn.Module): The network to record.
        paths (Sequence[str]): Module paths, e.g. ``SemanticPriorFusion``'s
            ``fusion_points``.

    Yields:
        list[Tensor]: Filled in execution order with (B, C, H, W) maps.
    """
    features: List[torch.Tensor] = []
    with block_hooks(network, paths,
                     lambda path, feature: features.append(feature)):
        yield features
