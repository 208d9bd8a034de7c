from .label_map_io import (masks_to_label_map, mirrored_mask_path,
                           read_label_map, read_sidecar, write_label_map,
                           write_sidecar)
from .transforms import (GenerateCoordinateMap, LoadSAMMask,
                         PairedRandomCropWithMasks)

__all__ = [
    'GenerateCoordinateMap', 'LoadSAMMask', 'PairedRandomCropWithMasks',
    'masks_to_label_map', 'mirrored_mask_path', 'read_label_map',
    'read_sidecar', 'write_label_map', 'write_sidecar'
]
