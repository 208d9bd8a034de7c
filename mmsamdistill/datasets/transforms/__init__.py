from .generate_coordinate_map import GenerateCoordinateMap
from .load_sam_mask import LoadSAMMask
from .paired_random_crop_with_masks import PairedRandomCropWithMasks

__all__ = ['GenerateCoordinateMap', 'LoadSAMMask', 'PairedRandomCropWithMasks']
