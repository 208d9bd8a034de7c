from .cityscapes_syn import list_cityscapes_syn, prepare_cityscapes_syn
from .label_map_io import (masks_to_label_map, mirrored_mask_path,
                           read_label_map, read_sidecar, write_label_map,
                           write_sidecar)
from .mask_cache import generate_mask_cache, list_images
from .paper_datasets import (PAPER_DATASETS, PaperDataset,
                             prepare_paper_dataset)
from .transforms import (GenerateCoordinateMap, LoadSAMMask,
                         PairedRandomCropWithMasks)

__all__ = [
    'list_cityscapes_syn', 'prepare_cityscapes_syn',
    'PAPER_DATASETS', 'PaperDataset', 'prepare_paper_dataset',
    'GenerateCoordinateMap', 'LoadSAMMask', 'PairedRandomCropWithMasks',
    'generate_mask_cache', 'list_images', 'masks_to_label_map',
    'mirrored_mask_path', 'read_label_map', 'read_sidecar',
    'write_label_map', 'write_sidecar'
]
