"""Side-by-side grids of restored images, with the masks overlaid."""
from typing import Sequence, Tuple

import cv2
import numpy as np

from mmsamdistill.utils import write_atomic


def label_map_overlay(image_rgb: np.ndarray, label_map: np.ndarray,
                      alpha: float = 0.5, seed: int = 0) -> np.ndarray:
    """Paint each mask of a label map in its own colour over an image.

    Args:
        image_rgb (np.ndarray): (H, W, 3) uint8 RGB image.
        label_map (np.ndarray): (H, W) labels, 0 = not covered; resized
            (nearest) to the image when sizes differ.
        alpha (float): Opacity of the colours. Defaults to 0.5.
        seed (int): Seed of the palette. Defaults to 0.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB overlay; mask borders in white.
    """
    h, w = image_rgb.shape[:2]
    labels = label_map.squeeze()
    if labels.shape != (h, w):
        labels = cv2.resize(labels.astype(np.int32).astype(np.float32),
                            (w, h), interpolation=cv2.INTER_NEAREST)
    labels = labels.astype(np.int64)
    palette = np.random.default_rng(seed).integers(
        0, 256, size=(int(labels.max()) + 1, 3))
    palette[0] = 0
    colours = palette[labels]
    covered = (labels > 0)[..., None]
    out = np.where(covered, (1 - alpha) * image_rgb + alpha * colours,
                   image_rgb)
    edges = (np.diff(labels, axis=0, prepend=labels[:1]) != 0) | (
        np.diff(labels, axis=1, prepend=labels[:, :1]) != 0)
    out[edges] = 255
    return out.round().astype(np.uint8)


def save_restoration_grid(path: str,
                          panels: Sequence[Tuple[str, np.ndarray]],
                          scale: int = 2) -> None:
    """Write labelled panels side by side (atomically).

    Args:
        path (str): Output PNG.
        panels (Sequence[tuple[str, np.ndarray]]): (title, RGB uint8 image)
            pairs of equal size.
        scale (int): Nearest-neighbour upscaling so small crops stay
            readable. Defaults to 2.
    """
    shapes = {image.shape for _, image in panels}
    if len(shapes) != 1:
        raise ValueError(f'panels must share one shape, got {sorted(shapes)}')
    tiles = []
    for title, image in panels:
        tile = cv2.resize(image, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_NEAREST)
        bar = np.full((24, tile.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(np.concatenate([bar, tile], axis=0))
        tiles.append(np.full((tiles[-1].shape[0], 4, 3), 255, np.uint8))
    grid = np.concatenate(tiles[:-1], axis=1)

    def write(tmp: str) -> None:
        if not cv2.imwrite(tmp, cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
            raise OSError(f'could not write {path}')

    write_atomic(path, write)
