from . import backbones  # noqa: F401  (registration)
from .editors import CascadeDistillRestorer
from .losses import SGRLoss, SPDLoss, VGGFeatureExtractor, ViewDistillLoss
from .necks import FUSION_PRESETS, SemanticPriorFusion, SPFUnit
from .priors import (BaseMaskGenerator, FelzenszwalbMaskGenerator,
                     SAM2MaskGenerator, SAMMaskGenerator, SLICMaskGenerator)

__all__ = [
    'BaseMaskGenerator', 'CascadeDistillRestorer', 'FUSION_PRESETS',
    'FelzenszwalbMaskGenerator', 'SAM2MaskGenerator', 'SAMMaskGenerator',
    'SGRLoss', 'SLICMaskGenerator', 'SPDLoss', 'SPFUnit',
    'SemanticPriorFusion', 'VGGFeatureExtractor', 'ViewDistillLoss'
]
