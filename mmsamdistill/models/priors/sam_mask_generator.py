"""SAM (segment-anything) automatic masks as label maps."""
import hashlib
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmagic.registry import MODELS

from ...datasets.label_map_io import masks_to_label_map
from ...engine.checkpoint_loading import checkpoint_path, load_state_dict_file
from .base_mask_generator import BaseMaskGenerator

# SamAutomaticMaskGenerator's settings that change the masks, with defaults.
AMG_DEFAULTS = dict(
    points_per_side=32,
    pred_iou_thresh=0.88,
    stability_score_thresh=0.95,
    stability_score_offset=1.0,
    box_nms_thresh=0.7,
    crop_n_layers=0,
    crop_nms_thresh=0.7,
    crop_overlap_ratio=512 / 1500,
    crop_n_points_downscale_factor=1,
    min_mask_region_area=0)


def file_digest(path: str, length: int = 16) -> str:
    """First ``length`` hex digits of the file's SHA-256."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()[:length]


class _QueuedImageEncoder(nn.Module):
    """SAM's image encoder that first serves embeddings computed in a batch.

    SamAutomaticMaskGenerator embeds one image (crop) at a time. Encoding a
    batch at once keeps an accelerator busy; the per-image mask decoding then
    takes the queued embedding instead of encoding again.
    """

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.queue: List[torch.Tensor] = []
        self.img_size = encoder.img_size

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.queue:
            return self.queue.pop(0)
        return self.encoder(images)


@MODELS.register_module()
class SAMMaskGenerator(BaseMaskGenerator):
    """Segment-anything's automatic mask generator, built once, reused.

    Images are given in RGB (as SAM expects). The checkpoint (a path or an
    ``http(s)://`` URL, downloaded once into torch hub's cache) is loaded
    weights-only by :func:`~mmsamdistill.engine.load_checkpoint_file`.

    Args:
        model_type (str): A key of ``segment_anything.sam_model_registry``
            (``'vit_h'``, ``'vit_l'``, ``'vit_b'``).
        checkpoint (str, optional): SAM checkpoint; ``None`` keeps random
            weights (timing and tests only).
        device (str, optional): ``'cuda'``, ``'cpu'``...; default: CUDA when
            available.
        points_per_batch (int): Prompts decoded at once (memory only).
            Defaults to 64.
        encoder_batch_size (int): Images embedded per encoder call in
            :meth:`generate_batch`. Defaults to 4.
        max_side (int, optional): See :class:`BaseMaskGenerator`.
        **amg_settings: Any of ``AMG_DEFAULTS`` (``points_per_side``,
            ``pred_iou_thresh``, ``stability_score_thresh``,
            ``box_nms_thresh``, ``crop_n_layers``,
            ``min_mask_region_area``...).
    """

    source = 'sam'

    def __init__(self,
                 model_type: str = 'vit_h',
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = None,
                 points_per_batch: int = 64,
                 encoder_batch_size: int = 4,
                 max_side: Optional[int] = None,
                 **amg_settings) -> None:
        super().__init__(max_side)
        from segment_anything import (SamAutomaticMaskGenerator,
                                      sam_model_registry)
        if model_type not in sam_model_registry:
            raise ValueError(f'unknown SAM model_type {model_type!r}; choose '
                             f'one of {sorted(sam_model_registry)}')
        unknown = set(amg_settings) - set(AMG_DEFAULTS)
        if unknown:
            raise TypeError(f'unknown SAM settings {sorted(unknown)}; valid: '
                            f'{sorted(AMG_DEFAULTS)}')
        self.model_type = model_type
        self.checkpoint = checkpoint
        self.amg_settings = dict(AMG_DEFAULTS, **amg_settings)
        self.encoder_batch_size = encoder_batch_size
        self.device = device or ('cuda' if torch.cuda.is_available() else
                                 'cpu')
        sam = sam_model_registry[model_type]()
        self.checkpoint_digest = None
        if checkpoint is not None:
            sam.load_state_dict(load_state_dict_file(checkpoint))
            local = checkpoint_path(checkpoint)
            if local is not None:
                self.checkpoint_digest = file_digest(local)
        sam.image_encoder = _QueuedImageEncoder(sam.image_encoder)
        self.sam = sam.to(self.device).eval().requires_grad_(False)
        self.generator = SamAutomaticMaskGenerator(
            self.sam, points_per_batch=points_per_batch, **self.amg_settings)

    def settings(self) -> Dict:
        return dict(
            super().settings(),
            model_type=self.model_type,
            checkpoint=None if self.checkpoint is None else osp.basename(
                self.checkpoint),
            checkpoint_sha256=self.checkpoint_digest,
            **self.amg_settings)

    @torch.no_grad()
    def segment(self, image: np.ndarray) -> np.ndarray:
        masks = self.generator.generate(image)
        return masks_to_label_map([m['segmentation'] for m in masks],
                                  shape=image.shape[:2])

    @torch.no_grad()
    def embed(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        """SAM image embeddings of RGB images (already at ``max_side``)."""
        predictor = self.generator.predictor
        batch = []
        for image in images:
            resized = predictor.transform.apply_image(image)
            tensor = torch.as_tensor(resized, device=self.device)
            batch.append(self.sam.preprocess(tensor.permute(2, 0, 1)))
        return self.sam.image_encoder.encoder(torch.stack(batch))

    def generate_batch(self, images: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Label maps of several images, their embeddings batched.

        Args:
            images (Sequence[np.ndarray]): (H, W, 3) RGB uint8 images.

        Returns:
            list[np.ndarray]: (H, W) uint16 label maps.
        """
        outputs = []
        for start in range(0, len(images), self.encoder_batch_size):
            chunk = list(images[start:start + self.encoder_batch_size])
            scaled = [self.downscale(image) for image in chunk]
            embeddings = self.embed(scaled)
            for image, embedding in zip(chunk, embeddings):
                # The first crop of every image is the image itself.
                self.sam.image_encoder.queue = [embedding[None]]
                outputs.append(self(image))
                if self.sam.image_encoder.queue:
                    raise RuntimeError('a queued SAM embedding was not used')
        return outputs
