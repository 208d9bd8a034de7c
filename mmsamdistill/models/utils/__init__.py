from .feature_pairs import paired_features
from .frozen_network import FrozenNetwork
from .mask_ops import label_map_to_masks, mask_prototypes, resize_masks

__all__ = [
    'FrozenNetwork', 'label_map_to_masks', 'mask_prototypes',
    'paired_features', 'resize_masks'
]
