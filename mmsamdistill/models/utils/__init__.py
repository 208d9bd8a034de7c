from .frozen_network import FrozenNetwork
from .mask_ops import label_map_to_masks, resize_masks

__all__ = ['FrozenNetwork', 'label_map_to_masks', 'resize_masks']
