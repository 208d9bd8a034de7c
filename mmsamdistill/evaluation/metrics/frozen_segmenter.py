"""A frozen semantic segmentation network that turns images into label maps.

It serves :class:`DownstreamSegmentationMetric` and stays outside every
module tree: not in the evaluated model, its optimizer or its checkpoints.
"""
import copy
import os.path as osp
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

from .weights_loading import load_pretrained

MMSEG_REQUIREMENT = 'mmsegmentation>=1.2,<1.3'
MMSEG_PREFIX = 'mmseg::'
# ImageNet statistics in [0, 255] (RGB), also what mmseg's Cityscapes
# models normalise with
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


def require_mmseg() -> None:
    """Raise a clear error when mmsegmentation cannot be imported."""
    try:
        import mmseg  # noqa: F401
    except ImportError as err:
        raise ImportError(
            'The downstream segmentation metric builds its segmenter from an '
            'mmsegmentation config, but mmsegmentation cannot be imported '
            f'({err}). Install it with `pip install "{MMSEG_REQUIREMENT}"` '
            '(it uses the mmcv and mmengine installed here), or give the '
            'metric a segmenter built from a registry config: '
            'segmenter=dict(type=...).') from err


def resolve_mmseg_config(config: str) -> str:
    """Path of an mmseg config: ``mmseg::hrnet/x.py`` or a file path."""
    if not config.startswith(MMSEG_PREFIX):
        return config
    import mmseg
    path = osp.join(
        osp.dirname(mmseg.__file__), '.mim', 'configs',
        config[len(MMSEG_PREFIX):])
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{config}: {path} does not exist; the installed mmsegmentation '
            'does not ship this config. Check the name or pass a config '
            'file path.')
    return path


class FrozenSegmenter:
    """Segment images with a frozen network, built once on first use.

    The network is set to eval mode, its parameters stop requiring
    gradients and it runs under ``torch.no_grad``. It is not an
    ``nn.Module`` attribute of anything, so no model, optimizer or
    checkpoint ever holds it.

    Two kinds of network config:

    * ``dict(config=..., checkpoint=None, cfg_options=None)``: an
      mmsegmentation 1.x model (``config`` is a file or ``mmseg::<path>``)
      built with ``mmseg.apis.init_model``. It runs as mmseg's own inference
      does: its ``data_preprocessor`` takes the image in BGR (what mmseg's
      loader gives) and applies the config's ``bgr_to_rgb``, mean and std,
      and ``predict`` segments by the config's ``test_cfg`` (``whole`` or
      ``slide``).
    * ``dict(type=..., checkpoint=None, **kwargs)``: any network in the
      registry. It gets ``(rgb - mean) / std`` as a (1, 3, H, W) float tensor
      (``mean``/``std`` in [0, 255] units, RGB) and returns (1, C, h, w)
      logits, upsampled bilinearly to (H, W) when smaller.

    ``checkpoint`` (path or URL) is loaded weights-only through mmengine's
    loader (:mod:`~mmsamdistill.evaluation.metrics.weights_loading`).

    Args:
        cfg (dict): The network config, as above.
        mean (Sequence[float]): RGB mean of registry networks.
            Defaults to ImageNet's.
        std (Sequence[float]): RGB std of registry networks.
            Defaults to ImageNet's.
    """

    def __init__(self,
                 cfg: dict,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD) -> None:
        if not isinstance(cfg, dict) or ('config' in cfg) == ('type' in cfg):
            raise ValueError(
                'segmenter must be a dict with either `config` (an '
                'mmsegmentation config) or `type` (a registry network), got '
                f'{cfg!r}')
        self.cfg = copy.deepcopy(dict(cfg))
        self.is_mmseg = 'config' in self.cfg
        if self.is_mmseg:
            require_mmseg()  # fail when the evaluator is built, not later
        self.mean = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(3, 1, 1)
        self.network: Optional[nn.Module] = None

    def _build(self) -> nn.Module:
        cfg = dict(self.cfg)
        checkpoint = cfg.pop('checkpoint', None)
        if self.is_mmseg:
            require_mmseg()
            from mmseg.apis import init_model
            config = Config.fromfile(resolve_mmseg_config(cfg.pop('config')))
            # init_model makes mmseg the default scope; give it back after
            with DefaultScope.overwrite_default_scope('mmseg'):
                network = init_model(
                    config, None, device='cpu',
                    cfg_options=cfg.pop('cfg_options', None))
            if cfg:
                raise ValueError(f'unknown mmseg segmenter keys {sorted(cfg)}'
                                 '; use config, checkpoint and cfg_options')
        else:
            network = MODELS.build(cfg)
        if checkpoint is not None:
            load_pretrained(network, checkpoint)
        return network.eval().requires_grad_(False)

    def _network_on(self, device: torch.device) -> nn.Module:
        if self.network is None:
            self.network = self._build()
        param = next(self.network.parameters(), None)
        if param is not None and param.device != device:
            self.network.to(device)
        return self.network

    @torch.no_grad()
    def predict(self, rgb: torch.Tensor, device: torch.device) -> torch.Tensor:
        """Segment one image.

        Args:
            rgb (Tensor): (3, H, W) RGB image with values in [0, 255].
            device (torch.device): Where the network runs.

        Returns:
            Tensor: (H, W) int64 class indices, on ``device``.
        """
        network = self._network_on(device)
        rgb = rgb.to(device=device, dtype=torch.float32)
        height, width = rgb.shape[-2:]
        if self.is_mmseg:
            data = network.data_preprocessor(dict(inputs=[rgb.flip(0)]),
                                             False)
            sample = network.predict(data['inputs'])[0]
            return sample.pred_sem_seg.data[0, :height, :width].long()
        inputs = ((rgb - self.mean.to(device)) / self.std.to(device))[None]
        logits = network(inputs)
        if not isinstance(logits, torch.Tensor) or logits.ndim != 4:
            raise TypeError(
                f'{type(network).__name__} must return (1, C, h, w) logits, '
                f'got {type(logits).__name__}'
                f'{tuple(getattr(logits, "shape", ()))}')
        if logits.shape[-2:] != (height, width):
            logits = F.interpolate(
                logits, size=(height, width), mode='bilinear',
                align_corners=False)
        return logits.argmax(dim=1)[0]
