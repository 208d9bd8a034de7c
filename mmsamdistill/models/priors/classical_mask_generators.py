"""Mask sources that need no weights, for machines without SAM checkpoints."""
from typing import Dict, Optional

import numpy as np
from mmagic.registry import MODELS
from skimage.segmentation import felzenszwalb, slic

from ...datasets.label_map_io import MAX_LABELS
from .base_mask_generator import BaseMaskGenerator


def segments_to_label_map(segments: np.ndarray) -> np.ndarray:
    """Relabel a partition by decreasing area, as SAM label maps are.

    Args:
        segments (np.ndarray): (H, W) integer segment ids.

    Returns:
        np.ndarray: (H, W) uint16 labels, 1 = the largest segment.
    """
    _, inverse = np.unique(segments, return_inverse=True)
    areas = np.bincount(inverse.ravel())
    if len(areas) > MAX_LABELS:
        raise ValueError(f'{len(areas)} segments do not fit a uint16 label '
                         'map; raise the segment size')
    rank = np.empty_like(areas)
    rank[np.argsort(-areas, kind='stable')] = np.arange(1, len(areas) + 1)
    return rank[inverse.reshape(segments.shape)].astype(np.uint16)


@MODELS.register_module()
class FelzenszwalbMaskGenerator(BaseMaskGenerator):
    """Felzenszwalb-Huttenlocher graph segments as masks (scikit-image).

    Args:
        scale (float): Larger means larger segments. Defaults to 100.
        sigma (float): Pre-smoothing. Defaults to 0.8.
        min_size (int): Minimum segment size in pixels. Defaults to 50.
        max_side (int, optional): See :class:`BaseMaskGenerator`.
    """

    source = 'felzenszwalb'

    def __init__(self,
                 scale: float = 100.0,
                 sigma: float = 0.8,
                 min_size: int = 50,
                 max_side: Optional[int] = None) -> None:
        super().__init__(max_side)
        self.scale, self.sigma, self.min_size = scale, sigma, min_size

    def segment(self, image: np.ndarray) -> np.ndarray:
        return segments_to_label_map(
            felzenszwalb(image, scale=self.scale, sigma=self.sigma,
                         min_size=self.min_size))

    def settings(self) -> Dict:
        return dict(super().settings(), scale=self.scale, sigma=self.sigma,
                    min_size=self.min_size)


@MODELS.register_module()
class SLICMaskGenerator(BaseMaskGenerator):
    """SLIC superpixels as masks (scikit-image).

    Args:
        n_segments (int): Approximate number of superpixels. Defaults to 64.
        compactness (float): Colour vs space trade-off. Defaults to 10.
        max_side (int, optional): See :class:`BaseMaskGenerator`.
    """

    source = 'slic'

    def __init__(self,
                 n_segments: int = 64,
                 compactness: float = 10.0,
                 max_side: Optional[int] = None) -> None:
        super().__init__(max_side)
        self.n_segments, self.compactness = n_segments, compactness

    def segment(self, image: np.ndarray) -> np.ndarray:
        return segments_to_label_map(
            slic(image, n_segments=self.n_segments,
                 compactness=self.compactness, start_label=0))

    def settings(self) -> Dict:
        return dict(super().settings(), n_segments=self.n_segments,
                    compactness=self.compactness)
