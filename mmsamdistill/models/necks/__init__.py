from .semantic_prior_fusion import (FUSION_PRESETS, SemanticPriorFusion,
                                    as_feature_map, recorded_features,
                                    resolve_fusion_points)
from .spf_unit import SemanticSelectionAttention, SPFUnit

__all__ = [
    'FUSION_PRESETS', 'SPFUnit', 'SemanticPriorFusion',
    'SemanticSelectionAttention', 'as_feature_map', 'recorded_features',
    'resolve_fusion_points'
]
