from . import backbones  # noqa: F401  (registration)
from .editors import CascadeDistillRestorer
from .losses import SGRLoss, SPDLoss, VGGFeatureExtractor
from .necks import FUSION_PRESETS, SemanticPriorFusion, SPFUnit
from .pretrained import ImageNetMobileNetV2, PascalDeepLabV3, bundled_weights
from .priors import (BaseMaskGenerator, FelzenszwalbMaskGenerator,
                     SAM2MaskGenerator, SAMMaskGenerator,
                     SemanticSegmenterMaskGenerator, SLICMaskGenerator)

__all__ = [
    'BaseMaskGenerator', 'CascadeDistillRestorer', 'FUSION_PRESETS',
    'FelzenszwalbMaskGenerator', 'ImageNetMobileNetV2', 'PascalDeepLabV3',
    'SAM2MaskGenerator', 'SAMMaskGenerator', 'SGRLoss', 'SLICMaskGenerator',
    'SPDLoss', 'SPFUnit', 'SemanticPriorFusion',
    'SemanticSegmenterMaskGenerator', 'VGGFeatureExtractor',
    'bundled_weights'
]
