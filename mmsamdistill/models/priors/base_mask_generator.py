"""The interface every mask source implements."""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np


class BaseMaskGenerator(metaclass=ABCMeta):
    """Turn RGB images into label maps (one uint16 label per pixel).

    Subclasses implement :meth:`segment` for one (possibly downscaled) image;
    this class handles the optional long-side resize and maps the labels
    back to the image's own size.

    Args:
        max_side (int, optional): Downscale images whose long side exceeds
            this before segmenting (SAM's cost and memory grow with it).
            Label maps always come back at the input size.
    """

    #: Name of the source, recorded in the cache sidecar.
    source: str = ''

    def __init__(self, max_side: Optional[int] = None) -> None:
        if max_side is not None and max_side < 16:
            raise ValueError(f'max_side must be >= 16, got {max_side}')
        self.max_side = max_side

    @abstractmethod
    def segment(self, image: np.ndarray) -> np.ndarray:
        """Label map (H, W) uint16 of one RGB uint8 (H, W, 3) image."""

    def settings(self) -> Dict:
        """Everything that changes the masks, for the cache sidecar."""
        return dict(source=self.source, max_side=self.max_side)

    def downscale(self, image: np.ndarray) -> np.ndarray:
        """The image with its long side at most ``max_side``."""
        height, width = image.shape[:2]
        if not self.max_side or max(height, width) <= self.max_side:
            return image
        scale = self.max_side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Label map of one image.

        Args:
            image (np.ndarray): (H, W, 3) RGB uint8 image.

        Returns:
            np.ndarray: (H, W) uint16 label map (0 = no mask).
        """
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError('mask generators take (H, W, 3) RGB uint8 '
                             f'images, got {image.dtype} {image.shape}')
        small = self.downscale(image)
        label_map = self.segment(np.ascontiguousarray(small))
        if small.shape != image.shape:
            label_map = cv2.resize(
                label_map, image.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        return label_map.astype(np.uint16)

    def generate_batch(self, images: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Label maps of several images; sources may batch the work."""
        return [self(image) for image in images]
