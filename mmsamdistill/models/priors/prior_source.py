"""Where the cascade's prior channels come from: cached label maps, a mask
generator run online, or a segmenter's soft class probabilities."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmagic.structures import DataSample

from ..utils import label_map_to_masks
from .base_mask_generator import BaseMaskGenerator
from .online_mask_source import OnlineMaskSource
from .segmenter_probability_prior import SegmenterProbabilityPrior

__all__ = ['PriorSource']


class PriorSource(nn.Module):
    """The N prior channels and their validity for a batch of IR1 outputs.

    Args:
        source (str | dict): ``'cache'`` reads the label maps the data
            pipeline packed under ``mask_key``; a mask generator config
            (e.g. ``dict(type='SAMMaskGenerator', checkpoint=...)``)
            segments IR1's output during training (paper Eq. 2); a
            ``SegmenterProbabilityPrior`` config gives soft class
            probabilities of IR1's output (also at test time).
        num_masks (int): Channels N: label maps keep their N - 1 largest
            masks and merge the rest; a soft prior must have N classes.
        mask_key (str): DataSample field of the cached label maps.
        coords_key (str): DataSample field of the coordinate maps (online
            masks reused across views).
        mask_interval (int): With an online generator, iterations between
            two segmentations of a sample (see ``OnlineMaskSource``).
    """

    def __init__(self, source: Union[str, dict], num_masks: int,
                 mask_key: str, coords_key: str, mask_interval: int) -> None:
        super().__init__()
        self.online = self.soft = None
        built = MODELS.build(source) if isinstance(source, dict) else None
        if isinstance(built, BaseMaskGenerator):
            self.online = OnlineMaskSource(built, mask_interval)
        elif isinstance(built, SegmenterProbabilityPrior):
            self.soft = built
        elif built is not None or source != 'cache':
            raise ValueError(
                "mask_source must be 'cache', a mask generator config or a "
                f'SegmenterProbabilityPrior config, got {source!r}')
        if mask_interval != 1 and self.online is None:
            raise ValueError('mask_interval applies to online mask '
                             'generators; cached masks and soft priors are '
                             'read every step')
        if num_masks < 1:
            raise ValueError(f'num_masks must be >= 1, got {num_masks}')
        if self.soft is not None and num_masks != self.soft.num_channels:
            raise ValueError(
                f'the soft prior gives {self.soft.num_channels} channels, '
                f'one per class; set num_masks={self.soft.num_channels} '
                f'(got {num_masks})')
        self.num_masks = num_masks
        self.mask_key = mask_key
        self.coords_key = coords_key

    def available(self, data_samples: Optional[DataSample]) -> bool:
        """Whether a test batch has its priors: cached masks packed by the
        test pipeline, or a soft prior (online masks are for training)."""
        if self.soft is not None:
            return True
        return (self.online is None and data_samples is not None
                and self.mask_key in data_samples)

    def forward(self, images: torch.Tensor, data_samples: DataSample,
                iteration: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """The batch's prior channels.

        Args:
            images (Tensor): IR1's detached outputs as (B, C, H, W) images
                in [0, 1], RGB order (what generators segment).
            data_samples (DataSample): The stacked batch samples.
            iteration (int): The training iteration (online refreshes).

        Returns:
            tuple[Tensor, Tensor]: (B, N, H, W) float masks and (B, N) bool
            validity.
        """
        if self.soft is not None:
            return self.soft(images)
        if self.online is None:
            labels = self.cached_labels(data_samples, images.shape[-2:])
        else:
            paths = data_samples.metainfo.get('gt_path')
            if isinstance(paths, str):
                paths = [paths]
            labels = self.online(images, iteration, paths,
                                 data_samples.get(self.coords_key))
        return label_map_to_masks(labels, self.num_masks)

    def cached_labels(self, data_samples: DataSample,
                      size: torch.Size) -> torch.Tensor:
        """The cached label maps of a batch at IR1's output size.

        Args:
            data_samples (DataSample): The stacked batch samples.
            size (torch.Size): Spatial size (H, W) of IR1's output.

        Returns:
            Tensor: (B, 1, H, W) label maps.
        """
        if self.mask_key not in data_samples:
            fields = sorted(data_samples.keys())
            raise KeyError(
                f'The batch has no {self.mask_key!r}; the pipeline that made '
                f'it packed only {fields}, so the dataloader ran a pipeline '
                'without mask loading -- the stock one, if an edited '
                'pipeline was defined but never assigned. Wrap the stock '
                "pipeline: train_dataloader = dict(dataset=dict(pipeline=["
                "dict(type='WithSAMMasks', pipeline=_base_.train_dataloader"
                '.dataset.pipeline)])), or add LoadSAMMask and '
                f"PackInputs(data_keys=['{self.mask_key}']) to the pipeline "
                'that train_dataloader.dataset.pipeline names.')
        labels = getattr(data_samples, self.mask_key)
        if labels.dim() == 3:
            labels = labels.unsqueeze(1)
        if tuple(labels.shape[-2:]) != tuple(size):
            # SAM ran on the low-resolution input (e.g. super-resolution).
            labels = F.interpolate(labels.float(), size=size, mode='nearest')
        return labels
