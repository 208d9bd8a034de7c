"""Masks of a label map painted over an image, for the demo's grids."""
import cv2
import numpy as np


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
