from .fusion_points import (FUSION_PRESETS, as_feature_map, block_hooks,
                            recorded_features, resolve_fusion_points)
from .semantic_prior_fusion import SemanticPriorFusion
from .spf_unit import SemanticSelectionAttention, SPFUnit

__all__ = [
    'FUSION_PRESETS', 'SPFUnit', 'SemanticPriorFusion',
    'SemanticSelectionAttention', 'as_feature_map', 'block_hooks',
    'recorded_features', 'resolve_fusion_points'
]
