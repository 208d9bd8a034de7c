"""SAM 2 automatic masks as label maps (optional ``sam2`` package)."""
import os.path as osp
from typing import Dict, Optional

import numpy as np
import torch
from mmagic.registry import MODELS

from ...datasets.label_map_io import masks_to_label_map
from ...engine.checkpoint_loading import checkpoint_path, load_state_dict_file
from .base_mask_generator import BaseMaskGenerator
from .sam_mask_generator import file_digest


@MODELS.register_module()
class SAM2MaskGenerator(BaseMaskGenerator):
    """SAM 2's automatic mask generator (``pip install sam2``).

    Args:
        model_cfg (str): SAM 2 model config name, e.g.
            ``'configs/sam2.1/sam2.1_hiera_l.yaml'``.
        checkpoint (str): Its checkpoint file or URL, loaded weights-only.
        device (str, optional): Default: CUDA when available.
        max_side (int, optional): See :class:`BaseMaskGenerator`.
        **amg_settings: Settings of ``SAM2AutomaticMaskGenerator``
            (``points_per_side``, ``pred_iou_thresh``...).
    """

    source = 'sam2'

    def __init__(self,
                 model_cfg: str,
                 checkpoint: str,
                 device: Optional[str] = None,
                 max_side: Optional[int] = None,
                 **amg_settings) -> None:
        super().__init__(max_side)
        try:
            from sam2.automatic_mask_generator import \
                SAM2AutomaticMaskGenerator
            from sam2.build_sam import build_sam2
        except ImportError as err:
            raise ImportError(
                'SAM2MaskGenerator needs the optional `sam2` package: '
                '`pip install sam2` (or use SAMMaskGenerator, or '
                'FelzenszwalbMaskGenerator without any weights)') from err
        if '://' not in checkpoint and not osp.isfile(checkpoint):
            raise FileNotFoundError(f'SAM 2 checkpoint {checkpoint} not found')
        self.model_cfg, self.checkpoint = model_cfg, checkpoint
        self.amg_settings = amg_settings
        device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
        # built without weights, then loaded weights-only by our loader
        model = build_sam2(model_cfg, None, device=device)
        model.load_state_dict(load_state_dict_file(checkpoint))
        local = checkpoint_path(checkpoint)
        self.checkpoint_digest = None if local is None else file_digest(local)
        self.generator = SAM2AutomaticMaskGenerator(model, **amg_settings)

    def settings(self) -> Dict:
        return dict(
            super().settings(),
            model_cfg=self.model_cfg,
            checkpoint=osp.basename(self.checkpoint),
            checkpoint_sha256=self.checkpoint_digest,
            **self.amg_settings)

    @torch.no_grad()
    def segment(self, image: np.ndarray) -> np.ndarray:
        masks = self.generator.generate(image)
        return masks_to_label_map([m['segmentation'] for m in masks],
                                  shape=image.shape[:2])
