from .load_sam_mask import LoadSAMMask
from .paired_random_crop_with_masks import PairedRandomCropWithMasks

__all__ = ['LoadSAMMask', 'PairedRandomCropWithMasks']
