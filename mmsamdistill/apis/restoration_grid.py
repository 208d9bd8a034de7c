"""Side-by-side panels of restored images (inputs, outputs, references)."""
from typing import Sequence, Tuple

import cv2
import numpy as np

from ..utils import write_atomic


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
