from .semantic_prior_fusion import FUSION_PRESETS, SemanticPriorFusion
from .spf_unit import SemanticSelectionAttention, SPFUnit

__all__ = [
    'FUSION_PRESETS', 'SPFUnit', 'SemanticPriorFusion',
    'SemanticSelectionAttention'
]
