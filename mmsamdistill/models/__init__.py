from . import backbones  # noqa: F401  (registration)
from .editors import CascadeDistillRestorer, SemanticTeacher
from .losses import (MobileNetV2FeatureExtractor, SGRLoss, SPDLoss,
                     VGGFeatureExtractor, ViewDistillLoss)
from .necks import FUSION_PRESETS, SemanticPriorFusion, SPFUnit
from .pretrained import ImageNetMobileNetV2, PascalDeepLabV3, bundled_weights
from .priors import (BaseMaskGenerator, FelzenszwalbMaskGenerator,
                     PriorSource, SAM2MaskGenerator, SAMMaskGenerator,
                     SegmenterProbabilityPrior,
                     SemanticSegmenterMaskGenerator, SLICMaskGenerator)

__all__ = [
    'BaseMaskGenerator', 'CascadeDistillRestorer', 'FUSION_PRESETS',
    'FelzenszwalbMaskGenerator', 'ImageNetMobileNetV2',
    'MobileNetV2FeatureExtractor', 'PascalDeepLabV3', 'PriorSource',
    'SAM2MaskGenerator',
    'SAMMaskGenerator', 'SGRLoss', 'SLICMaskGenerator', 'SPDLoss', 'SPFUnit',
    'SegmenterProbabilityPrior', 'SemanticPriorFusion', 'SemanticTeacher',
    'SemanticSegmenterMaskGenerator', 'VGGFeatureExtractor', 'ViewDistillLoss',
    'bundled_weights'
]
