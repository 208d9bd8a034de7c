"""Masks from a pretrained semantic segmenter: learned category labels,
optionally split into classical segments (instance-like regions)."""
import os.path as osp
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmagic.registry import MODELS
from skimage.segmentation import felzenszwalb

from ..pretrained import PascalDeepLabV3
from .base_mask_generator import BaseMaskGenerator
from .classical_mask_generators import segments_to_label_map

FORMS = ('classes', 'classes_by_segments')


@MODELS.register_module()
class SemanticSegmenterMaskGenerator(BaseMaskGenerator):
    """Label maps from DeepLabV3-MobileNetV2 (PASCAL VOC) predictions.

    The image is resized to ``input_size`` squared (bilinear, antialiased),
    segmented, and its class labels resized back (nearest). Then:

    - ``form='classes'``: one mask per predicted class region, background
      included;
    - ``form='classes_by_segments'``: each class region split by the
      Felzenszwalb segments of the image, so masks carry category and
      instance-like boundaries.

    Labels are ranked by area (1 = largest), as the other sources do.

    Args:
        checkpoint (str): A DeepLabV3-MobileNetV2 ``.tflite`` file or a
            bundled one's name (see :class:`PascalDeepLabV3`). Defaults to
            the bundled full-width network.
        form (str): ``'classes'`` or ``'classes_by_segments'``.
            Defaults to ``'classes'``.
        input_size (int, optional): Side the image is resized to for the
            network (it was trained at 513); ``None`` segments the image at
            its own size. Defaults to 513.
        scale (float): Felzenszwalb scale (``classes_by_segments``).
            Defaults to 100.
        sigma (float): Felzenszwalb pre-smoothing. Defaults to 0.8.
        min_size (int): Felzenszwalb minimum segment size. Defaults to 50.
        device (str, optional): Where the network runs; default: CUDA when
            available.
        max_side (int, optional): See :class:`BaseMaskGenerator`.
    """

    source = 'segmenter'

    def __init__(self,
                 checkpoint: str = 'deeplabv3_mnv2_pascal_quant.tflite',
                 form: str = 'classes',
                 input_size: Optional[int] = 513,
                 scale: float = 100.0,
                 sigma: float = 0.8,
                 min_size: int = 50,
                 device: Optional[str] = None,
                 max_side: Optional[int] = None) -> None:
        super().__init__(max_side)
        if form not in FORMS:
            raise ValueError(f'form must be one of {FORMS}, got {form!r}')
        if input_size is not None and input_size < 16:
            raise ValueError(f'input_size must be >= 16, got {input_size}')
        self.form = form
        self.input_size = input_size
        self.scale, self.sigma, self.min_size = scale, sigma, min_size
        self.device = device or ('cuda'
                                 if torch.cuda.is_available() else 'cpu')
        self.network = PascalDeepLabV3(checkpoint).to(self.device)

    def settings(self) -> Dict:
        settings = dict(
            super().settings(),
            form=self.form,
            checkpoint=osp.basename(self.network.checkpoint),
            checkpoint_sha256=self.network.checkpoint_sha256,
            input_size=self.input_size)
        if self.form == 'classes_by_segments':
            settings.update(
                scale=self.scale, sigma=self.sigma, min_size=self.min_size)
        return settings

    @torch.no_grad()
    def class_map(self, image: np.ndarray) -> np.ndarray:
        """Predicted class (H, W) int64 of each pixel of an RGB uint8
        image."""
        images = torch.from_numpy(image).to(self.device).permute(
            2, 0, 1)[None].float() / 255
        size = image.shape[:2]
        if self.input_size is not None:
            images = F.interpolate(
                images, (self.input_size, ) * 2,
                mode='bilinear',
                align_corners=False,
                antialias=True)
        classes = self.network(images).argmax(1, keepdim=True).float()
        return F.interpolate(
            classes, size, mode='nearest')[0, 0].long().cpu().numpy()

    def segment(self, image: np.ndarray) -> np.ndarray:
        classes = self.class_map(image)
        if self.form == 'classes':
            return segments_to_label_map(classes)
        segments = felzenszwalb(
            image, scale=self.scale, sigma=self.sigma, min_size=self.min_size)
        # One region per (class, segment) pair that occurs.
        return segments_to_label_map(classes * (int(segments.max()) + 1) +
                                     segments)
