from .generate_coordinate_map import GenerateCoordinateMap
from .load_sam_mask import LoadSAMMask
from .paired_random_crop_with_masks import PairedRandomCropWithMasks
from .synthesize_degradation import SynthesizeDegradation
from .with_sam_masks import WithSAMMasks, add_sam_masks

__all__ = ['GenerateCoordinateMap', 'LoadSAMMask', 'PairedRandomCropWithMasks',
           'SynthesizeDegradation', 'WithSAMMasks', 'add_sam_masks']
