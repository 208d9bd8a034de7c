"""Masks of IR1's current output, computed during training (paper Eq. 2)."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .base_mask_generator import BaseMaskGenerator


class OnlineMaskSource:
    """Segment IR1's (detached) outputs every ``interval`` iterations.

    With ``interval == 1`` every batch is segmented (Eq. 2 as written). With
    ``interval > 1`` a batch is segmented on refresh iterations, and a sample
    seen in between reuses the masks of its last refresh: each pixel looks up
    its label through the sample's coordinate map (``GenerateCoordinateMap``
    in the pipeline), so the reused masks stay aligned under any crop, flip
    or transpose; pixels outside the refreshed view get label 0 (no mask).
    A sample never refreshed yet is segmented at once.

    Args:
        generator (BaseMaskGenerator): Any mask source.
        interval (int): Iterations between refreshes. Defaults to 1.
    """

    def __init__(self,
                 generator: BaseMaskGenerator,
                 interval: int = 1) -> None:
        if interval < 1:
            raise ValueError(f'mask_interval must be >= 1, got {interval}')
        self.generator = generator
        self.interval = interval
        # sample key -> (top, left, label patch in original coordinates)
        self.bank: Dict[str, Tuple[int, int, np.ndarray]] = {}

    def segment(self, images: torch.Tensor) -> List[np.ndarray]:
        """Label maps of (B, 3, H, W) RGB images in [0, 1]."""
        arrays = (images.detach().clamp(0, 1) * 255).round().to(
            torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        return self.generator.generate_batch(list(arrays))

    def store(self, key: str, labels: np.ndarray, coords: np.ndarray) -> None:
        """Remember ``labels`` in the original coordinates of the sample."""
        rows, cols = coords
        top, left = int(rows.min()), int(cols.min())
        patch = np.zeros((int(rows.max()) - top + 1,
                          int(cols.max()) - left + 1), dtype=np.uint16)
        patch[rows - top, cols - left] = labels
        self.bank[key] = (top, left, patch)

    def recall(self, key: str, coords: np.ndarray) -> np.ndarray:
        """Labels of the stored refresh at this view's pixels."""
        top, left, patch = self.bank[key]
        rows, cols = coords[0] - top, coords[1] - left
        inside = ((rows >= 0) & (rows < patch.shape[0]) & (cols >= 0)
                  & (cols < patch.shape[1]))
        labels = np.zeros(rows.shape, dtype=np.uint16)
        labels[inside] = patch[rows[inside], cols[inside]]
        return labels

    def __call__(self,
                 images: torch.Tensor,
                 step: int,
                 keys: Optional[Sequence[str]] = None,
                 coords: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Label maps of a batch.

        Args:
            images (Tensor): (B, 3, H, W) RGB IR1 outputs in [0, 1].
            step (int): The training iteration.
            keys (Sequence[str], optional): Sample identities (paths);
                needed when ``interval > 1``.
            coords (Tensor, optional): (B, 2, H, W) coordinate maps; needed
                when ``interval > 1``.

        Returns:
            Tensor: (B, 1, H, W) int64 label maps on the images' device.
        """
        batch = images.size(0)
        if self.interval == 1:
            labels = self.segment(images)
        else:
            if keys is None or coords is None:
                raise KeyError(
                    'mask_interval > 1 reuses masks across views of a sample '
                    "and needs its coordinate map: add dict(type="
                    "'GenerateCoordinateMap') after the images are loaded, "
                    "put 'coords' in the keys of the flips, transposes and "
                    "crop (PairedRandomCropWithMasks extra_keys), and pack it "
                    "with PackInputs(data_keys=[..., 'coords'])")
            coords_np = coords.cpu().numpy()
            refresh = step % self.interval == 0
            todo = [
                i for i in range(batch) if refresh or keys[i] not in self.bank
            ]
            labels = [None] * batch
            if todo:
                for i, label_map in zip(todo, self.segment(images[todo])):
                    self.store(keys[i], label_map, coords_np[i])
                    labels[i] = label_map
            for i in range(batch):
                if labels[i] is None:
                    labels[i] = self.recall(keys[i], coords_np[i])
        stacked = np.stack([np.asarray(m, dtype=np.int64) for m in labels])
        return torch.from_numpy(stacked)[:, None].to(images.device)
