from .base_mask_generator import BaseMaskGenerator
from .classical_mask_generators import (FelzenszwalbMaskGenerator,
                                        SLICMaskGenerator)
from .online_mask_source import OnlineMaskSource
from .prior_source import PriorSource
from .sam2_mask_generator import SAM2MaskGenerator
from .sam_mask_generator import SAMMaskGenerator
from .segmenter_probability_prior import SegmenterProbabilityPrior
from .semantic_segmenter_mask_generator import SemanticSegmenterMaskGenerator

__all__ = [
    'BaseMaskGenerator', 'FelzenszwalbMaskGenerator', 'OnlineMaskSource',
    'PriorSource',
    'SAM2MaskGenerator', 'SAMMaskGenerator', 'SLICMaskGenerator',
    'SegmenterProbabilityPrior', 'SemanticSegmenterMaskGenerator'
]
